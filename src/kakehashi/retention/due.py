"""Who is due for anonymisation: a seeker whose support has ended and whose last activity is at least the
installation's retention period before the day the rule is applied.

**Last activity** is the latest of:

- the seeker's registration, and the last change to their own record (``updated_at``: a change of status, of
  their details, an import that changed them);
- every dated step of their support (``ACTIVITY``): consultations; consents given or withdrawn; referrals made,
  their interviews and outcomes, every event recorded on them, trials started or ended, retention follow-ups;
  support requests filed, accepted or closed, and the visits of those cases; employer visits made for them
  (individual job development).

**Never due**, however old the record: a seeker whose status is 支援中 (active), or who has a referral awaiting
the employer's answer, a support request still open, or a trial employment under way (``OPEN``). Support that
has not ended is not past its retention, even when nothing was recorded for years.

A seeker already anonymised is not due again, so applying the rule twice changes nothing the second time.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db.models import Exists, Max, Model, OuterRef, Q
from django.utils import timezone

from kakehashi.accounts.models import InstallationSettings
from kakehashi.employers.models import EmployerVisit
from kakehashi.referrals.models import (
    FollowUp,
    Outcome,
    Referral,
    ReferralEvent,
    TrialEmployment,
    TrialOutcome,
    months_after,
)
from kakehashi.seekers.models import Consent, Consultation, Seeker, SeekerQuerySet, SeekerStatus
from kakehashi.welfare.models import OPEN_STATUSES, SupportRequest, SupportVisit

# Each dated step of a person's support: the model, the path from it to its seeker, its date fields.
ACTIVITY: tuple[tuple[type[Model], str, tuple[str, ...]], ...] = (
    (Consultation, "seeker", ("held_on",)),
    (Consent, "seeker", ("given_on", "withdrawn_on")),
    (Referral, "seeker", ("referred_on", "interview_on", "outcome_on")),
    (ReferralEvent, "referral__seeker", ("on",)),
    (TrialEmployment, "referral__seeker", ("started_on", "ended_on")),
    (FollowUp, "referral__seeker", ("checked_on",)),
    (SupportRequest, "seeker", ("requested_on", "accepted_on", "closed_on")),
    (SupportVisit, "request__seeker", ("on",)),
    (EmployerVisit, "for_seeker", ("visited_on",)),
)

# Support that has not ended: a person with any of these is never due.
OPEN: tuple[tuple[type[Model], str, Q], ...] = (
    (Referral, "seeker", Q(outcome=Outcome.PENDING)),
    (SupportRequest, "seeker", Q(status__in=OPEN_STATUSES)),
    (TrialEmployment, "referral__seeker", Q(outcome=TrialOutcome.ONGOING)),
)

# ``__in`` lists are cut to this size: SQLite takes at most 999 parameters in one statement.
CHUNK = 500


@dataclass(frozen=True)
class Period:
    """The rule as applied on ``as_of``: data whose last activity is on or before ``cutoff`` is due."""

    years: int
    as_of: datetime.date

    @property
    def cutoff(self) -> datetime.date:
        """``as_of`` less ``years`` whole years (29 February gives the 28th): a person last seen on this day has
        been gone exactly the period."""
        return months_after(self.as_of, -12 * self.years)

    @classmethod
    def on(cls, as_of: datetime.date) -> Period:
        """The installation's period (``InstallationSettings``) applied on ``as_of``."""
        return cls(InstallationSettings.current().retention_years, as_of)


def _start_of_day_after(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` in the installation's time zone: ``updated_at`` is stored in UTC."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def due_seekers(cutoff: datetime.date) -> SeekerQuerySet:
    """The seekers not yet anonymised whose support has ended and whose last activity is on or before ``cutoff``:
    one query, a NOT EXISTS per kind of record, each answered from the index on its seeker link."""
    qs = (Seeker.objects.filter(anonymised_on__isnull=True, registered_on__lte=cutoff,
                                updated_at__lt=_start_of_day_after(cutoff))
          .exclude(status=SeekerStatus.ACTIVE))
    for model, path, fields in ACTIVITY:
        later = Q()
        for name in fields:
            later |= Q(**{f"{name}__gt": cutoff})
        qs = qs.filter(~Exists(model._default_manager.filter(later, **{path: OuterRef("pk")})))
    for model, path, condition in OPEN:
        qs = qs.filter(~Exists(model._default_manager.filter(condition, **{path: OuterRef("pk")})))
    return qs


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def last_activity(seeker_ids: Iterable[int]) -> dict[int, datetime.date]:
    """Each seeker's last activity (see the module docstring), for saying why they are due: a grouped query per
    kind of record, per chunk of seekers."""
    ids = sorted(set(seeker_ids))
    latest: dict[int, datetime.date] = {}

    def seen(pk: int, day: datetime.date | None) -> None:
        if day is not None and (pk not in latest or day > latest[pk]):
            latest[pk] = day

    for part in chunks(ids):
        for pk, registered_on, updated_at in Seeker.objects.filter(pk__in=part).values_list(
                "pk", "registered_on", "updated_at"):
            seen(pk, registered_on)
            seen(pk, timezone.localdate(updated_at) if updated_at else None)
        for model, path, fields in ACTIVITY:
            rows = (model._default_manager.filter(**{f"{path}__in": part}).order_by().values(path)
                    .annotate(**{f"last_{name}": Max(name) for name in fields}))
            for row in rows:
                for name in fields:
                    seen(row[path], row[f"last_{name}"])
    return latest


def describe(seeker_ids: Sequence[int]) -> list[tuple[int, str, datetime.date]]:
    """(pk, 求職者ID, last activity) of each seeker, in the order given."""
    codes: dict[int, str] = defaultdict(str)
    for part in chunks(seeker_ids):
        codes.update(Seeker.objects.filter(pk__in=part).values_list("pk", "seeker_id"))
    latest = last_activity(seeker_ids)
    return [(pk, codes[pk], latest[pk]) for pk in seeker_ids if pk in latest]
