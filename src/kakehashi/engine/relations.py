"""How occupations relate: the one table that matching and employer targeting both read.

A posting's occupation earns a share (0–1) of a perfect occupation match for someone who wants another one:

| how it relates to the wish | share |
| --- | --- |
| the wish itself: first, second, third (a later wish counts as a third) | 1.0, 0.85, 0.75 |
| the same middle group, another minor group (matching only: targeting works on middle groups) | 0.65 |
| a move learned from placements (people who wanted X were hired in Y), rising with its share of X's hires | 0.45 → 0.6 at 30 % |
| the same major group | 0.4 |
| an occupation they have worked in but do not list among their wishes (matching only) | 0.6 |
| anything else | 0 |

A learned move replaces the major group's share when it is worth at least as much. Matching scores a pair with
it (``MatchingEngine``); individual job development (``Relations.for_seeker``) proposes the occupations a
seeker's wishes and experience relate to, an occupation they have worked in counting as a first wish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .matching.occupations import Occupations
    from .matching.transitions import Transitions

# How an occupation relates to what a person wants (or, for targeting, has done).
OCC_NONE, OCC_MAJOR, OCC_TRANSITION, OCC_MIDDLE, OCC_EXACT, OCC_EXPERIENCE = 0, 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Relatedness:
    """The shares of the table above."""

    first_choice: float = 1.0
    second_choice: float = 0.85
    third_choice: float = 0.75
    experience: float = 1.0  # an occupation the person has worked in (targeting: proposed as a first wish would be)
    worked_in: float = 0.6  # matching: a posting in a trade the seeker has worked in but does not list as a wish
    same_middle: float = 0.65  # same middle group, another minor group
    transition_low: float = 0.45  # a move seen in past placements, rising with its share of them …
    transition_high: float = 0.6
    transition_full_share: float = 0.3  # … reaching transition_high at 30 % of the hires
    same_major: float = 0.4

    def rank_shares(self) -> npt.NDArray[np.float32]:
        return np.array([self.first_choice, self.second_choice, self.third_choice], dtype=np.float32)


@dataclass(frozen=True)
class Basis:
    """Why an occupation relates: ``kind`` (``OCC_*``), the wished or practised occupation it relates to
    (``base``, an index), the wish's rank (0 = first; −1 for experience) and, for a learned move, how many
    placements made it."""

    kind: int
    base: int
    rank: int = -1
    placements: int = 0


@dataclass(frozen=True)
class Related:
    """An occupation (index) worth proposing, its share, and every basis that gives that share."""

    occupation: int
    share: float
    bases: tuple[Basis, ...]


@dataclass(frozen=True)
class Relations:
    """The table for one classification and one set of learned moves.

    ``share[i, j]``: what occupation j earns for a wish for i (i ≠ j; the diagonal is 0, the wish itself is
    ``rank_share``); ``kind[i, j]``: ``OCC_MAJOR``, ``OCC_TRANSITION`` or ``OCC_NONE``."""

    share: npt.NDArray[np.float32]
    kind: npt.NDArray[np.int8]
    transition_count: npt.NDArray[np.int32]
    weights: Relatedness = field(default_factory=Relatedness)

    @classmethod
    def build(cls, occupations: Occupations, transitions: Transitions,
              weights: Relatedness | None = None) -> Relations:
        w = weights or Relatedness()
        major = occupations.major_index()
        same_major = major[:, None] == major[None, :]
        np.fill_diagonal(same_major, False)
        rel = np.where(same_major, w.same_major, 0.0)
        kind = np.where(same_major, OCC_MAJOR, OCC_NONE)
        moved = transitions.share > 0
        step = np.minimum(transitions.share / w.transition_full_share, 1.0)
        learned = w.transition_low + (w.transition_high - w.transition_low) * step
        better = moved & (learned >= rel)
        return cls(
            share=np.where(better, learned, rel).astype(np.float32),
            kind=np.where(better, OCC_TRANSITION, kind).astype(np.int8),
            transition_count=transitions.count,
            weights=w,
        )

    @property
    def rank_share(self) -> npt.NDArray[np.float32]:
        """The share of the first, second and third wish itself."""
        return self.weights.rank_shares()

    def wish_share(self, rank: int) -> float:
        """The share of a wish of ``rank`` (0 = first); a wish after the third counts as a third."""
        shares = self.rank_share
        return float(shares[min(max(rank, 0), len(shares) - 1)])

    def wish_shares(self, wishes: npt.NDArray[np.integer] | Sequence[int]) -> npt.NDArray[np.float32]:
        """The most share each occupation can earn for these wishes (middle-group indices by rank, −1 for
        none): an upper bound per occupation, for matching's passes."""
        share = np.zeros(self.share.shape[0], dtype=np.float32)
        rank_share = self.rank_share
        for rank, mid in enumerate(np.asarray(wishes).tolist()):
            if mid >= 0:
                share = np.maximum(share, self.share[mid])
                share[mid] = max(share[mid], rank_share[min(rank, len(rank_share) - 1)])
        return share

    def for_seeker(self, wishes: Sequence[int], experience: Sequence[int]) -> list[Related]:
        """Occupations related to a person's wishes (indices, first wish first) and experience (indices), the
        strongest first (ties in index order): each wish at its rank's share, each practised occupation at
        ``Relatedness.experience``, and the occupations the table relates to any of them. An occupation keeps
        its best share and every basis that gives it."""
        best: dict[int, tuple[float, list[Basis]]] = {}

        def offer(occupation: int, share: float, basis: Basis) -> None:
            if share <= 0:
                return
            old = best.get(occupation)
            if old is None or share > old[0]:
                best[occupation] = (share, [basis])
            elif share == old[0] and basis not in old[1]:
                old[1].append(basis)

        for rank, occupation in enumerate(wishes):
            offer(occupation, self.wish_share(rank), Basis(OCC_EXACT, occupation, rank))
        for occupation in experience:
            offer(occupation, self.weights.experience, Basis(OCC_EXPERIENCE, occupation))
        ranks = {o: r for r, o in reversed(list(enumerate(wishes)))}
        for base in dict.fromkeys([*experience, *wishes]):
            for j in np.flatnonzero(self.share[base] > 0).tolist():
                kind = int(self.kind[base, j])
                count = int(self.transition_count[base, j]) if kind == OCC_TRANSITION else 0
                offer(j, float(self.share[base, j]), Basis(kind, base, ranks.get(base, -1), count))
        return [Related(o, s, tuple(b)) for o, (s, b) in sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))]
