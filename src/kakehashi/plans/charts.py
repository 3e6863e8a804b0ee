"""Charts as inline SVG, drawn on the server: no script, no CDN, the same markup on screen, in print and in the
PDF. Each function returns the markup of one ``<svg>`` element; labels are escaped here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from django.utils.translation import gettext as _

WIDTH = 560
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 28, 34
INK = "#1d2a35"
MUTED = "#5b6b78"
GRID = "#d5dde3"
ACCENT = "#0b6e4f"
PRIOR = "#9aa9b5"
TARGET = "#b3261e"


def nice_ticks(value: float, most: int = 6) -> list[float]:
    """The labelled values of an axis from 0 up to at least ``value``: evenly spaced by a "nice" step (1, 2 or 5
    times a power of ten), the fewest that cover ``value`` in at most ``most`` intervals. Gridlines are drawn at
    exactly these values, so every line sits on its label: 0, 2, 4, 6, 8, 10 — never 0, 2.5, 5, 7.5, 10 shown
    as 0, 2, 5, 8, 10. Counts are whole, so the step is never below 1."""
    if not math.isfinite(value) or value <= 0:
        return [0.0, 1.0]
    # The smallest nice step that reaches ``value`` within ``most`` intervals.
    rough = value / max(most, 1)
    power = 10.0 ** math.floor(math.log10(rough)) if rough > 0 else 1.0
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough - 1e-9 * power)
    step = max(step, 1.0)
    intervals = math.ceil(value / step - 1e-9)
    return [float(round(k * step, 9)) for k in range(intervals + 1)]


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


class _Frame:
    def __init__(self, n: int, top_value: float, title: str) -> None:
        self.n = n
        self.ticks = nice_ticks(top_value)
        self.top = self.ticks[-1]
        self.title = title
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM

    def x(self, i: float) -> float:
        """The centre of slot ``i`` (0-based) of ``n``."""
        return LEFT + (i + 0.5) * self.plot_w / self.n

    def y(self, v: float) -> float:
        return TOP + self.plot_h * (1 - v / self.top)

    def start(self, aria: str) -> list[str]:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
            f'aria-label="{escape(aria)}" class="chart" font-family="Noto Sans CJK JP, sans-serif" font-size="11">',
            f"<title>{escape(aria)}</title>",
            f'<text x="{LEFT}" y="16" font-size="12" font-weight="bold" fill="{INK}">{escape(self.title)}</text>',
        ]
        for v in self.ticks:
            y = self.y(v)
            parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
            parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_fmt(v)}</text>')
        return parts

    def month_labels(self, labels: Sequence[str]) -> list[str]:
        return [f'<text x="{self.x(i):.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(label)}</text>" for i, label in enumerate(labels)]

    def legend(self, items: Sequence[tuple[str, str, bool]]) -> list[str]:
        """(label, colour, dashed) entries along the bottom edge."""
        parts, x = [], LEFT
        y = HEIGHT - 6
        for label, colour, dashed in items:
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            parts.append(f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                         f'stroke-width="2.5"{dash}/>')
            parts.append(f'<text x="{x + 22}" y="{y}" fill="{INK}">{escape(label)}</text>')
            x += 30 + 12 * len(label)
        return parts


def _polyline(points: Sequence[tuple[float, float]], colour: str, dashed: bool = False, width: float = 2.5) -> str:
    if not points:
        return ""
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>'


def cumulative_chart(title: str, month_labels: Sequence[str], actual: Sequence[float], target: Sequence[float] | None,
                     prior: Sequence[float] | None = None, projection: tuple[float, float, float] | None = None) -> str:
    """Cumulative actual by month end (``actual`` holds the months elapsed only) against the cumulative target
    line and last year's cumulative actual; ``projection`` (point, low, high) is drawn at the year's end."""
    n = len(month_labels)
    top = max([*actual, *(target or []), *(prior or []), *(projection[1:] if projection else []), 1.0])
    f = _Frame(n, top, title)
    parts = f.start(title)
    parts += f.month_labels(month_labels)
    if prior:
        parts.append(_polyline([(f.x(i), f.y(v)) for i, v in enumerate(prior)], PRIOR, width=1.8))
    if target:
        parts.append(_polyline([(f.x(i), f.y(v)) for i, v in enumerate(target)], TARGET, dashed=True))
    pts = [(f.x(i), f.y(v)) for i, v in enumerate(actual)]
    parts.append(_polyline(pts, ACCENT))
    for x, y in pts:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{ACCENT}"/>')
    if projection and actual:
        point, low, high = projection
        x_end = f.x(n - 1)
        parts.append(_polyline([pts[-1], (x_end, f.y(point))], ACCENT, dashed=True, width=1.5))
        parts.append(f'<line x1="{x_end:.1f}" x2="{x_end:.1f}" y1="{f.y(low):.1f}" y2="{f.y(high):.1f}" '
                     f'stroke="{ACCENT}" stroke-width="6" stroke-opacity="0.3"/>')
    if actual:
        x, y = pts[-1]
        parts.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" font-weight="bold" fill="{ACCENT}">'
                     f"{_fmt(actual[-1])}</text>")
    legend = [(_("今年度の実績"), ACCENT, False)]
    if target:
        legend.append((_("目標（月割り）"), TARGET, True))
    if prior:
        legend.append((_("前年度の実績"), PRIOR, False))
    parts += f.legend(legend)
    parts.append("</svg>")
    return "".join(parts)


def monthly_bars(title: str, month_labels: Sequence[str], this_year: Sequence[float], last_year: Sequence[float],
                 this_label: str = "今年度", last_label: str = "前年度") -> str:
    """This year's and last year's monthly counts side by side (``this_year`` may be shorter: months to come)."""
    n = len(month_labels)
    f = _Frame(n, max([*this_year, *last_year, 1.0]), title)
    parts = f.start(title)
    parts += f.month_labels(month_labels)
    slot = f.plot_w / n
    bar = slot * 0.36
    base = f.y(0)
    for i in range(n):
        for offset, values, colour in ((-bar, last_year, PRIOR), (0.0, this_year, ACCENT)):
            if i < len(values):
                v = values[i]
                x = f.x(i) + offset
                parts.append(f'<rect x="{x:.1f}" y="{f.y(v):.1f}" width="{bar:.1f}" height="{base - f.y(v):.1f}" '
                             f'fill="{colour}"><title>{escape(month_labels[i])} {_fmt(v)}</title></rect>')
    parts += f.legend([(this_label, ACCENT, False), (last_label, PRIOR, False)])
    parts.append("</svg>")
    return "".join(parts)
