"""The progress arithmetic on its own: elapsed months, pace, projection and its range, the at-risk flag."""

import datetime

import numpy as np
import pytest

from kakehashi.engine import kpi

# A year shaped like an office's: busy spring and autumn, slow August and winter.
PATTERN = [60, 55, 50, 52, 40, 55, 58, 56, 50, 40, 45, 75]


def test_it_counts_whole_months_and_the_fraction_of_the_as_of_month() -> None:
    assert kpi.elapsed_months(2013, datetime.date(2013, 10, 31)) == 7.0
    assert kpi.elapsed_months(2013, datetime.date(2013, 4, 15)) == pytest.approx(15 / 30)
    assert kpi.elapsed_months(2013, datetime.date(2014, 2, 14)) == pytest.approx(10 + 14 / 28)


def test_it_clamps_elapsed_months_to_the_fiscal_year() -> None:
    assert kpi.elapsed_months(2013, datetime.date(2013, 3, 31)) == 0.0
    assert kpi.elapsed_months(2013, datetime.date(2014, 3, 31)) == 12.0
    assert kpi.elapsed_months(2013, datetime.date(2015, 1, 1)) == 12.0


def test_the_pace_needed_spreads_what_is_left_over_the_months_left() -> None:
    monthly = [70] * 7 + [0] * 5
    p = kpi.progress(monthly, PATTERN, 630, 7.0)
    assert p.actual == 490
    assert p.share == pytest.approx(490 / 630)
    assert p.pace_needed == pytest.approx((630 - 490) / 5)
    assert p.current_pace == pytest.approx(70)
    assert p.pace_ratio == pytest.approx((140 / 5) / 70)


def test_no_pace_is_needed_once_the_target_is_reached() -> None:
    p = kpi.progress([100] * 7 + [0] * 5, PATTERN, 630, 7.0)
    assert p.pace_needed == 0
    assert p.status == kpi.ACHIEVED
    assert not p.at_risk


def test_a_year_exactly_like_last_year_projects_last_years_total() -> None:
    done = [float(v) for v in PATTERN[:7]] + [0.0] * 5
    proj = kpi.project(done, PATTERN, 7.0)
    assert proj is not None
    assert proj.method == "last_year_pattern"
    assert proj.point == pytest.approx(sum(PATTERN))
    assert proj.low < proj.point < proj.high


def test_the_projection_scales_last_years_rest_by_this_years_ratio() -> None:
    done = [v * 1.2 for v in PATTERN[:7]] + [0.0] * 5
    proj = kpi.project(done, PATTERN, 7.0)
    assert proj is not None
    rest_last = sum(PATTERN[7:])
    assert proj.point == pytest.approx(sum(done) + 1.2 * rest_last)


def test_the_projection_follows_last_years_season_not_a_straight_line() -> None:
    # A strong March last year: the same start this year projects more than the run rate would.
    done = [float(v) for v in PATTERN[:7]] + [0.0] * 5
    seasonal = kpi.project(done, PATTERN, 7.0)
    straight = kpi.project(done, [], 7.0)
    assert seasonal is not None and straight is not None
    assert straight.method == "run_rate"
    assert straight.point == pytest.approx(sum(done) / 7 * 12)
    assert seasonal.point > straight.point


def test_the_as_of_month_counts_by_its_elapsed_fraction_in_last_years_pattern() -> None:
    # Half of October elapsed: last year's to-date is April–September plus half of October.
    this = [float(v) for v in PATTERN[:6]] + [PATTERN[6] / 2] + [0.0] * 5
    proj = kpi.project(this, PATTERN, 6.5)
    assert proj is not None
    assert proj.point == pytest.approx(sum(PATTERN))


def test_the_range_widens_when_the_months_scatter_more_than_chance() -> None:
    steady = [float(v) for v in PATTERN[:7]] + [0.0] * 5
    jumpy = [v * f for v, f in zip(PATTERN[:7], [1.6, 0.4, 1.5, 0.5, 1.7, 0.3, 1.0], strict=True)] + [0.0] * 5
    a = kpi.project(steady, PATTERN, 7.0)
    b = kpi.project(jumpy, PATTERN, 7.0)
    assert a is not None and b is not None
    assert (b.high - b.low) > 2 * (a.high - a.low)


def test_the_range_narrows_as_the_year_goes_on() -> None:
    early = kpi.project([float(v) for v in PATTERN[:3]] + [0.0] * 9, PATTERN, 3.0)
    late = kpi.project([float(v) for v in PATTERN[:10]] + [0.0] * 2, PATTERN, 10.0)
    assert early is not None and late is not None
    assert (late.high - late.low) < (early.high - early.low)


def test_the_low_end_never_falls_below_what_is_already_counted() -> None:
    this = [3.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    proj = kpi.project(this, [0] * 11 + [500], 1.0)
    assert proj is not None
    assert proj.low >= 3.0


def test_a_finished_year_projects_its_actual() -> None:
    proj = kpi.project([10.0] * 12, PATTERN, 12.0)
    assert proj == kpi.Projection(120.0, 120.0, 120.0, "complete")


def test_nothing_is_projected_before_the_year_starts_without_a_pattern() -> None:
    assert kpi.project([0.0] * 12, [], 0.0) is None
    assert kpi.progress([0] * 12, [], 100, 0.0).status == kpi.TOO_EARLY


def test_an_indicator_projected_short_of_its_target_is_at_risk() -> None:
    slow = [v * 0.8 for v in PATTERN[:7]] + [0.0] * 5
    p = kpi.progress(slow, PATTERN, sum(PATTERN), 7.0)
    assert p.projection is not None and p.projection.point < sum(PATTERN)
    assert p.status == kpi.AT_RISK
    assert p.at_risk


def test_an_indicator_whose_whole_range_reaches_the_target_is_on_track() -> None:
    fast = [v * 1.3 for v in PATTERN[:7]] + [0.0] * 5
    p = kpi.progress(fast, PATTERN, sum(PATTERN), 7.0)
    assert p.projection is not None and p.projection.low >= sum(PATTERN)
    assert p.status == kpi.ON_TRACK
    assert not p.at_risk


def test_an_indicator_whose_range_straddles_the_target_is_uncertain() -> None:
    done = [float(v) for v in PATTERN[:7]] + [0.0] * 5
    p = kpi.progress(done, PATTERN, sum(PATTERN) - 5, 7.0)
    assert p.projection is not None and p.projection.low < p.target <= p.projection.point  # type: ignore[operator]  # the target is set above
    assert p.status == kpi.UNCERTAIN
    assert not p.at_risk


def test_a_year_over_short_of_its_target_is_missed_and_flagged() -> None:
    p = kpi.progress([10] * 12, PATTERN, 200, 12.0)
    assert p.status == kpi.MISSED
    assert p.at_risk
    assert p.pace_needed is None


def test_without_a_target_there_is_a_projection_but_no_verdict() -> None:
    p = kpi.progress([float(v) for v in PATTERN[:7]] + [0.0] * 5, PATTERN, None, 7.0)
    assert p.status == kpi.NO_TARGET
    assert p.share is None and p.pace_needed is None
    assert p.projection is not None


def test_a_higher_level_gives_a_wider_range() -> None:
    done = [float(v) for v in PATTERN[:7]] + [0.0] * 5
    p80 = kpi.project(done, PATTERN, 7.0, level=0.8)
    p95 = kpi.project(done, PATTERN, 7.0, level=0.95)
    assert p80 is not None and p95 is not None
    assert p95.low < p80.low and p95.high > p80.high


def test_the_80_percent_range_holds_the_outcome_about_80_percent_of_the_time() -> None:
    # Simulated years: Poisson months around last year's shape at a random level; the range should catch
    # the true total in roughly the stated share of years (loosely, since the method is approximate).
    rng = np.random.default_rng(7)
    shape = np.array(PATTERN, dtype=float)
    hits, trials = 0, 400
    for _ in range(trials):
        level = rng.uniform(0.7, 1.3)
        prior = rng.poisson(shape)
        year = rng.poisson(shape * level)
        proj = kpi.project([*year[:7], 0, 0, 0, 0, 0], prior, 7.0)
        assert proj is not None
        hits += proj.low <= year.sum() <= proj.high
    assert 0.7 <= hits / trials <= 0.95


def test_cumulative_and_target_line_run_by_month() -> None:
    assert kpi.cumulative([1, 2, 3]) == [1.0, 3.0, 6.0]
    line = kpi.target_line(1200)
    assert line[0] == 100 and line[-1] == 1200 and len(line) == 12
