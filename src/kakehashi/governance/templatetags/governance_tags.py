"""Template filters for the governance pages: dates as offices write them, shares and day counts."""

from __future__ import annotations

import datetime

from django import template

from kakehashi.core.dates import date_label

register = template.Library()


@register.filter
def wareki(value: datetime.date | None) -> str:
    """2026-10-31 → 令和8年10月31日 (in English, 31 Oct 2026); empty for no date."""
    if not isinstance(value, datetime.date):
        return ""
    return date_label(value)


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """0.745 → '74.5%'; '—' when there is nothing to divide."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


@register.filter
def num1(value: float | None) -> str:
    """A figure with one decimal ('3.5'), '—' for none."""
    if value is None:
        return "—"
    return f"{value:.1f}"
