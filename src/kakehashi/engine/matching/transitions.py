"""Occupations people move into: learned from past placements ("people who wanted X were hired in Y").

The success case in the seed is one: a garment presser (アイロン工) hired on a press machine. Where the desk has
seen enough such hires, a posting in Y is a related one for a seeker who wants X, even when the classification
puts X and Y in different major groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import MatchingError
from .occupations import Occupations


@dataclass(frozen=True)
class Transitions:
    """For each pair (wanted X, hired in Y ≠ X) with enough support: how many, and their share of X's hires."""

    count: npt.NDArray[np.int32]  # (middle groups × middle groups)
    share: npt.NDArray[np.float32]  # 0 where support is too thin

    @classmethod
    def none(cls, occupations: Occupations) -> Transitions:
        m = len(occupations)
        return cls(np.zeros((m, m), dtype=np.int32), np.zeros((m, m), dtype=np.float32))

    @classmethod
    def learn(
        cls,
        occupations: Occupations,
        hires: Iterable[tuple[str, str]],
        *,
        min_support: int = 5,
        min_share: float = 0.05,
    ) -> Transitions:
        """Learn from ``(desired occupation, hired occupation)`` pairs, one per past placement.

        A move counts only when at least ``min_support`` hires made it and they are at least ``min_share`` of
        all hires of people who wanted X: a couple of odd placements should not redirect every seeker.
        """
        m = len(occupations)
        count = np.zeros((m, m), dtype=np.int32)
        pairs = []
        for wanted, hired in hires:
            try:
                pairs.append((occupations.parse(wanted)[0], occupations.parse(hired)[0]))
            except MatchingError:
                continue  # a placement recorded under a code the classification no longer has teaches nothing
        if pairs:
            arr = np.array(pairs, dtype=np.int64)
            np.add.at(count, (arr[:, 0], arr[:, 1]), 1)
        totals = count.sum(axis=1, keepdims=True)
        share = np.divide(count, totals, out=np.zeros((m, m), dtype=np.float64), where=totals > 0)
        keep = (count >= min_support) & (share >= min_share)
        np.fill_diagonal(keep, False)
        return cls(np.where(keep, count, 0).astype(np.int32), np.where(keep, share, 0.0).astype(np.float32))
