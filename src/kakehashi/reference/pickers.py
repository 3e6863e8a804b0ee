"""Finding a code by plain words: the search behind every code picker (occupation, industry, town).

A desk knows the job, not the classification: 「溶接」 should lead to 067 and 071, 「介護」 to the care groups,
「縫製」 to the textile industry. Each kind searches its codes' names, the everyday words for them (occupations:
``data/occupation-words.json``; industries: the names of the groups and classes under each division) and its
code, all folded as search folds names (``engine.text.fold``: any kana, any width, no spaces).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kakehashi.engine.text import fold, nfkc

from .loaders import DATA_DIR
from .models import Industry, Occupation, Town


@dataclass(frozen=True)
class Choice:
    """One code as a picker offers it; ``hint`` is the word that matched when the label does not show it."""

    code: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    name: str  # folded, as are the rest
    words: tuple[tuple[str, str], ...] = ()  # (as written, folded)
    context: str = ""  # the group it belongs to: an occupation's major group, a town's municipality and area
    folded_code: str = field(default="", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded_code", fold(self.code))

    def rank(self, terms: list[str]) -> tuple[int, str] | None:
        """How well the entry answers ``terms`` (lower is better: the code, then the name or an everyday word said
        exactly, then a word that contains the term, then the group), with the word to show; None when a term is
        found nowhere in it."""
        total, hint = 0, ""
        for term in terms:
            word = ""
            if term == self.folded_code:
                score = 0
            elif self.folded_code.startswith(term):
                score = 1
            elif term in self.name:
                score = 2
            elif exact := next((w for w, f in self.words if term == f), ""):
                score, word = 2, exact
            elif inside := next((w for w, f in self.words if term in f), ""):
                score, word = 3, inside
            elif term in self.context:
                score = 4
            else:
                return None
            total += score
            hint = hint or word
        return total, hint


@dataclass(frozen=True)
class Kind:
    """A kind of code a form picks: its records, and how each becomes a searchable entry."""

    name: str
    noun: str | Promise  # 「職種」, for messages
    records: Callable[[], QuerySet[Any]]
    entries: Callable[[], list[Entry]]
    label: Callable[[Any], str]
    # Shown whole when nothing is typed (a hundred-odd codes scroll in the list); else only what matches.
    browse: bool = True


@cache
def occupation_words() -> dict[str, list[str]]:
    data = json.loads((DATA_DIR / "occupation-words.json").read_text(encoding="utf-8"))
    return dict(data["words"])


def _occupation_label(o: Occupation) -> str:
    return f"{o.code} {o.name}"


def _occupations() -> list[Entry]:
    words = occupation_words()
    return [Entry(o.code, _occupation_label(o), fold(o.name), tuple((w, fold(w)) for w in words.get(o.code, ())),
                  fold(o.major_name)) for o in Occupation.objects.order_by("code")]


def _industry_label(i: Industry) -> str:
    return f"{i.code} {i.name}"


def _industries() -> list[Entry]:
    """The sections and divisions an employer is filed under; a division is also found by the names of the groups
    and classes under it (「コンビニエンスストア」 → 58 飲食料品小売業)."""
    rows = list(Industry.objects.order_by("code").values_list("code", "name", "level", "parent_id"))
    up = {code: parent for code, _name, _level, parent in rows}
    level = {code: lv for code, _name, lv, _parent in rows}
    below: dict[str, list[str]] = {}
    for code, name, lv, _parent in rows:
        if lv <= 2:
            continue
        division = up.get(code)
        while division is not None and level.get(division, 0) > 2:
            division = up.get(division)
        if division is not None:
            below.setdefault(division, []).append(name)
    return [Entry(code, f"{code} {name}", fold(name), tuple((w, fold(w)) for w in below.get(code, ())))
            for code, name, level, _up in rows if level <= 2]


def _town_label(t: Town) -> str:
    return f"{t.municipality}{t.name}"


def _towns() -> list[Entry]:
    return [Entry(str(pk), f"{m}{n}", fold(f"{m}{n}"), (), fold(area))
            for pk, m, n, area in Town.objects.order_by("municipality", "name")
            .values_list("pk", "municipality", "name", "area")]


KINDS: dict[str, Kind] = {
    "occupation": Kind("occupation", _("職種"), lambda: Occupation.objects.all(), _occupations, _occupation_label),
    "industry": Kind("industry", _("産業"), lambda: Industry.objects.filter(level__lte=2), _industries,
                     _industry_label),
    "town": Kind("town", _("町名"), lambda: Town.objects.all(), _towns, _town_label, browse=False),
}


def terms_of(query: str) -> list[str]:
    """The words of a query, each folded: 「溶接　工」 → ['溶接', '工']."""
    return [t for t in (fold(w) for w in nfkc(query).split()) if t]


def find(kind: Kind, query: str, limit: int = 40) -> tuple[list[Choice], int]:
    """The codes that answer ``query``, best first, at most ``limit``, and how many answer in all. With nothing
    typed: every code of a kind one may browse (a hundred-odd, scrolled), none of the others."""
    terms = terms_of(query)
    entries = kind.entries()
    if not terms:
        shown = entries if kind.browse else []
        return [Choice(e.code, e.label) for e in shown], len(shown)
    ranked = []
    for e in entries:
        found = e.rank(terms)
        if found is not None:
            ranked.append((found[0], e.code, Choice(e.code, e.label, found[1])))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [c for _s, _c, c in ranked[:limit]], len(ranked)


def resolve(kind: Kind, typed: str) -> list[Choice]:
    """What a typed text stands for when a form is sent with it (no script, or Enter before choosing): the code
    itself when it is one, else every code it answers."""
    terms = terms_of(typed)
    if len(terms) == 1:
        exact = [Choice(e.code, e.label) for e in kind.entries() if e.folded_code == terms[0]]
        if exact:
            return exact
    found, _total = find(kind, typed, limit=1000)
    return found


def labels(kind: Kind, codes: Iterable[Any]) -> dict[str, str]:
    """The label of each code (as text) that exists."""
    pk = kind.records().model._meta.pk
    wanted = []
    for c in codes:
        text = str(c) if c is not None else ""
        # Anything else was never a code of this kind (a town's key is a number); PostgreSQL refuses NUL in text.
        if not text or len(text) > 40 or "\x00" in text or pk is None:
            continue
        try:
            wanted.append(pk.to_python(text))
        except ValidationError:
            continue
    if not wanted:
        return {}
    return {str(r.pk): kind.label(r) for r in kind.records().filter(pk__in=wanted)}
