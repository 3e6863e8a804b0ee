"""Referrals: list, record one, update its outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kakehashi.accounts.permissions import can
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.access import get_visible
from kakehashi.core.errors import ActionError
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker

from . import actions
from .forms import OutcomeForm, ReferralForm
from .models import Outcome, Referral


@login_required
def referral_list(request: AuthedRequest) -> HttpResponse:
    qs = Referral.objects.visible_to(request.user).select_related("seeker", "posting__employer", "staff")
    if request.GET.get("outcome"):
        qs = qs.filter(outcome=request.GET["outcome"])
    if request.GET.get("mine") == "1":
        qs = qs.filter(staff=request.user)
    page = paginate(request, qs.order_by("-referred_on", "-id"))
    record(request.user, Action.VIEW, Referral, [r.pk for r in page], purpose=_("紹介一覧"))
    return render(request, "referrals/list.html", {
        "page": page, "query": query_without_page(request), "outcomes": Outcome.choices,
        "can_edit": can(request.user, "referral.edit"),
    })


@login_required
def referral_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not can(user, "referral.edit"):
        raise PermissionDenied
    initial: dict[str, object] = {"referred_on": timezone.localdate()}
    seekers = Seeker.objects.visible_to(user)
    if request.GET.get("seeker"):
        initial["seeker_id"] = get_visible(seekers, pk=request.GET["seeker"]).seeker_id
    if request.GET.get("posting"):
        initial["posting_id"] = get_visible(Posting.objects.visible_to(user), pk=request.GET["posting"]).posting_id
    form = ReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        seeker = seekers.filter(seeker_id=nfkc(d["seeker_id"])).first()
        posting = Posting.objects.visible_to(user).filter(posting_id=nfkc(d["posting_id"])).first()
        if seeker is None:
            form.add_error("seeker_id", _("この求職者IDは見つからないか、閲覧する権限がありません。"))
        if posting is None:
            form.add_error("posting_id", _("この求人番号は見つかりません。"))
        if seeker is not None and posting is not None:
            try:
                referral = actions.do_refer(seeker, posting, referred_on=d["referred_on"],
                                            trial_employment=d["trial_employment"], acting_user=user)
            except ActionError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("紹介を記録しました。"))
                return redirect("seekers:detail", referral.seeker.pk)
    return render(request, "referrals/form.html", {"form": form})


@login_required
def referral_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    referral = get_visible(Referral.objects.visible_to(user).select_related("seeker", "posting__employer", "staff"),
                           purpose=_("紹介の詳細"), pk=pk)
    record(user, Action.VIEW, Referral, referral, purpose=_("紹介の詳細"), subject=referral.seeker)
    editable = can(user, "referral.edit")
    form = OutcomeForm(request.POST or None, initial={"outcome": referral.outcome,
                                                      "outcome_on": referral.outcome_on or timezone.localdate()})
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.do_record_outcome(referral, outcome=form.cleaned_data["outcome"],
                                          outcome_on=form.cleaned_data["outcome_on"], acting_user=user)
            except ActionError as e:
                form.add_error(None, str(e))
                referral.refresh_from_db()
            else:
                messages.success(request, _("紹介結果を記録しました。"))
                return redirect("referrals:detail", referral.pk)
    return render(request, "referrals/detail.html", {"referral": referral, "form": form, "can_edit": editable})
