"""Referrals: list, record one, and its life after: the employer's answer, the interview, trial employment,
retention follow-ups, contributing parties; the sites' limits for waiting on employers."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese
from django.views.decorators.http import require_POST

from kakehashi.accounts.models import Site, Staff
from kakehashi.accounts.policy import can, may_filter
from kakehashi.core import tables
from kakehashi.core.access import find_visible, get_visible
from kakehashi.core.errors import ActionError
from kakehashi.core.exports import exported
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page
from kakehashi.core.steps import post_step
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker

from . import actions
from .forms import (
    ContributorForm,
    FollowUpForm,
    InterviewForm,
    OutcomeForm,
    ReferralForm,
    ReferralSettingsForm,
    TrialEndForm,
    TrialStartForm,
)
from .models import Milestone, Outcome, Referral, ReferralSettings, TrialEmployment
from .reminders import any_follow_up_due


@login_required
def referral_list(request: AuthedRequest) -> HttpResponse:
    qs = Referral.objects.visible_to(request.user).select_related("seeker", "posting__employer", "staff")
    if request.GET.get("outcome"):
        qs = qs.filter(outcome=request.GET["outcome"])
    if request.GET.get("mine") == "1":
        qs = qs.filter(staff=request.user)
    # A site's referrals are those of its seekers; where a person registered can tell welfare status, so the
    # filter is ignored for whoever may not see a seeker's site (as on the seekers list).
    if request.GET.get("site") and may_filter(request.user, "seekers.Seeker", "site"):
        qs = qs.filter(seeker__site__code=request.GET["site"])
    if request.GET.get("follow_up") == "due":
        qs = qs.filter(any_follow_up_due(timezone.localdate()))
    qs = qs.order_by("-referred_on", "-id")
    if (download := exported(request, tables.REFERRALS, qs)) is not None:
        return download
    page = paginate(request, qs)
    return render(request, "referrals/list.html", {
        "page": page, "query": query_without_page(request), "outcomes": Outcome.choices,
        "can_edit": can(request.user, "referral.edit"),
    })


@login_required
def referral_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    initial: dict[str, object] = {"referred_on": timezone.localdate()}
    seekers = Seeker.objects.visible_to(user)
    if request.GET.get("seeker"):
        initial["seeker_id"] = get_visible(seekers, pk=request.GET["seeker"]).seeker_id
    if request.GET.get("posting"):
        initial["posting_id"] = get_visible(Posting.objects.visible_to(user), pk=request.GET["posting"]).posting_id
    form = ReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        seeker = find_visible(seekers, seeker_id=nfkc(d["seeker_id"]))
        posting = find_visible(Posting.objects.visible_to(user), posting_id=nfkc(d["posting_id"]))
        if seeker is None:
            form.add_error("seeker_id", _("この求職者IDは見つからないか、閲覧する権限がありません。"))
        if posting is None:
            form.add_error("posting_id", _("この求人番号は見つかりません。"))
        if seeker is not None and posting is not None:
            try:
                with transaction.atomic():  # a referral made from a desk's ticket is kept with the ticket
                    referral = actions.do_refer(seeker, posting, referred_on=d["referred_on"],
                                                trial_employment=d["trial_employment"], acting_user=user)
                    if request.GET.get("ticket"):
                        from kakehashi.terminal.actions import do_record_referral_from

                        do_record_referral_from(str(request.GET["ticket"]), referral, acting_user=user)
            except ActionError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("紹介を記録しました。"))
                return redirect("seekers:detail", referral.seeker.pk)
    return render(request, "referrals/form.html", {"form": form})


def _load(user: Staff, pk: int, purpose: str) -> Referral:
    return get_visible(Referral.objects.visible_to(user).select_related("seeker", "posting__employer", "staff"),
                       purpose=purpose, pk=pk)


@login_required
def referral_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    referral = _load(user, pk, N_("紹介の詳細"))
    editable = can(user, "referral.edit")
    form = OutcomeForm(request.POST or None, initial={
        "outcome": referral.outcome, "outcome_on": referral.outcome_on or timezone.localdate(),
        "reason": referral.reason, "employer_note": referral.employer_note})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            # A form that does not carry the note (an older page, a script) must not erase it.
            note = d["employer_note"] if "employer_note" in request.POST else None
            try:
                actions.do_record_outcome(referral, outcome=d["outcome"], outcome_on=d["outcome_on"],
                                          reason=d["reason"], employer_note=note, acting_user=user)
            except ActionError as e:
                form.add_error(None, str(e))
                referral.refresh_from_db()
            else:
                messages.success(request, _("紹介結果を記録しました。"))
                return redirect("referrals:detail", referral.pk)
    today = timezone.localdate()
    trial = TrialEmployment.objects.filter(referral=referral).first()
    follow_ups = list(referral.follow_ups.select_related("staff"))
    pending_milestones = [m for m in Milestone.values if m not in {f.milestone for f in follow_ups}]
    return render(request, "referrals/detail.html", {
        "referral": referral, "form": form, "can_edit": editable,
        "events": referral.events.select_related("staff"),
        "trial": trial,
        "follow_ups": follow_ups,
        "follow_up_due": bool(pending_milestones),
        "contributions": referral.contributions.select_related("agency"),
        # No date is guessed for what has not happened: an interview is typed when the employer sets it, a trial
        # starts on the hire's date only once there is a hire.
        "interview_form": InterviewForm(initial={"interview_on": referral.interview_on}),
        "trial_start_form": TrialStartForm(initial={
            "started_on": referral.outcome_on if referral.outcome == Outcome.HIRED else None}),
        "trial_end_form": TrialEndForm(initial={"ended_on": trial.planned_end_on if trial else today}),
        "follow_up_form": FollowUpForm(initial={"checked_on": today,
                                                "milestone": pending_milestones[0] if pending_milestones else None}),
        "contributor_form": ContributorForm(),
    })


@login_required
@require_POST
def letter(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 紹介状 as a PDF; each print is recorded on the referral (posted, since printing is recorded)."""
    referral = _load(request.user, pk, N_("紹介状の印刷"))
    response = HttpResponse(actions.do_print_referral_letter(referral, acting_user=request.user),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referral-letter-{referral.referral_id}.pdf"'
    return response


def _post_step(request: AuthedRequest, pk: int, form_class: type, purpose: str, done: str,
               step: Callable[[Referral, dict[str, Any], Staff], object]) -> HttpResponse:
    """Run one recorded step on a referral from a small form on its page: refused input changes nothing and
    comes back as a message."""
    user = request.user
    referral = _load(user, pk, purpose)
    return post_step(request, form_class(request.POST), lambda data: step(referral, data, user), done=done,
                     back=redirect("referrals:detail", referral.pk))


@login_required
@require_POST
def interview(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, InterviewForm, N_("面接日の記録"), _("面接日を記録しました。"),
                      lambda r, d, u: actions.do_schedule_interview(r, interview_on=d["interview_on"], note=d["note"],
                                                                    acting_user=u))


@login_required
@require_POST
def trial_start(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, TrialStartForm, N_("トライアル雇用の開始"), _("トライアル雇用の開始を記録しました。"),
                      lambda r, d, u: actions.do_start_trial(r, started_on=d["started_on"],
                                                             planned_end_on=d["planned_end_on"], acting_user=u))


def _end_trial(referral: Referral, d: dict[str, Any], user: Staff) -> object:
    trial = TrialEmployment.objects.filter(referral=referral).first()
    if trial is None:
        raise ActionError(_("この紹介にはトライアル雇用の記録がありません。"))
    return actions.do_end_trial(trial, outcome=d["outcome"], ended_on=d["ended_on"], note=d["note"], acting_user=user)


@login_required
@require_POST
def trial_end(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, TrialEndForm, N_("トライアル雇用の結果"), _("トライアル雇用の結果を記録しました。"),
                      _end_trial)


@login_required
@require_POST
def follow_up(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, FollowUpForm, N_("定着状況の確認"), _("定着状況を記録しました。"),
                      lambda r, d, u: actions.do_record_follow_up(
                          r, milestone=d["milestone"], checked_on=d["checked_on"], still_employed=d["still_employed"],
                          same_employer=d["same_employer"], note=d["note"], acting_user=u))


@login_required
@require_POST
def contributor(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, ContributorForm, N_("関与した機関の追加"), _("関与した機関を追加しました。"),
                      lambda r, d, u: actions.do_add_contributor(r, agency=d["agency"], acting_user=u))


@login_required
def referral_settings(request: AuthedRequest) -> HttpResponse:
    user = request.user
    editable = can(user, "referral.configure")
    rows = []
    for site in Site.objects.all():
        limits = ReferralSettings.for_site(site.pk)
        posted = request.method == "POST" and request.POST.get("site") == site.code
        form = ReferralSettingsForm(request.POST if posted else None, instance=limits, prefix=site.code)
        if posted and form.is_valid():
            try:
                actions.do_save_referral_settings(form.save(commit=False), acting_user=user)
            except ActionError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("%(site)sの期限設定を保存しました。") % {"site": site})
                return redirect("referrals:settings")
        rows.append((site, limits, form))
    return render(request, "referrals/settings.html", {"rows": rows, "can_edit": editable})
