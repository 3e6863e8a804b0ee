"""Fiscal years (April–March) and Japanese era dates (和暦), read and written as offices write them."""

from __future__ import annotations

import datetime
import re
import unicodedata

from .text import Note, ReadError, shown

# Era start dates (改元日). A date is in the latest era that started on or before it.
ERAS: list[tuple[str, str, datetime.date]] = [
    ("令和", "R", datetime.date(2019, 5, 1)),
    ("平成", "H", datetime.date(1989, 1, 8)),
    ("昭和", "S", datetime.date(1926, 12, 25)),
    ("大正", "T", datetime.date(1912, 7, 30)),
    ("明治", "M", datetime.date(1868, 10, 23)),
]
_ERA_BY_KEY = {k: start for name, letter, start in ERAS for k in (name, letter)}
_ERA_NAME = {k: name for name, letter, _start in ERAS for k in (name, letter)}

_WESTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_ERA = re.compile(r"^(令和|平成|昭和|大正|明治|[RHSTM])\s*(元|\d{1,2})[.年/-](\d{1,2})[.月/-](\d{1,2})日?$")


class DateFormatError(ReadError):
    """The text is not a date in any accepted form; the message is in Japanese for the user (``ReadError``: its
    form and values let the web app say it in the reader's language)."""


def _era_end(start: datetime.date) -> datetime.date | None:
    """The last day of the era that started on ``start`` (None for the current era)."""
    later = [s for _name, _letter, s in ERAS if s > start]
    return min(later) - datetime.timedelta(days=1) if later else None


ERA_PAST_END = ("「%(value)s」は%(era)sの終わり（%(end)s）より後の日付のため、%(name)s%(year)s年%(month)s月%(day)s日"
                "（%(iso)s）として読みました")


def read_date(text: str) -> tuple[datetime.date, str]:
    """The date ``text`` means, and a note ('' when there is nothing to say) — see ``parse_date`` for the forms
    read. The note is set when an era year runs past the era's end (``平成32年4月1日``): the date is read, and the
    note says which day it was taken for, so that whoever reads many dates (an import) can warn about them."""
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "").upper()
    try:
        m = _WESTERN.match(s)
        if m:
            return datetime.date(int(m[1]), int(m[2]), int(m[3])), ""
        m = _ERA.match(s)
        if m:
            era_start = _ERA_BY_KEY[m[1]]
            year = 1 if m[2] == "元" else int(m[2])
            day = datetime.date(era_start.year + year - 1, int(m[3]), int(m[4]))
            if day < era_start:
                raise DateFormatError("「%(value)s」は%(era)sの開始日より前の日付です", value=shown(text),
                                      era=_ERA_NAME[m[1]])
            end = _era_end(era_start)
            if end is not None and day > end:
                name, era_year = era_of(day)
                return day, Note(ERA_PAST_END, value=shown(text), era=_ERA_NAME[m[1]], end=f"{end:%Y-%m-%d}",
                                 name=name, year=era_year_label(era_year), month=str(day.month),
                                 day=str(day.day), iso=f"{day:%Y-%m-%d}")
            return day, ""
    except ValueError as e:
        if isinstance(e, DateFormatError):
            raise
        raise DateFormatError("「%(value)s」は存在しない日付です", value=shown(text)) from None
    raise DateFormatError("「%(value)s」は日付として読めません（例：2025-04-01、令和7年4月1日、R7.4.1）",
                          value=shown(text))


def parse_date(text: str) -> datetime.date:
    """Read ``2013-10-31``, ``2013/10/31``, ``2013年10月31日``, ``平成25年10月31日``, ``H25.10.31``, ``令和元年5月1日``,
    full-width digits included; raise ``DateFormatError`` (a Japanese message) for anything else.

    Era dates are read by the era's first year: 平成N年 is the year 1988 + N. Decided once for every reader (the
    import, the forms, the report options):

    - a day before the era began (``平成元年1月7日``, the last day of 昭和) is refused: it was never written so;
    - an era year past the era's end (``平成31年5月1日``, ``平成32年4月1日``) is **accepted** as the same Western
      day (2019-05-01 = 令和元年5月1日, 2020-04-01 = 令和2年4月1日). Forms and systems printed before 令和 was
      announced went on writing 平成 dates, and such a date names one day without doubt, as the government's
      guidance for the era change reads it. ``read_date`` returns a note with the day taken, which the import
      reports as a warning.

    The range of years is not judged here (any year 1–9999 reads); the callers say what is plausible for them.
    """
    return read_date(text)[0]


def era_of(day: datetime.date) -> tuple[str, int]:
    for name, _letter, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before the Meiji era")


def era_year_label(year: int) -> str:
    """'令和元' / '令和8' / '平成25'."""
    return "元" if year == 1 else str(year)


def fiscal_year_of(day: datetime.date) -> int:
    """The Western year the fiscal year containing ``day`` starts in (2013 = April 2013 – March 2014)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)


def fiscal_year_label(fiscal_year: int, short: bool = False) -> str:
    """'令和8年度' (FY2026); short gives the seed's '25年度' for 平成25年度. The era is the one of April 1st,
    except that FY2019 (平成31年4月–令和2年3月) is written 令和元年度, as the government does."""
    start = datetime.date(fiscal_year, 4, 1)
    name, year = era_of(start)
    if fiscal_year == 2019:
        name, year = "令和", 1
    return f"{era_year_label(year)}年度" if short else f"{name}{era_year_label(year)}年度"


def wareki(day: datetime.date) -> str:
    """'令和8年10月31日'."""
    name, year = era_of(day)
    return f"{name}{era_year_label(year)}年{day.month}月{day.day}日"


def month_end_label(day: datetime.date, short: bool = False) -> str:
    """'令和8年10月末時点' — or '25年10月末時点' as the seed writes it."""
    name, year = era_of(day)
    return f"{'' if short else name}{era_year_label(year)}年{day.month}月末時点"


def month_end(day: datetime.date) -> datetime.date:
    nxt = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


def fiscal_months(fiscal_year: int) -> list[datetime.date]:
    """The first day of each month of the fiscal year, April first."""
    return [datetime.date(fiscal_year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
