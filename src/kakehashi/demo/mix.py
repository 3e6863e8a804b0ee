"""The occupation and industry mix of the demo year, drawn from Okayama's Hello Work statistics.

The statistics count active openings and active seekers per JSOC middle group (2009); the project classifies by
the MHLW 2022 middle groups. Each JSOC group's figure is split over the MHLW groups that map to it
(``jsoc2009_middle_code`` in ``mhlw2022-occupations.csv``), evenly unless ``SPLITS`` says how the work divides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from kakehashi.reference.loaders import DATA_DIR, occupation_rows

OKAYAMA = "JP-33"
LATEST = -1  # the statistics hold three fiscal years; the latest one sets the mix

# Not offered or sought through a city's employment desk.
EXCLUDED = {"014", "060", "061", "062"}

# Where one JSOC group covers several MHLW groups of very different size, the share each gets.
SPLITS: dict[str, dict[str, float]] = {
    "10": {"009": 0.6, "010": 0.4},
    "13": {"022": 0.05, "023": 0.95},
    "15": {"025": 0.3, "026": 0.3, "027": 0.4},
    "16": {"029": 0.35, "030": 0.2, "049": 0.45},
    "22": {"016": 0.3, "017": 0.7},
    "24": {"019": 0.2, "020": 0.3, "032": 0.5},
    "25": {"033": 0.2, "034": 0.5, "035": 0.1, "036": 0.05, "037": 0.15},
    "32": {"044": 0.15, "045": 0.8, "046": 0.05},
    "36": {"050": 0.65, "051": 0.35},
    "45": {"059": 0.9, "063": 0.1},
    "50": {"068": 0.4, "069": 0.6},
    "53": {"072": 0.45, "073": 0.55},
    "57": {"077": 0.5, "078": 0.5},
    "59": {"080": 0.6, "081": 0.4},
    "61": {"083": 0.6, "084": 0.1, "085": 0.15, "086": 0.15},
    "73": {"098": 0.5, "099": 0.5},
}

# JSIC divisions that employ an occupation, by MHLW major group, with relative weights; ``BY_MIDDLE`` refines
# the groups where the major group says too little (a cook works in a restaurant, a care home or a factory).
BY_MAJOR: dict[str, dict[str, float]] = {
    "01": {"09": 1, "11": 1, "24": 1, "44": 1, "58": 1, "85": 1, "06": 1},
    "02": {"16": 2, "26": 2, "31": 2, "24": 1, "06": 2, "39": 1, "74": 2},
    "03": {"72": 3, "39": 1, "73": 1},
    "04": {"83": 6, "85": 2},
    "05": {"85": 4, "82": 2, "81": 1},
    "06": {"09": 1, "11": 1, "24": 1, "44": 1, "58": 1, "83": 1, "85": 1, "06": 1, "55": 1, "72": 1},
    "07": {"58": 3, "60": 3, "56": 1, "52": 1, "55": 1, "59": 1},
    "08": {"85": 1},
    "09": {"76": 4, "75": 1, "78": 2, "79": 1, "69": 1, "80": 1},
    "10": {"92": 1},
    "11": {"01": 1},
    "12": {"09": 3, "11": 3, "16": 2, "18": 2, "22": 1, "24": 3, "26": 2, "29": 1, "31": 2, "21": 1, "15": 1},
    "13": {"44": 5, "43": 1, "47": 1, "48": 1},
    "14": {"06": 2, "07": 2, "08": 3},
    "15": {"47": 2, "44": 2, "92": 2, "09": 1, "58": 1, "88": 1},
}
BY_MIDDLE: dict[str, dict[str, float]] = {
    "009": {"39": 1}, "010": {"39": 1, "37": 1},
    "021": {"83": 1}, "023": {"83": 3, "85": 1}, "025": {"83": 1, "85": 1}, "028": {"83": 1, "85": 1},
    "029": {"85": 1}, "030": {"85": 1}, "031": {"81": 1}, "032": {"82": 1},
    "037": {"83": 2, "85": 1}, "049": {"85": 1},
    "053": {"78": 1}, "054": {"78": 1}, "055": {"76": 3, "85": 1, "09": 1, "77": 1},
    "056": {"76": 3, "75": 1, "80": 1}, "057": {"69": 1}, "058": {"79": 1, "80": 1, "95": 1},
    "064": {"01": 1},
    "067": {"24": 2, "22": 1}, "068": {"09": 1}, "069": {"16": 2, "17": 1, "18": 2, "11": 1, "14": 1},
    "070": {"31": 1, "29": 1, "26": 1}, "071": {"24": 2, "22": 1, "26": 1}, "072": {"09": 1},
    "073": {"11": 3, "18": 2, "16": 1, "15": 1, "32": 1, "13": 1},
    "074": {"31": 2, "29": 1, "26": 1, "25": 1}, "075": {"89": 3, "90": 1, "31": 1},
    "076": {"24": 1, "22": 1, "31": 1}, "077": {"09": 1}, "078": {"11": 1, "18": 1, "16": 1, "28": 1},
    "079": {"31": 1, "26": 1}, "080": {"31": 1, "24": 1, "26": 1, "21": 1}, "081": {"21": 1, "32": 1, "12": 1},
    "082": {"44": 2, "49": 1, "58": 1}, "084": {"43": 1}, "085": {"43": 1}, "086": {"44": 1, "88": 1},
    "087": {"45": 1}, "088": {"48": 1, "45": 1}, "089": {"16": 1, "17": 1, "22": 1, "06": 1, "88": 1},
    "095": {"47": 2, "44": 2, "48": 1}, "096": {"92": 3, "88": 1, "83": 1, "75": 1},
    "097": {"09": 2, "47": 1, "11": 1}, "098": {"47": 2, "58": 1, "88": 1},
}

@dataclass(frozen=True)
class Mix:
    """Relative weights per MHLW middle group, and the part-time share of each."""

    openings: dict[str, float]
    seekers: dict[str, float]
    part_time_openings: dict[str, float]
    part_time_seekers: dict[str, float]
    names: dict[str, str]
    majors: dict[str, str]


def _share(part: float | None, whole: float | None) -> float:
    return part / whole if part is not None and whole else 0.0


@lru_cache(maxsize=1)
def okayama_mix() -> Mix:
    """The occupation mix of Okayama's Hello Work offices in the latest fiscal year of the statistics."""
    rows = [r for r in occupation_rows() if r["middle_code"] not in EXCLUDED]
    by_jsoc: dict[str, list[str]] = {}
    for r in rows:
        by_jsoc.setdefault(r["jsoc2009_middle_code"], []).append(r["middle_code"])
    records = json.loads((DATA_DIR / "labour-market" / "job-openings-ratios.json").read_text(encoding="utf-8"))
    openings: dict[str, float] = {}
    seekers: dict[str, float] = {}
    pt_openings: dict[str, float] = {}
    pt_seekers: dict[str, float] = {}
    for rec in records:
        if rec["p"] != OKAYAMA or rec["o"] not in by_jsoc:
            continue
        codes = by_jsoc[rec["o"]]
        split = SPLITS.get(rec["o"], {})
        total = sum(split.get(c, 1.0 if not split else 0.0) for c in codes)
        # A figure the statistics could not publish is null: count it as none.
        all_o, all_s = (v or 0 for v in rec["a"][LATEST])
        part_o, part_s = rec["t"][LATEST]
        for code in codes:
            share = (split.get(code, 1.0 if not split else 0.0)) / total if total else 0.0
            openings[code] = all_o * share
            seekers[code] = all_s * share
            pt_openings[code] = _share(part_o, all_o)
            pt_seekers[code] = _share(part_s, all_s)
    codes = sorted(openings)
    return Mix(
        openings={c: openings[c] for c in codes if openings[c] > 0},
        seekers={c: seekers[c] for c in codes if seekers[c] > 0},
        part_time_openings=pt_openings,
        part_time_seekers=pt_seekers,
        names={r["middle_code"]: r["middle_name"] for r in rows},
        majors={r["middle_code"]: r["major_code"] for r in rows},
    )


def industries_for(occupation: str, major: str, tilt: dict[str, float]) -> dict[str, float]:
    """The JSIC divisions where ``occupation`` works, weighted, tilted to an area's trades (``tilt``: a factor
    per division, from the installation file's ``demo.industry_tilt``)."""
    base = BY_MIDDLE.get(occupation) or BY_MAJOR.get(major) or {"92": 1.0}
    return {code: weight * tilt.get(code, 1.0) for code, weight in base.items()}
