"""Reading the fiscal years, as-of dates and months that people type into forms, URLs and the command line.

Messages are Japanese, for the user, and English on the English pages (``gettext``); every function raises
``PeriodError`` (a ``ValueError``) on bad input.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from kakehashi.core import dates
from kakehashi.core.reading import said
from kakehashi.engine.calendar import (
    ERAS,
    DateFormatError,
    era_of,
    era_year_label,
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    parse_date,
)
from kakehashi.engine.text import nfkc

_ERA_START = {k: start.year for name, letter, start in ERAS for k in (name, letter)}
_FY = re.compile(r"^(令和|平成|昭和|[RHS])?(元|\d{1,4})(?:年度|年|FY)?$")
# The English pages' label (core.dates.fiscal_year_label): FY2026, FY2026 (Reiwa 8).
_FY_EN = re.compile(r"^FY(\d{4})(?:\([A-Z]+\d{1,2}\))?$")

EARLIEST_FISCAL_YEAR = 1989
LATEST_FISCAL_YEAR = 2200


class PeriodError(ValueError):
    """A fiscal year, date or month that cannot be read; the message says why, in Japanese."""


def parse_fiscal_year(text: str | int) -> int:
    """'2013', '２０１３年度', '平成25年度', 'H25', '令和元年度', 'FY2013 (Heisei 25)' → the Western year the
    fiscal year starts in."""
    if isinstance(text, int):
        value = text
    else:
        s = nfkc(text).upper().replace(" ", "")
        m = _FY.match(s)
        english = _FY_EN.match(s)
        if english:
            m = _FY.match(english[1])
        if not m:
            raise PeriodError(_("「%(value)s」は年度として読めません（例：2025、令和7年度、R7）") % {"value": text})
        number = 1 if m[2] == "元" else int(m[2])
        if m[1]:
            value = _ERA_START[m[1]] + number - 1
        elif number >= 1000:
            value = number
        else:
            raise PeriodError(_("「%(value)s」は元号がないため年度を決められません（例：2025、令和7年度）")
                              % {"value": text})
    if not EARLIEST_FISCAL_YEAR <= value <= LATEST_FISCAL_YEAR:
        raise PeriodError(_("%(year)s年度は扱える範囲（%(earliest)s〜%(latest)s年度）の外です")
                          % {"year": value, "earliest": EARLIEST_FISCAL_YEAR, "latest": LATEST_FISCAL_YEAR})
    return value


def parse_day(text: str) -> datetime.date:
    """A date in any form ``engine.calendar.parse_date`` reads (和暦 and full-width digits included)."""
    try:
        return parse_date(text)
    except DateFormatError as e:
        raise PeriodError(said(e)) from None


def as_of_for(fiscal_year: int, text: str | None, today: datetime.date) -> datetime.date:
    """The as-of date for a report of ``fiscal_year``: the given date, or by default today — the year's last day
    for a year already over. A date before the year starts is refused; one after it ends is cut to its end."""
    start, end = fiscal_year_bounds(fiscal_year)
    if text is None or not nfkc(text):
        day = today
        if day < start:
            raise PeriodError(_("%(year)sはまだ始まっていません。基準日を指定してください")
                              % {"year": fiscal_label(fiscal_year)})
    else:
        day = parse_day(text)
        if day < start:
            raise PeriodError(_("基準日 %(day)s は%(year)s（%(start)s〜%(end)s）の開始前です")
                              % {"day": f"{day:%Y-%m-%d}", "year": dates.fiscal_year_label(fiscal_year),
                                 "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"})
    return min(day, end)


def parse_month(text: str, fiscal_year: int) -> datetime.date:
    """'2013-10', '2013/10', '令和7年4月', or a whole date → the first day of that month, which must lie in
    ``fiscal_year``."""
    s = nfkc(text).replace(" ", "")
    m = re.match(r"^(\d{4})[-/年](\d{1,2})月?$", s)
    if m:
        try:
            first = datetime.date(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise PeriodError(_("「%(value)s」は月として読めません（例：2013-10）") % {"value": text}) from None
    else:
        era = re.match(r"^(令和|平成|[RH])(元|\d{1,2})[年.](\d{1,2})月?$", s.upper())
        try:
            if era:
                first = parse_date(f"{era[1]}{era[2]}年{era[3]}月1日")
            else:
                first = parse_date(s).replace(day=1)
        except DateFormatError:
            raise PeriodError(_("「%(value)s」は月として読めません（例：2013-10）") % {"value": text}) from None
    if fiscal_year_of(first) != fiscal_year:
        raise PeriodError(_("%(month)sは%(year)sの月ではありません")
                          % {"month": dates.year_month_label(first), "year": fiscal_label(fiscal_year)})
    return first


def fiscal_label(fiscal_year: int) -> str:
    """'平成25年度' with the Western year for readers of other eras: '平成25年度（2013年度）'; in English the
    label already holds both ('FY2013 (Heisei 25)')."""
    if dates.english():
        return dates.fiscal_year_label(fiscal_year)
    return f"{fiscal_year_label(fiscal_year)}（{fiscal_year}年度）"


def short_month(day: datetime.date) -> str:
    """'24年4月' as the seed writes the months of a period."""
    _name, year = era_of(day)
    return f"{era_year_label(year)}年{day.month}月"


def period_label(fiscal_year: int) -> str:
    """'24年4月～25年3月'; in English 'Apr 2012 – Mar 2013' (``core.dates``)."""
    start, end = fiscal_year_bounds(fiscal_year)
    if dates.english():
        return f"{dates.year_month_label(start)} – {dates.year_month_label(end)}"
    return f"{short_month(start)}～{short_month(end)}"
