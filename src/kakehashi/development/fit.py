"""Which open postings fit which seekers, through the matching engine.

"Fit" is the matching engine's hard conditions — within the seeker's commute, the employment type they want, a
wage not below their floor, the required qualifications and experience — for postings of one occupation at a
time, so that a seeker's fit in an occupation is what a counselor would find searching that occupation for them.
The engine is asked one occupation at a time (an index per occupation, a query per wish) and returns every
fitting posting, not the best ten.

Seekers active on a past date and postings open then are rebuilt from the records as well as they can be: a
seeker counts from registration until their first hire, or — when support ended without a hire — until the last
consultation or referral on record.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from kakehashi.engine.matching import Match, MatchingEngine, Occupations, PostingRecord, SeekerRecord
from kakehashi.postings.models import Posting
from kakehashi.reference.loaders import DATA_DIR
from kakehashi.referrals.models import Outcome
from kakehashi.seekers.models import DesiredOccupation, Experience, Seeker, SeekerStatus

# Out of work this long or longer counts as a long gap, for which trial employment (トライアル雇用) helps.
LONG_GAP_YEARS = 2


@lru_cache(maxsize=1)
def occupations() -> Occupations:
    return Occupations.from_csv(DATA_DIR / "mhlw2022-occupations.csv")


def seeker_record(s: Seeker) -> SeekerRecord:
    """The seeker as the engine reads it (``desired_occupations`` and ``experiences`` prefetched)."""
    wishes = tuple(d.occupation_id for d in sorted(s.desired_occupations.all(), key=lambda d: d.rank))
    return SeekerRecord(
        seeker_id=s.pk,
        desired_occupations=wishes,
        lat=s.lat,
        lng=s.lng,
        max_commute_km=s.max_commute_km,
        employment=s.desired_employment,
        min_wage=s.min_wage,
        wage_unit=s.wage_unit if s.min_wage else None,
        qualifications=frozenset(s.qualifications or []),
        experience={x.occupation_id: x.years for x in s.experiences.all()},
        long_gap=(s.gap_years or 0) >= LONG_GAP_YEARS,
        note=s.note,
    )


def posting_record(p: Posting) -> PostingRecord:
    return PostingRecord(
        posting_id=p.pk,
        employer_id=p.employer_id,
        occupation=_occupation_code(p),
        lat=p.lat,
        lng=p.lng,
        employment=p.employment or None,
        wage_min=p.wage_min,
        wage_max=p.wage_max,
        wage_unit=p.wage_unit if (p.wage_min or p.wage_max) else None,
        required_qualifications=tuple(p.required_qualifications or []),
        experience_required=p.experience_required,
        trial_employment_ok=p.trial_employment_ok,
        title=p.title,
        description=p.description,
    )


def with_matching_data(qs: QuerySet[Seeker]) -> QuerySet[Seeker]:
    return qs.select_related("town").prefetch_related(
        Prefetch("desired_occupations", queryset=DesiredOccupation.objects.order_by("rank")),
        Prefetch("experiences", queryset=Experience.objects.all()),
    )


def seekers_active_on(day: datetime.date, qs: QuerySet[Seeker] | None = None) -> list[Seeker]:
    """The seekers looking for work on ``day`` (see the module docstring for a past date)."""
    qs = qs if qs is not None else Seeker.objects.all()
    if day >= timezone.localdate():
        return list(with_matching_data(qs.filter(status=SeekerStatus.ACTIVE, registered_on__lte=day)))
    hired = Q(referrals__outcome=Outcome.HIRED)
    annotated = qs.filter(registered_on__lte=day).annotate(
        first_hire=Min("referrals__outcome_on", filter=hired),
        last_referral=Max("referrals__referred_on"),
        last_consultation=Max("consultations__held_on"),
    )
    active = []
    for s in with_matching_data(annotated):
        ended: datetime.date | None = s.first_hire  # type: ignore[attr-defined]  # annotated above
        if ended is None and s.status != SeekerStatus.ACTIVE:
            seen = [d for d in (s.last_referral, s.last_consultation) if d]  # type: ignore[attr-defined]
            ended = max(seen, default=s.registered_on)
        if ended is None or ended > day:
            active.append(s)
    return active


def postings_open_on(day: datetime.date, qs: QuerySet[Posting] | None = None) -> list[Posting]:
    """Postings received by ``day``, not closed before it and not yet filled (hires by then < openings)."""
    open_ = (qs if qs is not None else Posting.objects.all()).filter(pk__in=Posting.objects.open_on(day).values("pk"))
    filled = Count("referrals", filter=Q(referrals__outcome=Outcome.HIRED, referrals__outcome_on__lte=day))
    rows = open_.select_related("employer", "occupation", "town").annotate(hired=filled)
    return [p for p in rows if p.hired < p.openings]


def _occupation_code(p: Posting) -> str:
    """'073-05' when the minor group is known (stored as '073-05' or as '05'), else the middle group."""
    minor = p.occupation_minor.strip()
    if minor.startswith(f"{p.occupation_id}-") and minor.partition("-")[2].isdigit():
        return minor
    return f"{p.occupation_id}-{minor}" if minor.isdigit() else p.occupation_id


class FitIndex:
    """Open postings indexed by occupation; ``fitting`` asks the engine for every posting of one occupation that
    fits a seeker."""

    def __init__(self, postings: Iterable[Posting]) -> None:
        self.postings: dict[int, Posting] = {p.pk: p for p in postings}
        self._records: dict[str, list[PostingRecord]] = {}
        for p in self.postings.values():
            self._records.setdefault(p.occupation_id, []).append(posting_record(p))
        self._engines: dict[str, MatchingEngine] = {}

    def occupations(self) -> Sequence[str]:
        return sorted(self._records)

    def count(self, occupation: str) -> int:
        return len(self._records.get(occupation, ()))

    def fitting(self, seeker: SeekerRecord, occupation: str) -> list[Match]:
        """Every open posting of ``occupation`` (a middle group) that fits ``seeker``, best first."""
        records = self._records.get(occupation)
        if not records:
            return []
        engine = self._engines.get(occupation)
        if engine is None:
            engine = self._engines[occupation] = MatchingEngine(occupations(), records, employer_cap=0)
        query = dataclasses.replace(seeker, desired_occupations=(occupation,))
        return engine.match_seeker(query, top=len(records))

    def ranked_for(self, seeker: Seeker) -> list[Match]:
        """Every open posting in the seeker's wished occupations that fits them, best first, with the engine's
        reasons read against all their wishes (which wish it is, experience, wage, distance)."""
        record = seeker_record(seeker)
        records = [r for o in dict.fromkeys(record.desired_occupations) for r in self._records.get(o, [])]
        if not records:
            return []
        engine = MatchingEngine(occupations(), records, employer_cap=0)
        return engine.match_seeker(record, top=len(records))

    def fits_of(self, seeker: Seeker, occupations: Iterable[str] | None = None) -> dict[str, list[Match]]:
        """Fitting postings for each of the seeker's wishes (or the occupations given)."""
        record = seeker_record(seeker)
        wanted = list(occupations) if occupations is not None else list(dict.fromkeys(record.desired_occupations))
        return {o: self.fitting(record, o) for o in wanted}
