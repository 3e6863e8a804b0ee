"""Dates and fiscal years as every page writes them, in the reader's language (the calendar: ``engine.calendar``).

In Japanese, as offices write them: 令和8年度, 令和8年10月31日, 令和8年10月末時点. In English, one spelling
everywhere: "FY2026 (Reiwa 8)", "31 Oct 2026", "end of Oct 2026". Pages, reports and charts take their dates
from here; what is stored (titles of meetings, audit details) and the command line stay Japanese.
"""

from __future__ import annotations

import datetime

from django.utils.translation import get_language

from kakehashi.engine import calendar

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ERAS_EN = {"令和": "Reiwa", "平成": "Heisei", "昭和": "Showa", "大正": "Taisho", "明治": "Meiji"}


def english() -> bool:
    """Whether the reader reads English."""
    return (get_language() or "").startswith("en")


def era_en(day: datetime.date) -> str:
    """'Reiwa 8' / 'Reiwa 1' — the era year in English, as the Japanese label's era."""
    name, year = calendar.era_of(day)
    return f"{ERAS_EN.get(name, name)} {year}"


def fiscal_year_label(fiscal_year: int, short: bool = False) -> str:
    """'令和8年度' / 'FY2026 (Reiwa 8)'; short: the seed's '25年度' / 'FY2013'."""
    if not english():
        return calendar.fiscal_year_label(fiscal_year, short=short)
    if short:
        return f"FY{fiscal_year}"
    # The era of the fiscal year's label, FY2019 included (令和元年度: Reiwa 1).
    day = datetime.date(fiscal_year, 5, 1) if fiscal_year == 2019 else datetime.date(fiscal_year, 4, 1)
    return f"FY{fiscal_year} ({era_en(day)})"


def date_label(day: datetime.date) -> str:
    """'令和8年10月31日' / '31 Oct 2026'."""
    if not english():
        return calendar.wareki(day)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def western_date_label(day: datetime.date) -> str:
    """'2026年10月31日' / '31 Oct 2026': a day in the Western calendar."""
    if not english():
        return f"{day.year}年{day.month}月{day.day}日"
    return date_label(day)


def month_label(day: datetime.date) -> str:
    """The month of a chart's axis: '4月' / 'Apr'."""
    return MONTHS[day.month - 1] if english() else f"{day.month}月"


def year_month_label(day: datetime.date) -> str:
    """'2026年4月' / 'Apr 2026'."""
    return f"{MONTHS[day.month - 1]} {day.year}" if english() else f"{day.year}年{day.month}月"


def as_of_label(day: datetime.date, short: bool = False) -> str:
    """'25年10月末時点' at a month end, '25年10月15日時点' on another day (without the era when short);
    in English 'as of end of Oct 2013' / 'as of 15 Oct 2013'."""
    at_month_end = day == calendar.month_end(day)
    if english():
        return f"as of end of {MONTHS[day.month - 1]} {day.year}" if at_month_end else f"as of {date_label(day)}"
    if at_month_end:
        return calendar.month_end_label(day, short=short)
    name, year = calendar.era_of(day)
    return f"{'' if short else name}{calendar.era_year_label(year)}年{day.month}月{day.day}日時点"


def month_end_label(day: datetime.date, short: bool = False) -> str:
    """'令和8年10月末時点' / 'as of end of Oct 2026'."""
    if english():
        return f"as of end of {MONTHS[day.month - 1]} {day.year}"
    return calendar.month_end_label(day, short=short)
