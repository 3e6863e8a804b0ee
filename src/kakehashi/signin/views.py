"""Sign-in pages: password, second factor, enrolment, one's own account and password, and the administrator's
page of every account's sign-in state."""

from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kakehashi.accounts.models import Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action

from . import actions, second_factor, sessions
from .forms import CodeForm
from .lockout import client_ip, locked_usernames

EXPIRED = {
    sessions.IDLE: gettext_lazy("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"),
    sessions.ABSOLUTE: gettext_lazy("ログインしてから長時間が経過したため、ログアウトしました。もう一度ログインしてください。"),
}
CHANGE_FORM_MISSES = "kakehashi_password_change_failures"


def _next(request: HttpRequest) -> str:
    """Where to go once signed in: the ``next`` asked for when it is a page of this site, else the home page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


def _staff(request: HttpRequest) -> Staff:
    """The signed-in staff member (the views below are all behind ``login_required``)."""
    user = request.user
    if not isinstance(user, Staff):
        raise PermissionDenied
    return user


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class SignInView(auth_views.LoginView):
    """The password step. With the second factor on, it leads to the code (or, the first time, to enrolment);
    a lockout answers with this page and the lockout message (``lockout.lockout_response``)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["expired"] = EXPIRED.get(self.request.GET.get("expired", ""), "")
        return context

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if not second_factor.required():
            return url
        step = "signin:verify" if second_factor.is_enrolled(self.request.user) else "signin:enrol"
        return _with_next(step, url)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second-factor step: a code from the authenticator app, or a recovery code (each works once)."""
    user = request.user
    next_url = _next(request)
    if second_factor.satisfied(user):
        return HttpResponseRedirect(next_url)
    if not second_factor.is_enrolled(user):
        return HttpResponseRedirect(_with_next("signin:enrol", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = second_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            recovery = isinstance(device, StaticDevice)
            record(user, Action.LOGIN, Staff, user, purpose="ログイン",
                   detail={"factor": "recovery_code" if recovery else "totp", "ip": client_ip(request)})
            if recovery:
                messages.warning(request, _("リカバリーコードでログインしました。残りは%(count)d個です。"
                                            "スマートフォンを紛失した場合はシステム管理者に連絡してください。")
                                 % {"count": second_factor.recovery_codes_left(user)})
            return HttpResponseRedirect(next_url)
        record(None, Action.LOGIN_FAILED, Staff, user, purpose="ログイン失敗",
               detail={"username": user.get_username(), "factor": "second", "ip": client_ip(request),
                       "throttled": throttled})
        form.add_error("code", _("確認コードの誤りが続いたため、少し時間をおいてから入力してください。") if throttled
                       else _("確認コードが正しくありません。"))
    return render(request, "signin/verify.html", {"form": form, "next": next_url})


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Enrolment of the authenticator app: a QR code (and the key, for typing), then the first code it shows.
    A user who already has one must pass it before replacing it."""
    user = request.user
    next_url = _next(request)
    if second_factor.is_enrolled(user) and not second_factor.is_verified(user):
        return HttpResponseRedirect(_with_next("signin:verify", next_url))
    device = second_factor.pending_authenticator(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.confirm(device, form.cleaned_data["code"]):
            codes = actions.do_enrol_second_factor(device, acting_user=user)
            device.refresh_from_db()
            django_otp.login(request, device)
            request.session.cycle_key()
            return render(request, "signin/recovery_codes.html", {"codes": codes, "next": next_url,
                                                                  "enrolled": True})
        form.add_error("code", _("確認コードが正しくありません。認証アプリに今表示されているコードを入力してください。"))
    return render(request, "signin/enrol.html", {
        "form": form, "next": next_url, "qr": second_factor.qr_svg(device),
        "secret": second_factor.secret_for_typing(device), "replacing": second_factor.is_enrolled(user)})


@require_POST
@login_required
def renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if not second_factor.is_enrolled(user):
        return redirect("signin:account")
    codes = actions.do_renew_recovery_codes(user, acting_user=user)
    return render(request, "signin/recovery_codes.html", {"codes": codes, "next": reverse("signin:account"),
                                                          "enrolled": False})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "signin/account.html", {
        "required": second_factor.required(), "enrolled": second_factor.is_enrolled(user),
        "codes_left": second_factor.recovery_codes_left(user),
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60, "max_hours": settings.SESSION_COOKIE_AGE // 3600,
    })


class PasswordChangeView(auth_views.PasswordChangeView):
    """One's own password, checked by the installation's validators; the change is audited. Wrong current
    passwords are audited as failed sign-ins, and as many in a row as the lockout allows end the session."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("signin:password_change_done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            actions.do_record_password_change(_staff(self.request), acting_user=self.request.user)
        self.request.session.pop(CHANGE_FORM_MISSES, None)
        return response

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        if "old_password" in form.errors:
            request = self.request
            user = request.user
            failures = int(request.session.get(CHANGE_FORM_MISSES, 0)) + 1
            request.session[CHANGE_FORM_MISSES] = failures
            record(None, Action.LOGIN_FAILED, Staff, user, purpose="ログイン失敗",
                   detail={"username": user.get_username(), "factor": "password_change", "ip": client_ip(request)})
            if failures >= settings.AXES_FAILURE_LIMIT:
                request.kakehashi_signout_reason = "password_change_failures"  # type: ignore[attr-defined]  # read by the audit receiver
                logout(request)
                return redirect("login")
        return super().form_invalid(form)


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    """Every account's sign-in state for the administrator: authenticator enrolled, recovery codes left,
    locked out now, last sign-in."""
    people = list(Staff.objects.select_related("agency").order_by("agency__kind", "agency__code", "username"))
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    locked = locked_usernames()
    rows = [{"staff": s, "enrolled": s.pk in enrolled, "locked_until": locked.get(s.get_username())}
            for s in people]
    record(request.user, Action.VIEW, Staff, [s.pk for s in people], purpose="職員の認証設定")
    return render(request, "signin/staff.html", {"rows": rows})


@require_POST
@login_required
def staff_reset(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Staff, pk=pk)
    actions.do_reset_second_factor(person, acting_user=request.user)
    messages.success(request, _("%(name)s さんの2段階認証をリセットしました。次のログインで認証アプリを登録し直します。")
                     % {"name": person})
    return redirect("signin:staff")


@require_POST
@login_required
def staff_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Staff, pk=pk)
    actions.do_unlock_sign_in(person, acting_user=request.user)
    messages.success(request, _("%(name)s さんのログインのロックを解除しました。") % {"name": person})
    return redirect("signin:staff")
