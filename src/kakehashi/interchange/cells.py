"""Reading one cell: full-width input normalised (NFKC), a clear Japanese message when it cannot be read.

Each function takes the cell's text (never empty: an empty cell means unknown and is handled by the caller)
and returns the value to store, or raises ``CellError``.
"""

from __future__ import annotations

import datetime
import re
from functools import cache

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from kakehashi.engine import text as jtext
from kakehashi.engine.calendar import DateFormatError, parse_date

from .errors import CellError

OCCUPATION_CODE = re.compile(r"^(\d{3})(?:-(\d{2}))?$")
FISCAL_YEAR_ERA = re.compile(r"^(令和|平成|R|H)(元|\d{1,2})年?$")
ERA_START_YEAR = {"令和": 2019, "R": 2019, "平成": 1989, "H": 1989}


def text(value: str, max_length: int | None = None, *, normalise: bool = True) -> str:
    """Free text. Short fields (names, titles, towns) are NFKC-normalised so half-width katakana from older
    systems and full-width letters come out the same way every time; long notes keep what was written."""
    s = value.replace("\r\n", "\n").replace("\r", "\n")  # Windows line ends inside quoted cells
    s = jtext.nfkc(s) if normalise else s.strip()
    if max_length is not None and len(s) > max_length:
        raise CellError(_("%(max)d 文字以内で入力してください（%(length)d 文字あります）。")
                        % {"max": max_length, "length": len(s)})
    return s


def identifier(value: str) -> str:
    """An id from the source system (seeker_id, posting_id, …): the key an import upserts by."""
    s = jtext.nfkc(value)
    if len(s) > 40:
        raise CellError(_("ID は 40 文字以内で入力してください。"))
    return s


def integer(value: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        n = jtext.parse_int(value)
    except ValueError as e:
        raise CellError(str(e)) from None
    if n < minimum:
        raise CellError(_("%(minimum)d 以上の整数で入力してください（「%(value)s」）。")
                        % {"minimum": minimum, "value": value})
    if maximum is not None and n > maximum:
        raise CellError(_("%(maximum)d 以下の整数で入力してください（「%(value)s」）。")
                        % {"maximum": maximum, "value": value})
    return n


def number(value: str, minimum: float = 0) -> float:
    try:
        x = jtext.parse_float(value)
    except ValueError as e:
        raise CellError(str(e)) from None
    if x != x or x < minimum or x == float("inf"):  # NaN compares unequal to itself
        raise CellError(_("%(minimum)s 以上の数値で入力してください（「%(value)s」）。")
                        % {"minimum": minimum, "value": value})
    return x


def flag(value: str) -> bool:
    """0/1 (also the words offices write: はい/いいえ, 有/無, ○/×)."""
    try:
        return jtext.parse_flag(value)
    except ValueError:
        raise CellError(_("「%(value)s」は 0 か 1 で入力してください。") % {"value": value}) from None


def date(value: str) -> datetime.date:
    try:
        return parse_date(value)
    except DateFormatError as e:
        raise CellError(str(e)) from None


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
                    % {"value": value, "allowed": "、".join(allowed or choices.values)})


def items(value: str) -> list[str]:
    """A ';'-separated list (the full-width '；' too)."""
    return jtext.split_list(value)


def occupation(value: str, known: set[str] | dict[str, object]) -> tuple[str, str]:
    """A MHLW 2022 middle group ('073'), optionally with its minor group ('073-05'): (middle, as written)."""
    s = jtext.nfkc(value).replace("ー", "-").replace("−", "-")
    m = OCCUPATION_CODE.match(s)
    if not m:
        raise CellError(_("「%(value)s」は職業コードとして読めません（例：073、073-05）。") % {"value": value})
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
    raise CellError(_("「%(value)s」は年度として読めません（例：2013、平成25年度）。") % {"value": value})
