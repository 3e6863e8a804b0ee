"""The progress status as the page states it: one rule, its legend, and each row's reason in its own figures."""

import pytest

from kakehashi.engine import kpi
from kakehashi.plans.progress import STATUSES, status_legend, status_reason

PATTERN = [60, 55, 50, 52, 40, 55, 58, 56, 50, 40, 45, 75]


def _progress(status: str, *, point: float = 640, low: float = 602, current: float = 53.6,
              needed: float = 50.3, actual: int = 432, target: int = 630) -> kpi.Progress:
    projection = kpi.Projection(point, low, point + (point - low), "last_year_pattern")
    return kpi.Progress(target, actual, 8.06, actual / target, needed, current, projection, status)


def test_a_projection_above_the_target_whose_low_end_falls_short_says_so_in_its_own_figures() -> None:
    # Tamashima's placements at the end of November: 432 of 630, 53.6 a month against 50.3 needed.
    reason = status_reason(_progress(kpi.UNCERTAIN), "件")
    assert reason == "見込み 640件は目標 630件に届くが、範囲の下限 602件は届かない"


def test_each_status_gives_a_reason_with_the_figures_it_was_decided_on() -> None:
    assert status_reason(_progress(kpi.ON_TRACK, low=655), "件") == "範囲の下限 655件でも目標 630件に届く"
    assert status_reason(_progress(kpi.AT_RISK, point=611.5, current=40.0), "人") == "見込み 612人は目標 630人に 18人足りない"
    assert status_reason(_progress(kpi.ACHIEVED, actual=650), "件") == "実績 650件で目標 630件に達した"
    assert status_reason(_progress(kpi.MISSED, actual=600), "件") == "目標 630件に 30件足りなかった"


def test_when_the_pace_and_the_projection_point_different_ways_the_reason_says_why() -> None:
    ahead_but_short = status_reason(_progress(kpi.AT_RISK, point=620, current=53.6, needed=50.3), "件")
    assert ahead_but_short.endswith("（これまでのペースなら届くが、昨年度は残りの月のほうが月あたり少なかった）")
    behind_but_reaching = status_reason(_progress(kpi.UNCERTAIN, current=48.0, needed=50.3), "件")
    assert behind_but_reaching.endswith("（これまでのペースでは足りないが、昨年度は残りの月のほうが月あたり多かった）")
    assert "ペース" not in status_reason(_progress(kpi.UNCERTAIN), "件")


@pytest.mark.parametrize("share", [0.8, 0.9, 0.95, 1.0, 1.05, 1.1])
def test_the_status_agrees_with_the_whole_numbers_the_page_prints(share: float) -> None:
    done = [v * share for v in PATTERN[:8]] + [0.0] * 4
    for target in range(300, 900):
        p = kpi.progress(done, PATTERN, target, 8.0)
        assert p.projection is not None
        low, point = kpi.whole(p.projection.low), kpi.whole(p.projection.point)
        if p.actual >= target:
            expected = kpi.ACHIEVED
        elif low >= target:
            expected = kpi.ON_TRACK
        elif point >= target:
            expected = kpi.UNCERTAIN
        else:
            expected = kpi.AT_RISK
        assert p.status == expected, target


def test_whole_rounds_halves_up_as_the_template_does() -> None:
    assert [kpi.whole(v) for v in (629.5, 630.5, 629.49, 0.5)] == [630, 631, 629, 1]


def test_the_legend_names_every_status_a_target_can_have_once_in_the_rules_order() -> None:
    legend = status_legend()
    assert [label for label, _badge, _meaning in legend] == ["達成", "順調", "要注意", "未達の恐れ", "未達", "判定前"]
    assert dict((label, meaning) for label, _b, meaning in legend)["要注意"] == str(STATUSES[kpi.UNCERTAIN].meaning)
