"""Exposure that respects openings: which ten postings each seeker's list holds, decided for the whole batch at once.

One seeker at a time, every seeker near a popular posting is sent to it, though it may have a single opening,
while postings a few points behind are shown to no one. Across a batch the lists can be chosen together so that
each posting is shown in proportion to the people it can hire — the *fairness of exposure* of Singh & Joachims
(KDD 2018) measured per opening, with a capacity per producer as in FairRec (Patro et al., WWW 2020), and with the
congestion that rankings for matching markets must account for (Su, Bayoumi & Joachims, WWW 2022: a posting shown
to many more people than it can hire turns most of its applicants away, and those applications are lost to
postings that would have hired them).

The one knob is ``lists_per_opening`` (κ): how many seekers' lists a posting may appear in per opening. It works
in two steps on the candidates each seeker would accept (their best ``top × 3`` by score, hard conditions met):

1. **Congestion price.** Each posting carries a price in points, ``PRICE_POINTS × (lists it is in per opening) /
   κ``: nothing when no list shows it, as much as the distance part of the score (10 points) when it is at its
   capacity. Each seeker's list is then their best ten by score less price (one employer at most
   ``employer_cap`` places). The prices follow from the lists and the lists from the prices; they are found by
   conditional-gradient (Frank–Wolfe) steps on the whole market — the prices of a quadratic congestion cost,
   that is, of the market's sum of fit less the spread of exposure per opening — for a fixed number of rounds.
2. **Capacity.** Seekers then propose to the postings of their priced lists in order and each posting holds at
   most ⌈κ × openings⌉ of them, keeping those who fit it best (deferred acceptance, Gale & Shapley); a seeker turned
   away proposes to their next candidate. So no posting is in more than κ lists per opening, and an employer,
   whose capacity is the openings of its postings together, is never sent more than κ times that.

The seekers' lists are then shown in score order as usual: the allocation decides which postings a list holds,
not the order a counselor reads them in. Everything is deterministic (ties are broken by the pair hash), so a
batch gives the same lists on one process and on a cluster. κ = ∞ (``None``) leaves every list as the seeker's
own best ten. docs/matching.md shows the curve its default was chosen from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArr = npt.NDArray[np.int64]
FloatArr = npt.NDArray[np.float64]

# The price of a posting at its capacity, in points: as much as the whole distance part of the score.
PRICE_POINTS = 10.0
# Conditional-gradient rounds: the exposure of the lists settles within a few per cent after about twenty.
ROUNDS = 20
# Candidates per seeker, as a multiple of the list's length.
CANDIDATES = 3


@dataclass(frozen=True)
class Candidates:
    """The candidates of a batch of seekers, flat and grouped by seeker (``query`` rising; within a seeker, in
    the order of their own list). ``row``: the posting (an index row); ``value``: the score (less the penalty of
    a broken condition, in the flagged view); ``employer``: an employer number; ``hash``: the pair hash."""

    query: IntArr
    row: IntArr
    value: FloatArr
    employer: IntArr
    hash: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.query)

    @staticmethod
    def concat(parts: list[Candidates], offsets: list[int]) -> Candidates:
        """Join the candidates of consecutive chunks of seekers; ``offsets``: the first seeker of each chunk."""
        if not parts:
            return Candidates(_ints([]), _ints([]), np.zeros(0), _ints([]), np.zeros(0, dtype=np.uint64))
        return Candidates(
            np.concatenate([p.query + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([p.row for p in parts]),
            np.concatenate([p.value for p in parts]),
            np.concatenate([p.employer for p in parts]),
            np.concatenate([p.hash for p in parts]),
        )


def allocate(
    c: Candidates,
    openings: FloatArr,
    *,
    lists_per_opening: float | None,
    top: int,
    employer_cap: int,
    rounds: int = ROUNDS,
) -> IntArr:
    """The candidates (positions in ``c``) that make up the lists, at most ``top`` per seeker.

    ``openings``: the openings of each candidate's posting (at least 1). With ``lists_per_opening`` None every
    seeker keeps their own best ``top``."""
    if len(c) == 0:
        return _ints([])
    order = np.arange(len(c), dtype=np.int64)  # the seeker's own order: candidates come in it
    if lists_per_opening is None or not math.isfinite(lists_per_opening):
        return _lists(c, c.value, order, top, employer_cap)
    kappa = float(lists_per_opening)
    posting, n_postings = _numbered(c.row)
    per_posting = np.zeros(n_postings)
    per_posting[posting] = openings
    load = np.bincount(posting[_lists(c, c.value, order, top, employer_cap)], minlength=n_postings).astype(float)
    for step in range(rounds):
        price = PRICE_POINTS * load / (per_posting * kappa)
        chosen = _lists(c, c.value - price[posting], order, top, employer_cap)
        shown = np.bincount(posting[chosen], minlength=n_postings)
        load += (shown - load) * (2.0 / (step + 3.0))
    price = PRICE_POINTS * load / (per_posting * kappa)
    capacity = np.ceil(kappa * per_posting - 1e-9).astype(np.int64)
    return _deferred_acceptance(c, c.value - price[posting], posting, capacity, top, employer_cap)


def exposure_per_opening(rows: IntArr, openings_of: FloatArr) -> FloatArr:
    """Lists each posting is in, per opening: ``rows`` the postings shown (one per place in a list),
    ``openings_of`` every posting's openings (indexed by row)."""
    shown = np.bincount(rows, minlength=len(openings_of)).astype(float)
    return shown / np.maximum(openings_of, 1.0)


def gini(values: FloatArr, weights: FloatArr | None = None) -> float:
    """The Gini coefficient of ``values`` (0: all equal, →1: one holds everything), each counted ``weights``
    times (e.g. a posting's exposure per opening counted once per opening)."""
    x = np.asarray(values, dtype=np.float64)
    wt = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(x) == 0 or x @ wt <= 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, wt = x[order], wt[order]
    cum = np.cumsum(x * wt)
    before = np.concatenate([[0.0], cum[:-1]])
    return float(1.0 - (wt * (before + cum)).sum() / (cum[-1] * wt.sum()))


# -- the steps ---------------------------------------------------------------------------------------------------

def _lists(c: Candidates, value: FloatArr, order: IntArr, top: int, employer_cap: int) -> IntArr:
    """Each seeker's best ``top`` by ``value`` (ties in their own order), one employer at most ``employer_cap``."""
    ranked = np.lexsort((order, -value, c.query))
    if employer_cap > 0:
        # Place of each candidate among the same employer's in the seeker's ranking.
        key = c.query[ranked] * (int(c.employer.max()) + 1) + c.employer[ranked]
        by_employer = np.lexsort((np.arange(len(ranked)), key))
        nth = np.empty(len(ranked), dtype=np.int64)
        nth[by_employer] = _cumcount(key[by_employer])
        ranked = ranked[nth < employer_cap]
    return np.sort(ranked[_cumcount(c.query[ranked]) < top])


def _deferred_acceptance(
    c: Candidates, value: FloatArr, posting: IntArr, capacity: IntArr, top: int, employer_cap: int
) -> IntArr:
    """Seekers propose down their lists (by ``value``); each posting holds at most ``capacity`` of them, those
    whose score for it is highest (ties by the pair hash); a seeker turned away proposes to the next one."""
    n = len(c)
    ranked = np.lexsort((np.arange(n), -value, c.query))
    place = np.empty(n, dtype=np.int64)
    place[ranked] = np.arange(n)
    # The posting's preference: the seeker's score for it, then the pair hash (both the same on every machine).
    preference = np.empty(n, dtype=np.int64)
    preference[np.lexsort((c.hash, -c.value, posting))] = np.arange(n)
    pair = c.query * (int(c.employer.max()) + 1) + c.employer
    state = np.zeros(n, dtype=np.int8)  # 0 not yet proposed, 1 held, 2 turned away
    n_queries = int(c.query.max()) + 1
    while True:
        held = state == 1
        free = ranked[state[ranked] == 0]
        if len(free) == 0:
            break
        slots = top - np.bincount(c.query[held], minlength=n_queries)
        if employer_cap > 0:
            held_pairs, held_count = np.unique(pair[held], return_counts=True)
            at = np.searchsorted(held_pairs, pair[free])
            found = at < len(held_pairs)
            found[found] = held_pairs[at[found]] == pair[free][found]
            already = (np.where(found, held_count[np.minimum(at, len(held_count) - 1)], 0) if len(held_count)
                       else np.zeros(len(free), dtype=np.int64))
            by_pair = np.lexsort((place[free], pair[free]))
            nth = np.empty(len(free), dtype=np.int64)
            nth[by_pair] = _cumcount(pair[free][by_pair])
            free = free[already + nth < employer_cap]
        proposing = free[_cumcount(c.query[free]) < slots[c.query[free]]]
        if len(proposing) == 0:
            break
        state[proposing] = 1
        holding = np.flatnonzero(state == 1)
        holding = holding[np.lexsort((preference[holding], posting[holding]))]
        refused = holding[_cumcount(posting[holding]) >= capacity[posting[holding]]]
        state[refused] = 2
    return np.flatnonzero(state == 1)


def _numbered(rows: IntArr) -> tuple[IntArr, int]:
    """Rows renumbered 0…k−1 (k distinct postings)."""
    distinct, numbers = np.unique(rows, return_inverse=True)
    return numbers.astype(np.int64), len(distinct)


def _cumcount(keys: npt.NDArray[np.int64]) -> IntArr:
    """For sorted ``keys``: how many equal keys come before each (0, 1, 2, … within each run)."""
    if len(keys) == 0:
        return _ints([])
    starts = np.concatenate([[True], keys[1:] != keys[:-1]])
    first = np.flatnonzero(starts)
    counts: IntArr = np.arange(len(keys), dtype=np.int64) - first[np.cumsum(starts) - 1]
    return counts


def _ints(values: list[int]) -> IntArr:
    return np.asarray(values, dtype=np.int64)
