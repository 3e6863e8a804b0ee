"""The search a person walking in makes at a terminal: plain words in any script, and a few conditions.

Words are folded as every search here folds them (``engine.text.fold``: NFKC, hiragana as katakana, no spaces),
so 「かいご」, 「カイゴ」 and 「ｶｲｺﾞ」 are one word. A word in kana also stands for the occupation words written in
kanji that are read so (``READINGS``: 「かいご」 → 「介護」): the reference data has the occupations' names and
everyday words but no readings, so the few dozen words people type at a terminal carry their reading here. Each
word must be found in the posting's title, its work or its occupation; an occupation answers a word when its
name contains it or one of its everyday words is it (``reference.pickers``, as the code pickers read words).

就業時間 (``Posting.hours``) is free text as the desk and Hello Work's feed write it (「8:30〜17:30」, 「9-15」,
「交替制（8:00〜16:45／16:30〜翌1:15）」, 「シフト制」): it cannot be read reliably as hours of the day, so the terminal
offers words to find in it (folded the same way), not choices such as 「午前のみ」. Distance from a town is the
great-circle distance (``engine.geo.haversine_km``) from the town's coordinates to the posting's place (its own
coordinates, else its town's); a posting with neither is never within any distance.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext

from kakehashi.accounts import installation
from kakehashi.engine.geo import haversine_km
from kakehashi.engine.text import fold, nfkc, parse_int
from kakehashi.postings.models import EmploymentType, Posting
from kakehashi.reference import pickers
from kakehashi.reference.models import Town
from kakehashi.seekers.models import WageUnit

# How recent a posting is to be a new arrival (新着).
NEW_DAYS = 7

# The distances (km) offered for 「○○町から △km以内」.
DISTANCES_KM = (5, 10, 20)

# Readings (in katakana, as ``fold`` leaves kana) of occupation words written in kanji, for the words people type
# in kana at a terminal. Every kanji word here is an occupation's name or one of its everyday words
# (reference/data/occupation-words.json), or a word a posting's title commonly uses.
READINGS: dict[str, tuple[str, ...]] = {
    "カイゴ": ("介護",),
    "カンゴ": ("看護",),
    "カンゴシ": ("看護師",),
    "ホイク": ("保育",),
    "ホイクシ": ("保育士",),
    "ジム": ("事務",),
    "イリョウジム": ("医療事務",),
    "ケイリ": ("経理",),
    "ウケツケ": ("受付",),
    "セイソウ": ("清掃",),
    "ケイビ": ("警備",),
    "チョウリ": ("調理",),
    "チョウリシ": ("調理師",),
    "ハンバイ": ("販売",),
    "セッキャク": ("接客",),
    "エイギョウ": ("営業",),
    "ウンテン": ("運転",),
    "ウンテンシュ": ("運転手",),
    "ハイソウ": ("配送",),
    "ソウコ": ("倉庫",),
    "ケンピン": ("検品",),
    "セイゾウ": ("製造",),
    "ヨウセツ": ("溶接",),
    "ホウセイ": ("縫製",),
    "ミシン": ("ミシン",),
    "トソウ": ("塗装",),
    "ケンセツ": ("建設",),
    "ダイク": ("大工",),
    "デンキコウジ": ("電気工事",),
    "ノウギョウ": ("農業",),
    "ギョギョウ": ("漁業",),
    "ビヨウ": ("美容",),
    "リヨウ": ("理容",),
    "ヤクザイシ": ("薬剤師",),
    "エイヨウシ": ("栄養士",),
    "フクシ": ("福祉",),
    "シュッカ": ("出荷",),
    "ホウソウ": ("包装",),
    "キカイ": ("機械",),
    "クミタテ": ("組立",),
}


@cache
def _spellings() -> dict[str, tuple[str, ...]]:
    """Each folded word of ``READINGS``, a reading or a kanji word, with the other spellings it stands for: a
    reading with its kanji words, a kanji word with its readings."""
    out: dict[str, list[str]] = {}
    for reading, words in READINGS.items():
        for word in words:
            key = fold(word)
            if key != reading:
                out.setdefault(reading, []).append(key)
                out.setdefault(key, []).append(reading)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def alternatives(word: str) -> list[str]:
    """What one typed word may be found as: the word folded, and its other spellings (「かいご」 ⇄ 「介護」), so that
    a posting written either way is found by either."""
    folded = fold(word)
    if not folded:
        return []
    return [folded, *_spellings().get(folded, ())]


def words_of(query: str) -> list[list[str]]:
    """The query's words (split on any space, full-width too), each as its alternatives."""
    return [alts for alts in (alternatives(w) for w in nfkc(query).split()) if alts]


@cache
def _occupations() -> tuple[pickers.Entry, ...]:
    return tuple(pickers.KINDS["occupation"].entries())


def occupations_for(alternative: str) -> set[str]:
    """The occupation codes a folded word answers: its code, its name containing the word, or one of its everyday
    words being the word (the code pickers' first three ranks, not a word that merely contains it)."""
    found = set()
    for entry in _occupations():
        ranked = entry.rank([alternative])
        if ranked is not None and ranked[0] <= 2:
            found.add(entry.code)
    return found


def open_postings(day: datetime.date) -> Q:
    """Postings the desk can refer someone to on ``day``: received, not past 紹介期限, not yet filled."""
    return Q(pk__in=Posting.objects.open_on(day).unfilled_on(day).values("pk"))


@dataclass
class Criteria:
    """What the person asked for; ``errors`` say in Japanese what could not be read (and was not applied)."""

    words: str = ""
    occupation_words: str = ""
    area: str = ""
    employment: str = ""
    wage_floor: int | None = None
    wage_unit: str = WageUnit.MONTH
    trial_ok: bool = False
    no_experience: bool = False
    new_only: bool = False
    hours_words: str = ""
    near_town: Town | None = None
    within_km: int = DISTANCES_KM[1]
    errors: list[str] = field(default_factory=list)

    @property
    def asked(self) -> bool:
        return bool(
            self.words.strip()
            or self.occupation_words.strip()
            or self.area
            or self.employment
            or self.wage_floor
            or self.trial_ok
            or self.no_experience
            or self.new_only
            or self.hours_words.strip()
            or self.near_town
        )


def read_criteria(data: dict[str, str]) -> Criteria:
    """The criteria from a search form's fields; what cannot be read is named in ``errors`` and ignored."""
    c = Criteria(
        words=data.get("q", "")[:100],
        occupation_words=data.get("occupation", "")[:100],
        area=data.get("area", "")[:40],
        trial_ok=data.get("trial") == "1",
        no_experience=data.get("beginner") == "1",
        new_only=data.get("new") == "1",
        hours_words=data.get("hours", "")[:100],
    )
    km = nfkc(data.get("km", "")).strip()
    if km.isdigit() and int(km) in DISTANCES_KM:
        c.within_km = int(km)
    town = nfkc(data.get("town", "")).strip()
    if town:
        c.near_town = Town.objects.filter(pk=int(town)).first() if town.isdigit() and len(town) < 10 else None
        if c.near_town is None:
            c.errors.append(gettext("選んだ町が見つかりません。町をもう一度選んでください"))
    if data.get("employment") in EmploymentType.values:
        c.employment = data["employment"]
    if data.get("unit") in WageUnit.values:
        c.wage_unit = data["unit"]
    floor = data.get("wage", "").strip()
    if floor:
        try:
            value = parse_int(floor.replace("円", ""))
        except ValueError as e:
            c.errors.append(str(e))
        else:
            if value < 0 or value > 10_000_000:
                c.errors.append(f"「{floor[:20]}」は賃金として読めません")
            else:
                c.wage_floor = value
    return c


def search(c: Criteria, day: datetime.date, limit: int = 200) -> tuple[list[Posting], int]:
    """The postings open on ``day`` that answer ``c``, newest first: at most ``limit`` and how many in all."""
    qs = Posting.objects.filter(open_postings(day))
    if c.employment:
        qs = qs.filter(employment=c.employment)
    if c.area:
        qs = qs.filter(town__area=c.area)
    if c.trial_ok:
        qs = qs.filter(trial_employment_ok=True)
    if c.no_experience:
        qs = qs.filter(experience_required=False)
    if c.new_only:
        qs = qs.filter(received_on__gt=day - datetime.timedelta(days=NEW_DAYS))
    if c.wage_floor:
        qs = qs.filter(wage_unit=c.wage_unit).filter(
            Q(wage_max__gte=c.wage_floor) | Q(wage_max__isnull=True, wage_min__gte=c.wage_floor)
        )
    for alts in words_of(c.occupation_words):
        codes = set().union(*(occupations_for(a) for a in alts))
        qs = qs.filter(occupation_id__in=codes)
    # each word as (its alternatives, the occupation codes any of them answers)
    wanted = [(alts, set().union(*(occupations_for(a) for a in alts))) for alts in words_of(c.words)]
    hours_wanted = [fold(w) for w in nfkc(c.hours_words).split() if fold(w)]
    rows = list(
        qs.order_by("-received_on", "posting_id").values_list(
            "pk",
            "title",
            "description",
            "occupation_id",
            "occupation__name",
            "hours",
            "lat",
            "lng",
            "town__lat",
            "town__lng",
        )
    )
    if c.near_town is not None:
        rows = [
            r
            for r, near in zip(rows, _within(c.near_town, c.within_km, [r[6:] for r in rows]), strict=True)
            if near
        ]
    ids = []
    for pk, title, description, occupation, occupation_name, hours, *_place in rows:
        if hours_wanted:
            folded_hours = fold(hours)
            if not all(w in folded_hours for w in hours_wanted):
                continue
        if wanted:
            text = fold(f"{title}\n{description}\n{occupation_name}")
            if not all(occupation in codes or any(a in text for a in alts) for alts, codes in wanted):
                continue
        ids.append(pk)
    shown = {p.pk: p for p in Posting.objects.filter(pk__in=ids[:limit]).select_related("occupation", "town")}
    return [shown[pk] for pk in ids[:limit]], len(ids)


def _within(town: Town, km: int, places: list[tuple[float | None, ...]]) -> list[bool]:
    """Whether each place (the posting's latitude and longitude, then its town's) is within ``km`` of ``town``:
    the posting's own coordinates when it has them, else its town's; unknown is never within."""
    lat, lng = [], []
    for plat, plng, tlat, tlng in places:
        own = plat is not None and plng is not None
        la, ln = (plat, plng) if own else (tlat, tlng)
        lat.append(np.nan if la is None else la)
        lng.append(np.nan if ln is None else ln)
    if not places:
        return []
    d = haversine_km(np.asarray(lat, dtype=np.float64), np.asarray(lng, dtype=np.float64), town.lat, town.lng)
    return [bool(x) for x in (d <= km).tolist()]


def towns(day: datetime.date) -> list[tuple[str, list[Town]]]:
    """The towns a person may say they come from, by area: the installation's municipalities (or, before an
    installation file is loaded, those where open postings are)."""
    municipalities = installation.municipalities() or sorted(
        set(Posting.objects.filter(open_postings(day)).values_list("town__municipality", flat=True)) - {None}
    )
    grouped: dict[str, list[Town]] = {}
    for town in Town.objects.filter(municipality__in=municipalities).order_by("area", "municipality", "name"):
        grouped.setdefault(town.area or town.municipality, []).append(town)
    return list(grouped.items())


def areas(day: datetime.date) -> list[str]:
    """The areas (地区) where open postings are, for the area choice."""
    return sorted(
        {a for a in Posting.objects.filter(open_postings(day)).values_list("town__area", flat=True) if a}
    )
