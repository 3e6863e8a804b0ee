"""The matching engine: for a seeker the postings worth referring them to, for a posting the seekers worth calling.

How a query runs (both directions work the same way; docs/matching.md says more):

1. **Passes by occupation.** The other side's occupation groups are visited best first: the wished ones, then the
   related ones (same middle or major group, or a move learned from placements). Each pass's records within reach
   come out of the sorted index as a few contiguous runs (see ``store``). Unrelated occupations, and records more
   than the distance scale from a seeker who states no limit, are a fallback: read only to fill the list.
2. **Hard conditions as masks.** Distance, employment type, wage floor, qualifications, required experience and
   the posting being open are checked for the whole pass at once; the pairs that fail are dropped (or, when asked,
   kept, marked and scored lower).
3. **Soft fit as a sum of points** (see :class:`Weights`), vectorised over the survivors, the text last and only
   for pairs that could still make the list.
4. **Stop early, exactly.** Once ten results are held and the next pass cannot reach the tenth one's score even
   with full marks on everything else, the remaining passes are skipped: within a stage the result is the same
   as scoring everything.
5. **Spread near-ties.** Shown scores in the same band of ``tie_band`` points count as tied; among them the less
   sought-after posting comes first, then a hash of the pair and a seed (the date) decides; one employer fills at
   most ``employer_cap`` places.
6. **Reasons only for what is shown.**
"""

from __future__ import annotations

import math
import multiprocessing
import os
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..geo import great_circle_km
from ..relations import (
    OCC_EXACT,
    OCC_EXPERIENCE,
    OCC_MIDDLE,
    OCC_NONE,
    OCC_TRANSITION,
    Relatedness,
    Relations,
)
from .errors import MatchingError
from .occupations import Occupations
from .reasons import (
    FAIL_CLOSED,
    FAIL_COMMUTE,
    FAIL_EMPLOYMENT,
    FAIL_EXPERIENCE,
    FAIL_QUALIFICATION,
    FAIL_WAGE,
    PairFacts,
    describe,
)
from .records import ANY, FULL_TIME, HOUR, MONTH, PART_TIME, PostingRecord, RecordId, SeekerRecord
from .store import (
    CLASS_LIMITS,
    EMPLOYMENT_CLASSES,
    GRID_COLS,
    NCELL,
    NO_LIMIT,
    UNKNOWN_CELL,
    Arr,
    Side,
    cells,
    entry_class,
    entry_keys,
    id_hashes,
    key_ranges,
)
from .textfit import QueryVector, SparseRows, TextModel, shared_phrases
from .transitions import Transitions

TEXT_NAME_FACTOR = 0.25  # see TextModel.fit: the trade's own name is scored by the occupation points
MAX_WISHES = 3
MAX_EXPERIENCE = 6  # occupations of experience kept per seeker (the longest)
_EMPLOYMENT = {None: 0, "": 0, ANY: 0, FULL_TIME: 1, PART_TIME: 2}
_EMPLOYMENT_NAME = {0: None, 1: FULL_TIME, 2: PART_TIME}
_UNIT = {None: 0, "": 0, MONTH: 1, HOUR: 2}
_UNIT_NAME = {0: None, 1: MONTH, 2: HOUR}
_POPCOUNT = np.array([bin(i).count("1") for i in range(64)], dtype=np.int64)


@dataclass(frozen=True)
class Weights:
    """Points each part of the fit can earn. They add up to 100, so a score reads as a mark out of 100."""

    occupation: float = 45.0
    text: float = 25.0
    distance: float = 10.0
    wage: float = 10.0
    experience: float = 5.0
    trial: float = 5.0
    # Share of the occupation points by how the posting's occupation relates to the seeker's wishes: the table
    # employer targeting reads too (kakehashi.engine.relations).
    relatedness: Relatedness = field(default_factory=Relatedness)
    # Cosine that earns the full text points: between a short note and a posting, 0.3 already means they share
    # the telling words; higher values come mostly from boilerplate both happen to repeat.
    text_full: float = 0.3
    experience_full_years: float = 3.0
    wage_full_margin: float = 0.2  # lowest offered wage 20 % above the floor: full points; at the floor: half
    default_commute_km: float = 30.0  # distance scale when the seeker states no limit
    flag_penalty: float = 20.0  # points off per broken hard condition, when those pairs are shown
    flag_radius: float = 2.0  # when shown flagged, look this many times beyond the commute limit

    @property
    def rest(self) -> float:
        return self.text + self.distance + self.wage


@dataclass(frozen=True, slots=True)
class Match:
    """One result: the other side's id, a score out of 100, and the sentences a counselor reads."""

    id: RecordId
    score: int
    reasons: tuple[str, ...]
    unmet: tuple[str, ...]
    fit: float  # the exact score before rounding and flag penalties

    def as_dict(self, key: str) -> dict[str, Any]:
        return {key: self.id, "score": self.score, "reasons": list(self.reasons), "unmet": list(self.unmet)}


_POSTING_SPEC: dict[str, tuple[npt.DTypeLike, tuple[int, ...]]] = {
    "employer": (np.int64, ()),
    "mid": (np.int16, ()),
    "minor": (np.int16, ()),
    "lat": (np.float64, ()),  # radians
    "lng": (np.float64, ()),
    "coslat": (np.float64, ()),
    "emp": (np.int8, ()),
    "wlow": (np.float32, ()),  # NaN where not stated
    "wtop": (np.float32, ()),
    "wunit": (np.int8, ()),
    "quals": (np.uint64, (1,)),
    "exp_req": (np.bool_, ()),
    "trial": (np.bool_, ()),
    "open": (np.bool_, ()),
    "openings": (np.float32, ()),
    "crowd": (np.int64, ()),  # how sought after, in log2 steps (see _crowding)
}
_SEEKER_SPEC: dict[str, tuple[npt.DTypeLike, tuple[int, ...]]] = {
    "des_mid": (np.int16, (MAX_WISHES,)),  # -1 = no wish
    "des_minor": (np.int16, (MAX_WISHES,)),
    "lat": (np.float64, ()),
    "lng": (np.float64, ()),
    "coslat": (np.float64, ()),
    "limit": (np.float64, ()),  # inf = no limit stated
    "emp": (np.int8, ()),
    "floor": (np.float32, ()),
    "funit": (np.int8, ()),
    "quals": (np.uint64, (1,)),
    "exp_mid": (np.int16, (MAX_EXPERIENCE,)),
    "exp_years": (np.float32, (MAX_EXPERIENCE,)),
    "gap": (np.bool_, ()),
}


class _Found:
    """Candidates scored so far in one query, as column arrays added pass by pass."""

    def __init__(self) -> None:
        self._parts: list[dict[str, Arr]] = []
        self._cat: dict[str, Arr] | None = None
        self.count = 0

    def add(self, **columns: Arr) -> None:
        self._parts.append(columns)
        self._cat = None
        self.count += len(columns["rows"])

    def prune(self, bar: float) -> None:
        """Forget the pairs below the bar: they can no longer enter the results."""
        if self.count and math.isfinite(bar):
            held = self.cat()
            keep = held["key"] >= bar
            if not keep.all():
                self._parts = [{k: v[keep] for k, v in held.items()}]
                self._cat = self._parts[0]
                self.count = int(keep.sum())

    def cat(self) -> dict[str, Arr]:
        if self._cat is None:
            if not self._parts:
                empty = np.zeros(0)
                self._cat = {
                    k: empty
                    for k in (
                        "shown",
                        "rows",
                        "fit",
                        "key",
                        "hash",
                        "employer",
                        "kind",
                        "rank",
                        "dist",
                        "years",
                        "text",
                        "fail",
                    )
                }
            else:
                self._cat = {k: np.concatenate([p[k] for p in self._parts]) for k in self._parts[0]}
        return self._cat


class MatchingEngine:
    """An index of postings and seekers that answers "who fits whom", with reasons.

    Build it once from the open postings and active seekers; keep it current with :meth:`add_postings`,
    :meth:`remove_postings` and their seeker counterparts. Not thread-safe: one query at a time per engine.

    ``transitions``: moves learned from placements (:meth:`Transitions.learn`); ``weights``: the points;
    ``employer_cap``: places one employer may fill in a seeker's list (0: no cap); ``tie_band``: shown scores within
    this many points count as tied; ``seed``: rotates the order of ties (pass the date to change it daily);
    ``spread=False`` orders by the exact score with no cap (for comparison); ``text_model``: word weights to
    share with another engine (by default fitted on the texts given here).
    """

    def __init__(
        self,
        occupations: Occupations,
        postings: Iterable[PostingRecord] = (),
        seekers: Iterable[SeekerRecord] = (),
        *,
        transitions: Transitions | None = None,
        weights: Weights | None = None,
        employer_cap: int = 3,
        tie_band: int = 2,
        seed: int = 0,
        spread: bool = True,
        text_model: TextModel | None = None,
    ) -> None:
        self.occupations = occupations
        self.weights = weights or Weights()
        self.transitions = transitions or Transitions.none(occupations)
        self.employer_cap = employer_cap
        self.seed = seed
        # Shown scores within the same band of ``tie_band`` points count as tied; see docs/matching.md.
        self.tie_band = max(int(tie_band), 1)
        # spread=False ranks by the exact score with no employer cap: for comparison, not for the desk.
        self.spread = spread
        posting_list = list(postings)
        seeker_list = list(seekers)
        # Word weights come from every text the index starts with, postings' and seekers' alike: the phrases
        # every seeker writes (「希望します」) must weigh little in a seeker's note just as posting boilerplate
        # does in a posting. Another engine's model can be passed to score pairs exactly as that engine does.
        self.text_model = text_model or TextModel.fit(
            [_posting_text(p) for p in posting_list] + [s.note for s in seeker_list],
            discount=occupations.names,
            factor=TEXT_NAME_FACTOR,
        )
        self._postings = Side(_POSTING_SPEC)
        self._seekers = Side(_SEEKER_SPEC)
        self._qualifications: dict[str, int] = {}
        self._qualification_names: list[str] = []
        self._employers: dict[RecordId, int] = {}
        self._query = QueryVector()
        self._crowd_at: int | None = None
        self.relations = Relations.build(occupations, self.transitions, self.weights.relatedness)
        self._rel = self.relations.share
        self._rel_kind = self.relations.kind
        self._rank_share = self.relations.rank_share
        self.add_postings(posting_list)
        self.add_seekers(seeker_list)
        for side in (self._postings, self._seekers):
            side.compact()  # records of one group and place next to each other
            if side.text.n >= 2048:
                side.text.inverted()  # built now rather than by the first big query
        self._crowding()

    # -- keeping the index current ---------------------------------------------------------------------------

    @property
    def posting_count(self) -> int:
        return len(self._postings)

    @property
    def seeker_count(self) -> int:
        return len(self._seekers)

    def add_postings(self, records: Iterable[PostingRecord]) -> None:
        """Index postings. A posting whose id is already indexed is replaced: that is how an update is made."""
        unique = list({r.posting_id: r for r in records}.values())
        if not unique:
            return
        batch, text, raw = self._encode_postings(unique)
        group = batch["mid"].astype(np.int64)
        keys = entry_keys(group, entry_class(batch["emp"]), cells(*_degrees(batch)))
        self._postings.put(
            [r.posting_id for r in unique], batch, text, raw, np.arange(len(unique), dtype=np.int64), keys
        )

    def remove_postings(self, ids: Iterable[RecordId]) -> None:
        """Take postings out (closed, filled or deleted). Ids not indexed are ignored."""
        self._postings.remove([i for i in ids if i in self._postings.row_of])

    def add_seekers(self, records: Iterable[SeekerRecord]) -> None:
        """Index seekers; a seeker whose id is already indexed is replaced."""
        unique = list({r.seeker_id: r for r in records}.values())
        if not unique:
            return
        batch, text, raw = self._encode_seekers(unique)
        m = len(self.occupations)
        cell = cells(*_degrees(batch))
        cls = entry_class(batch["emp"], batch["limit"])
        # One entry per wished occupation (group = rank × occupations + occupation, the best rank if a middle
        # group is wished twice through two minor groups), one per occupation worked in but not wished
        # (group = MAX_WISHES × occupations + occupation) and one in the "any" group, through which a posting
        # reaches seekers whose wishes and experience are unrelated to it.
        rows, groups = [], []
        des = batch["des_mid"]
        for rank in range(MAX_WISHES):
            earlier = (des[:, :rank] == des[:, rank : rank + 1]).any(axis=1)
            has = np.flatnonzero((des[:, rank] >= 0) & ~earlier)
            rows.append(has)
            groups.append(rank * m + des[has, rank].astype(np.int64))
        worked = batch["exp_mid"]
        for slot in range(MAX_EXPERIENCE):
            mid = worked[:, slot : slot + 1]
            new = (mid[:, 0] >= 0) & (batch["exp_years"][:, slot] > 0) & ~(des == mid).any(axis=1)
            has = np.flatnonzero(new)
            rows.append(has)
            groups.append(MAX_WISHES * m + worked[has, slot].astype(np.int64))
        rows.append(np.arange(len(unique)))
        groups.append(np.full(len(unique), (MAX_WISHES + 1) * m, dtype=np.int64))
        entry_row = np.concatenate(rows).astype(np.int64)
        keys = entry_keys(np.concatenate(groups), cls[entry_row], cell[entry_row])
        self._seekers.put([r.seeker_id for r in unique], batch, text, raw, entry_row, keys)

    def remove_seekers(self, ids: Iterable[RecordId]) -> None:
        """Take seekers out (placed, withdrawn, no longer consenting). Ids not indexed are ignored."""
        self._seekers.remove([i for i in ids if i in self._seekers.row_of])

    # -- queries -----------------------------------------------------------------------------------------------

    def match_seeker(
        self, seeker: RecordId | SeekerRecord, *, top: int = 10, flagged: bool = False
    ) -> list[Match]:
        """The postings worth referring this seeker to, best first.

        ``flagged=True`` keeps postings that break a hard condition, listing it in ``unmet`` and taking
        ``Weights.flag_penalty`` points off per broken condition, and looks ``Weights.flag_radius`` times beyond
        the commute limit, so that a counselor can see what would fit if one condition were bent.
        """
        self._crowding()
        s = self._seeker_view(seeker)
        w = self.weights
        share = self.relations.wish_shares(s["des_mid"][0])
        years = np.zeros(len(self.occupations), dtype=np.float32)
        for mid, yrs in zip(s["exp_mid"][0].tolist(), s["exp_years"][0].tolist(), strict=True):
            if mid >= 0 and yrs > 0:
                years[mid] = yrs
                share[mid] = max(share[mid], w.relatedness.worked_in)
        bound = (
            w.occupation * share
            + w.experience * np.minimum(years / w.experience_full_years, 1.0)
            + w.trial * float(s["gap"][0])
            + w.rest
        )
        wished = np.zeros(len(share), dtype=np.bool_)
        wished[s["des_mid"][0][s["des_mid"][0] >= 0]] = True
        occupation_passes = [
            (float(bound[g].max()), g.astype(np.int64))
            for g in (np.flatnonzero(wished), np.flatnonzero(~wished & (share > 0)))
            if len(g)
        ]
        unrelated = np.flatnonzero(share == 0).astype(np.int64)
        rest = [(float(bound[unrelated].max()), unrelated)] if len(unrelated) else []
        limit = float(s["limit"][0])
        emp = int(s["emp"][0])
        # Postings of another employment type are not even read, unless asked to show what does not fit.
        kinds = [c for c in range(EMPLOYMENT_CLASSES) if flagged or emp == 0 or c in (0, emp)]
        if math.isfinite(limit):
            near = [(c, limit * (w.flag_radius if flagged else 1.0)) for c in kinds]
            far: list[tuple[int, float]] = []
        else:
            # No limit stated, no posting excluded for distance: within the distance scale first, then further
            # away, where a posting earns no distance points (so that pass's bound is lower by them).
            near = [(c, w.default_commute_km) for c in kinds]
            far = [(c, math.inf) for c in kinds]
        reach = math.inf if math.isfinite(limit) else w.default_commute_km
        passes: list[Pass] = [(b, g, near, reach) for b, g in occupation_passes]
        fallback: list[Pass] = [(b, g, near, reach) for b, g in rest]
        if far:
            passes += [(b - w.distance, g, far, math.inf) for b, g in occupation_passes]
            fallback += [(b - w.distance, g, far, math.inf) for b, g in rest]
        passes.sort(key=lambda x: -x[0])
        fallback.sort(key=lambda x: -x[0])
        return self._run(passes, fallback, s, top, flagged, seeker_side=True)

    def match_posting(
        self, posting: RecordId | PostingRecord, *, top: int = 10, flagged: bool = False
    ) -> list[Match]:
        """The seekers worth calling about this posting, best first (``flagged`` as in :meth:`match_seeker`)."""
        p = self._posting_view(posting)
        w = self.weights
        m = len(self.occupations)
        pmid = int(p["mid"][0])
        # Seekers are indexed once per wish (group = rank × occupations + occupation), once per occupation worked
        # in but not wished (MAX_WISHES × occupations + occupation) and once in "any".
        groups = np.arange(MAX_WISHES * m, dtype=np.int64)
        related = np.tile(self._rel[:, pmid], MAX_WISHES)
        exact = groups % m == pmid
        rest = w.experience + w.trial * float(p["trial"][0]) + w.rest
        occupation_passes = [
            (w.occupation * float(self._rank_share.max()) + rest, groups[exact]),
            (w.occupation * float(related.max()) + rest, groups[~exact & (related > 0)]),
            (w.occupation * w.relatedness.worked_in + rest, np.array([MAX_WISHES * m + pmid], dtype=np.int64)),
        ]
        anyone = [(rest, np.array([(MAX_WISHES + 1) * m], dtype=np.int64))]
        emp = int(p["emp"][0])
        kinds = [c for c in range(EMPLOYMENT_CLASSES) if flagged or emp == 0 or c in (0, emp)]
        stretch = w.flag_radius if flagged else 1.0
        # Seekers who state no limit are looked for within the distance scale first, then further away, where
        # they earn no distance points; seekers whose wishes and experience are unrelated only fill the list.
        near = [
            (commute * EMPLOYMENT_CLASSES + c, limit * stretch)
            for commute, limit in enumerate(CLASS_LIMITS)
            for c in kinds
        ]
        near += [(NO_LIMIT * EMPLOYMENT_CLASSES + c, w.default_commute_km) for c in kinds]
        unlimited = [(NO_LIMIT * EMPLOYMENT_CLASSES + c, math.inf) for c in kinds]
        reach = w.default_commute_km
        passes: list[Pass] = [(b, g, near, reach) for b, g in occupation_passes if len(g)]
        passes += [(b - w.distance, g, unlimited, math.inf) for b, g in occupation_passes if len(g)]
        fallback: list[Pass] = [(b, g, near, reach) for b, g in anyone]
        fallback += [(b - w.distance, g, unlimited, math.inf) for b, g in anyone]
        passes.sort(key=lambda x: -x[0])
        fallback.sort(key=lambda x: -x[0])
        return self._run(passes, fallback, p, top, flagged, seeker_side=False)

    def _run(
        self,
        passes: list[Pass],
        fallback: list[Pass],
        one: dict[str, Arr],
        top: int,
        flagged: bool,
        *,
        seeker_side: bool,
    ) -> list[Match]:
        """Visit the passes (groups × classes within a radius) best bound first, until the rest cannot enter;
        then, if fewer than ``top`` were found, the fallback passes the same way. A pass with a finite reach
        leaves pairs whose seeker states no limit and who live further away to a later pass."""
        other = self._postings if seeker_side else self._seekers
        lat, lng = math.degrees(float(one["lat"][0])), math.degrees(float(one["lng"][0]))
        found = _Found()
        seen = np.zeros(other.cols.n, dtype=np.bool_)
        for stage in (passes, fallback):
            # Unrelated occupations only fill the list when the wished and related ones are too few.
            if stage is fallback and found.count >= top:
                break
            for i, (_, groups, classes, reach) in enumerate(stage):
                if self._settled(found, top, max(b for b, _, _, _ in stage[i:]), employers=seeker_side):
                    break
                lo, hi = key_ranges(groups, classes, lat, lng)
                rows = other.lookup(lo, hi)
                # The far pass holds the near one's records again, and a seeker has an entry for each wish.
                rows = rows[~seen[rows]]
                if not seeker_side and len(np.unique(groups % len(self.occupations))) > 1:
                    rows = np.unique(rows)  # two wishes related to the same posting
                seen[self._score(found, one, rows, top, flagged, reach, seeker_side=seeker_side)] = True
        return self._finish(found, one, top, seeker_side=seeker_side)

    def match_all_seekers(
        self, *, top: int = 10, flagged: bool = False, workers: int = 1
    ) -> Iterator[tuple[RecordId, list[Match]]]:
        """Every indexed seeker with their matches, in the order they were indexed.

        ``workers`` > 1 splits the work over that many forked processes (0: one per CPU); the order of the
        results and the results themselves are the same as with one.
        """
        ids = [self._seekers.ids[row] for row in self._seekers.live_rows().tolist()]
        return self._batch(ids, True, top, flagged, workers)

    def match_all_postings(
        self, *, top: int = 10, flagged: bool = False, workers: int = 1
    ) -> Iterator[tuple[RecordId, list[Match]]]:
        """Every indexed posting with its matches, in the order they were indexed (``workers`` as above)."""
        ids = [self._postings.ids[row] for row in self._postings.live_rows().tolist()]
        return self._batch(ids, False, top, flagged, workers)

    def _batch(
        self, ids: list[RecordId], seeker_side: bool, top: int, flagged: bool, workers: int
    ) -> Iterator[tuple[RecordId, list[Match]]]:
        global _BATCH
        workers = workers or os.cpu_count() or 1
        chunks = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
        if workers <= 1 or len(chunks) < 2:
            for chunk in chunks:
                yield from _run_chunk(self, seeker_side, top, flagged, chunk)
            return
        # Forked workers share the index with this process (copy-on-write); only ids go out and matches come back.
        _BATCH = (self, seeker_side, top, flagged)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for done in pool.imap(_run_forked_chunk, chunks):
                    yield from done
        finally:
            _BATCH = None

    # -- scoring -----------------------------------------------------------------------------------------------

    def _score(
        self,
        found: _Found,
        one: Mapping[str, Arr],
        rows: Arr,
        top: int,
        flagged: bool,
        reach: float,
        *,
        seeker_side: bool,
    ) -> Arr:
        """Score ``one`` (a seeker or a posting, as 1-row arrays) against ``rows`` of the other side.

        Returns the rows dealt with: all but the seekers without a stated limit beyond ``reach``, which a later
        pass takes."""
        if len(rows) == 0:
            return rows
        w = self.weights
        other = self._postings if seeker_side else self._seekers
        # Distance first, from three columns: it rules out the corners of the search box (and, for seekers,
        # those whose own limit is shorter than their class's) before the other columns are read.
        place = {k: other.cols[k][rows] for k in (_PLACE if seeker_side else (*_PLACE, "limit"))}
        s, p = (one, place) if seeker_side else (place, one)
        dist = _distance(s, p)
        later = (dist > reach) & ~np.isfinite(s["limit"])
        if later.any():
            rows, dist = rows[~later], dist[~later]
            place = {k: v[~later] for k, v in place.items()} if not seeker_side else place
        dealt = rows
        if not flagged:
            near = ~(dist > (s["limit"] if seeker_side else place["limit"]))  # NaN (place unknown) is kept
            rows, dist = rows[near], dist[near]
        if len(rows) == 0:
            return dealt
        # The columns the hard conditions need, then, for the pairs that meet them, the rest.
        need = _HARD_POSTING if seeker_side else _HARD_SEEKER
        many = {k: other.cols[k][rows] for k in need}
        s, p = (one, many) if seeker_side else (many, one)
        fail, years = self._hard(s, p, dist)
        if not flagged:
            keep = np.flatnonzero(fail == 0)
            if len(keep) < len(rows):
                rows, fail, dist, years = rows[keep], fail[keep], dist[keep], years[keep]
                many = {k: v[keep] for k, v in many.items()}
        if len(rows) == 0:
            return dealt
        spec = _POSTING_SPEC if seeker_side else _SEEKER_SPEC
        many.update({k: other.cols[k][rows] for k in spec if k not in many and k not in _PLACE})
        s, p = (one, many) if seeker_side else (many, one)
        base, kind, rank = self._base(s, p, dist, years)
        penalty = w.flag_penalty * _POPCOUNT[fail] if flagged else np.zeros(len(rows))
        hashes = _pair_hash(one["hash"], other.cols["hash"][rows], self.seed)
        if seeker_side:
            # Among tied postings the less sought-after come first (see _crowding); the hash then rotates them.
            hashes = (many["crowd"].astype(np.uint64) << np.uint64(58)) | (hashes >> np.uint64(6))
        employers = many["employer"] if seeker_side else np.zeros(len(rows), dtype=np.int64)
        # The text is the costliest part. First the pairs that could score best with full text points are read,
        # which sets the bar; then only the pairs that could still clear it (the text is worth at most w.text).
        upper = self._key(base + (0.0 if self._query.empty else w.text), penalty)
        first = np.argpartition(-upper, 4 * top)[: 4 * top] if len(rows) > 4 * top else np.arange(len(rows))
        for at in (first, None):
            if at is None:
                bar = self._bar(found, top, seeker_side)
                left = np.ones(len(rows), dtype=np.bool_)
                left[first] = False
                at = np.flatnonzero(left & (upper >= bar))
                if len(at) == 0:
                    break
            if other.text.by_bigram(self._query, len(at)):
                cos = other.text.dot(self._query, rows[at], by_bigram=True)
            else:
                cos = other.text.dot(self._query, rows[at])
            text = np.minimum(cos / w.text_full, 1.0)
            fit = base[at] + w.text * text
            found.add(
                rows=rows[at],
                fit=fit,
                key=self._key(fit, penalty[at]),
                shown=_shown(fit, penalty[at]),
                hash=hashes[at],
                employer=employers[at],
                kind=kind[at],
                rank=rank[at],
                dist=dist[at],
                years=years[at],
                text=text,
                fail=fail[at],
            )
            if len(at) == len(rows):
                break
        found.prune(self._bar(found, top, seeker_side))
        return dealt

    def _bar(self, found: _Found, top: int, seeker_side: bool) -> float:
        """The key a pair must reach to enter the results held so far (-inf while fewer than ``top`` are held)."""
        if found.count < top:
            return -math.inf
        held = found.cat()
        picked = self._pick(held["key"], held["hash"], held["employer"] if seeker_side else None, top)
        return float(held["key"][picked[-1]]) if len(picked) == top else -math.inf

    def _key(self, fit: Arr, penalty: Arr) -> Arr:
        """What results are ordered by: the band of the shown score (so that near-ties tie, and the pair hash
        decides among them), or, without spreading, the exact score."""
        if self.spread:
            return np.floor(_shown(fit, penalty) / self.tie_band).astype(np.float64)
        return np.asarray(fit - penalty, dtype=np.float64)

    def _hard(self, s: Mapping[str, Arr], p: Mapping[str, Arr], dist: Arr) -> tuple[Arr, Arr]:
        """Which hard conditions each pair breaks (bits), and the years of experience in the posting's trade."""
        fail = np.where(dist > s["limit"], FAIL_COMMUTE, 0)
        fail |= np.where((s["emp"] != 0) & (p["emp"] != 0) & (s["emp"] != p["emp"]), FAIL_EMPLOYMENT, 0)
        comparable = (s["funit"] != 0) & (s["funit"] == p["wunit"])
        # The floor is broken only when even the top of the offered range is below it (NaN compares False).
        fail |= np.where(comparable & (p["wtop"] < s["floor"]), FAIL_WAGE, 0)
        fail |= np.where(((p["quals"] & ~s["quals"]) != 0).any(axis=1), FAIL_QUALIFICATION, 0)
        years = ((s["exp_mid"] == p["mid"][:, None]) * s["exp_years"]).sum(axis=1)
        fail |= np.where(p["exp_req"] & (years <= 0), FAIL_EXPERIENCE, 0)
        fail |= np.where(p["open"], 0, FAIL_CLOSED)
        n = len(dist)
        return np.broadcast_to(fail, n).astype(np.int64), np.broadcast_to(years, n)

    def _base(
        self, s: Mapping[str, Arr], p: Mapping[str, Arr], dist: Arr, years: Arr
    ) -> tuple[Arr, Arr, Arr]:
        """Every point but the text's, with how the occupations relate (kind) and which wish (rank)."""
        w = self.weights
        occ, kind, rank = self._occupation(s, p)
        scale = np.where(np.isfinite(s["limit"]), s["limit"], w.default_commute_km)
        near = np.nan_to_num(np.clip(1.0 - dist / scale, 0.0, 1.0), nan=0.0)
        comparable = (
            (s["funit"] != 0) & (s["funit"] == p["wunit"]) & np.isfinite(p["wlow"]) & np.isfinite(s["floor"])
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            margin = (p["wlow"] - s["floor"]) / (s["floor"] * 2.0 * w.wage_full_margin)
        wage = np.where(comparable, np.clip(0.5 + margin, 0.0, 1.0), 0.5)
        experience = np.minimum(years / w.experience_full_years, 1.0)
        trial = s["gap"] & p["trial"]
        base = (
            w.occupation * occ
            + w.distance * near
            + w.wage * wage
            + w.experience * experience
            + w.trial * trial
        )
        return np.broadcast_to(base, len(dist)).astype(np.float64), kind, rank

    def _occupation(self, s: Mapping[str, Arr], p: Mapping[str, Arr]) -> tuple[Arr, Arr, Arr]:
        """Share of the occupation points, how the occupations relate, and which wish it is (best wish wins;
        an occupation worked in but not wished counts as ``worked_in``, read as the first wish's rank)."""
        w = self.weights
        dm, dn = s["des_mid"], s["des_minor"]
        pm, pn = p["mid"][:, None], p["minor"][:, None]
        has = dm >= 0
        same = has & (dm == pm)
        exact = same & ((dn == 0) | (pn == 0) | (dn == pn))
        dm0 = np.maximum(dm, 0)
        value = np.where(
            exact,
            self._rank_share[None, :],
            np.where(same, w.relatedness.same_middle, np.where(has, self._rel[dm0, pm], 0.0)),
        )
        kinds = np.where(
            exact, OCC_EXACT, np.where(same, OCC_MIDDLE, np.where(has, self._rel_kind[dm0, pm], OCC_NONE))
        )
        worked = (s["exp_mid"] == pm) & (s["exp_years"] > 0)
        value = np.concatenate([value, np.where(worked, w.relatedness.worked_in, 0.0)], axis=1)
        kinds = np.concatenate([kinds, np.where(worked, OCC_EXPERIENCE, OCC_NONE)], axis=1)
        best = value.argmax(axis=1)
        share = np.take_along_axis(value, best[:, None], axis=1)[:, 0]
        kind = np.take_along_axis(kinds, best[:, None], axis=1)[:, 0]
        return share, kind, np.where(best < MAX_WISHES, best, 0)

    def _settled(self, found: _Found, top: int, bound: float, *, employers: bool) -> bool:
        """True when nothing scoring at most ``bound`` could enter the results held so far."""
        return float(self._key(np.array([bound]), np.zeros(1))[0]) < self._bar(found, top, employers)

    def _pick(self, keys: Arr, hashes: Arr, employers: Arr | None, top: int) -> list[int]:
        """Best first; equal keys in the order of the pair hash; at most ``employer_cap`` places per employer."""
        order = np.lexsort((hashes, -keys))
        if employers is None or self.employer_cap <= 0 or not self.spread:
            return [int(i) for i in order[:top]]
        picked: list[int] = []
        per_employer: dict[int, int] = {}
        for i, employer in zip(order.tolist(), employers[order].tolist(), strict=True):
            if per_employer.get(employer, 0) < self.employer_cap:
                picked.append(i)
                per_employer[employer] = per_employer.get(employer, 0) + 1
                if len(picked) == top:
                    break
        return picked

    def _finish(self, found: _Found, one: Mapping[str, Arr], top: int, *, seeker_side: bool) -> list[Match]:
        """Write the reasons for the selected few."""
        held = found.cat()
        picked = np.array(
            self._pick(held["key"], held["hash"], held["employer"] if seeker_side else None, top),
            dtype=np.int64,
        )
        if len(picked) == 0:
            return []
        other = self._postings if seeker_side else self._seekers
        rows = held["rows"][picked]
        many = {k: other.cols[k][rows] for k in (_POSTING_SPEC if seeker_side else _SEEKER_SPEC)}
        s, p = (one, many) if seeker_side else (many, one)
        one_text = one["raw_text"][0]
        matches = []
        for i, (row, at) in enumerate(zip(rows.tolist(), picked.tolist(), strict=True)):
            other_text = other.raw_text[row]
            facts = self._facts(
                s,
                0 if seeker_side else i,
                p,
                i if seeker_side else 0,
                kind=int(held["kind"][at]),
                rank=int(held["rank"][at]),
                dist=float(held["dist"][at]),
                years=float(held["years"][at]),
                text_share=float(held["text"][at]),
                fail=int(held["fail"][at]),
                seeker_text=one_text if seeker_side else other_text,
                posting_text=other_text if seeker_side else one_text,
            )
            reasons, unmet = describe(facts)
            matches.append(
                Match(
                    id=other.ids[row],
                    score=int(held["shown"][at]),
                    reasons=tuple(reasons),
                    unmet=tuple(unmet),
                    fit=round(float(held["fit"][at]), 2),
                )
            )
        return matches

    def _facts(
        self,
        s: Mapping[str, Arr],
        j: int,
        p: Mapping[str, Arr],
        k: int,
        *,
        kind: int,
        rank: int,
        dist: float,
        years: float,
        text_share: float,
        seeker_text: str,
        posting_text: str,
        fail: int,
    ) -> PairFacts:
        occ = self.occupations
        wishes = [int(x) for x in s["des_mid"][j].tolist() if x >= 0]
        pmid = int(p["mid"][k])
        wished = (
            int(s["des_mid"][j][rank])
            if kind not in (OCC_NONE, OCC_EXPERIENCE)
            else (wishes[0] if wishes else -1)
        )
        required = self._qualification_list(p["quals"][k])
        held = set(self._qualification_list(s["quals"][j]))
        limit = float(s["limit"][j])
        return PairFacts(
            occ_kind=kind,
            occ_rank=rank,
            desired_name=occ.name(wished) if wished >= 0 else None,
            posting_occ_name=occ.name(pmid),
            major_name=occ.major_name(pmid),
            transition_count=int(self.transitions.count[wished, pmid]) if kind == OCC_TRANSITION else 0,
            distance_km=None if math.isnan(dist) else dist,
            limit_km=limit if math.isfinite(limit) else None,
            seeker_employment=_EMPLOYMENT_NAME[int(s["emp"][j])],
            posting_employment=_EMPLOYMENT_NAME[int(p["emp"][k])],
            floor=_finite(s["floor"][j]),
            floor_unit=_UNIT_NAME[int(s["funit"][j])],
            wage_min=_finite(p["wlow"][k]),
            wage_max=_finite(p["wtop"][k]),
            wage_unit=_UNIT_NAME[int(p["wunit"][k])],
            required=tuple(required),
            missing=tuple(q for q in required if q not in held),
            experience_required=bool(p["exp_req"][k]),
            years=years,
            long_gap=bool(s["gap"][j]),
            trial_ok=bool(p["trial"][k]),
            text_share=text_share,
            phrases=tuple(shared_phrases(seeker_text, posting_text, self.text_model))
            if text_share >= 0.25
            else (),
            fail=fail,
        )

    # -- encoding records into arrays --------------------------------------------------------------------------

    def _crowding(self) -> None:
        """How sought after each posting is: the indexed seekers who wish for its occupation and live within about
        10 km (a box of 5 × 5 grid cells), per opening, in log2 steps (0–31).

        Used only to order near-ties: a posting that many nearby seekers want will be seen by many of them anyway,
        so among equally good postings the less sought-after one is shown first. Recomputed when the postings or
        the seekers have changed by more than a twentieth since the last time.
        """
        changes = self._postings.changes + self._seekers.changes
        size = len(self._postings) + len(self._seekers)
        if self._crowd_at is not None and changes - self._crowd_at <= max(size // 20, 0):
            return
        self._crowd_at = changes
        posts = self._postings.cols
        if posts.n == 0:
            return
        seekers = self._seekers.cols
        live = self._seekers.live_rows()
        wishes = seekers["des_mid"][live]
        has = wishes >= 0
        cell = np.repeat(cells(*_degrees({k: seekers[k][live] for k in ("lat", "lng")})), has.sum(axis=1))
        keys = np.sort(wishes[has].astype(np.int64) * NCELL + cell)
        p_cell = cells(*_degrees({"lat": posts["lat"], "lng": posts["lng"]}))
        row, col = p_cell // GRID_COLS, p_cell % GRID_COLS
        known = p_cell != UNKNOWN_CELL
        total = np.zeros(posts.n, dtype=np.float64)
        for dr in range(-2, 3):
            base = posts["mid"].astype(np.int64) * NCELL + (row + dr) * GRID_COLS
            lo = np.searchsorted(keys, base + np.maximum(col - 2, 0), "left")
            hi = np.searchsorted(keys, base + np.minimum(col + 2, GRID_COLS - 1), "right")
            total += np.where(known, hi - lo, 0)
        per_opening = total / posts["openings"]
        posts["crowd"][:] = np.minimum(np.floor(np.log2(1.0 + per_opening)), 31).astype(np.int64)

    def _qualification_bits(self, names_per_record: Sequence[Iterable[str]]) -> npt.NDArray[np.uint64]:
        indices = []
        for names in names_per_record:
            idx = []
            for name in names:
                key = unicodedata.normalize("NFKC", name).strip()
                if not key:
                    continue
                if key not in self._qualifications:
                    self._qualifications[key] = len(self._qualification_names)
                    self._qualification_names.append(key)
                idx.append(self._qualifications[key])
            indices.append(idx)
        words = max(1, (len(self._qualification_names) + 63) // 64)
        for side in (self._postings, self._seekers):
            side.cols.widen("quals", words)
        bits = np.zeros((len(indices), words), dtype=np.uint64)
        for r, idx in enumerate(indices):
            for i in idx:
                bits[r, i // 64] |= np.uint64(1) << np.uint64(i % 64)
        return bits

    def _qualification_list(self, bits: Arr) -> list[str]:
        names = []
        for word, value in enumerate(bits.tolist()):
            while value:
                low = value & -value
                names.append(self._qualification_names[word * 64 + low.bit_length() - 1])
                value ^= low
        return names

    def _employer(self, employer_id: RecordId) -> int:
        return self._employers.setdefault(employer_id, len(self._employers))

    def _encode_postings(
        self, records: Sequence[PostingRecord]
    ) -> tuple[dict[str, Arr], SparseRows, list[str]]:
        n = len(records)
        mid = np.zeros(n, np.int16)
        minor = np.zeros(n, np.int16)
        for i, r in enumerate(records):
            mid[i], minor[i] = self.occupations.parse(r.occupation)
        lat = _radians([r.lat for r in records])
        low = np.array([_num(r.wage_min) for r in records], dtype=np.float32)
        high = np.array([_num(r.wage_max) for r in records], dtype=np.float32)
        raw = [_posting_text(r) for r in records]
        batch: dict[str, Arr] = {
            "employer": np.array([self._employer(r.employer_id) for r in records], dtype=np.int64),
            "mid": mid,
            "minor": minor,
            "lat": lat,
            "lng": _radians([r.lng for r in records]),
            "coslat": np.cos(lat),
            "emp": np.array([_code(_EMPLOYMENT, r.employment, "雇用形態") for r in records], dtype=np.int8),
            "wlow": np.fmin(low, high),
            "wtop": np.fmax(low, high),
            "wunit": np.array([_code(_UNIT, r.wage_unit, "賃金の単位") for r in records], dtype=np.int8),
            "quals": self._qualification_bits([r.required_qualifications for r in records]),
            "exp_req": np.array([r.experience_required for r in records], dtype=np.bool_),
            "trial": np.array([r.trial_employment_ok for r in records], dtype=np.bool_),
            "open": np.array([r.is_open for r in records], dtype=np.bool_),
            "openings": np.array([max(r.openings, 1) for r in records], dtype=np.float32),
            "crowd": np.zeros(n, dtype=np.int64),
        }
        return batch, self.text_model.transform(raw), raw

    def _encode_seekers(
        self, records: Sequence[SeekerRecord]
    ) -> tuple[dict[str, Arr], SparseRows, list[str]]:
        n = len(records)
        des_mid = np.full((n, MAX_WISHES), -1, np.int16)
        des_minor = np.zeros((n, MAX_WISHES), np.int16)
        exp_mid = np.full((n, MAX_EXPERIENCE), -1, np.int16)
        exp_years = np.zeros((n, MAX_EXPERIENCE), np.float32)
        for i, r in enumerate(records):
            for rank, code in enumerate(r.desired_occupations[:MAX_WISHES]):
                des_mid[i, rank], des_minor[i, rank] = self.occupations.parse(code)
            # Years are summed per middle group (two minor groups of one trade are one trade's experience).
            per_mid: dict[int, float] = {}
            for code, yrs in r.experience.items():
                if yrs and yrs > 0:
                    m = self.occupations.parse(code)[0]
                    per_mid[m] = per_mid.get(m, 0.0) + float(yrs)
            longest = sorted(per_mid.items(), key=lambda kv: -kv[1])[:MAX_EXPERIENCE]
            for slot, (m, yrs) in enumerate(longest):
                exp_mid[i, slot], exp_years[i, slot] = m, yrs
        lat = _radians([r.lat for r in records])
        limits = [r.max_commute_km for r in records]
        raw = [r.note for r in records]
        batch: dict[str, Arr] = {
            "des_mid": des_mid,
            "des_minor": des_minor,
            "lat": lat,
            "lng": _radians([r.lng for r in records]),
            "coslat": np.cos(lat),
            "limit": np.array([math.inf if x is None else float(x) for x in limits], dtype=np.float64),
            "emp": np.array(
                [_code(_EMPLOYMENT, r.employment, "希望の雇用形態") for r in records], dtype=np.int8
            ),
            "floor": np.array([_num(r.min_wage) for r in records], dtype=np.float32),
            "funit": np.array([_code(_UNIT, r.wage_unit, "賃金の単位") for r in records], dtype=np.int8),
            "quals": self._qualification_bits([r.qualifications for r in records]),
            "exp_mid": exp_mid,
            "exp_years": exp_years,
            "gap": np.array([r.long_gap for r in records], dtype=np.bool_),
        }
        return batch, self.text_model.transform(raw), raw

    def _seeker_view(self, seeker: RecordId | SeekerRecord) -> dict[str, Arr]:
        """The seeker's columns as 1-row arrays, and their text loaded as the query vector."""
        if isinstance(seeker, SeekerRecord):
            batch, text, raw = self._encode_seekers([seeker])
            batch["hash"] = id_hashes([seeker.seeker_id])
            self._query.load(text, 0)
        else:
            row = self._row(self._seekers, seeker, "求職者")
            batch = {k: self._seekers.cols[k][row : row + 1] for k in (*_SEEKER_SPEC, "hash")}
            raw = [self._seekers.raw_text[row]]
            self._query.load(self._seekers.text.rows, row)
        batch["quals"] = _pad(batch["quals"], self._postings.cols.width("quals"))
        batch["raw_text"] = np.array(raw, dtype=object)
        return batch

    def _posting_view(self, posting: RecordId | PostingRecord) -> dict[str, Arr]:
        if isinstance(posting, PostingRecord):
            batch, text, raw = self._encode_postings([posting])
            batch["hash"] = id_hashes([posting.posting_id])
            self._query.load(text, 0)
        else:
            row = self._row(self._postings, posting, "求人")
            batch = {k: self._postings.cols[k][row : row + 1] for k in (*_POSTING_SPEC, "hash")}
            raw = [self._postings.raw_text[row]]
            self._query.load(self._postings.text.rows, row)
        batch["quals"] = _pad(batch["quals"], self._seekers.cols.width("quals"))
        batch["raw_text"] = np.array(raw, dtype=object)
        return batch

    @staticmethod
    def _row(side: Side, rid: RecordId, label: str) -> int:
        row = side.row_of.get(rid)
        if row is None:
            raise MatchingError(f"{label} {rid} は索引にありません")
        return row


_PLACE = ("lat", "lng", "coslat")
_HARD_POSTING = ("emp", "wunit", "wtop", "quals", "mid", "exp_req", "open")
_HARD_SEEKER = ("limit", "emp", "funit", "floor", "quals", "exp_mid", "exp_years")
# A pass: its bound, the groups, the (class, radius in km) to look in, and how far a seeker without a stated limit
# may be (inf: any distance).
Pass = tuple[float, Arr, list[tuple[int, float]], float]
_CHUNK = 256


def _shown(fit: Arr, penalty: Arr) -> Arr:
    """The score a person reads: whole points, less the flag penalty, not below 0."""
    return np.asarray(np.maximum(np.floor(fit + 0.5) - np.floor(penalty + 0.5), 0.0), dtype=np.float64)


def _distance(s: Mapping[str, Arr], p: Mapping[str, Arr]) -> Arr:
    """Great-circle distance in km between the seekers' and the postings' places (``kakehashi.engine.geo``,
    from the radians and cosines the index keeps). NaN where a place is not known."""
    return great_circle_km(s["lat"], s["lng"], p["lat"], p["lng"], cos_lat1=s["coslat"], cos_lat2=p["coslat"])


_BATCH: tuple[MatchingEngine, bool, int, bool] | None = None  # what forked batch workers work on


def _run_chunk(
    engine: MatchingEngine, seeker_side: bool, top: int, flagged: bool, ids: list[RecordId]
) -> list[tuple[RecordId, list[Match]]]:
    match = engine.match_seeker if seeker_side else engine.match_posting
    return [(rid, match(rid, top=top, flagged=flagged)) for rid in ids]


def _run_forked_chunk(ids: list[RecordId]) -> list[tuple[RecordId, list[Match]]]:
    if _BATCH is None:
        raise MatchingError("一括照合の準備ができていません")
    return _run_chunk(*_BATCH, ids)


def _posting_text(p: PostingRecord) -> str:
    return f"{p.title}\n{p.description}"


def _degrees(batch: Mapping[str, Arr]) -> tuple[Arr, Arr]:
    return np.degrees(batch["lat"].astype(np.float64)), np.degrees(batch["lng"].astype(np.float64))


def _radians(values: Sequence[float | None]) -> npt.NDArray[np.float64]:
    return np.radians(np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64))


def _num(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _finite(value: Any) -> float | None:
    x = float(value)
    return x if math.isfinite(x) else None


def _code(table: Mapping[str | None, int], value: str | None, label: str) -> int:
    if value not in table:
        raise MatchingError(f"{label}「{value}」は使えません（{'、'.join(k for k in table if k)}）")
    return table[value]


def _pad(bits: Arr, width: int) -> Arr:
    if bits.shape[1] >= width:
        return bits
    return np.concatenate([bits, np.zeros((bits.shape[0], width - bits.shape[1]), dtype=bits.dtype)], axis=1)


def _pair_hash(one: Arr, many: Arr, seed: int) -> Arr:
    """A well-mixed 64-bit number per pair (splitmix64's finaliser), the same in every run for the same seed."""
    x: Arr = np.bitwise_xor(many.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15), one.astype(np.uint64))
    x ^= np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x
