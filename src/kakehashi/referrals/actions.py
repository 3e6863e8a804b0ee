"""Changes to referrals: referring, the employer's answer, trial employment, retention follow-ups, expiry.

Each function is one transaction; it records the step in ``ReferralEvent`` and writes its audit rows inside it.
"""

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Agency, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError
from kakehashi.employers.models import EmployerVisit
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker, SeekerStatus

from .models import (
    REASONS_FOR,
    Contribution,
    EventKind,
    FollowUp,
    Outcome,
    Reason,
    Referral,
    ReferralEvent,
    ReferralSettings,
    TrialEmployment,
    TrialOutcome,
    planned_trial_end,
)
from .papers import referral_letter_pdf


def _event(referral: Referral, kind: str, on: datetime.date, acting_user: Staff | None, *, reason: str = "",
           note: str = "") -> ReferralEvent:
    return ReferralEvent.objects.create(referral=referral, kind=kind, on=on, staff=acting_user, reason=reason,
                                        note=note)


def _audit(acting_user: Staff | None, action: str, referral: Referral, purpose: str, **detail: Any) -> None:
    record(acting_user, action, Referral, referral, purpose=purpose, subject=referral.seeker, detail=detail)


def _set_seeker_status(seeker: Seeker, status: str, acting_user: Staff | None, purpose: str) -> None:
    if seeker.status != status:
        seeker.status = status
        seeker.save(update_fields=["status", "updated_at"])
        record(acting_user, Action.UPDATE, Seeker, seeker, purpose=purpose, detail={"fields": ["status"]})


def contributing_agencies(seeker: Seeker, posting: Posting, acting_user: Staff) -> set[Agency]:
    """The parties that worked on a referral when it is made: the referring staff member's agency, the agency
    that sent the seeker (a welfare office's support request), and the agencies whose individual job
    development for this seeker opened the posting."""
    agencies: set[Agency] = set()
    if acting_user.agency is not None:
        agencies.add(acting_user.agency)
    if seeker.referring_agency is not None:
        agencies.add(seeker.referring_agency)
    developed = EmployerVisit.objects.filter(for_seeker=seeker, resulting_posting=posting,
                                             staff__agency__isnull=False).select_related("staff__agency")
    agencies.update(v.staff.agency for v in developed if v.staff is not None and v.staff.agency is not None)
    return agencies


@transaction.atomic
def do_refer(seeker: Seeker, posting: Posting, *, referred_on: datetime.date, trial_employment: bool,
             acting_user: Staff) -> Referral:
    if not posting.is_open_on(referred_on):
        raise ActionError(_("この求人は紹介日に受付期間外です（受理日 %(r)s、紹介期限 %(c)s）。") % {
            "r": posting.received_on, "c": posting.closes_on or "—"})
    if referred_on < seeker.registered_on:
        raise ActionError(_("紹介日が求職登録日より前になっています。"))
    if Referral.objects.filter(seeker=seeker, posting=posting, outcome=Outcome.PENDING).exists():
        raise ActionError(_("この求職者はすでにこの求人に紹介され、選考中です。"))
    if trial_employment and not posting.trial_employment_ok:
        raise ActionError(_("この求人はトライアル雇用を併用していません。"))
    referral = Referral.objects.create(
        referral_id=f"R-{uuid.uuid4().hex[:10].upper()}", seeker=seeker, posting=posting,
        referred_on=referred_on, trial_employment=trial_employment, staff=acting_user,
    )
    agencies = contributing_agencies(seeker, posting, acting_user)
    Contribution.objects.bulk_create([Contribution(referral=referral, agency=a) for a in agencies])
    _event(referral, EventKind.REFERRED, referred_on, acting_user)
    record(acting_user, Action.CREATE, Referral, referral, purpose=N_("職業紹介"), subject=seeker,
           detail={"posting": posting.posting_id, "contributors": sorted(a.code for a in agencies)})
    return referral


@transaction.atomic
def do_schedule_interview(referral: Referral, *, interview_on: datetime.date, note: str = "",
                          acting_user: Staff) -> Referral:
    """The employer has set an interview; the reminder clock restarts from its date."""
    if referral.outcome != Outcome.PENDING:
        raise ActionError(_("結果が出ている紹介には面接日を設定できません。"))
    if interview_on < referral.referred_on:
        raise ActionError(_("面接日が紹介日より前になっています。"))
    referral.interview_on = interview_on
    referral.save(update_fields=["interview_on", "updated_at"])
    _event(referral, EventKind.INTERVIEW, interview_on, acting_user, note=note)
    _audit(acting_user, Action.UPDATE, referral, N_("面接日の記録"), interview_on=interview_on.isoformat())
    return referral


@transaction.atomic
def do_record_outcome(referral: Referral, *, outcome: str, outcome_on: datetime.date | None, acting_user: Staff,
                      reason: str = "", employer_note: str | None = None) -> Referral:
    """Record the employer's answer (or the seeker's, or a withdrawal). A hire marks the seeker as employed
    (their support continues as retention follow-up, not as job search); a hire on a trial-employment referral
    starts the trial on the day of the hire."""
    trial = TrialEmployment.objects.filter(referral=referral).first()
    if trial is not None and (outcome != Outcome.HIRED or outcome_on != trial.started_on):
        raise ActionError(_("トライアル雇用が記録されているため、結果は「採用」、結果日はトライアル開始日（%(d)s）のままです。")
                          % {"d": trial.started_on})
    if (outcome == Outcome.HIRED and referral.trial_employment and trial is None
            and referral.outcome != Outcome.HIRED and outcome_on is not None):
        return do_start_trial(referral, started_on=outcome_on, acting_user=acting_user,
                              employer_note=employer_note)
    before = (referral.outcome, referral.outcome_on, referral.reason)
    new_note = employer_note if employer_note is not None and employer_note != referral.employer_note else ""
    referral.outcome = outcome
    referral.outcome_on = outcome_on
    referral.reason = reason if outcome in REASONS_FOR else ""
    if employer_note is not None:
        referral.employer_note = employer_note
    errors = referral.clean_outcome()
    if errors:
        raise ActionError(" ".join(errors))
    referral.save(update_fields=["outcome", "outcome_on", "reason", "employer_note", "updated_at"])
    if before != (referral.outcome, referral.outcome_on, referral.reason):
        kind = EventKind.REOPENED if outcome == Outcome.PENDING else EventKind(outcome)
        _event(referral, kind, outcome_on or referral.waiting_since, acting_user, reason=referral.reason,
               note=new_note)
    _audit(acting_user, Action.UPDATE, referral, N_("紹介結果の記録"), outcome=outcome,
           outcome_on=outcome_on.isoformat() if outcome_on else None, reason=referral.reason)
    if outcome == Outcome.HIRED:
        _set_seeker_status(referral.seeker, SeekerStatus.EMPLOYED, acting_user, N_("就職による状況変更"))
    return referral


@transaction.atomic
def do_start_trial(referral: Referral, *, started_on: datetime.date, acting_user: Staff,
                   planned_end_on: datetime.date | None = None, employer_note: str | None = None) -> Referral:
    """Start a trial employment. It is the placement: the referral becomes ``hired`` on the trial's first day
    (as Hello Work counts it); the later conversion to regular employment counts nothing more."""
    if TrialEmployment.objects.filter(referral=referral).exists():
        raise ActionError(_("この紹介にはすでにトライアル雇用が記録されています。"))
    if not (referral.trial_employment or referral.posting.trial_employment_ok):
        raise ActionError(_("この求人はトライアル雇用を併用していません。"))
    if started_on < referral.referred_on:
        raise ActionError(_("トライアル開始日が紹介日より前になっています。"))
    if referral.outcome == Outcome.HIRED and referral.outcome_on != started_on:
        raise ActionError(_("この紹介は%(d)sに採用として記録されています。トライアル開始日は採用日と同じ日にしてください。")
                          % {"d": referral.outcome_on})
    if referral.outcome not in (Outcome.PENDING, Outcome.HIRED):
        raise ActionError(_("結果が「%(o)s」の紹介ではトライアル雇用を開始できません。")
                          % {"o": referral.get_outcome_display()})
    planned_end_on = planned_end_on or planned_trial_end(started_on)
    if planned_end_on <= started_on:
        raise ActionError(_("終了予定日は開始日より後にしてください。"))
    newly_hired = referral.outcome != Outcome.HIRED
    referral.outcome, referral.outcome_on, referral.reason = Outcome.HIRED, started_on, ""
    referral.trial_employment = True
    if employer_note is not None:
        referral.employer_note = employer_note
    referral.save(update_fields=["outcome", "outcome_on", "reason", "trial_employment", "employer_note",
                                 "updated_at"])
    trial = TrialEmployment.objects.create(referral=referral, started_on=started_on, planned_end_on=planned_end_on)
    if newly_hired:
        _event(referral, EventKind.HIRED, started_on, acting_user, note=employer_note or "")
    _event(referral, EventKind.TRIAL_STARTED, started_on, acting_user)
    _audit(acting_user, Action.UPDATE, referral, N_("トライアル雇用の開始"), outcome=Outcome.HIRED,
           outcome_on=started_on.isoformat())
    record(acting_user, Action.CREATE, TrialEmployment, trial, purpose=N_("トライアル雇用の開始"),
           subject=referral.seeker, detail={"planned_end_on": planned_end_on.isoformat()})
    _set_seeker_status(referral.seeker, SeekerStatus.EMPLOYED, acting_user, N_("就職による状況変更"))
    return referral


_TRIAL_EVENT = {TrialOutcome.CONVERTED: EventKind.TRIAL_CONVERTED, TrialOutcome.ENDED_EARLY: EventKind.TRIAL_ENDED_EARLY,
                TrialOutcome.ENDED: EventKind.TRIAL_ENDED}


@transaction.atomic
def do_end_trial(trial: TrialEmployment, *, outcome: str, ended_on: datetime.date, acting_user: Staff,
                 note: str = "") -> TrialEmployment:
    """Close a trial: converted to regular employment, ended early, or ended at its term. The placement was
    counted at the start and stays; a trial that ends without conversion puts the seeker back into support."""
    if not trial.is_ongoing:
        raise ActionError(_("このトライアル雇用はすでに終了しています（%(o)s）。") % {"o": trial.get_outcome_display()})
    if outcome not in _TRIAL_EVENT:
        raise ActionError(_("トライアル雇用の結果を選んでください。"))
    if ended_on < trial.started_on:
        raise ActionError(_("終了日・移行日が開始日より前になっています。"))
    trial.outcome, trial.ended_on = outcome, ended_on
    trial.save(update_fields=["outcome", "ended_on"])
    referral = trial.referral
    _event(referral, _TRIAL_EVENT[TrialOutcome(outcome)], ended_on, acting_user, note=note)
    record(acting_user, Action.UPDATE, TrialEmployment, trial, purpose=N_("トライアル雇用の結果"),
           subject=referral.seeker, detail={"outcome": outcome, "ended_on": ended_on.isoformat()})
    if outcome != TrialOutcome.CONVERTED:
        _set_seeker_status(referral.seeker, SeekerStatus.ACTIVE, acting_user, N_("トライアル雇用の終了による支援再開"))
    return trial


@transaction.atomic
def do_record_follow_up(referral: Referral, *, milestone: int, checked_on: datetime.date, still_employed: bool,
                        same_employer: bool | None, acting_user: Staff, note: str = "") -> FollowUp:
    """Record a retention check one or six months after a hire."""
    if referral.outcome != Outcome.HIRED or referral.outcome_on is None:
        raise ActionError(_("定着状況は採用になった紹介についてだけ記録できます。"))
    if FollowUp.objects.filter(referral=referral, milestone=milestone).exists():
        raise ActionError(_("この時期の定着状況はすでに記録されています。"))
    if checked_on < referral.outcome_on:
        raise ActionError(_("確認日が採用日より前になっています。"))
    follow_up = FollowUp.objects.create(
        referral=referral, milestone=milestone, checked_on=checked_on, still_employed=still_employed,
        same_employer=same_employer if still_employed else None, note=note, staff=acting_user)
    _event(referral, EventKind.FOLLOW_UP, checked_on, acting_user, note=note)
    record(acting_user, Action.CREATE, FollowUp, follow_up, purpose=N_("定着状況の確認"), subject=referral.seeker,
           detail={"milestone": milestone, "still_employed": still_employed,
                   "same_employer": follow_up.same_employer})
    return follow_up


@transaction.atomic
def do_add_contributor(referral: Referral, *, agency: Agency, acting_user: Staff) -> Contribution:
    """Name another party that worked on this referral, for the breakdown by party."""
    if Contribution.objects.filter(referral=referral, agency=agency).exists():
        raise ActionError(_("%(a)sはすでに関与した機関として記録されています。") % {"a": agency})
    contribution = Contribution.objects.create(referral=referral, agency=agency)
    _audit(acting_user, Action.UPDATE, referral, N_("関与した機関の追加"), contributor=agency.code)
    return contribution


@transaction.atomic
def do_expire_referrals(*, on: datetime.date, acting_user: Staff | None = None) -> list[Referral]:
    """Withdraw every referral whose employer has not answered within its site's limit, with reason
    'expired', as of ``on``. Run daily (``kakehashi expire-referrals``); running it twice changes nothing."""
    expired: list[Referral] = []
    for site_id, limits in ReferralSettings.by_site().items():
        cutoff = on - datetime.timedelta(days=limits.expiry_days)
        stale = (Referral.objects.awaiting_answer().waiting_since_by(cutoff).filter(seeker__site_id=site_id)
                 .select_related("seeker").select_for_update(of=("self",)).order_by("pk"))
        for referral in stale:
            referral.outcome, referral.outcome_on, referral.reason = Outcome.WITHDRAWN, on, Reason.EXPIRED
            referral.save(update_fields=["outcome", "outcome_on", "reason", "updated_at"])
            _event(referral, EventKind.WITHDRAWN, on, acting_user, reason=Reason.EXPIRED)
            _audit(acting_user, Action.UPDATE, referral, N_("回答期限切れによる自動取消"), outcome=Outcome.WITHDRAWN,
                   outcome_on=on.isoformat(), reason=Reason.EXPIRED, expiry_days=limits.expiry_days)
            expired.append(referral)
    return expired


@transaction.atomic
def do_save_referral_settings(limits: ReferralSettings, *, acting_user: Staff) -> ReferralSettings:
    errors = limits.clean_limits()
    if errors:
        raise ActionError(" ".join(errors))
    limits.save()
    record(acting_user, Action.UPDATE, ReferralSettings, limits, purpose=N_("紹介の期限設定"),
           detail={"reminder_days": limits.reminder_days, "expiry_days": limits.expiry_days,
                   "trial_notice_days": limits.trial_notice_days})
    return limits


@transaction.atomic
def do_print_referral_letter(referral: Referral, *, acting_user: Staff) -> bytes:
    """Print the 紹介状 of ``referral`` (``papers.referral_letter_pdf``): the print is kept in the referral's
    history and audited as an export of the seeker's data to the employer. Nothing is recorded when the letter
    cannot be drawn."""
    pdf = referral_letter_pdf(referral, acting_user)
    _event(referral, EventKind.LETTER_PRINTED, timezone.localdate(), acting_user)
    _audit(acting_user, Action.EXPORT, referral, N_("紹介状の印刷"), posting=referral.posting.posting_id)
    return pdf
