"""The batch allocation of exposure (engine.matching.exposure): whatever the market, no posting is in more lists
than its openings allow, no list is longer than asked or holds one employer more than allowed, every place is a
candidate the seeker would accept, and the same market always gives the same lists."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kakehashi.engine.matching.exposure import Candidates, allocate, exposure_per_opening, gini


def market(seed: int, seekers: int, postings: int, per_seeker: int) -> tuple[Candidates, np.ndarray]:
    """Random candidates: each seeker's ``per_seeker`` postings in their own order (score falling)."""
    rng = np.random.default_rng(seed)
    query, row, value = [], [], []
    for q in range(seekers):
        rows = rng.choice(postings, size=min(per_seeker, postings), replace=False)
        scores = np.sort(rng.uniform(40, 100, len(rows)).round(1))[::-1]
        query += [q] * len(rows)
        row += rows.tolist()
        value += scores.tolist()
    employer_of = rng.integers(0, max(1, postings // 3), postings)
    openings_of = rng.choice([1, 1, 1, 2, 3, 5], size=postings).astype(float)
    r = np.asarray(row, dtype=np.int64)
    c = Candidates(np.asarray(query, dtype=np.int64), r, np.asarray(value), employer_of[r].astype(np.int64),
                   rng.integers(0, 2**63, len(r)).astype(np.uint64))
    return c, openings_of


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), seekers=st.integers(1, 60), postings=st.integers(1, 40),
       per_seeker=st.integers(1, 30), kappa=st.sampled_from([0.5, 1.0, 2.0, 5.0]), top=st.integers(1, 10),
       employer_cap=st.sampled_from([0, 1, 2]))
def test_every_allocation_respects_openings_lists_and_employers(
    seed: int, seekers: int, postings: int, per_seeker: int, kappa: float, top: int, employer_cap: int
) -> None:
    c, openings_of = market(seed, seekers, postings, per_seeker)
    chosen = allocate(c, openings_of[c.row], lists_per_opening=kappa, top=top, employer_cap=employer_cap)
    assert len(set(chosen.tolist())) == len(chosen) and ((chosen >= 0) & (chosen < len(c))).all()
    shown = np.bincount(c.row[chosen], minlength=postings)
    assert (shown <= np.ceil(kappa * openings_of - 1e-9)).all()
    assert (np.bincount(c.query[chosen], minlength=seekers) <= top).all()
    if employer_cap:
        _, per_pair = np.unique(c.query[chosen] * 10_000 + c.employer[chosen], return_counts=True)
        assert (per_pair <= employer_cap).all()
    again = allocate(c, openings_of[c.row], lists_per_opening=kappa, top=top, employer_cap=employer_cap)
    assert again.tolist() == chosen.tolist()


def test_without_the_knob_each_seeker_keeps_their_own_best() -> None:
    c, openings_of = market(7, seekers=30, postings=20, per_seeker=15)
    chosen = allocate(c, openings_of[c.row], lists_per_opening=None, top=10, employer_cap=0)
    for q in range(30):
        own = np.flatnonzero(c.query == q)
        assert c.query[chosen].tolist().count(q) == min(10, len(own))
        assert set(chosen[c.query[chosen] == q].tolist()) == set(own[:10].tolist())
    assert allocate(c, openings_of[c.row], lists_per_opening=math.inf, top=10, employer_cap=0).tolist() == \
        chosen.tolist()


def test_a_crowded_market_spreads_exposure_per_opening() -> None:
    # Everyone prefers the same few postings: without the knob they take every list, with it they are shared out.
    rng = np.random.default_rng(3)
    seekers, postings = 200, 60
    query = np.repeat(np.arange(seekers), 20)
    row = np.concatenate([rng.permutation(postings)[:20] for _ in range(seekers)])
    value = 100 - row * 0.5 + rng.uniform(0, 1, len(row))  # low rows are everyone's favourites
    order = np.lexsort((-value, query))
    c = Candidates(query[order], row[order].astype(np.int64), value[order], row[order].astype(np.int64),
                   np.arange(len(row), dtype=np.uint64))
    openings_of = np.ones(postings)
    own = allocate(c, openings_of[c.row], lists_per_opening=None, top=5, employer_cap=0)
    fair = allocate(c, openings_of[c.row], lists_per_opening=20.0, top=5, employer_cap=0)
    g_own = gini(exposure_per_opening(c.row[own], openings_of), openings_of)
    g_fair = gini(exposure_per_opening(c.row[fair], openings_of), openings_of)
    assert g_fair < g_own - 0.2
    assert np.bincount(c.row[fair], minlength=postings).max() <= 20
    # The price of spreading: the lists' scores fall, but by little.
    assert c.value[fair].mean() > c.value[own].mean() - 15


def test_gini_of_equal_and_of_concentrated_exposure() -> None:
    assert gini(np.array([2.0, 2.0, 2.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 9.0])) > 0.6
    assert gini(np.zeros(0)) == 0.0
