"""Referring a seeker to a posting and recording the outcome: each one transaction with its audit rows."""

import datetime
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from kakehashi.accounts.models import Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker, SeekerStatus

from .models import Outcome, Referral


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
    record(acting_user, Action.CREATE, Referral, referral, purpose=_("職業紹介"), subject=seeker,
           detail={"posting": posting.posting_id})
    return referral


@transaction.atomic
def do_record_outcome(referral: Referral, *, outcome: str, outcome_on: datetime.date | None,
                      acting_user: Staff) -> Referral:
    """Record the employer's answer. A hire marks the seeker as employed (their support continues as
    retention follow-up, not as job search)."""
    referral.outcome = outcome
    referral.outcome_on = outcome_on
    errors = referral.clean_outcome()
    if errors:
        raise ActionError(" ".join(errors))
    referral.save(update_fields=["outcome", "outcome_on", "updated_at"])
    record(acting_user, Action.UPDATE, Referral, referral, purpose=_("紹介結果の記録"), subject=referral.seeker,
           detail={"outcome": outcome, "outcome_on": outcome_on.isoformat() if outcome_on else None})
    if outcome == Outcome.HIRED and referral.seeker.status != SeekerStatus.EMPLOYED:
        referral.seeker.status = SeekerStatus.EMPLOYED
        referral.seeker.save(update_fields=["status", "updated_at"])
        record(acting_user, Action.UPDATE, Seeker, referral.seeker, purpose=_("就職による状況変更"),
               detail={"fields": ["status"]})
    return referral
