"""The matching engine's reasons in the reader's language.

The engine (``engine.matching.reasons``) imports no Django and writes its reasons in Japanese, a counselor's
shorthand: 「希望職種と一致（第1希望）」「通勤 4.2km（上限 10km）」「月給 200,000円〜240,000円（希望 180,000円以上）」.
This module reads each sentence back against the forms the engine writes, kept here as the catalogue's msgids
(``SENTENCES``), and says it again through ``gettext``: in Japanese a sentence comes back unchanged. The figures
inside a sentence (distances, wages, years, employment types) are said in the reader's language too; names from
the records and the classifications (occupations, qualifications, the posting's words) stay as they are written.
A sentence of a form not listed here is shown as the engine wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

# Every form ``engine.matching.reasons.describe`` writes, the more specific of two similar forms first. A
# placeholder in FIGURES holds a figure, said in the reader's language; any other holds a name, kept as written.
SENTENCES = [
    gettext_noop("希望職種と一致（第%(rank)s希望）"),
    gettext_noop("希望職種と同じ中分類（第%(rank)s希望）"),
    gettext_noop("関連職種（%(desired)sの希望者が就職した実績 %(count)s件）"),
    gettext_noop("関連職種（第%(rank)s希望と同じ大分類：%(major)s）"),
    gettext_noop("経験のある職種（希望には未記載）"),
    gettext_noop("希望職種外（第1希望：%(desired)s）"),
    gettext_noop("通勤距離 不明（所在地が未登録）"),
    gettext_noop("通勤 %(km)s（上限 %(limit)s を超える）"),
    gettext_noop("通勤 %(km)s（上限 %(limit)s）"),
    gettext_noop("通勤 %(km)s"),
    gettext_noop("賃金 記載なし（希望 %(floor)s）"),
    gettext_noop("賃金の単位が希望と異なる（希望 %(floor)s）"),
    gettext_noop("賃金の下限 %(low)sは希望 %(floor)sを下回る"),
    gettext_noop("%(offered)s（希望 %(floor)sに届かない）"),
    gettext_noop("雇用形態 %(offered_type)s（希望 %(wished_type)s）"),
    gettext_noop("%(offered_type)s（希望どおり）"),
    gettext_noop("%(offered)s（希望 %(floor)s）"),
    gettext_noop("必要資格 %(qualification)s（未取得）"),
    gettext_noop("必要資格 %(qualifications)s"),
    gettext_noop("経験必須 ✓（%(occupation)s %(years)s）"),
    gettext_noop("経験あり（%(occupation)s %(years)s）"),
    gettext_noop("経験必須（%(occupation)sの経験なし）"),
    gettext_noop("トライアル雇用可（ブランクがあっても応募しやすい）"),
    gettext_noop("仕事内容が近い（%(phrases)s）"),
    gettext_noop("仕事内容が近い"),
    gettext_noop("募集終了"),
]
FIGURES = {"km", "limit", "floor", "low", "offered", "offered_type", "wished_type", "years", "rank", "count"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(msgid)
    # split alternates literal text and placeholder names
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(regex)


_PATTERNS = [(_pattern(m), m) for m in SENTENCES]
_EMPLOYMENT = {"フルタイム": gettext_noop("フルタイム"), "パート": gettext_noop("パート"), "不明": gettext_noop("不明")}
_WAGE_UNITS = {"月給": gettext_noop("月給"), "時給": gettext_noop("時給"), "賃金": gettext_noop("賃金")}


def _yen(m: re.Match[str]) -> str:
    return _("%(amount)s円") % {"amount": m[1]}


def _at_least(m: re.Match[str]) -> str:
    return _("%(amount)s以上") % {"amount": _yen(m)}


def _years(m: re.Match[str]) -> str:
    y, mo = int(m[1] or 0), int(m[2] or m[3] or 0)
    if y and mo:
        return _("%(y)d年%(m)dか月") % {"y": y, "m": mo}
    return _("%(y)d年") % {"y": y} if y else _("%(m)dか月") % {"m": mo}


# Within a figure: amounts (「180,000円以上」 first), wage units, years and months, the wage range's dash.
_FIGURE_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(\d[\d,]*)円以上"), _at_least),
    (re.compile(r"(\d[\d,]*)円"), _yen),
    (re.compile("|".join(_WAGE_UNITS)), lambda m: _(_WAGE_UNITS[m[0]])),
    (re.compile("|".join(_EMPLOYMENT)), lambda m: _(_EMPLOYMENT[m[0]])),
    (re.compile(r"(\d+)年(?:(\d+)か月)?|(\d+)か月"), _years),
    (re.compile("〜"), lambda m: " – "),
]


def _figure(text: str) -> str:
    for pattern, say in _FIGURE_WORDS:
        text = pattern.sub(say, text)
    return text


def in_language(sentence: str) -> str:
    """One of the engine's reasons or unmet conditions in the reader's language; unchanged in Japanese or when
    its form is not one the engine writes."""
    if not (get_language() or "").startswith("en"):
        return sentence
    for pattern, msgid in _PATTERNS:
        m = pattern.fullmatch(sentence)
        if m is not None:
            values = {k: _figure(v) if k in FIGURES else v for k, v in m.groupdict().items()}
            return _(msgid) % values if values else _(msgid)
    # A wage on its own (「月給 200,000円〜240,000円」) is all figure.
    return _figure(sentence)
