"""From the database to the matching engine: open postings, active seekers and past placements, read through the
visibility rules with a few flat queries (``values_list``), not one object per row.

The engine (``kakehashi.engine.matching``) knows nothing of Django; this module is the only place that turns
records into its input. Records are indexed by primary key; ``Index`` keeps what the screens and the command show
about each (the business id, a title or a name).
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from kakehashi.core.stamps import Stamp, read_stamps
from kakehashi.engine.matching import MatchingEngine, Occupations, PostingRecord, SeekerRecord, Transitions
from kakehashi.postings.models import Posting, PostingQuerySet
from kakehashi.reference.models import Occupation
from kakehashi.referrals.models import Referral, ReferralQuerySet
from kakehashi.seekers.models import Consent, DesiredOccupation, Experience, Seeker, SeekerQuerySet

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


@dataclass(frozen=True)
class PostingInfo:
    posting_id: str
    title: str
    employer: str


@dataclass(frozen=True)
class SeekerInfo:
    seeker_id: str
    name: str


@dataclass(frozen=True)
class Index:
    """An engine over the open postings and active seekers one user may see, and how to name them."""

    engine: MatchingEngine
    postings: dict[int, PostingInfo]
    seekers: dict[int, SeekerInfo]


@lru_cache(maxsize=1)
def occupations() -> Occupations:
    """The classification as the engine reads it (reference data: it does not change while the app runs)."""
    rows = list(Occupation.objects.values_list("code", "major_code", "name", "major_name"))
    return Occupations.from_mapping(
        {code: major for code, major, _, _ in rows},
        names={code: name for code, _, name, _ in rows},
        major_names={major: major_name for _, major, _, major_name in rows},
    )


def visible_postings(user: Staff | None) -> PostingQuerySet:
    """Every posting for the operator (``user`` None), else those the user may see."""
    return Posting.objects.all() if user is None else Posting.objects.visible_to(user)


def visible_seekers(user: Staff | None) -> SeekerQuerySet:
    return Seeker.objects.all() if user is None else Seeker.objects.visible_to(user)


def occupation_code(middle: str, minor: str) -> str:
    """'073-05' when the minor group is known (stored as '073-05' or as '05'), else the middle group."""
    minor = minor.strip()
    if minor.startswith(f"{middle}-") and minor.partition("-")[2].isdigit():
        return minor
    return f"{middle}-{minor}" if minor.isdigit() else middle


def posting_records(qs: QuerySet[Posting]) -> tuple[list[PostingRecord], dict[int, PostingInfo]]:
    records, info = [], {}
    rows = qs.values_list(
        "pk", "posting_id", "employer_id", "employer__name", "occupation_id", "occupation_minor", "lat", "lng",
        "employment", "wage_min", "wage_max", "wage_unit", "required_qualifications", "experience_required",
        "trial_employment_ok", "title", "description", "openings",
    )
    for (pk, posting_id, employer_id, employer, middle, minor, lat, lng, employment, wage_min, wage_max, unit,
         required, experience_required, trial_ok, title, description, openings) in rows:
        records.append(PostingRecord(
            posting_id=pk,
            employer_id=employer_id,
            occupation=occupation_code(middle, minor),
            lat=lat,
            lng=lng,
            employment=employment or None,
            wage_min=wage_min,
            wage_max=wage_max,
            wage_unit=unit if (wage_min or wage_max) else None,
            required_qualifications=tuple(required or ()),
            experience_required=experience_required,
            trial_employment_ok=trial_ok,
            title=title,
            description=description,
            openings=openings or 1,
        ))
        info[pk] = PostingInfo(posting_id, title, employer)
    return records, info


def seeker_records(qs: QuerySet[Seeker]) -> tuple[list[SeekerRecord], dict[int, SeekerInfo]]:
    wishes: dict[int, list[str]] = {}
    chosen = qs.values("pk")
    for seeker, code in (
        DesiredOccupation.objects.filter(seeker__in=chosen).order_by("seeker_id", "rank")
        .values_list("seeker_id", "occupation_id")
    ):
        wishes.setdefault(seeker, []).append(code)
    experience: dict[int, dict[str, float]] = {}
    for seeker, code, years in Experience.objects.filter(seeker__in=chosen).values_list(
        "seeker_id", "occupation_id", "years"
    ):
        experience.setdefault(seeker, {})[code] = years
    records, info = [], {}
    rows = qs.values_list(
        "pk", "seeker_id", "name", "lat", "lng", "max_commute_km", "desired_employment", "min_wage", "wage_unit",
        "qualifications", "gap_years", "note",
    )
    for pk, seeker_id, name, lat, lng, limit, employment, min_wage, unit, quals, gap, note in rows:
        records.append(SeekerRecord(
            seeker_id=pk,
            desired_occupations=tuple(wishes.get(pk, ())),
            lat=lat,
            lng=lng,
            max_commute_km=limit,
            employment=employment or "any",
            min_wage=min_wage,
            wage_unit=unit if min_wage else None,
            qualifications=frozenset(quals or ()),
            experience=experience.get(pk, {}),
            long_gap=(gap or 0) >= Seeker.LONG_GAP_YEARS,
            note=note,
        ))
        info[pk] = SeekerInfo(seeker_id, name)
    return records, info


def placements(qs: ReferralQuerySet) -> list[tuple[str, str]]:
    """(the hired seeker's first wish, the occupation they were hired in), one per placement."""
    hired = list(qs.placements().values_list("seeker_id", "posting__occupation_id"))
    first: dict[int, str] = {}
    for seeker, code in (
        DesiredOccupation.objects.filter(seeker__in=qs.placements().values("seeker_id"))
        .order_by("seeker_id", "-rank")
        .values_list("seeker_id", "occupation_id")
    ):
        first[seeker] = code  # ordered by falling rank, so the first wish is written last
    return [(first[s], code) for s, code in hired if s in first]


def transitions(qs: ReferralQuerySet | None = None) -> Transitions:
    """The moves learned from the placements in ``qs`` (every referral when None): what matching and individual
    job development both relate occupations by (``kakehashi.engine.relations``)."""
    return Transitions.learn(occupations(), placements(qs if qs is not None else Referral.objects.all()))


def build(user: Staff | None, day: datetime.date, *, postings: bool = True, seekers: bool = True) -> Index:
    """The index for ``user`` (None: the operator, who sees everything) on ``day``.

    The tie-spreading seed is the day, so that equal scores come in another order tomorrow (see
    docs/matching.md).
    """
    occ = occupations()
    open_ = visible_postings(user).open_on(day).unfilled_on(day)
    p_records, p_info = posting_records(open_) if postings else ([], {})
    s_records, s_info = seeker_records(visible_seekers(user).active()) if seekers else ([], {})
    learned = transitions(None if user is None else Referral.objects.visible_to(user))
    engine = MatchingEngine(occ, p_records, s_records, transitions=learned, seed=day.toordinal())
    return Index(engine, p_info, s_info)


# The screens ask again and again while little changes: keep a few indexes, each for one user's view of the data
# as it stands, and build afresh as soon as any record that feeds it has changed.
_CACHE: OrderedDict[tuple[Any, ...], Index] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


# What ``data_version`` reads of each table: how many rows, and the latest change it can see.
_STAMPS = (
    Stamp(Posting, ("COUNT", "pk"), ("MAX", "updated_at")),
    Stamp(Seeker, ("COUNT", "pk"), ("MAX", "updated_at")),
    Stamp(Referral, ("COUNT", "pk"), ("MAX", "updated_at")),
    # Wishes and experience are replaced, not edited, when a seeker's needs change.
    Stamp(DesiredOccupation, ("COUNT", "pk"), ("MAX", "pk")),
    Stamp(Experience, ("COUNT", "pk"), ("MAX", "pk")),
    Stamp(Consent, ("COUNT", "pk"), ("MAX", "pk"), ("MAX", "given_on"), ("MAX", "withdrawn_on")),
)


def data_version(user: Staff, day: datetime.date) -> tuple[Any, ...]:
    """Changes whenever a record that feeds the index, or decides who may see it, changes. Read in one statement
    (``core.stamps``): every matching panel asks it before anything else."""
    return (day, user.pk, user.agency_id, user.role, *read_stamps(_STAMPS))


def cached(user: Staff, day: datetime.date) -> Index:
    key = data_version(user, day)
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    index = build(user, day)
    with _LOCK:
        _CACHE[key] = index
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index
