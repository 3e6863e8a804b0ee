"""Benchmark of the matching engine against its peers, on generated data with planted relevance.

    python bench/match_bench.py [--scales city,prefecture,national] [--quick] [--queries 1000]

Prints Markdown tables (date, machine, then quality and speed of Kakehashi and each peer, both directions).

The data: postings and seekers placed on the towns of Kurashiki (city) or Okayama prefecture (prefecture), or
on 47 shifted copies of Okayama's towns (national); occupation mixes follow Okayama's Hello Work openings and
seekers by occupation (FY2025). Relevance is *planted* from a latent preference model that no method sees:
each seeker has a true first interest, secondary interests (the same major group, or a hidden "career change"
occupation), a specialty within their trade, and the hard conditions they state. Methods see only what a desk
would record: the stated wishes (up to three, sometimes in the wrong order, often fewer than the true interests),
free text that mentions the specialty noisily, the stated conditions, and past placements (for learning
transitions). Grades:

    u = interest(occupation) × (0.5 + 0.25 × specialty + 0.1 × closeness + 0.1 × pay + 0.05 × experienced)
        + 0.05 × (long gap and trial employment)
    grade 3 if u ≥ 0.8, 2 if u ≥ 0.55, 1 if u ≥ 0.3, else 0; and 0 whenever a hard condition is broken.

interest: 1 for the true first interest, 0.7 / 0.55 for the secondary ones, 0.5 for the hidden career-change
occupation, 0.3 for the same major group. specialty: 1 when the posting is in the seeker's specialty (only in
their first trade; a fifth of the seekers have none), 0 otherwise. pay: the lowest offered wage
against the floor, 0.5 at the floor, 0 at 20 % below, 1 at 20 % above (0.5 when not comparable).

Peers, on the same data: a Hello-Work-style filter (a desired occupation within the commute limit, nearest
first), BM25 over the texts (bm25s), exact vector top-k (numpy and faiss flat) and an HNSW graph (hnswlib) over
128-dimensional LSA embeddings of the texts. Text peers get the names of the desired occupations in the query.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from machine import describe  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kakehashi.engine.geo import haversine_km  # noqa: E402  (after the path is set)
from kakehashi.engine.matching import (  # noqa: E402  (the source tree is put on the path just above)
    MatchingEngine,
    Occupations,
    PostingRecord,
    SeekerRecord,
    Transitions,
)
from kakehashi.engine.matching.engine import TEXT_NAME_FACTOR  # noqa: E402  (after the path is set)
from kakehashi.engine.matching.textfit import BITS, TextModel  # noqa: E402  (after the path is set)

DATA = ROOT / "src" / "kakehashi" / "reference" / "data"
SCALES = {
    "city": (5_000, 10_000),
    "prefecture": (100_000, 200_000),
    "national": (2_000_000, 1_000_000),
}
QUICK = {"city": (1_000, 2_000), "prefecture": (10_000, 20_000), "national": (20_000, 10_000)}
K = 10

QUALIFICATIONS = [
    "普通自動車免許", "フォークリフト", "玉掛け", "介護福祉士", "介護職員初任者研修", "看護師", "保育士", "調理師",
    "危険物取扱者乙種4類", "溶接技能者", "第二種電気工事士", "簿記2級", "大型自動車免許", "中型自動車免許",
    "衛生管理者", "宅地建物取引士", "第二種運転免許", "ボイラー技士", "クレーン運転士", "施工管理技士",
    "管理栄養士", "美容師", "警備業務検定", "社会福祉士",
]
POSTING_PHRASES = [
    "未経験歓迎", "週休2日", "交通費支給", "社会保険完備", "残業少なめ", "駅から近い", "資格取得支援あり",
    "急募", "昇給あり", "賞与あり", "研修制度あり", "長期歓迎", "シフト制", "年間休日110日", "マイカー通勤可",
]
SEEKER_PHRASES = [
    "体力に自信があります", "人と話すのが好きです", "長く働ける職場を希望します", "子育て中のため時間に配慮を希望",
    "コツコツ取り組む作業が得意です", "パソコンの基本操作ができます", "土日休みを希望", "通勤は車です",
]


# ---------------------------------------------------------------------------------------------------------------
# The generated world
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class World:
    name: str
    occ: Occupations
    major: np.ndarray  # major group index per middle group
    career: np.ndarray  # hidden "career change" occupation per occupation
    # postings
    p_employer: np.ndarray
    p_occ: np.ndarray
    p_topic: np.ndarray
    p_lat: np.ndarray
    p_lng: np.ndarray
    p_emp: np.ndarray  # 1 full time, 2 part time
    p_wlow: np.ndarray
    p_wtop: np.ndarray  # NaN = not stated
    p_unit: np.ndarray  # 1 month, 2 hour
    p_quals: np.ndarray  # bitmask over QUALIFICATIONS
    p_exp_req: np.ndarray
    p_trial: np.ndarray
    p_openings: np.ndarray  # positions to fill (募集人数)
    p_title: list[str]
    p_desc: list[str]
    # seekers
    s_true: np.ndarray  # (n, 3) true interests, first is the strongest
    s_stated: np.ndarray  # (n, 3) stated wishes, -1 = none
    s_topic: np.ndarray
    s_lat: np.ndarray
    s_lng: np.ndarray
    s_limit: np.ndarray  # NaN = none stated
    s_emp: np.ndarray  # 0 any, 1 full, 2 part
    s_floor: np.ndarray  # NaN = none
    s_unit: np.ndarray
    s_quals: np.ndarray
    s_exp_occ: np.ndarray  # (n, 2), -1 = none
    s_exp_years: np.ndarray
    s_gap: np.ndarray
    s_note: list[str]
    hires: list[tuple[str, str]] = field(default_factory=list)

    @property
    def n_postings(self) -> int:
        return len(self.p_occ)

    @property
    def n_seekers(self) -> int:
        return len(self.s_lat)


def _towns(scale: str) -> np.ndarray:
    files = [DATA / "okayama" / "倉敷市.json"] if scale == "city" else sorted((DATA / "okayama").glob("*.json"))
    pts = [(t["lat"], t["lng"]) for f in files for t in json.loads(f.read_text(encoding="utf-8"))]
    towns = np.array(pts, dtype=np.float64)
    if scale == "national":
        # 47 copies of Okayama laid out over Japan's latitudes and longitudes (synthetic, but the same density).
        centre = towns.mean(axis=0)
        copies = [
            towns - centre + np.array([31.5 + 1.6 * (i // 7), 130.0 + 1.7 * (i % 7)]) for i in range(47)
        ]
        towns = np.concatenate(copies)
    return towns


def _labour_market(occ: Occupations) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Openings, seekers and part-time share per middle group, from Okayama's FY2025 Hello Work figures."""
    rows = [r for r in json.loads((DATA / "labour-market" / "job-openings-ratios.json").read_text()) if r["p"] == "JP-33"]
    by_jsoc = {r["o"]: r for r in rows}
    with (DATA / "mhlw2022-occupations.csv").open(encoding="utf-8") as f:
        import csv

        jsoc_of = {r["middle_code"]: r["jsoc2009_middle_code"] for r in csv.DictReader(f)}
    share = {}
    for code in occ.codes:
        share.setdefault(jsoc_of[code], 0)
        share[jsoc_of[code]] += 1
    openings, seekers, part = [], [], []
    for code in occ.codes:
        r = by_jsoc.get(jsoc_of[code])
        a = r["a"][2] if r else [0, 0]
        t = r["t"][2] if r else [0, 0]
        n = share[jsoc_of[code]]
        openings.append(((a[0] or 0) + 5) / n)
        seekers.append(((a[1] or 0) + 5) / n)
        part.append(min(max((t[0] or 0) / max(a[0] or 1, 1), 0.05), 0.9))
    o, s = np.array(openings), np.array(seekers)
    return o / o.sum(), s / s.sum(), np.array(part)


def _vocabulary(occ: Occupations, rng: np.random.Generator) -> tuple[list[list[list[str]]], list[list[str]]]:
    """Per occupation: 4 specialties × 4 words, and a few words of the trade itself."""
    jsic = json.loads((DATA / "jsic14-simple.json").read_text(encoding="utf-8"))
    kanji = sorted({ch for ch in json.dumps(jsic, ensure_ascii=False) if "\u4e00" <= ch <= "\u9fff"})
    used: set[str] = set()

    def word() -> str:
        while True:
            w = "".join(rng.choice(kanji, size=int(rng.integers(2, 4))))
            if w not in used:
                used.add(w)
                return w

    topics = [[[word() for _ in range(4)] for _ in range(4)] for _ in occ.codes]
    trade = []
    for name in occ.names:
        parts = [p for p in re.split(r"[、・（）()]", name) if len(p) >= 2 and p not in ("その他", "職業")]
        trade.append(parts[:3] + [word()])
    return topics, trade


def generate(scale: str, n_seekers: int, n_postings: int, seed: int = 7) -> World:
    rng = np.random.default_rng(seed)
    occ = Occupations.from_csv(DATA / "mhlw2022-occupations.csv")
    m = len(occ)
    major = occ.major_index().astype(np.int64)
    open_share, seek_share, part_share = _labour_market(occ)
    topics, trade = _vocabulary(occ, rng)
    # A hidden "career change" partner for each occupation, in another major group (the presser → press machine).
    career = np.array([rng.choice(np.flatnonzero(major != major[o])) for o in range(m)])
    base_month = rng.uniform(170_000, 300_000, size=m).round(-4)
    towns = _towns(scale)

    # Employers: sizes are skewed (a few large ones post many vacancies), each sits in one town.
    n_employers = max(n_postings // 3, 1)
    size = rng.zipf(1.8, n_employers).clip(1, 200).astype(np.float64)
    p_employer = rng.choice(n_employers, size=n_postings, p=size / size.sum())
    e_town = rng.integers(0, len(towns), n_employers)
    e_occ = rng.choice(m, size=n_employers, p=open_share)
    jitter = 0.002  # ~200 m
    p_lat = towns[e_town[p_employer], 0] + rng.normal(0, jitter, n_postings)
    p_lng = towns[e_town[p_employer], 1] + rng.normal(0, jitter, n_postings)
    p_occ = np.where(rng.random(n_postings) < 0.5, e_occ[p_employer], rng.choice(m, size=n_postings, p=open_share))
    p_topic = rng.integers(0, 4, n_postings)
    p_emp = np.where(rng.random(n_postings) < part_share[p_occ], 2, 1)
    hourly = (p_emp == 2) ^ (rng.random(n_postings) < 0.05)
    p_unit = np.where(hourly, 2, 1)
    monthly_low = base_month[p_occ] * rng.uniform(0.8, 1.1, n_postings)
    p_wlow = np.where(hourly, (monthly_low / 165).round(-1), monthly_low.round(-3))
    p_wtop = (p_wlow * rng.uniform(1.0, 1.3, n_postings)).round(-1)
    no_wage = rng.random(n_postings) < 0.05
    p_wlow[no_wage] = np.nan
    p_wtop[no_wage] = np.nan
    occ_quals = rng.integers(0, len(QUALIFICATIONS), size=(m, 2))
    needs = rng.random(n_postings) < 0.25
    p_quals = np.where(needs, 1 << occ_quals[p_occ, rng.integers(0, 2, n_postings)], 0).astype(np.int64)
    p_exp_req = rng.random(n_postings) < 0.15
    p_trial = rng.random(n_postings) < 0.3
    # Openings per posting (募集人数): mostly one or two, a few for many; larger employers post for more. Drawn
    # from a generator of their own, so that everything else in the world is as it was before openings came in.
    more = np.random.default_rng(seed + 1000)
    p_openings = more.choice([1, 2, 3, 4, 5, 8, 10], size=n_postings, p=[0.55, 0.17, 0.1, 0.06, 0.05, 0.04, 0.03])
    big = size[p_employer] >= 10
    p_openings[big] = np.maximum(p_openings[big], more.integers(1, 6, int(big.sum())))

    # Seekers: true interests first, then what they say.
    s_town = rng.integers(0, len(towns), n_seekers)
    s_lat = towns[s_town, 0] + rng.normal(0, jitter, n_seekers)
    s_lng = towns[s_town, 1] + rng.normal(0, jitter, n_seekers)
    o1 = rng.choice(m, size=n_seekers, p=seek_share)
    same_major = [np.flatnonzero((major == major[o]) & (np.arange(m) != o)) for o in range(m)]

    def neighbour(o: np.ndarray) -> np.ndarray:
        out = np.empty(len(o), dtype=np.int64)
        kind = rng.random(len(o))
        for i, (x, k) in enumerate(zip(o.tolist(), kind.tolist(), strict=True)):
            pool = same_major[x]
            if k < 0.5 and len(pool):
                out[i] = rng.choice(pool)
            elif k < 0.8:
                out[i] = career[x]
            else:
                out[i] = rng.choice(m, p=open_share)
        return out

    o2 = neighbour(o1)
    o3 = neighbour(o1)
    o2 = np.where(o2 == o1, career[o1], o2)  # the career partner is in another major group, never o1
    clash = (o3 == o1) | (o3 == o2)
    while clash.any():
        o3[clash] = rng.choice(m, size=int(clash.sum()), p=open_share)
        clash = (o3 == o1) | (o3 == o2)
    s_true = np.stack([o1, o2, o3], axis=1)
    count = rng.choice([1, 2, 3], size=n_seekers, p=[0.3, 0.4, 0.3])
    s_stated = np.where(np.arange(3)[None, :] < count[:, None], s_true, -1)
    swap = (count >= 2) & (rng.random(n_seekers) < 0.05)
    s_stated[swap, 0], s_stated[swap, 1] = s_true[swap, 1], s_true[swap, 0]
    s_topic = rng.integers(0, 4, n_seekers)
    s_limit = rng.choice([5.0, 10.0, 15.0, 20.0, 30.0], size=n_seekers, p=[0.15, 0.3, 0.25, 0.2, 0.1])
    s_limit[rng.random(n_seekers) < 0.05] = np.nan
    s_emp = rng.choice([0, 1, 2], size=n_seekers, p=[0.4, 0.4, 0.2])
    s_unit = np.where(s_emp == 2, 2, 1)
    floor_month = base_month[o1] * rng.uniform(0.75, 1.05, n_seekers)
    s_floor = np.where(s_unit == 2, (floor_month / 165).round(-1), floor_month.round(-4))
    s_floor[rng.random(n_seekers) < 0.35] = np.nan
    s_quals = np.zeros(n_seekers, dtype=np.int64)
    for slot in range(2):
        has = rng.random(n_seekers) < 0.55
        s_quals |= np.where(has, 1 << occ_quals[o1, slot], 0)
    s_quals |= np.where(rng.random(n_seekers) < 0.7, 1, 0)  # 普通自動車免許
    s_exp_occ = np.full((n_seekers, 2), -1, dtype=np.int64)
    s_exp_years = np.zeros((n_seekers, 2))
    has1 = rng.random(n_seekers) < 0.6
    s_exp_occ[has1, 0] = o1[has1]
    s_exp_years[has1, 0] = rng.uniform(0.5, 10, has1.sum()).round(1)
    has2 = rng.random(n_seekers) < 0.25
    s_exp_occ[has2, 1] = o2[has2]
    s_exp_years[has2, 1] = rng.uniform(0.5, 5, has2.sum()).round(1)
    s_gap = rng.random(n_seekers) < 0.1

    # Texts: postings name two words of their specialty; seekers mention theirs, noisily.
    p_title, p_desc = [], []
    pick = rng.integers(0, 1 << 30, size=(n_postings, 8))
    for i in range(n_postings):
        o, t, r = int(p_occ[i]), int(p_topic[i]), pick[i]
        words = topics[o][t]
        skip = r[0] % 4  # three of the specialty's four words
        w1, w2, w3 = (words[(skip + k) % 4] for k in (1, 2, 3))
        noise = topics[o][(t + 1 + r[2] % 3) % 4][r[3] % 4] if r[4] % 10 < 3 else ""
        tw = trade[o][0]
        p_title.append(f"{trade[o][r[5] % len(trade[o])]}{['スタッフ', '担当', '作業員', '（正社員）'][r[6] % 4]}")
        extra = "。".join(POSTING_PHRASES[(r[7] >> s) % len(POSTING_PHRASES)] for s in (0, 5, 10)[: 2 + r[7] % 2])
        p_desc.append(f"{w1}や{w2}の仕事です。{w3}{'や' + noise if noise else ''}もあります。{tw}の経験を活かせます。{extra}。")
    # A specialty is known only for the seekers who name one: the others are indifferent to it.
    s_topic[rng.random(n_seekers) < 0.2] = -1
    s_note = []
    pick = rng.integers(0, 1 << 30, size=(n_seekers, 8))
    for i in range(n_seekers):
        r = pick[i]
        o, t = int(o1[i]), int(s_topic[i])
        parts = []
        if t >= 0:
            words = topics[o][t]
            parts.append(f"{words[r[2] % 4]}の仕事を希望します")
            parts.append(f"{words[(r[2] + 1 + r[3] % 3) % 4]}の経験があります")
        elif r[0] % 2:
            s_note.append("")
            continue
        if s_exp_occ[i, 0] == o and r[4] % 2:  # some of those with experience say so
            parts.append(f"{trade[o][0]}として働いていました")
        if r[6] % 100 < 20:
            oo = int(o2[i])
            parts.append(f"{topics[oo][r[6] % 4][r[7] % 4]}にも興味があります")
        parts.append(SEEKER_PHRASES[r[7] % len(SEEKER_PHRASES)])
        s_note.append("。".join(parts) + "。")

    # Past placements: mostly in the true first interest, sometimes in a secondary or the career partner.
    n_hires = max(2_000, n_seekers // 2)
    who = rng.integers(0, n_seekers, n_hires)
    roll = rng.random(n_hires)
    hired = np.where(roll < 0.65, o1[who], np.where(roll < 0.8, o2[who], np.where(roll < 0.95, career[o1[who]],
                                                                                   rng.choice(m, n_hires))))
    wanted = np.where(s_stated[who, 0] >= 0, s_stated[who, 0], o1[who])
    hires = [(occ.codes[a], occ.codes[b]) for a, b in zip(wanted.tolist(), hired.tolist(), strict=True)]

    return World(
        name=scale, occ=occ, major=major, career=career,
        p_employer=p_employer, p_occ=p_occ, p_topic=p_topic, p_lat=p_lat, p_lng=p_lng, p_emp=p_emp,
        p_wlow=p_wlow, p_wtop=p_wtop, p_unit=p_unit, p_quals=p_quals, p_exp_req=p_exp_req, p_trial=p_trial,
        p_openings=p_openings, p_title=p_title, p_desc=p_desc,
        s_true=s_true, s_stated=s_stated, s_topic=s_topic, s_lat=s_lat, s_lng=s_lng, s_limit=s_limit,
        s_emp=s_emp, s_floor=s_floor, s_unit=s_unit, s_quals=s_quals, s_exp_occ=s_exp_occ,
        s_exp_years=s_exp_years, s_gap=s_gap, s_note=s_note, hires=hires,
    )


# ---------------------------------------------------------------------------------------------------------------
# Planted relevance and hard conditions (the ground truth, computed exactly, with great-circle distances)
# ---------------------------------------------------------------------------------------------------------------


def _pairs(w: World, s: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hard conditions broken, distance) for seekers ``s`` × postings ``p`` (broadcast index arrays)."""
    d = haversine_km(w.s_lat[s], w.s_lng[s], w.p_lat[p], w.p_lng[p])
    broken = d > np.where(np.isnan(w.s_limit[s]), np.inf, w.s_limit[s])
    broken |= (w.s_emp[s] != 0) & (w.s_emp[s] != w.p_emp[p])
    broken |= (w.s_unit[s] == w.p_unit[p]) & (w.p_wtop[p] < w.s_floor[s])
    broken |= (w.p_quals[p] & ~w.s_quals[s]) != 0
    years = np.where(w.s_exp_occ[s, 0] == w.p_occ[p], w.s_exp_years[s, 0], 0.0) + np.where(
        w.s_exp_occ[s, 1] == w.p_occ[p], w.s_exp_years[s, 1], 0.0
    )
    broken |= w.p_exp_req[p] & (years <= 0)
    return broken, d


def grades(w: World, s: np.ndarray, p: np.ndarray) -> np.ndarray:
    u, broken = utility(w, s, p)
    g = (u >= 0.3).astype(np.int8) + (u >= 0.55) + (u >= 0.8)
    return np.where(broken, 0, g).astype(np.int8)


def utility(w: World, s: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The planted utility ``u`` of each pair, and whether it breaks a hard condition."""
    broken, d = _pairs(w, s, p)
    o1, o2, o3 = w.s_true[s, 0], w.s_true[s, 1], w.s_true[s, 2]
    po = w.p_occ[p]
    interest = np.where(
        po == o1, 1.0,
        np.where(po == o2, 0.7,
                 np.where(po == o3, 0.55,
                          np.where(w.career[o1] == po, 0.5, np.where(w.major[o1] == w.major[po], 0.3, 0.0)))),
    )
    # Specialty: the seeker's own, in their first trade (seekers without one never get this part).
    specialty = ((po == o1) & (w.p_topic[p] == w.s_topic[s])).astype(float)
    limit = np.where(np.isnan(w.s_limit[s]), 30.0, w.s_limit[s])
    near = np.clip(1.0 - d / limit, 0.0, 1.0)
    floor = w.s_floor[s]
    priced = (w.s_unit[s] == w.p_unit[p]) & ~np.isnan(floor) & ~np.isnan(w.p_wlow[p])
    with np.errstate(invalid="ignore"):
        pay = np.where(priced, np.clip(0.5 + (w.p_wlow[p] - floor) / (0.4 * floor), 0.0, 1.0), 0.5)
    skilled = (w.s_exp_occ[s, 0] == po) | (w.s_exp_occ[s, 1] == po)
    u = interest * (0.5 + 0.25 * specialty + 0.1 * near + 0.1 * pay + 0.05 * skilled)
    u += 0.05 * (w.s_gap[s] & w.p_trial[p])
    return u, broken


def seeker_truth(w: World, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Grades and hard-condition breaks of seeker ``i`` against every posting (brute force; see ``Judge``)."""
    p = np.arange(w.n_postings)
    return grades(w, np.full(len(p), i), p), _pairs(w, np.full(len(p), i), p)[0]


def posting_truth(w: World, j: int) -> tuple[np.ndarray, np.ndarray]:
    s = np.arange(w.n_seekers)
    return grades(w, s, np.full(len(s), j)), _pairs(w, s, np.full(len(s), j))[0]


# The interests of ``grades``. A posting only in the seeker's first trade's major group can never reach grade 1:
# 0.3 × (0.5 + 0.1 + 0.1 + 0.05) + 0.05 < 0.3, so ``Judge`` need not look at those pairs.
_MAJOR_INTEREST, _NO_SPECIALTY_MAX, _TRIAL, _GRADE1 = 0.3, 0.75, 0.05, 0.3
assert _MAJOR_INTEREST * _NO_SPECIALTY_MAX + _TRIAL < _GRADE1
_NEAR_KM = 30.0  # the longest stated commute limit the generator draws


@dataclass
class Judged:
    """One query's planted relevance: the other side's records graded above 0 (sorted ids) with their grades,
    and whether at least ``K`` of the other side qualify (break no hard condition)."""

    idx: np.ndarray
    g: np.ndarray
    enough: bool

    def grades_of(self, ranked: np.ndarray) -> np.ndarray:
        if len(self.idx) == 0 or len(ranked) == 0:
            return np.zeros(len(ranked), dtype=np.int8)
        pos = np.minimum(np.searchsorted(self.idx, ranked), len(self.idx) - 1)
        return np.where(self.idx[pos] == ranked, self.g[pos], 0).astype(np.int8)


class Judge:
    """The planted relevance of sampled queries, computed exactly but only where it can be above 0.

    A pair has a grade only when the posting's occupation is one of the seeker's true interests (or its hidden
    career-change partner) and no hard condition is broken, so for a seeker only the postings of those
    occupations within their commute limit are graded, and for a posting only the seekers interested in its
    occupation. Brute force over every pair (``seeker_truth``) gives the same grades at national scale in an
    hour instead of minutes; ``--check-truth`` compares the two.
    """

    def __init__(self, w: World) -> None:
        self.w = w
        m = len(w.occ)
        order = np.argsort(w.p_occ, kind="stable")
        bounds = np.searchsorted(w.p_occ[order], np.arange(m + 1))
        self.p_by_occ = [order[bounds[o] : bounds[o + 1]] for o in range(m)]
        interest = np.concatenate([w.s_true[:, 0], w.s_true[:, 1], w.s_true[:, 2], w.career[w.s_true[:, 0]]])
        who = np.tile(np.arange(w.n_seekers), 4)
        order = np.lexsort((who, interest))
        interest, who = interest[order], who[order]
        bounds = np.searchsorted(interest, np.arange(m + 1))
        self.s_by_occ = [np.unique(who[bounds[o] : bounds[o + 1]]) for o in range(m)]
        self.s_unlimited = np.flatnonzero(np.isnan(w.s_limit))
        self.p_cells = _Cells(w.p_lat, w.p_lng)
        self.s_cells = _Cells(w.s_lat, w.s_lng)

    def seeker(self, i: int) -> Judged:
        w = self.w
        o1 = int(w.s_true[i, 0])
        occs = np.unique([o1, int(w.s_true[i, 1]), int(w.s_true[i, 2]), int(w.career[o1])])
        cand = np.concatenate([self.p_by_occ[o] for o in occs])
        limit = float(w.s_limit[i])
        if math.isfinite(limit):
            cand = cand[_in_box(w.p_lat[cand], w.p_lng[cand], w.s_lat[i], w.s_lng[i], limit)]
        cand = np.sort(cand)
        g = grades(w, np.full(len(cand), i), cand)
        near = self.p_cells.within(w.s_lat[i], w.s_lng[i], limit if math.isfinite(limit) else _NEAR_KM)
        ok = int((~_pairs(w, np.full(len(near), i), near)[0]).sum())
        if ok < K and not math.isfinite(limit):
            every = np.arange(w.n_postings)
            ok = int((~_pairs(w, np.full(len(every), i), every)[0]).sum())
        keep = g > 0
        return Judged(cand[keep], g[keep], ok >= K)

    def posting(self, j: int) -> Judged:
        w = self.w
        cand = self.s_by_occ[int(w.p_occ[j])]
        limited = cand[~np.isnan(w.s_limit[cand])]
        limited = limited[_in_box(w.s_lat[limited], w.s_lng[limited], w.p_lat[j], w.p_lng[j], _NEAR_KM)]
        cand = np.union1d(limited, cand[np.isnan(w.s_limit[cand])])
        g = grades(w, cand, np.full(len(cand), j))
        near = np.union1d(self.s_cells.within(w.p_lat[j], w.p_lng[j], _NEAR_KM), self.s_unlimited)
        ok = int((~_pairs(w, near, np.full(len(near), j))[0]).sum())
        keep = g > 0
        return Judged(cand[keep], g[keep], ok >= K)


def _in_box(lat: np.ndarray, lng: np.ndarray, lat0: float, lng0: float, km: float) -> np.ndarray:
    """A box around a point that holds every place within ``km`` (a superset: distances are checked after)."""
    dlat = km / 110.0
    dlng = km / (110.0 * max(math.cos(math.radians(abs(lat0) + dlat)), 0.01))
    return (np.abs(lat - lat0) <= dlat) & (np.abs(lng - lng0) <= dlng)


class _Cells:
    """Places on a 0.1° grid, sorted by cell, to find those within a box quickly."""

    SIZE = 0.1

    def __init__(self, lat: np.ndarray, lng: np.ndarray) -> None:
        self.lat, self.lng = lat, lng
        self.cols = int(360 / self.SIZE)
        key = self._key(lat, lng)
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]

    def _key(self, lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
        row = np.floor((np.asarray(lat) + 90) / self.SIZE).astype(np.int64)
        col = np.floor((np.asarray(lng) + 180) / self.SIZE).astype(np.int64)
        return row * self.cols + col

    def within(self, lat0: float, lng0: float, km: float) -> np.ndarray:
        dlat = km / 110.0
        dlng = km / (110.0 * max(math.cos(math.radians(abs(lat0) + dlat)), 0.01))
        r0, r1 = (int(np.floor((lat0 + s * dlat + 90) / self.SIZE)) for s in (-1, 1))
        c0, c1 = (int(np.floor((lng0 + s * dlng + 180) / self.SIZE)) for s in (-1, 1))
        rows = np.arange(r0, r1 + 1) * self.cols
        lo = np.searchsorted(self.keys, rows + c0, "left")
        hi = np.searchsorted(self.keys, rows + c1, "right")
        found = np.concatenate([self.order[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
        return np.sort(found[_in_box(self.lat[found], self.lng[found], lat0, lng0, km)])


def check_truth(scale: str, n_s: int, n_p: int, n_queries: int) -> None:
    """``Judge`` against brute force over every pair, on sampled queries: the same grades, the same verdict on
    whether ten candidates qualify."""
    w = generate(scale, n_s, n_p)
    judge = Judge(w)
    rng = np.random.default_rng(11)
    for direction, n, exact, fast in (("seeker", w.n_seekers, seeker_truth, judge.seeker),
                                      ("posting", w.n_postings, posting_truth, judge.posting)):
        for i in rng.choice(n, size=min(n_queries, n), replace=False).tolist():
            g, b = exact(w, i)
            j = fast(i)
            nz = np.flatnonzero(g > 0)
            assert np.array_equal(nz, j.idx) and np.array_equal(g[nz], j.g), (direction, i)
            assert (int((~b).sum()) >= K) == j.enough, (direction, i)
    print(f"{scale}: planted relevance of {n_queries} seekers and {n_queries} postings checked against brute force")


# ---------------------------------------------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------------------------------------------


class Method:
    name = ""
    directions = ("seeker", "posting")
    note = ""

    def build(self, w: World) -> None:
        raise NotImplementedError

    def for_seeker(self, i: int) -> np.ndarray:
        raise NotImplementedError

    def for_posting(self, j: int) -> np.ndarray:
        raise NotImplementedError

    def batch_seekers(self, idx: np.ndarray) -> list[np.ndarray]:
        return [self.for_seeker(int(i)) for i in idx]


def posting_records(w: World) -> list[PostingRecord]:
    codes = w.occ.codes
    unit = {1: "month", 2: "hour"}
    emp = {1: "full_time", 2: "part_time"}
    out = []
    for j in range(w.n_postings):
        q = int(w.p_quals[j])
        low, top = w.p_wlow[j], w.p_wtop[j]
        stated = not math.isnan(low)
        out.append(PostingRecord(
            posting_id=j, employer_id=int(w.p_employer[j]), occupation=codes[w.p_occ[j]],
            lat=float(w.p_lat[j]), lng=float(w.p_lng[j]), employment=emp[int(w.p_emp[j])],
            wage_min=int(low) if stated else None, wage_max=int(top) if stated else None,
            wage_unit=unit[int(w.p_unit[j])] if stated else None,
            required_qualifications=tuple(QUALIFICATIONS[b] for b in range(len(QUALIFICATIONS)) if q >> b & 1),
            experience_required=bool(w.p_exp_req[j]), trial_employment_ok=bool(w.p_trial[j]),
            title=w.p_title[j], description=w.p_desc[j], openings=int(w.p_openings[j]),
        ))
    return out


def seeker_records(w: World, rows: Sequence[int] | None = None) -> list[SeekerRecord]:
    codes = w.occ.codes
    unit = {1: "month", 2: "hour"}
    emp = {0: "any", 1: "full_time", 2: "part_time"}
    out = []
    for i in rows if rows is not None else range(w.n_seekers):
        q = int(w.s_quals[i])
        floor = w.s_floor[i]
        out.append(SeekerRecord(
            seeker_id=i, desired_occupations=tuple(codes[o] for o in w.s_stated[i] if o >= 0),
            lat=float(w.s_lat[i]), lng=float(w.s_lng[i]),
            max_commute_km=None if math.isnan(w.s_limit[i]) else float(w.s_limit[i]),
            employment=emp[int(w.s_emp[i])],
            min_wage=None if math.isnan(floor) else int(floor),
            wage_unit=None if math.isnan(floor) else unit[int(w.s_unit[i])],
            qualifications=frozenset(QUALIFICATIONS[b] for b in range(len(QUALIFICATIONS)) if q >> b & 1),
            experience={codes[o]: float(y) for o, y in zip(w.s_exp_occ[i], w.s_exp_years[i], strict=True) if o >= 0},
            long_gap=bool(w.s_gap[i]), note=w.s_note[i],
        ))
    return out


class Kakehashi(Method):
    name = "Kakehashi"

    def __init__(self, spread: bool = True, seekers: bool = True) -> None:
        self.spread = spread
        self.with_seekers = seekers
        if not spread:
            self.name = "Kakehashi (no tie spreading)"
        if not seekers:
            self.directions = ("seeker",)
        self.records_s = 0.0

    def build(self, w: World) -> None:
        t = time.perf_counter()
        postings = posting_records(w)
        seekers = seeker_records(w) if self.with_seekers else []
        self.records_s = time.perf_counter() - t
        self.w = w
        text_model = None
        if not self.with_seekers:
            # Without seekers in the index, word weights are fitted on the postings and a sample of the seekers'
            # notes, as an index of both would fit them (seekers' stock phrases must weigh little). All two million
            # notes give the same quality at twice the memory.
            sample = np.random.default_rng(5).choice(w.n_seekers, size=min(200_000, w.n_seekers), replace=False)
            text_model = TextModel.fit(
                [f"{p.title}\n{p.description}" for p in postings] + [w.s_note[i] for i in sample.tolist()],
                discount=w.occ.names,
                factor=TEXT_NAME_FACTOR,
            )
        self.engine = MatchingEngine(
            w.occ, postings, seekers, transitions=Transitions.learn(w.occ, w.hires), spread=self.spread,
            text_model=text_model,
        )

    def for_seeker(self, i: int) -> np.ndarray:
        # Without an index of seekers (national scale), the seeker is matched from their record.
        target: int | SeekerRecord = i if self.with_seekers else seeker_records(self.w, [i])[0]
        return np.array([m.id for m in self.engine.match_seeker(target, top=K)], dtype=np.int64)

    def for_posting(self, j: int) -> np.ndarray:
        return np.array([m.id for m in self.engine.match_posting(j, top=K)], dtype=np.int64)

    def batch_jsonl(self, workers: int) -> list[np.ndarray]:
        """What ``kakehashi match --all-seekers`` does once the records are loaded: every seeker's top ten with
        reasons, one JSON line each (written nowhere here). Returns the postings each seeker was shown."""
        shown = []
        for sid, matches in self.engine.match_all_seekers(top=K, workers=workers):
            json.dumps({"seeker_id": sid, "matches": [m.as_dict("posting_id") for m in matches]}, ensure_ascii=False)
            shown.append(np.array([m.id for m in matches], dtype=np.int64))
        return shown


class HelloWorkFilter(Method):
    name = "Hello-Work-style filter"
    note = "desired occupation within the commute limit, nearest first"

    def build(self, w: World) -> None:
        self.w = w
        order = np.argsort(w.p_occ, kind="stable")
        bounds = np.searchsorted(w.p_occ[order], np.arange(len(w.occ) + 1))
        self.by_occ = [order[bounds[o] : bounds[o + 1]] for o in range(len(w.occ))]
        s_occ = w.s_stated.ravel()
        s_row = np.repeat(np.arange(w.n_seekers), 3)
        keep = s_occ >= 0
        s_occ, s_row = s_occ[keep], s_row[keep]
        order = np.argsort(s_occ, kind="stable")
        bounds = np.searchsorted(s_occ[order], np.arange(len(w.occ) + 1))
        self.seekers_by_occ = [s_row[order[bounds[o] : bounds[o + 1]]] for o in range(len(w.occ))]

    def for_seeker(self, i: int) -> np.ndarray:
        w = self.w
        wishes = [o for o in w.s_stated[i] if o >= 0]
        cand = np.concatenate([self.by_occ[o] for o in wishes]) if wishes else np.zeros(0, np.int64)
        d = haversine_km(w.s_lat[i], w.s_lng[i], w.p_lat[cand], w.p_lng[cand])
        limit = np.inf if np.isnan(w.s_limit[i]) else w.s_limit[i]
        keep = d <= limit
        cand, d = cand[keep], d[keep]
        return cand[np.argsort(d, kind="stable")[:K]]

    def for_posting(self, j: int) -> np.ndarray:
        w = self.w
        cand = self.seekers_by_occ[int(w.p_occ[j])]
        d = haversine_km(w.s_lat[cand], w.s_lng[cand], w.p_lat[j], w.p_lng[j])
        keep = d <= np.where(np.isnan(w.s_limit[cand]), np.inf, w.s_limit[cand])
        cand, d = cand[keep], d[keep]
        return cand[np.argsort(d, kind="stable")[:K]]


def _profile_texts(w: World, seekers: np.ndarray | None = None) -> tuple[list[str], list[str]]:
    """What a text or vector method indexes: the posting's occupation name, title and description; the seeker's
    desired occupation names and note (of every seeker, or of ``seekers``)."""
    names = w.occ.names
    posts = [f"{names[w.p_occ[j]]} {w.p_title[j]} {w.p_desc[j]}" for j in range(w.n_postings)]
    rows = range(w.n_seekers) if seekers is None else seekers.tolist()
    seeks = [" ".join(names[o] for o in w.s_stated[i] if o >= 0) + " " + w.s_note[i] for i in rows]
    return posts, seeks


class BM25(Method):
    name = "BM25 (bm25s)"
    note = "character bigrams, k1=1.5, b=0.75"

    def build(self, w: World) -> None:
        import bm25s

        posts, seeks = _profile_texts(w)
        self.w = w
        self.posts = self._index(bm25s, posts)
        self.seeks = self._index(bm25s, seeks)
        self.q_seek = self._tokens(seeks)
        self.q_post = self._tokens(posts)

    @staticmethod
    def _tokens(texts: list[str]) -> list[list[str]]:
        from kakehashi.engine.matching.textfit import bigram_buckets

        doc, buckets = bigram_buckets(texts)
        bounds = np.searchsorted(doc, np.arange(len(texts) + 1))
        strs = buckets.astype(str)
        return [strs[bounds[i] : bounds[i + 1]].tolist() for i in range(len(texts))]

    def _index(self, bm25s: Any, texts: list[str]) -> Any:
        r = bm25s.BM25()
        r.index(self._tokens(texts), show_progress=False)
        return r

    def _query(self, r: Any, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in r.vocab_dict] or [""]
        docs, _ = r.retrieve([known], k=K, show_progress=False, n_threads=0)
        return docs[0].astype(np.int64)

    def for_seeker(self, i: int) -> np.ndarray:
        return self._query(self.posts, self.q_seek[i])

    def for_posting(self, j: int) -> np.ndarray:
        return self._query(self.seeks, self.q_post[j])

    def batch_seekers(self, idx: np.ndarray) -> list[np.ndarray]:
        queries = [[t for t in self.q_seek[int(i)] if t in self.posts.vocab_dict] or [""] for i in idx]
        docs, _ = self.posts.retrieve(queries, k=K, show_progress=False, n_threads=0)
        return [d.astype(np.int64) for d in docs]


Embedding = tuple[np.ndarray, np.ndarray, dict[int, int] | None]


def lsa(w: World, seekers: np.ndarray | None = None, dim: int = 128, seed: int = 3) -> Embedding:
    """128-d LSA embeddings (randomised SVD of the TF-IDF bigram matrix) of postings and seekers, unit length.
    With ``seekers``, only those are embedded, and the map says which row is whose."""
    from scipy import sparse

    posts, seeks = _profile_texts(w, seekers)
    model = TextModel.fit(posts + seeks)
    mats = []
    for texts in (posts, seeks):
        rows = model.transform(texts)
        mats.append(sparse.csr_matrix((rows.data, rows.indices, rows.indptr), shape=(len(texts), 1 << BITS)))
    used = np.unique(np.concatenate([mats[0].indices, mats[1].indices]))
    remap = np.zeros(1 << BITS, dtype=np.int64)
    remap[used] = np.arange(len(used))
    mats = [sparse.csr_matrix((m.data, remap[m.indices], m.indptr), shape=(m.shape[0], len(used))) for m in mats]
    rng = np.random.default_rng(seed)
    sample = mats[0][rng.choice(mats[0].shape[0], size=min(20_000, mats[0].shape[0]), replace=False)]
    omega = rng.normal(size=(sample.shape[1], dim + 10)).astype(np.float32)
    q, _ = np.linalg.qr(sample @ omega)
    for _ in range(2):  # power iterations sharpen the leading directions
        q, _ = np.linalg.qr(sample @ (sample.T @ q))
    _, _, vt = np.linalg.svd((sample.T @ q).T, full_matrices=False)
    basis = vt[:dim].T.astype(np.float32)
    out = []
    for mat in mats:
        e = np.asarray(mat @ basis, dtype=np.float32)
        e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-9)
        out.append(e)
    return out[0], out[1], (None if seekers is None else {int(i): r for r, i in enumerate(seekers.tolist())})


class ExactNumpy(Method):
    name = "exact vectors (numpy)"
    note = "128-d LSA, inner product, argpartition"

    def __init__(self, emb: Embedding) -> None:
        self.pe, self.se, self.row = emb

    def s(self, i: int) -> int:
        return i if self.row is None else self.row[i]

    def build(self, w: World) -> None:
        self.pe = np.ascontiguousarray(self.pe)
        self.se = np.ascontiguousarray(self.se)

    @staticmethod
    def _top(base: np.ndarray, q: np.ndarray) -> np.ndarray:
        scores = base @ q
        part = np.argpartition(-scores, K)[:K]
        return part[np.argsort(-scores[part])]

    def for_seeker(self, i: int) -> np.ndarray:
        return self._top(self.pe, self.se[self.s(i)])

    def for_posting(self, j: int) -> np.ndarray:
        return self._top(self.se, self.pe[j])

    def batch_seekers(self, idx: np.ndarray) -> list[np.ndarray]:
        out = []
        for chunk in np.array_split(idx, max(1, len(idx) // 256)):
            scores = self.se[[self.s(int(i)) for i in chunk]] @ self.pe.T
            part = np.argpartition(-scores, K, axis=1)[:, :K]
            top = np.take_along_axis(scores, part, 1)
            out.extend(np.take_along_axis(part, np.argsort(-top, axis=1), 1))
        return out


class FaissFlat(ExactNumpy):
    name = "exact vectors (faiss flat)"
    note = "IndexFlatIP"

    def build(self, w: World) -> None:
        import faiss

        self.p_index = faiss.IndexFlatIP(self.pe.shape[1])
        self.p_index.add(self.pe)
        if "posting" in self.directions:
            self.s_index = faiss.IndexFlatIP(self.se.shape[1])
            self.s_index.add(self.se)

    def for_seeker(self, i: int) -> np.ndarray:
        r = self.s(i)
        return self.p_index.search(self.se[r : r + 1], K)[1][0]

    def for_posting(self, j: int) -> np.ndarray:
        return self.s_index.search(self.pe[j : j + 1], K)[1][0]

    def batch_seekers(self, idx: np.ndarray) -> list[np.ndarray]:
        return list(self.p_index.search(self.se[[self.s(int(i)) for i in idx]], K)[1])


class HNSW(ExactNumpy):
    name = "HNSW (hnswlib)"
    note = "M=16, ef_construction=100, ef=64"

    def build(self, w: World) -> None:
        import hnswlib

        self.p_index = self._graph(hnswlib, self.pe)
        if "posting" in self.directions:
            self.s_index = self._graph(hnswlib, self.se)

    @staticmethod
    def _graph(hnswlib: Any, data: np.ndarray) -> Any:
        g = hnswlib.Index(space="ip", dim=data.shape[1])
        g.init_index(max_elements=len(data), ef_construction=100, M=16, random_seed=1)
        g.add_items(data, num_threads=os.cpu_count() or 1)
        g.set_ef(64)
        g.set_num_threads(1)
        return g

    def for_seeker(self, i: int) -> np.ndarray:
        r = self.s(i)
        return self.p_index.knn_query(self.se[r : r + 1], k=K)[0][0].astype(np.int64)

    def for_posting(self, j: int) -> np.ndarray:
        return self.s_index.knn_query(self.pe[j : j + 1], k=K)[0][0].astype(np.int64)

    def batch_seekers(self, idx: np.ndarray) -> list[np.ndarray]:
        self.p_index.set_num_threads(os.cpu_count() or 1)
        labels = self.p_index.knn_query(self.se[[self.s(int(i)) for i in idx]], k=K)[0].astype(np.int64)
        self.p_index.set_num_threads(1)
        return list(labels)


# ---------------------------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------------------------


def _rss_mb() -> tuple[float, float]:
    status = Path("/proc/self/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]  # Linux always has it
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]  # Linux always has it
    return rss, hwm


def _reset_peak() -> float:
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak resident size (VmHWM), Linux ≥ 4.0
    except OSError:
        pass
    return _rss_mb()[0]


@dataclass
class Row:
    scale: str
    method: str
    direction: str
    ndcg: float = math.nan
    recall: float = math.nan
    breaks: float = math.nan
    broken_when_enough: float = math.nan
    p50: float = math.nan
    p99: float = math.nan
    batch: str = ""
    build: float = math.nan
    peak_mb: float = math.nan
    note: str = ""


@dataclass
class Truth:
    w: World
    seekers: np.ndarray
    postings: np.ndarray
    s_judged: list[Judged]
    p_judged: list[Judged]

    def seeker_quality(self, results: list[np.ndarray]) -> tuple[float, float, float, float]:
        broken = [_pairs(self.w, np.full(len(r), i), r)[0] for i, r in zip(self.seekers.tolist(), results, strict=True)]
        return quality(results, self.s_judged, broken)

    def posting_quality(self, results: list[np.ndarray]) -> tuple[float, float, float, float]:
        broken = [_pairs(self.w, r, np.full(len(r), j))[0] for j, r in zip(self.postings.tolist(), results, strict=True)]
        return quality(results, self.p_judged, broken)


def truth(w: World, n_queries: int, rng: np.random.Generator) -> Truth:
    seekers = rng.choice(w.n_seekers, size=min(n_queries, w.n_seekers), replace=False)
    postings = rng.choice(w.n_postings, size=min(n_queries, w.n_postings), replace=False)
    judge = Judge(w)
    return Truth(w, seekers, postings, [judge.seeker(int(i)) for i in seekers],
                 [judge.posting(int(j)) for j in postings])


def ndcg_of(ranked: np.ndarray, j: Judged) -> float:
    ideal = np.sort(2.0 ** j.g.astype(np.float64) - 1)[::-1][:K]
    disc = 1 / np.log2(np.arange(2, K + 2))
    idcg = float((ideal * disc[: len(ideal)]).sum())
    if idcg <= 0:
        return math.nan
    gains = 2.0 ** j.grades_of(ranked[:K]).astype(np.float64) - 1
    return float((gains * disc[: len(gains)]).sum()) / idcg


def recall_of(ranked: np.ndarray, j: Judged) -> float:
    relevant = int((j.g >= 2).sum())
    if relevant == 0:
        return math.nan
    return float((j.grades_of(ranked[:K]) >= 2).sum()) / min(K, relevant)


def quality(results: list[np.ndarray], judged: list[Judged], broken: list[np.ndarray]) -> tuple[float, float, float, float]:
    """NDCG@10, recall@10, the share of results that break a hard condition, and the share of queries with at
    least ten qualifying candidates whose results break one anyway."""
    n = [ndcg_of(r, j) for r, j in zip(results, judged, strict=True)]
    rc = [recall_of(r, j) for r, j in zip(results, judged, strict=True)]
    shown = sum(len(r) for r in results)
    n_broken = sum(int(b[: K].sum()) for b in broken)
    # The target: no break in the top 10 whenever 10 qualifying candidates exist.
    enough = [b for b, j in zip(broken, judged, strict=True) if j.enough]
    any_break = sum(1 for b in enough if b[:K].any())
    return (
        float(np.nanmean(n)),
        float(np.nanmean(rc)),
        n_broken / max(shown, 1),
        any_break / max(len(enough), 1),
    )


def latency(fn: Callable[[int], Any], ids: np.ndarray) -> tuple[list[Any], float, float]:
    out, times = [], []
    for i in ids:
        t = time.perf_counter()
        out.append(fn(int(i)))
        times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000
    return out, float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def exposure(lists: list[np.ndarray], n_items: int) -> tuple[float, float, int]:
    """Share of items shown to anyone, Gini of how often items are shown, most shown item's count."""
    counts = np.bincount(np.concatenate(lists).astype(np.int64), minlength=n_items) if lists else np.zeros(n_items)
    c = np.sort(counts)
    gini = float((2 * np.arange(1, n_items + 1) - n_items - 1) @ c / (n_items * c.sum())) if c.sum() else 0.0
    return float((counts > 0).mean()), gini, int(c[-1])


def run_method(
    m: Method, w: World, t: Truth, rows: list[Row], batch_ids: np.ndarray, batch_note: str
) -> list[np.ndarray] | None:
    base = _reset_peak()
    start = time.perf_counter()
    m.build(w)
    build = time.perf_counter() - start
    batch_lists = None
    res, p50, p99 = latency(m.for_seeker, t.seekers)
    nd, rc, br, bw = t.seeker_quality(res)
    start = time.perf_counter()
    if isinstance(m, Kakehashi):
        if m.with_seekers:
            batch_lists = m.batch_jsonl(workers=0)
            seconds = time.perf_counter() - start
            n = len(batch_lists)
            batch = f"all {n:,} seekers in {seconds:.1f} s ({n / seconds:,.0f}/s, {os.cpu_count()} processes), reasons + JSON"
        else:
            batch = "not run at this scale"
    else:
        batch_lists = m.batch_seekers(batch_ids)
        seconds = time.perf_counter() - start
        rate = len(batch_ids) / seconds
        batch = f"{rate:,.0f}/s ({batch_note}); all {w.n_seekers:,} ≈ {w.n_seekers / rate:,.0f} s"
    peak = _rss_mb()[1] - base
    note = m.note
    if isinstance(m, Kakehashi):
        note = f"records built in {m.records_s:.1f} s (not in build)"
    rows.append(Row(w.name, m.name, "seeker→postings", nd, rc, br, bw, p50, p99, batch, build, peak, note))
    if "posting" in m.directions:
        res, p50, p99 = latency(m.for_posting, t.postings)
        nd, rc, br, bw = t.posting_quality(res)
        rows.append(Row(w.name, m.name, "posting→seekers", nd, rc, br, bw, p50, p99, "", math.nan, math.nan, ""))
    return batch_lists


def fmt(x: float, spec: str) -> str:
    return "–" if isinstance(x, float) and math.isnan(x) else format(x, spec)


def print_rows(rows: list[Row]) -> None:
    print("| scale | method | direction | NDCG@10 | recall@10 | break share | any break when ≥10 qualify "
          "| p50 ms | p99 ms | batch | build s | peak MB | note |")
    print("|" + "---|" * 13)
    for r in rows:
        print(
            f"| {r.scale} | {r.method} | {r.direction} | {fmt(r.ndcg, '.3f')} | {fmt(r.recall, '.3f')} "
            f"| {fmt(r.breaks * 100, '.1f')}% | {fmt(r.broken_when_enough * 100, '.1f')}% | {fmt(r.p50, '.2f')} "
            f"| {fmt(r.p99, '.2f')} | {r.batch} | {fmt(r.build, '.1f')} | {fmt(r.peak_mb, ',.0f')} | {r.note} |"
        )
    sys.stdout.flush()


def machine() -> str:
    return describe() + f", numpy {np.__version__}"


def bench_scale(scale: str, n_s: int, n_p: int, n_queries: int, peers: bool, cli: bool) -> list[Row]:
    rows: list[Row] = []
    t0 = time.perf_counter()
    w = generate(scale, n_s, n_p)
    national = scale == "national"
    print(f"\n### {scale}: {n_s:,} seekers, {n_p:,} postings (generated in {time.perf_counter() - t0:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f})\n", flush=True)
    if national:
        print("At this scale only the seeker → postings direction is measured, on sampled queries: the engine indexes "
              "the million postings and matches each sampled seeker from their record; the vector peers index the "
              "postings' embeddings. The text and filter peers and the batch are not run.\n")
    rng = np.random.default_rng(11)
    t = truth(w, n_queries, rng)
    batch_ids = t.seekers if national else rng.choice(w.n_seekers, size=min(2_000, w.n_seekers), replace=False)
    batch_note = f"{len(batch_ids):,} queries"
    exp_rows = []

    engine = Kakehashi(seekers=not national)
    lists = run_method(engine, w, t, rows, batch_ids, batch_note)
    if lists is not None:
        exp_rows.append(("Kakehashi (all seekers)",) + exposure(lists, w.n_postings))
    del engine
    gc.collect()
    if not national:
        # The same engine ranking by the exact score, without near-tie rotation or the per-employer cap.
        flat = Kakehashi(spread=False)
        flat.build(w)
        res = [flat.for_seeker(int(i)) for i in t.seekers]
        nd, rc, br, bw = t.seeker_quality(res)
        rows.append(Row(scale, flat.name, "seeker→postings", nd, rc, br, bw, note="exact score order, no employer cap"))
        # The same seekers the peers' batches answer, so that the exposure rows compare like with like.
        assert lists is not None
        exp_rows.append(
            (f"Kakehashi ({len(batch_ids):,} seekers)",) + exposure([lists[i] for i in batch_ids], w.n_postings)
        )
        exp_rows.append(
            (f"Kakehashi, no tie spreading ({len(batch_ids):,} seekers)",)
            + exposure([flat.for_seeker(int(i)) for i in batch_ids], w.n_postings)
        )
        del flat
        gc.collect()
    if cli and scale == "city":
        seconds, lines = cli_batch(scale, n_s, n_p)
        rows.append(Row(scale, "Kakehashi CLI", "seeker→postings",
                        batch=f"`kakehashi match --all-seekers --top 10 --format jsonl`: {lines:,} lines in "
                              f"{seconds:.1f} s end to end (SQLite)",
                        note="process start, database reads, index build, matching, reasons, JSON"))

    if peers:
        methods: list[Method] = [] if national else [HelloWorkFilter(), BM25()]
        t1 = time.perf_counter()
        emb = lsa(w, t.seekers if national else None)
        emb_s = time.perf_counter() - t1
        methods += [ExactNumpy(emb), FaissFlat(emb), HNSW(emb)]
        for m in methods:
            if national:
                m.directions = ("seeker",)
            found = run_method(m, w, t, rows, batch_ids, batch_note)
            if isinstance(m, ExactNumpy):
                rows[-2 if "posting" in m.directions else -1].note += f"; embeddings {emb_s:.1f} s (not in build)"
            if found is not None and not national:
                exp_rows.append((f"{m.name} ({len(batch_ids):,} seekers)",) + exposure(found, w.n_postings))
            del m
            gc.collect()
    print_rows(rows)
    if exp_rows:
        print("\nExposure of postings in the seekers' top 10 (share of postings shown to anyone, Gini of how often "
              "each is shown, most shown posting):\n")
        print("| method | postings shown | Gini | most shown |")
        print("|---|---|---|---|")
        for name, cov, gini, most in exp_rows:
            print(f"| {name} | {cov * 100:.1f}% | {gini:.3f} | {most} |")
    print(f"\n(load average at the end of this scale: {os.getloadavg()[0]:.1f})", flush=True)
    return rows


def cli_batch(scale: str, n_s: int, n_p: int) -> tuple[float, int]:
    """Time the command line end to end on a scratch SQLite database holding this scale's generated world."""
    import subprocess
    import tempfile

    kakehashi = Path(sys.executable).parent / "kakehashi"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KAKEHASHI_VAR_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        # Fixed arguments to this project's own command and to this script: nothing untrusted goes in.
        subprocess.run([str(kakehashi), "migrate", "-v", "0"], env=env, check=True)  # noqa: S603  (see above)
        subprocess.run(  # noqa: S603  (this script, fixed arguments)
            [sys.executable, __file__, "--fill-db", f"{scale}:{n_s}:{n_p}"], env=env, check=True
        )
        start = time.perf_counter()
        done = subprocess.run(  # noqa: S603  (this project's command, fixed arguments)
            [str(kakehashi), "match", "--all-seekers", "--top", "10", "--format", "jsonl", "--no-progress"],
            env=env, check=True, stdout=subprocess.PIPE,
        )
        seconds = time.perf_counter() - start
    return seconds, done.stdout.count(b"\n")


def fill_db(spec: str) -> None:
    """Write a generated world into the database named by DATABASE_URL (for ``cli_batch``)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakehashi.settings")
    django.setup()
    from kakehashi.accounts.installation import load_installation
    from kakehashi.accounts.models import Site
    from kakehashi.employers.models import Employer
    from kakehashi.postings.models import Posting
    from kakehashi.reference.models import Industry
    from kakehashi.seekers.models import DesiredOccupation, Experience, Seeker

    scale, n_s, n_p = spec.split(":")
    w = generate(scale, int(n_s), int(n_p))
    load_installation(ROOT / "installations" / "kurashiki.json")
    site = Site.objects.order_by("code").first()
    industry = Industry.objects.order_by("code").first()
    from django.utils import timezone

    today = timezone.localdate()
    employers = Employer.objects.bulk_create([
        Employer(employer_id=f"E{e}", name=f"事業所{e}", industry=industry, postal_code="710-0000")
        for e in range(int(w.p_employer.max()) + 1)
    ])
    unit = {1: "month", 2: "hour"}
    Posting.objects.bulk_create([
        Posting(
            posting_id=f"P{j}", employer=employers[int(w.p_employer[j])], site=site, received_on=today,
            occupation_id=w.occ.codes[w.p_occ[j]], openings=int(w.p_openings[j]), postal_code="710-0000",
            employment={1: "full_time", 2: "part_time"}[int(w.p_emp[j])],
            wage_min=None if math.isnan(w.p_wlow[j]) else int(w.p_wlow[j]),
            wage_max=None if math.isnan(w.p_wtop[j]) else int(w.p_wtop[j]), wage_unit=unit[int(w.p_unit[j])],
            lat=float(w.p_lat[j]), lng=float(w.p_lng[j]),
            required_qualifications=[q for b, q in enumerate(QUALIFICATIONS) if int(w.p_quals[j]) >> b & 1],
            experience_required=bool(w.p_exp_req[j]), trial_employment_ok=bool(w.p_trial[j]),
            title=w.p_title[j], description=w.p_desc[j],
        )
        for j in range(w.n_postings)
    ], batch_size=2000)
    seekers = Seeker.objects.bulk_create([
        Seeker(
            seeker_id=f"S{i}", site=site, registered_on=today, postal_code="710-0000",
            lat=float(w.s_lat[i]), lng=float(w.s_lng[i]),
            max_commute_km=None if math.isnan(w.s_limit[i]) else float(w.s_limit[i]),
            desired_employment={0: "any", 1: "full_time", 2: "part_time"}[int(w.s_emp[i])],
            min_wage=None if math.isnan(w.s_floor[i]) else int(w.s_floor[i]), wage_unit=unit[int(w.s_unit[i])],
            qualifications=[q for b, q in enumerate(QUALIFICATIONS) if int(w.s_quals[i]) >> b & 1],
            gap_years=3 if w.s_gap[i] else 0, note=w.s_note[i],
        )
        for i in range(w.n_seekers)
    ], batch_size=2000)
    DesiredOccupation.objects.bulk_create([
        DesiredOccupation(seeker=seekers[i], occupation_id=w.occ.codes[o], rank=r + 1)
        for i in range(w.n_seekers) for r, o in enumerate(w.s_stated[i]) if o >= 0
    ], batch_size=5000)
    Experience.objects.bulk_create([
        Experience(seeker=seekers[i], occupation_id=w.occ.codes[o], years=float(y))
        for i in range(w.n_seekers) for o, y in zip(w.s_exp_occ[i], w.s_exp_years[i], strict=True)
        if o >= 0
    ], batch_size=5000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="city,prefecture")
    ap.add_argument("--quick", action="store_true", help="small sizes, for checking the script itself")
    ap.add_argument("--queries", type=int, default=1000, help="sampled queries per direction for quality/latency")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-cli", action="store_true", help="skip timing the command line on a scratch database")
    ap.add_argument("--check-truth", action="store_true", help="check the fast planted relevance against brute force")
    ap.add_argument("--fill-db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.fill_db:
        fill_db(args.fill_db)
        return
    sizes = QUICK if args.quick else SCALES
    if args.check_truth:
        for scale in args.scales.split(","):
            check_truth(scale, *sizes[scale], args.queries)
        return
    print(f"# Kakehashi matching benchmark — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n")
    print(f"Machine: {machine()}\n")
    print(f"Command: `python bench/match_bench.py {' '.join(sys.argv[1:])}`".rstrip() + "\n")
    for scale in args.scales.split(","):
        n_s, n_p = sizes[scale]
        bench_scale(scale, n_s, n_p, args.queries, not args.no_peers, not args.no_cli)


if __name__ == "__main__":
    main()
