"""Reading one cell: full-width input normalised (NFKC), a clear Japanese message when it cannot be read.

Each function takes the cell's text (never empty: an empty cell means unknown and is handled by the caller)
and returns the value to store, or raises ``CellError``. What one function accepts, both databases store: the
integers are bounded by the narrower of the two (``integer_range``), text by the column's ``max_length``, dates
by a plausible range. No cell may hold a control character (``check_characters``, which the import applies to
every cell of a file that has one; PostgreSQL refuses NUL, SQLite would store it).
"""

from __future__ import annotations

import datetime
import re
from functools import cache
from typing import Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kakehashi.core.reading import said
from kakehashi.engine import text as jtext
from kakehashi.engine.calendar import DateFormatError, read_date

from .errors import CellError

OCCUPATION_CODE = re.compile(r"^(\d{3})(?:-(\d{2}))?$")
FISCAL_YEAR_ERA = re.compile(r"^(令和|平成|R|H)(元|\d{1,2})年?$")
ERA_START_YEAR = {"令和": 2019, "R": 2019, "平成": 1989, "H": 1989}
# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The plausible dates of the programme's records: none before 1900 (the earliest birth year too), none more than
# five years ahead (a posting's closing date may lie a little ahead; 9999-12-31, a placeholder some systems
# write for "none", must not enter a count or a fiscal year's arithmetic).
EARLIEST_DATE = datetime.date(1900, 1, 1)
YEARS_AHEAD = 5


def shown(value: str) -> str:
    """A cell as a message quotes it: short, control characters escaped."""
    return jtext.shown(value)


def check_characters(value: str) -> None:
    """No control character (NUL and the like) in any cell: PostgreSQL cannot store NUL in text and SQLite
    would, so a file's verdict would depend on the database; the others are never typed by people and make a
    file unreadable elsewhere. Tab and line breaks, which free text may hold, are allowed."""
    m = CONTROL.search(value)
    if m:
        raise CellError(_("制御文字（U+%(code)04X）が含まれています。ファイルが壊れていないか確かめてください。")
                        % {"code": ord(m[0])})


def integer_range(field: models.Field[Any, Any]) -> tuple[int, int]:
    """The integers a model field holds on every supported database: Django's portable ranges (a
    ``PositiveIntegerField`` is 0–2,147,483,647 on PostgreSQL; SQLite would take up to 2^63 − 1)."""
    low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
    return low, high


def text(value: str, max_length: int | None = None, *, normalise: bool = True) -> str:
    """Free text. Short fields (names, titles, towns) are NFKC-normalised so half-width katakana from older
    systems and full-width letters come out the same way every time; long notes keep what was written. Longer
    than ``max_length`` (the model field's) is an error: PostgreSQL would refuse it, SQLite would keep it."""
    s = value.replace("\r\n", "\n").replace("\r", "\n")  # Windows line ends inside quoted cells
    s = jtext.nfkc(s) if normalise else s.strip()
    if max_length is not None and len(s) > max_length:
        raise CellError(_("%(max)d 文字以内で入力してください（%(length)d 文字あります）。")
                        % {"max": max_length, "length": len(s)})
    return s


ID_LENGTH = 40  # the ``max_length`` of every ``…_id`` field the interchange fills


def identifier(value: str) -> str:
    """An id from the source system (seeker_id, posting_id, …): the key an import upserts by."""
    s = jtext.nfkc(value)
    if len(s) > ID_LENGTH:
        raise CellError(_("ID は %(max)d 文字以内で入力してください（%(length)d 文字あります）。")
                        % {"max": ID_LENGTH, "length": len(s)})
    return s


def integer(value: str, minimum: int = 0, maximum: int = 2_147_483_647) -> int:
    """A whole number in [``minimum``, ``maximum``]; the default maximum is the narrowest integer column
    the interchange fills (``integer_range`` gives a field's own)."""
    try:
        n = jtext.parse_int(value)
    except ValueError as e:
        raise CellError(said(e)) from None
    if n < minimum:
        raise CellError(_("%(minimum)s 以上の整数で入力してください（「%(value)s」）。")
                        % {"minimum": minimum, "value": shown(value)})
    if n > maximum:
        raise CellError(_("%(maximum)s 以下の整数で入力してください（「%(value)s」）。")
                        % {"maximum": f"{maximum:,}", "value": shown(value)})
    return n


def number(value: str, minimum: float = 0) -> float:
    try:
        x = jtext.parse_float(value)
    except ValueError as e:
        raise CellError(said(e)) from None
    if x != x or x < minimum or x == float("inf"):  # NaN compares unequal to itself
        raise CellError(_("%(minimum)s 以上の数値で入力してください（「%(value)s」）。")
                        % {"minimum": minimum, "value": shown(value)})
    return x


def flag(value: str) -> bool:
    """0/1 (also the words offices write: はい/いいえ, 有/無, ○/×)."""
    try:
        return jtext.parse_flag(value)
    except ValueError:
        raise CellError(_("「%(value)s」は 0 か 1 で入力してください。") % {"value": shown(value)}) from None


@cache
def _latest_date(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def date(value: str, notes: list[str] | None = None, *, today: datetime.date | None = None) -> datetime.date:
    """A date in any form ``engine.calendar.parse_date`` reads, between 1900-01-01 and five years from
    ``today``. An era year past the era's end (平成32年) is read as the same Western day and a note saying so
    is added to ``notes`` (the import turns it into a warning; see ``calendar.parse_date`` for the decision)."""
    try:
        day, note = read_date(value)
    except DateFormatError as e:
        raise CellError(said(e)) from None
    latest = _latest_date(today or timezone.localdate())
    if not EARLIEST_DATE <= day <= latest:
        raise CellError(_("「%(value)s」は取り込める日付の範囲（%(earliest)s〜%(latest)s）の外です。")
                        % {"value": shown(value), "earliest": EARLIEST_DATE.isoformat(),
                           "latest": latest.isoformat()})
    if note and notes is not None:
        notes.append(said(note))
    return day


@cache
def _choice_names(choices: type[models.TextChoices]) -> tuple[frozenset[str], dict[str, str]]:
    """The codes of a choices class and its Japanese labels → codes, built once (``.values`` is rebuilt
    on every access, which 300,000 rows notice)."""
    with translation.override("ja"):
        return frozenset(choices.values), {str(label): code for code, label in choices.choices}


def choice(value: str, choices: type[models.TextChoices], allowed: tuple[str, ...] | None = None) -> str:
    """The code (``full_time``) or its Japanese label (``フルタイム``)."""
    codes, labels = _choice_names(choices)
    if allowed is not None:
        codes = frozenset(allowed)
    s = jtext.nfkc(value)
    code = s.lower() if s.lower() in codes else labels.get(s)
    if code is not None and code in codes:
        return code
    raise CellError(_("「%(value)s」は %(allowed)s のいずれかで入力してください。")
                    % {"value": shown(value), "allowed": "、".join(allowed or choices.values)})


def items(value: str) -> list[str]:
    """A ';'-separated list (the full-width '；' too)."""
    return jtext.split_list(value)


def occupation(value: str, known: set[str] | dict[str, object]) -> tuple[str, str]:
    """A MHLW 2022 middle group ('073'), optionally with its minor group ('073-05'): (middle, as written)."""
    s = jtext.nfkc(value).replace("ー", "-").replace("−", "-")
    m = OCCUPATION_CODE.match(s)
    if not m:
        raise CellError(_("「%(value)s」は職業コードとして読めません（例：073、073-05）。") % {"value": shown(value)})
    if m[1] not in known:
        raise CellError(_("職業コード「%(code)s」は厚生労働省編職業分類（令和4年改定）の中分類にありません。")
                        % {"code": m[1]})
    return m[1], s


def fiscal_year(value: str) -> int:
    """The Western year the fiscal year starts in: '2013', or as offices write it, '平成25年度' / 'H25'."""
    s = jtext.nfkc(value).replace(" ", "").upper()
    s = s.removesuffix("年度")
    m = FISCAL_YEAR_ERA.match(s)
    if m:
        return ERA_START_YEAR[m[1]] + (0 if m[2] == "元" else int(m[2]) - 1)
    if s.isdigit() and len(s) == 4 and 1989 <= int(s) <= 2200:
        return int(s)
    raise CellError(_("「%(value)s」は年度として読めません（例：2013、平成25年度）。") % {"value": shown(value)})
