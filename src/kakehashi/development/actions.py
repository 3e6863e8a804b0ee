"""Changes made in job development: recording a contact, linking the posting it produced, storing the month's
needs-gap figures. Each is one transaction with its audit rows inside."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Site, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError
from kakehashi.employers.actions import new_visit_id
from kakehashi.employers.models import Employer, EmployerVisit, Source, VisitParty
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from kakehashi.seekers.models import Seeker

from .gap import build_board, market, snapshot_rows
from .models import ContactOutcome, DevelopmentContact, GapSnapshot, Level


@dataclass
class ContactInput:
    """What a development contact records (the visit's fields and the contact's own)."""

    visited_on: datetime.date
    method: str
    outcome: str
    occupation: Occupation | None = None
    area: str = ""
    for_seeker: Seeker | None = None
    follows: EmployerVisit | None = None
    hiring_need_occupations: Iterable[Occupation] = field(default_factory=list)
    hiring_need_openings: int | None = None
    hiring_timing: str = ""
    open_to_trial: bool | None = None
    open_to_long_gap: bool | None = None
    open_to_older: bool | None = None
    note: str = ""


def _check_posting(visit: EmployerVisit, posting: Posting) -> None:
    if posting.source == Source.FEED:
        raise ActionError(_("求人 %(posting)s はハローワーク求人情報から取り込んだ求人のため、開拓求人にはできません。")
                          % {"posting": posting.posting_id})
    if posting.employer_id != visit.employer_id:
        raise ActionError(_("求人 %(posting)s は %(employer)s の求人ではありません。")
                          % {"posting": posting.posting_id, "employer": visit.employer.name})
    if posting.received_on < visit.visited_on:
        raise ActionError(_("求人 %(posting)s の受理日（%(received)s）が訪問・連絡の日（%(visited)s）より前です。"
                            "この連絡から生まれた求人ではありません。")
                          % {"posting": posting.posting_id, "received": f"{posting.received_on:%Y-%m-%d}",
                             "visited": f"{visit.visited_on:%Y-%m-%d}"})


@transaction.atomic
def do_record_contact(*, acting_user: Staff, employer: Employer, data: ContactInput,
                      posting: Posting | None = None) -> DevelopmentContact:
    """Record a visit or call to ``employer`` for job development, what it was for and how it ended; with
    ``posting``, also the posting it produced (which is then counted as developed)."""
    if data.follows is not None and data.follows.employer_id != employer.pk:
        raise ActionError(_("対応する求人ニーズは同じ事業所の訪問記録から選んでください。"))
    if data.follows is not None and data.follows.visited_on > data.visited_on:
        raise ActionError(_("対応する求人ニーズの訪問日が、この連絡の日より後になっています。"))
    if posting is not None and data.outcome != ContactOutcome.POSTING:
        raise ActionError(_("受理した求人を選んだときは、結果を「求人を受理」にしてください。"))
    visit = EmployerVisit.objects.create(
        visit_id=new_visit_id(), employer=employer, visited_on=data.visited_on,
        by=VisitParty.of(acting_user.agency_kind, VisitParty.HELLO_WORK), staff=acting_user,
        method=data.method, hiring_need_openings=data.hiring_need_openings, hiring_timing=data.hiring_timing,
        open_to_trial=data.open_to_trial, open_to_long_gap=data.open_to_long_gap, open_to_older=data.open_to_older,
        for_seeker=data.for_seeker, note=data.note,
    )
    visit.hiring_need_occupations.set(list(data.hiring_need_occupations))
    contact = DevelopmentContact.objects.create(visit=visit, occupation=data.occupation, area=data.area,
                                                follows=data.follows, outcome=data.outcome)
    record(acting_user, Action.CREATE, EmployerVisit, visit, purpose=N_("求人開拓の記録"), subject=employer,
           detail={"outcome": data.outcome, "follows": data.follows.pk if data.follows else None})
    if data.for_seeker is not None:
        # The seeker's own trail shows that their background was used in a contact with this employer.
        record(acting_user, Action.CREATE, DevelopmentContact, contact, purpose=N_("個別求人開拓の記録"),
               subject=data.for_seeker, detail={"employer": employer.employer_id})
    if posting is not None:
        _link(visit, posting, acting_user)
    return contact


def _link(visit: EmployerVisit, posting: Posting, acting_user: Staff) -> None:
    _check_posting(visit, posting)
    visit.resulting_posting = posting
    visit.save(update_fields=["resulting_posting"])
    contact, _created = DevelopmentContact.objects.get_or_create(visit=visit,
                                                                 defaults={"outcome": ContactOutcome.POSTING})
    if contact.outcome != ContactOutcome.POSTING:
        contact.outcome = ContactOutcome.POSTING
        contact.save(update_fields=["outcome"])
    record(acting_user, Action.UPDATE, EmployerVisit, visit, purpose=N_("開拓した求人の記録"), subject=visit.employer,
           detail={"fields": ["resulting_posting"], "posting": posting.posting_id})
    if not posting.developed:
        posting.developed = True
        posting.save(update_fields=["developed", "updated_at"])
        record(acting_user, Action.UPDATE, Posting, posting, purpose=N_("開拓求人としての記録"),
               detail={"fields": ["developed"], "visit": visit.visit_id})


@transaction.atomic
def do_link_posting(*, acting_user: Staff, visit: EmployerVisit, posting: Posting) -> EmployerVisit:
    """Record that ``visit`` produced ``posting``: the visit names it, its contact's outcome becomes "posting
    received", and the posting is counted as developed (開拓求人)."""
    _link(visit, posting, acting_user)
    return visit


@transaction.atomic
def do_save_gap_snapshot(*, acting_user: Staff | None, site: Site | None, day: datetime.date,
                         refresh: bool = False) -> int:
    """Store the needs gap of ``day`` (a month end) for ``site`` (None: all sites) at both occupation levels,
    replacing what was stored for that day. Returns the number of rows."""
    found = market(day, refresh=refresh)
    GapSnapshot.objects.filter(site=site, month=day).delete()
    rows = []
    for level in (Level.MIDDLE, Level.MAJOR):
        rows += snapshot_rows(build_board(site=site, day=day, level=level, found=found))
    GapSnapshot.objects.bulk_create(rows)
    record(acting_user, Action.CREATE, GapSnapshot, None, purpose=N_("需給ギャップの月次集計"),
           detail={"site": site.code if site else "", "month": day.isoformat(), "rows": len(rows)})
    return len(rows)
