"""Changes to welfare cases. Each is one transaction with its audit rows; the subject of every row is the
recipient, so their trail shows the whole case."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import AgencyKind, Site, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError
from kakehashi.seekers.models import Consent, ConsentPurpose, Seeker

from .models import (
    BenefitChange,
    CaseOutcome,
    RequestStatus,
    SupportPlan,
    SupportRequest,
    SupportVisit,
)


def _audit(acting_user: Staff, action: str, obj: Any, request: SupportRequest, purpose: str, **detail: Any) -> None:
    record(acting_user, action, type(obj), obj, purpose=purpose, subject=request.seeker, detail=detail)


@transaction.atomic
def do_file_support_request(seeker: Seeker, *, site: Site, requested_on: datetime.date, needs: str,
                            consent_given_on: datetime.date, acting_user: Staff) -> SupportRequest:
    """File a support request for a recipient, recording in the same step their consent that Hello Work may see
    their record for job support (the consent is what lets the desk's Hello Work staff open it)."""
    office = acting_user.agency if acting_user.agency_kind == AgencyKind.WELFARE_OFFICE else seeker.referring_agency
    if office is None or office.kind != AgencyKind.WELFARE_OFFICE:
        raise ActionError(_("支援要請は福祉事務所から行います。"))
    if seeker.referring_agency_id != office.pk:
        raise ActionError(_("この求職者は%(office)sから紹介された方ではありません。") % {"office": office})
    if SupportRequest.objects.open().filter(seeker=seeker).exists():
        raise ActionError(_("この方にはすでに受付待ちまたは支援中の支援要請があります。"))
    today = timezone.localdate()
    if requested_on > today:
        raise ActionError(_("要請日に未来の日付は入力できません。"))
    if consent_given_on > requested_on:
        raise ActionError(_("同意日は要請日以前の日付にしてください（同意を得てから要請します）。"))
    consent = (Consent.objects.standing(requested_on)
               .filter(seeker=seeker, party=AgencyKind.HELLO_WORK, purpose=ConsentPurpose.SHARE).first())
    if consent is None:
        consent = Consent.objects.create(seeker=seeker, party=AgencyKind.HELLO_WORK, purpose=ConsentPurpose.SHARE,
                                         given_on=consent_given_on)
        record(acting_user, Action.CREATE, Consent, consent, purpose=N_("支援要請に伴う同意の記録"), subject=seeker,
               detail={"seeker": seeker.seeker_id, "party": consent.party, "purpose": consent.purpose})
    request = SupportRequest.objects.create(
        seeker=seeker, welfare_office=office, caseworker=acting_user if acting_user.agency_id == office.pk else None,
        site=site, requested_on=requested_on, needs=needs, consent=consent)
    _audit(acting_user, Action.CREATE, request, request, N_("支援要請"), seeker=seeker.seeker_id, site=site.code,
           consent=consent.pk)
    return request


@transaction.atomic
def do_accept_support_request(request: SupportRequest, *, accepted_on: datetime.date,
                              acting_user: Staff) -> SupportRequest:
    """The desk takes the case on; an empty joint plan is opened for both sides to fill in."""
    if request.status != RequestStatus.REQUESTED:
        raise ActionError(_("この支援要請は受付待ちではありません（%(s)s）。") % {"s": request.get_status_display()})
    if accepted_on < request.requested_on:
        raise ActionError(_("受付日が要請日より前になっています。"))
    request.status, request.accepted_on, request.accepted_by = RequestStatus.ACCEPTED, accepted_on, acting_user
    request.save(update_fields=["status", "accepted_on", "accepted_by", "updated_at"])
    SupportPlan.objects.get_or_create(request=request, defaults={"updated_by": acting_user})
    _audit(acting_user, Action.UPDATE, request, request, N_("支援要請の受付"), accepted_on=accepted_on.isoformat())
    return request


PLAN_FIELDS = ("goals", "steps", "visit_schedule", "visit_interval_days")


@transaction.atomic
def do_save_support_plan(request: SupportRequest, *, acting_user: Staff, **values: Any) -> SupportPlan:
    """Update the joint plan of an accepted case with ``values`` (goals, steps, visit_schedule,
    visit_interval_days)."""
    if request.status != RequestStatus.ACCEPTED:
        raise ActionError(_("支援プランは受付後、支援中のあいだだけ編集できます。"))
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not plan fields: {sorted(unknown)}")
    plan, _created = SupportPlan.objects.get_or_create(request=request)
    changed = [f for f in PLAN_FIELDS if f in values and getattr(plan, f) != values[f]]
    for f in changed:
        setattr(plan, f, values[f])
    plan.updated_by = acting_user
    plan.save()
    _audit(acting_user, Action.UPDATE, plan, request, N_("支援プランの更新"), fields=changed)
    return plan


@transaction.atomic
def do_record_support_visit(request: SupportRequest, *, on: datetime.date, attended: bool, note: str,
                            acting_user: Staff) -> SupportVisit:
    """Record a planned visit: attended, with what was done, or a no-show. It goes back to the caseworker on
    the case page."""
    if request.status != RequestStatus.ACCEPTED:
        raise ActionError(_("来所は支援中のケースにだけ記録できます。"))
    if on < (request.accepted_on or request.requested_on):
        raise ActionError(_("来所日が受付日より前になっています。"))
    if on > timezone.localdate():
        raise ActionError(_("来所日に未来の日付は入力できません。"))
    visit = SupportVisit.objects.create(request=request, on=on, attended=attended, note=note, staff=acting_user,
                                        agency=acting_user.agency)
    _audit(acting_user, Action.CREATE, visit, request, N_("来所の記録"), on=on.isoformat(), attended=attended)
    return visit


@transaction.atomic
def do_close_support_case(request: SupportRequest, *, closed_on: datetime.date, outcome: str, benefit_change: str,
                          note: str, acting_user: Staff) -> SupportRequest:
    """End the case with its outcome (employed or other) and what became of the benefit — the programme's own
    figures count these."""
    if not request.is_open:
        raise ActionError(_("この支援はすでに終了しています。"))
    if outcome not in CaseOutcome.values or benefit_change not in BenefitChange.values:
        raise ActionError(_("終了の結果と保護の状況を選んでください。"))
    if closed_on < request.requested_on:
        raise ActionError(_("終了日が要請日より前になっています。"))
    request.status, request.closed_on = RequestStatus.CLOSED, closed_on
    request.outcome, request.benefit_change, request.closing_note = outcome, benefit_change, note
    request.save(update_fields=["status", "closed_on", "outcome", "benefit_change", "closing_note", "updated_at"])
    _audit(acting_user, Action.UPDATE, request, request, N_("支援の終了"), closed_on=closed_on.isoformat(),
           outcome=outcome, benefit_change=benefit_change)
    return request
