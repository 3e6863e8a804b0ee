"""django-axes, as this installation uses it: who the client is, what a locked-out sign-in sees, and who is
locked out now (for the administrator's page)."""

import datetime
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind a reverse proxy (``CLIENT_IP_HEADER`` set) the address
    ``TRUSTED_PROXY_COUNT`` places from the right of that header — the one our own proxy wrote. Entries further
    left were sent by the client and could be anything."""
    header = settings.KAKEHASHI_CLIENT_IP_HEADER
    if header:
        key = "HTTP_" + header.upper().replace("-", "_")
        hops = [h.strip() for h in request.META.get(key, "").split(",") if h.strip()]
        count = max(settings.KAKEHASHI_TRUSTED_PROXY_COUNT, 1)
        if len(hops) >= count:
            return str(hops[-count])
    return str(request.META.get("REMOTE_ADDR", ""))


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return _("ログインの失敗が続いたため、このユーザー名でのこの端末からのログインを%(minutes)d分間停止しています。"
             "時間をおいてから再度お試しください。急ぐ場合はシステム管理者にロックの解除を依頼してください。") % {
        "minutes": lockout_minutes()}


def lockout_response(request: HttpRequest, original_response: Any = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The sign-in page again, with the lockout message instead of the form's error (axes'
    ``AXES_LOCKOUT_CALLABLE``). The message is the same whether or not the username exists."""
    username = str((credentials or {}).get("username") or "")[:150]
    form = AuthenticationForm(request, initial={"username": username})
    response = TemplateResponse(request, "registration/login.html",
                                {"form": form, "lockout": lockout_message(), "next": request.POST.get("next", "")},
                                status=429)
    return response.render()


def cool_off_start() -> datetime.datetime:
    return timezone.now() - settings.AXES_COOLOFF_TIME


def locked_usernames() -> dict[str, datetime.datetime]:
    """Usernames locked out now (from at least one address), with the time the lock ends."""
    locked: dict[str, datetime.datetime] = {}
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                                            attempt_time__gte=cool_off_start())
    for username, at in attempts.values_list("username", "attempt_time"):
        until = at + settings.AXES_COOLOFF_TIME
        if username and (username not in locked or until > locked[username]):
            locked[username] = until
    return locked
