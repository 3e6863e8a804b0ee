"""Referrals: the list and one referral; referring a seeker, the employer's answer and trial employment, each
through the action the staff pages use (``referrals.actions``), never by writing the records here.

Input that cannot be used changes nothing: the body is checked whole before any action runs (422 naming each
field), a record it names that the integration may not see is answered like a missing one, and a rule of the
domain that refuses the change (a posting closed on the day, a trial already recorded) answers 409 with the
action's own message, the action's transaction rolled back."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router
from ninja.responses import Status

from kakehashi.core.access import find_visible, get_visible
from kakehashi.core.errors import ActionError
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import Posting
from kakehashi.referrals import actions
from kakehashi.referrals.models import Outcome, Referral, ReferralQuerySet, TrialEmployment
from kakehashi.seekers.models import Seeker

from . import answers
from .guard import principal, requires
from .paging import PageQuery, page
from .problems import invalid, problem
from .responses import for_change, for_detail, for_list
from .schemas import (
    TEXT,
    Day,
    Moment,
    OutcomeIn,
    ReferralIn,
    ReferralOut,
    ReferralPage,
    TrialEndIn,
    TrialStartIn,
)

router = Router(tags=["職業紹介"])


class ReferralFilters(PageQuery):
    seeker_id: str | None = Field(None, pattern=TEXT, max_length=40, description="求職者ID")
    posting_id: str | None = Field(None, pattern=TEXT, max_length=40, description="求人番号")
    outcome: Outcome | None = Field(None, description="結果")
    referred_since: Day | None = Field(None, description="この日以降の紹介")
    updated_since: Moment | None = Field(None, description="この日時以降に更新された紹介")


def visible(request: HttpRequest) -> ReferralQuerySet:
    return Referral.objects.visible_to(principal(request)).select_related("seeker", "posting", "trial")


def search(qs: ReferralQuerySet, f: ReferralFilters) -> ReferralQuerySet:
    if f.seeker_id:
        qs = qs.filter(seeker__seeker_id=nfkc(f.seeker_id))
    if f.posting_id:
        qs = qs.filter(posting__posting_id=nfkc(f.posting_id))
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.referred_since:
        qs = qs.filter(referred_on__gte=f.referred_since)
    if f.updated_since:
        qs = qs.filter(updated_at__gte=f.updated_since)
    return qs


def _load(request: HttpRequest, referral_id: str) -> Referral:
    return get_visible(visible(request), referral_id=nfkc(referral_id))


def _answer(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    """The referral as it now stands, loaded afresh for the integration."""
    return answers.referral(visible(request).get(pk=referral.pk))


@router.get("/referrals", response=for_list(ReferralPage), url_name="referrals", summary="紹介の一覧")
@requires("referrals:read")
def referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> dict[str, object]:
    rows, cursor = page(search(visible(request), filters), filters)
    return {"items": [answers.referral(r) for r in rows], "next_cursor": cursor}


@router.get("/referrals/{referral_id}", response=for_detail(ReferralOut), url_name="referral", summary="紹介")
@requires("referrals:read")
def referral(request: HttpRequest, referral_id: str) -> dict[str, object]:
    return answers.referral(_load(request, referral_id))


@router.post("/referrals", response=for_change(201, ReferralOut), url_name="referral_create", summary="職業紹介の記録")
@requires("referrals:write")
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    user = principal(request)
    seeker = find_visible(Seeker.objects.visible_to(user), seeker_id=nfkc(payload.seeker_id))
    posting = find_visible(Posting.objects.visible_to(user), posting_id=nfkc(payload.posting_id))
    errors = []
    if seeker is None:
        errors.append({"field": "seeker_id", "message": "この求職者IDは見つからないか、閲覧する権限がありません。"})
    if posting is None:
        errors.append({"field": "posting_id", "message": "この求人番号は見つかりません。"})
    if seeker is None or posting is None:
        return invalid(request, errors)
    try:
        created = actions.do_refer(seeker, posting, referred_on=payload.referred_on,
                                   trial_employment=payload.trial_employment, acting_user=user)
    except ActionError as e:
        return problem(request, 409, str(e))
    return Status(201, _answer(request, created))


@router.put("/referrals/{referral_id}/outcome", response=for_change(200, ReferralOut), url_name="referral_outcome",
            summary="紹介結果の記録")
@requires("referrals:write")
def referral_outcome(request: HttpRequest, referral_id: str, payload: OutcomeIn) -> Any:
    found = _load(request, referral_id)
    errors = Referral.outcome_problems(outcome=payload.outcome, outcome_on=payload.outcome_on,
                                       referred_on=found.referred_on, interview_on=found.interview_on,
                                       reason=payload.reason)
    if errors:
        return invalid(request, [{"field": f, "message": m} for f, m in errors])
    try:
        actions.do_record_outcome(found, outcome=payload.outcome, outcome_on=payload.outcome_on,
                                  reason=payload.reason, employer_note=payload.employer_note,
                                  acting_user=principal(request))
    except ActionError as e:
        return problem(request, 409, str(e))
    return _answer(request, found)


@router.post("/referrals/{referral_id}/trial", response=for_change(201, ReferralOut), url_name="trial_start",
             summary="トライアル雇用の開始")
@requires("referrals:write")
def trial_start(request: HttpRequest, referral_id: str, payload: TrialStartIn) -> Any:
    found = _load(request, referral_id)
    try:
        actions.do_start_trial(found, started_on=payload.started_on, planned_end_on=payload.planned_end_on,
                               acting_user=principal(request))
    except ActionError as e:
        return problem(request, 409, str(e))
    return Status(201, _answer(request, found))


@router.post("/referrals/{referral_id}/trial/end", response=for_change(200, ReferralOut), url_name="trial_end",
             summary="トライアル雇用の終了（常用雇用への移行・中途終了・期間満了）")
@requires("referrals:write")
def trial_end(request: HttpRequest, referral_id: str, payload: TrialEndIn) -> Any:
    found = _load(request, referral_id)
    trial = TrialEmployment.objects.filter(referral=found).first()
    if trial is None:
        return problem(request, 409, "この紹介にはトライアル雇用の記録がありません。")
    try:
        actions.do_end_trial(trial, outcome=payload.outcome, ended_on=payload.ended_on, note=payload.note,
                             acting_user=principal(request))
    except ActionError as e:
        return problem(request, 409, str(e))
    return _answer(request, found)
