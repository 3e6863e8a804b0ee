"""Progress against a yearly target: share reached, the monthly pace still needed, and a projection to the
end of the fiscal year with a range.

Everything here works on monthly counts in fiscal order (April first, twelve of them) and knows nothing of
where they came from. The web app counts; this module does the arithmetic.

The projection
--------------
Offices do not place people evenly over the year: April and the autumn are busy, August and the New Year slow.
So the rest of the year is projected from *last year's monthly pattern*, scaled by how this year compares with
last year so far::

    done_last  = last year's count up to the same point of the year   (D)
    rest_last  = last year's count after that point                   (L)
    ratio      = actual / done_last                                    (r = A / D)
    projection = actual + ratio * rest_last                            (A + R)

Where last year has nothing to go on (a new site, an indicator not counted last year) the current run rate is
used instead: ``actual / months elapsed * months left``.

The range treats counts as Poisson, widened by how much this year's months scatter around the scaled pattern
(a quasi-Poisson dispersion ``phi``, estimated from the months elapsed once there are three of them). Two
sources of error are added: the ratio is estimated from ``A`` events (var ``phi * A * (L / D)**2``), and the
months still to come are themselves random (var ``phi * R``). The range is the normal interval at ``level``
(80 % by default) and never falls below what has already been counted.

An indicator is *at risk* when the projection falls short of the target; *uncertain* when the projection
reaches it but the low end of the range does not; *on track* when even the low end reaches it; *missed* when
the year is over and the target was not reached. The projection and its range are compared as the pages show
them, in whole numbers (``whole``), so that a status never contradicts the figures printed beside it. The pace so
far does not enter the rule: the projection already weighs it against last year's months still to come, and the
progress page says in each row's reason when the two point different ways (``kakehashi.plans.progress``).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .calendar import fiscal_year_bounds

MONTHS = 12

ACHIEVED = "achieved"
ON_TRACK = "on_track"
UNCERTAIN = "uncertain"
AT_RISK = "at_risk"
MISSED = "missed"
NO_TARGET = "no_target"
TOO_EARLY = "too_early"


@dataclass(frozen=True)
class Projection:
    """Where the year is likely to end: ``point`` with the range ``low``–``high``.

    ``method`` says what it rests on: ``last_year_pattern``, ``run_rate``, or ``complete`` (the year is over,
    the actual is final)."""

    point: float
    low: float
    high: float
    method: str


@dataclass(frozen=True)
class Progress:
    """One indicator's progress at an as-of date."""

    target: int | None
    actual: int
    elapsed: float
    """Months of the fiscal year elapsed at the as-of date (0–12; the end of October is 7.0)."""
    share: float | None
    """actual / target; None without a target (or with a target of 0)."""
    pace_needed: float | None
    """Per month, for the rest of the year, to reach the target; 0 once reached; None without a target or
    once the year is over."""
    current_pace: float | None
    """Per month so far; None before the first day has passed."""
    projection: Projection | None
    """None while nothing of the year has elapsed and there is no pattern to go on."""
    status: str
    """achieved / on_track / uncertain / at_risk / missed (the year is over, short of the target) /
    no_target / too_early (nothing elapsed, nothing to project from)."""

    @property
    def at_risk(self) -> bool:
        """Flagged: projected to fall short, or already short at the end of the year."""
        return self.status in (AT_RISK, MISSED)

    @property
    def pace_ratio(self) -> float | None:
        """How much faster than so far the rest of the year must go (1.25 = 25 % faster)."""
        if self.pace_needed is None or not self.current_pace:
            return None
        return self.pace_needed / self.current_pace


def whole(value: float) -> int:
    """A projected count as the pages print it: to the nearest whole number, halves up (Django's
    ``floatformat:0``), not to the even one as ``round`` does."""
    return math.floor(value + 0.5)


def elapsed_months(fiscal_year: int, as_of: datetime.date) -> float:
    """Months of ``fiscal_year`` elapsed at the end of ``as_of``: whole months, plus the days of the as-of
    month as a fraction of that month. 0 before April 1st, 12 from March 31st on."""
    start, end = fiscal_year_bounds(fiscal_year)
    if as_of < start:
        return 0.0
    if as_of >= end:
        return float(MONTHS)
    full = (as_of.year - start.year) * 12 + as_of.month - start.month
    first = as_of.replace(day=1)
    nxt = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return full + as_of.day / (nxt - first).days


def cumulative(monthly: Sequence[float]) -> list[float]:
    """Running totals of monthly counts."""
    return [float(x) for x in np.cumsum(np.asarray(monthly, dtype=float))]


def target_line(target: float, months: int = MONTHS) -> list[float]:
    """The cumulative target by month end when the year's target is spread evenly (月割り)."""
    return [target * (m + 1) / months for m in range(months)]


def _split(pattern: np.ndarray, elapsed: float) -> tuple[np.ndarray, float, float]:
    """Per-month weights of the elapsed part of the year (1 for whole months, the fraction for the as-of
    month, 0 after), and the pattern's volume before and after the as-of point."""
    weights = np.clip(elapsed - np.arange(MONTHS), 0.0, 1.0)
    done = float(np.dot(pattern, weights))
    return weights, done, float(pattern.sum()) - done


def _dispersion(actual: np.ndarray, expected: np.ndarray) -> float:
    """Quasi-Poisson dispersion of the observed months around their expected counts: Pearson's chi-square
    over its degrees of freedom, never below 1 (plain Poisson). Needs three months with something expected."""
    mask = expected > 0
    n = int(mask.sum())
    if n < 3:
        return 1.0
    chi2 = float((((actual[mask] - expected[mask]) ** 2) / expected[mask]).sum())
    return max(1.0, chi2 / (n - 1))


def project(monthly: Sequence[float], prior_monthly: Sequence[float], elapsed: float,
            level: float = 0.8) -> Projection | None:
    """Project the year's total from this year's ``monthly`` counts so far and last year's ``prior_monthly``.

    ``monthly`` holds twelve counts in fiscal order; months after the as-of date are 0 and the as-of month
    holds its count up to the as-of date. See the module docstring for the method."""
    this = np.zeros(MONTHS)
    this[: len(monthly)] = np.asarray(monthly, dtype=float)[:MONTHS]
    prior = np.zeros(MONTHS)
    prior[: len(prior_monthly)] = np.asarray(prior_monthly, dtype=float)[:MONTHS]
    actual = float(this.sum())
    if elapsed >= MONTHS:
        return Projection(actual, actual, actual, "complete")
    weights, done_last, rest_last = _split(prior, elapsed)
    if done_last > 0 and rest_last >= 0:
        ratio = actual / done_last
        rest = ratio * rest_last
        scale = rest_last / done_last
        phi = _dispersion(this * (weights == 1), ratio * prior * (weights == 1))
        method = "last_year_pattern"
    elif elapsed > 0:
        months_left = MONTHS - elapsed
        rest = actual / elapsed * months_left
        scale = months_left / elapsed
        full = int(elapsed)
        phi = _dispersion(this[:full], np.full(full, actual / elapsed))
        method = "run_rate"
    else:
        return None
    # With nothing counted yet the ratio's error is still that of a rate we cannot tell from 1 event.
    variance = phi * (max(actual, 1.0) * scale**2 + rest)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    spread = z * math.sqrt(variance)
    point = actual + rest
    return Projection(point, max(actual, point - spread), point + spread, method)


def progress(monthly: Sequence[float], prior_monthly: Sequence[float], target: int | None, elapsed: float,
             level: float = 0.8) -> Progress:
    """Progress of one indicator: ``monthly`` this year so far (fiscal order), ``prior_monthly`` last year's
    twelve months, the year's ``target`` (None if none was set), ``elapsed`` months (see ``elapsed_months``)."""
    elapsed = min(max(elapsed, 0.0), float(MONTHS))
    actual = int(round(float(np.sum(np.asarray(monthly, dtype=float)))))
    projection = project(monthly, prior_monthly, elapsed, level)
    current_pace = actual / elapsed if elapsed > 0 else None
    months_left = MONTHS - elapsed
    if target is None:
        return Progress(None, actual, elapsed, None, None, current_pace, projection, NO_TARGET)
    share = actual / target if target > 0 else None
    pace_needed = max(target - actual, 0) / months_left if months_left > 0 else None
    if actual >= target:
        status = ACHIEVED
    elif elapsed >= MONTHS:
        status = MISSED
    elif projection is None:
        status = TOO_EARLY
    elif whole(projection.low) >= target:
        status = ON_TRACK
    elif whole(projection.point) >= target:
        status = UNCERTAIN
    else:
        status = AT_RISK
    return Progress(target, actual, elapsed, share, pace_needed, current_pace, projection, status)
