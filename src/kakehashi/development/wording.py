"""The targeting model's explanations in the reader's language.

The engine (``engine.targeting``) imports no Django and writes what it observed in Japanese: 「事業所全体の求人
過去2年で7件（従業員10〜29人・製造業の事業所は平均 半年0.9件）」「昨年の同時期（12月〜6月）にこの職種の求人 1件
（これまでのペースなら 0.3件）」. As ``matching.wording`` does for the matching reasons, this module keeps each
sentence form the engine writes as a catalogue msgid (``SENTENCES``), reads a sentence back against them and says
it again through ``gettext``; in Japanese a sentence comes back unchanged. Figures (spans of time, months, size
classes) are said in the reader's language; names (occupations, industries, the timing an employer gave) stay as
written. A sentence of a form not listed here is shown as the engine wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kakehashi.core import dates

# Every form ``engine.targeting._sentence`` and ``Explanation.lines`` write, the longer of two similar forms first.
SENTENCES = [
    gettext_noop("事業所全体の求人 %(span)sで%(n)s件（従業員%(size)s・%(industry)sの事業所は平均 半年%(rate)s件）"),
    gettext_noop("この職種（%(occ)s）の求人 %(span)sで%(n)s件（事業所の求人の%(share)s）"),
    gettext_noop("%(industry)sの求人の%(share)sが%(occ)s（この事業所での実績はなし）"),
    gettext_noop("%(occ)sの求人を出したことがある"),
    gettext_noop("%(occ)sの求人を出したことはない"),
    gettext_noop("%(occ)sは例年%(window)sに求人が多い（平均の%(x)s倍）"),
    gettext_noop("%(occ)sは例年%(window)sに求人が少ない（平均の%(x)s倍）"),
    gettext_noop("直近6か月の求人（全職種） %(n)s件（これまでのペースなら %(rate)s件）"),
    gettext_noop("直近6か月にこの職種の求人 %(n)s件（これまでのペースなら %(rate)s件）"),
    gettext_noop("昨年の同時期（%(window)s）にこの職種の求人 %(n)s件（これまでのペースなら %(rate)s件）"),
    gettext_noop("訪問で聴取した未対応の採用ニーズ（この職種）はない"),
    gettext_noop("訪問で%(occ)sの採用ニーズを聴取、まだ求人は出ていない（%(day)s、時期：%(timing)s）"),
    gettext_noop("訪問で%(occ)sの採用ニーズを聴取、まだ求人は出ていない（%(day)s）"),
    gettext_noop("訪問で聴取した未対応の採用ニーズは他の職種"),
    gettext_noop("過去1年にこの職種で%(n)s人が就職"),
    gettext_noop("過去1年にこの職種の就職なし"),
    gettext_noop("通常の見込み 半年%(n)s件"),
]
# The model's terms (``engine.targeting.TERM_LABELS``), as the fitted coefficients are listed.
TERMS = {
    "activity": gettext_noop("事業所の求人の多さ（規模・業種）"),
    "mix": gettext_noop("この職種の求人実績・業種で多い職種"),
    "ever": gettext_noop("この職種の求人を出したことがある"),
    "season": gettext_noop("時期（季節性）"),
    "momentum": gettext_noop("直近の求人の勢い"),
    "recent": gettext_noop("直近6か月のこの職種の求人"),
    "last_year": gettext_noop("昨年同時期のこの職種の求人"),
    "need": gettext_noop("訪問で聴取した採用ニーズ（この職種）"),
    "need_other": gettext_noop("訪問で聴取した採用ニーズ（他の職種）"),
    "hires": gettext_noop("この職種の採用実績"),
}
UNKNOWN_INDUSTRY = gettext_noop("業種不明")
UNKNOWN_AREA = gettext_noop("地区不明")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(msgid)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)))


_PATTERNS = [(_pattern(m), m) for m in SENTENCES]


def _span(text: str) -> str:
    if text == "過去2年":
        return _("過去2年")
    m = re.fullmatch(r"過去(\d+)か月", text)
    return _("過去%(n)sか月") % {"n": m[1]} if m else text


def _size(text: str) -> str:
    if text == "規模不明":
        return _("規模不明")
    m = re.fullmatch(r"(\d+)〜(\d+)人", text)
    if m:
        return _("%(low)s〜%(high)s人") % {"low": m[1], "high": m[2]}
    m = re.fullmatch(r"(\d+)人以上", text)
    return _("%(n)s人以上") % {"n": m[1]} if m else text


def _window(text: str) -> str:
    m = re.fullmatch(r"(\d+)月〜(\d+)月", text)
    if not m:
        return text
    return f"{dates.MONTHS[int(m[1]) - 1]} – {dates.MONTHS[int(m[2]) - 1]}"


def _industry(text: str) -> str:
    return _(UNKNOWN_INDUSTRY) if text == UNKNOWN_INDUSTRY else text


SAY: dict[str, Callable[[str], str]] = {"span": _span, "size": _size, "window": _window, "industry": _industry}


def said(sentence: str) -> str:
    """One of the engine's sentences in the reader's language; unchanged in Japanese or when its form is not one
    the engine writes."""
    if not dates.english():
        return sentence
    for pattern, msgid in _PATTERNS:
        m = pattern.fullmatch(sentence)
        if m is not None:
            values = {k: SAY[k](v) if k in SAY else v for k, v in m.groupdict().items()}
            return _(msgid) % values if values else _(msgid)
    return sentence


def term_label(term: str) -> str:
    """The name of one of the model's terms in the reader's language."""
    return _(TERMS[term])


def area_label(area: str) -> str:
    """An area as the needs gap names it: the area's own name, or 「地区不明」 said in the reader's language."""
    return _(UNKNOWN_AREA) if area == UNKNOWN_AREA else area


def listing(items: list[str], joiner: str = "、") -> str:
    """Names one after another: 「A、B」 (or with ``joiner``) / "A, B"."""
    return (", " if dates.english() else joiner).join(items)
