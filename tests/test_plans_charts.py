"""The progress charts: axes labelled at round values, with every gridline on its label."""

import math
import re

import pytest

from kakehashi.plans.charts import HEIGHT, cumulative_chart, monthly_bars, nice_ticks


@pytest.mark.parametrize(("value", "ticks"), [
    (10, [0, 2, 4, 6, 8, 10]),
    (9.2, [0, 2, 4, 6, 8, 10]),
    (7, [0, 2, 4, 6, 8]),
    (3, [0, 1, 2, 3]),
    (1, [0, 1]),
    (0.4, [0, 1]),
    (0, [0, 1]),
    (640, [0, 200, 400, 600, 800]),
    (630, [0, 200, 400, 600, 800]),
    (1317, [0, 500, 1000, 1500]),
    (55, [0, 10, 20, 30, 40, 50, 60]),
])
def test_the_ticks_are_round_values_from_zero_that_cover_the_data(value: float, ticks: list[int]) -> None:
    assert nice_ticks(value) == [float(t) for t in ticks]


@pytest.mark.parametrize("value", [1, 2, 3, 7, 9.5, 11, 37, 99, 101, 250, 471, 636, 999, 1001, 3445, 12_345])
def test_every_step_is_one_two_or_five_times_a_power_of_ten_and_there_are_few_of_them(value: float) -> None:
    ticks = nice_ticks(value)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    step = steps.pop()
    assert round(step / 10 ** math.floor(math.log10(step)), 9) in (1, 2, 5)
    assert ticks[0] == 0 and ticks[-1] >= value > ticks[-2]
    assert len(ticks) - 1 <= 6


def _grid_and_labels(svg: str) -> tuple[list[float], list[tuple[float, str]]]:
    lines = [float(y) for y in re.findall(r'<line x1="\d+" x2="\d+" y1="([\d.]+)" y2="\1" stroke="#d5dde3"/>', svg)]
    labels = [(float(y), text) for y, text in
              re.findall(r'<text x="\d+" y="([\d.]+)" text-anchor="end" fill="#5b6b78">([^<]*)</text>', svg)]
    return lines, labels


@pytest.mark.parametrize("svg", [
    cumulative_chart("就職件数", [f"{m}月" for m in range(1, 13)], [40, 90, 150, 210, 260, 320, 380, 432],
                     [52.5 * (m + 1) for m in range(12)], projection=(640, 602, 678)),
    monthly_bars("紹介件数", [f"{m}月" for m in range(1, 13)], [3, 7, 9], [2, 4, 10, 6]),
])
def test_each_gridline_is_drawn_at_the_value_its_label_reads(svg: str) -> None:
    lines, labels = _grid_and_labels(svg)
    assert len(lines) == len(labels) >= 3
    values = [float(text.replace(",", "")) for _y, text in labels]
    bottom, top = lines[0], lines[-1]
    for line_y, (label_y, _text), value in zip(lines, labels, values, strict=True):
        # The label is set 4 px below its line (the text's baseline), and the line is where the value is.
        assert label_y == pytest.approx(line_y + 4, abs=0.06)
        assert line_y == pytest.approx(bottom + (top - bottom) * value / values[-1], abs=0.06)
    assert values[0] == 0 and bottom < HEIGHT
