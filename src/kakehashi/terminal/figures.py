"""The terminals' use figures over a period: the staff figures page (a month) and the council report's
equipment lines (the as-of month and the fiscal year to the as-of date) read them from here."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Sum

from kakehashi.accounts.models import Site

from .models import FIGURES, DailyCount, Terminal


def use_between(
    site: Site, start: datetime.date, end: datetime.date
) -> list[tuple[Terminal, dict[str, int]]]:
    """Each terminal of ``site`` that is enrolled now or was counted in [``start``, ``end``], with its
    ``FIGURES`` summed over those days (zeros for an enrolled terminal nobody used)."""
    sums: dict[int, dict[str, int]] = {}
    counted = DailyCount.objects.filter(terminal__site=site, day__range=(start, end)).values("terminal")
    for row in counted.annotate(**{f"sum_{f}": Sum(f) for f in FIGURES}):
        values: dict[str, Any] = dict(row)
        sums[int(values["terminal"])] = {f: int(values[f"sum_{f}"] or 0) for f in FIGURES}
    rows = []
    for terminal in Terminal.objects.filter(site=site).order_by("name", "pk"):
        figures = sums.get(terminal.pk)
        if figures is None and not terminal.active:
            continue
        rows.append((terminal, figures or dict.fromkeys(FIGURES, 0)))
    return rows


def monthly(site: Site, month: datetime.date) -> list[tuple[Terminal, dict[str, int]]]:
    """``use_between`` over the calendar month that starts on ``month``."""
    end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return use_between(site, month, end)


def totals(rows: list[tuple[Terminal, dict[str, int]]]) -> dict[str, int]:
    """The figures of ``rows`` added up over the terminals."""
    return {f: sum(r[f] for _t, r in rows) for f in FIGURES}


def headings() -> list[str]:
    """The figures' names, in ``FIGURES`` order, in the reader's language."""
    return [str(getattr(DailyCount._meta.get_field(f), "verbose_name", f)) for f in FIGURES]
