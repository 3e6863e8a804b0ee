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

import numpy as np
from django.db.models import Max, Min, Prefetch, QuerySet
from django.utils import timezone

from kakehashi.engine.matching import Match, MatchingEngine, PostingRecord, SeekerRecord
from kakehashi.engine.matching.textfit import BITS, TextModel
from kakehashi.matching.loading import occupations, posting_records, seeker_records
from kakehashi.postings.models import Posting, PostingQuerySet
from kakehashi.referrals.models import placed
from kakehashi.seekers.models import DesiredOccupation, Experience, Seeker, SeekerStatus


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
    annotated = qs.filter(registered_on__lte=day).annotate(
        first_hire=Min("referrals__outcome_on", filter=placed(via="referrals__")),
        last_referral=Max("referrals__referred_on"),
        last_consultation=Max("consultations__held_on"),
    )
    active = []
    for s in with_matching_data(annotated):
        ended: datetime.date | None = s.first_hire  # type: ignore[attr-defined]  # annotated above
        if ended is None and s.status != SeekerStatus.ACTIVE:
            seen = [d for d in (s.last_referral, s.last_consultation) if d]  # type: ignore[attr-defined]  # annotated above
            ended = max(seen, default=s.registered_on)
        if ended is None or ended > day:
            active.append(s)
    return active


def postings_open_on(day: datetime.date, qs: PostingQuerySet | None = None) -> list[Posting]:
    """Postings the desk could refer someone to on ``day``: open then and not yet filled
    (``PostingQuerySet.open_on`` and ``unfilled_on``)."""
    open_ = (qs if qs is not None else Posting.objects.all()).open_on(day).unfilled_on(day)
    return list(open_.select_related("employer", "occupation", "town"))


# Whether a posting fits is the hard conditions alone; the words of the texts only order the fitting postings.
# ``fitting`` answers "which fit", so its engines weigh no word (every weight zero): no word weights are fitted
# for each occupation's engine and no text is compared, and the postings that fit are the same.
_NO_TEXT = TextModel(np.zeros(1 << BITS, dtype=np.float32))


class FitIndex:
    """Open postings indexed by occupation; ``fitting`` asks the engine for every posting of one occupation that
    fits a seeker."""

    def __init__(self, postings: Iterable[Posting]) -> None:
        self.postings: dict[int, Posting] = {p.pk: p for p in postings}
        self._records: dict[str, list[PostingRecord]] = {}
        records, _info = posting_records(Posting.objects.filter(pk__in=list(self.postings)).order_by("pk"))
        for record in records:
            self._records.setdefault(self.postings[int(record.posting_id)].occupation_id, []).append(record)
        self._engines: dict[str, MatchingEngine] = {}
        self._seekers: dict[int, SeekerRecord] = {}

    def load_seekers(self, seekers: Iterable[Seeker]) -> None:
        """Read the seekers' records in one go (three queries), before asking about each of them."""
        records, _info = seeker_records(Seeker.objects.filter(pk__in=[s.pk for s in seekers]))
        self._seekers.update({int(r.seeker_id): r for r in records})

    def _seeker_record(self, seeker: Seeker) -> SeekerRecord:
        if seeker.pk not in self._seekers:
            self.load_seekers([seeker])
        return self._seekers[seeker.pk]

    def occupations(self) -> Sequence[str]:
        return sorted(self._records)

    def count(self, occupation: str) -> int:
        return len(self._records.get(occupation, ()))

    def fitting(self, seeker: SeekerRecord, occupation: str) -> list[Match]:
        """Every open posting of ``occupation`` (a middle group) that fits ``seeker``, best first on every
        point but the text's (see ``_NO_TEXT``)."""
        records = self._records.get(occupation)
        if not records:
            return []
        engine = self._engines.get(occupation)
        if engine is None:
            engine = self._engines[occupation] = MatchingEngine(occupations(), records, employer_cap=0,
                                                                text_model=_NO_TEXT)
        # The note is text, which weighs nothing here: it is not even read into words.
        query = dataclasses.replace(seeker, desired_occupations=(occupation,), note="")
        return engine.match_seeker(query, top=len(records))

    def ranked_for(self, seeker: Seeker) -> list[Match]:
        """Every open posting in the seeker's wished occupations that fits them, best first, with the engine's
        reasons read against all their wishes (which wish it is, experience, wage, distance)."""
        record = self._seeker_record(seeker)
        records = [r for o in dict.fromkeys(record.desired_occupations) for r in self._records.get(o, [])]
        if not records:
            return []
        engine = MatchingEngine(occupations(), records, employer_cap=0)
        return engine.match_seeker(record, top=len(records))

    def fits_of(self, seeker: Seeker, occupations: Iterable[str] | None = None) -> dict[str, list[Match]]:
        """Fitting postings for each of the seeker's wishes (or the occupations given)."""
        record = self._seeker_record(seeker)
        wanted = list(occupations) if occupations is not None else list(dict.fromkeys(record.desired_occupations))
        return {o: self.fitting(record, o) for o in wanted}
