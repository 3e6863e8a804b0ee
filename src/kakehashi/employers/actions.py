"""Changes to employers and their visits. Each is one transaction with its audit row: the view validates the
form, the action places the record, gives it its id and saves it."""

import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Staff
from kakehashi.core.actions import do_save_record
from kakehashi.reference.places import set_place

from .models import Employer, EmployerVisit, VisitParty


def new_employer_id() -> str:
    """An id for an employer registered here rather than imported (imported ones keep Hello Work's)."""
    return f"E-{uuid.uuid4().hex[:8].upper()}"


def new_visit_id() -> str:
    """An id for a visit or job-development contact recorded here."""
    return f"V-{uuid.uuid4().hex[:10].upper()}"


@transaction.atomic
def do_save_employer(employer: Employer, *, changed: list[str], acting_user: Staff) -> Employer:
    """Register or update ``employer``: placed from its postal code when that changed or it has no town yet,
    given an id when it has none."""
    employer.employer_id = employer.employer_id or new_employer_id()
    if "postal_code" in changed or employer.town_id is None:
        set_place(employer)
    return do_save_record(employer, acting_user=acting_user, purpose=N_("事業所情報の登録・更新"), changed=changed)


@transaction.atomic
def do_record_visit(visit: EmployerVisit, *, employer: Employer, acting_user: Staff,
                    save_m2m: Callable[[], None] | None = None) -> EmployerVisit:
    """Record a visit to ``employer`` by ``acting_user`` for their party; ``save_m2m`` saves the form's hiring
    needs once the visit exists."""
    visit.employer = employer
    visit.staff = acting_user
    visit.by = VisitParty.of(acting_user.agency_kind, VisitParty.CITY)
    visit.visit_id = visit.visit_id or new_visit_id()
    return do_save_record(visit, acting_user=acting_user, purpose=N_("事業所訪問の記録"), subject=employer,
                          save_m2m=save_m2m)
