"""Changes to seekers. Each is one transaction with its audit row."""

import datetime
import uuid

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import AgencyKind, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError
from kakehashi.reference.places import set_place

from .models import Consent, Consultation, DesiredOccupation, Experience, ReferredBy, Seeker


def _set_needs(seeker: Seeker, desired: list[str], experiences: dict[str, float]) -> None:
    seeker.desired_occupations.all().delete()
    DesiredOccupation.objects.bulk_create(
        [DesiredOccupation(seeker=seeker, occupation_id=code, rank=i) for i, code in enumerate(desired, start=1)]
    )
    seeker.experiences.all().delete()
    Experience.objects.bulk_create(
        [Experience(seeker=seeker, occupation_id=code, years=years) for code, years in experiences.items()]
    )


@transaction.atomic
def do_register_seeker(seeker: Seeker, *, desired: list[str], experiences: dict[str, float],
                       acting_user: Staff) -> Seeker:
    """Register a new seeker, held by the acting user's agency (a caseworker's seekers are the city's,
    referred by their welfare office)."""
    kind = acting_user.agency_kind
    seeker.seeker_id = seeker.seeker_id or f"K-{uuid.uuid4().hex[:10].upper()}"
    seeker.registered_by = AgencyKind.HELLO_WORK if kind == AgencyKind.HELLO_WORK else AgencyKind.CITY
    if kind == AgencyKind.WELFARE_OFFICE:
        seeker.referred_by = ReferredBy.WELFARE_OFFICE
        seeker.referring_agency = acting_user.agency
    set_place(seeker)
    seeker.save()
    _set_needs(seeker, desired, experiences)
    record(acting_user, Action.CREATE, Seeker, seeker, purpose=N_("求職者の登録"))
    return seeker


@transaction.atomic
def do_update_seeker(seeker: Seeker, *, changed: list[str], desired: list[str], experiences: dict[str, float],
                     acting_user: Staff) -> Seeker:
    if "postal_code" in changed:
        set_place(seeker)
    seeker.save()
    _set_needs(seeker, desired, experiences)
    record(acting_user, Action.UPDATE, Seeker, seeker, purpose=N_("求職者情報の更新"), detail={"fields": changed})
    return seeker


@transaction.atomic
def do_add_consent(consent: Consent, *, acting_user: Staff) -> Consent:
    consent.save()
    record(acting_user, Action.CREATE, Consent, consent, purpose=N_("同意の記録"), subject=consent.seeker,
           detail={"seeker": consent.seeker.seeker_id, "party": consent.party, "purpose": consent.purpose})
    return consent


@transaction.atomic
def do_withdraw_consent(consent: Consent, *, on: datetime.date, acting_user: Staff) -> Consent:
    if consent.withdrawn_on is not None:
        raise ActionError(_("この同意はすでに撤回されています。"))
    if on < consent.given_on:
        raise ActionError(_("撤回日が同意日より前になっています。"))
    consent.withdrawn_on = on
    consent.save(update_fields=["withdrawn_on"])
    record(acting_user, Action.UPDATE, Consent, consent, purpose=N_("同意の撤回"), subject=consent.seeker,
           detail={"seeker": consent.seeker.seeker_id, "withdrawn_on": on.isoformat()})
    return consent


@transaction.atomic
def do_add_consultation(consultation: Consultation, *, acting_user: Staff) -> Consultation:
    consultation.staff = acting_user
    consultation.agency = acting_user.agency
    consultation.save()
    record(acting_user, Action.CREATE, Consultation, consultation, purpose=N_("相談記録"),
           subject=consultation.seeker,
           detail={"seeker": consultation.seeker.seeker_id, "kind": consultation.kind})
    return consultation
