"""What an installation's demo year looks like: the ``"demo"`` part of its installation file
(``installations/kurashiki.json``, ``installations/soja.json``).

Everything that names the installation's places, parties and people lives in the file: the demo logins, each
site's yearly volumes and the areas its seekers and employers come from, the business plan's targets, the
monthly counts of the installation's own indicators, the words firms are named after in each area, the trades
each area leans to, the success case's addresses and parties, and the agreement's request log and councils.
The generator (``generator``) holds only how a year of work unfolds, the same for every installation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kakehashi.accounts.installation import InstallationError, read_installation
from kakehashi.accounts.models import Role


class DemoError(ValueError):
    """The demo cannot be generated as asked; the message says why, in Japanese."""


@dataclass(frozen=True)
class Volume:
    """One site's yearly volumes at scale 1, and who its seekers are. ``ages`` narrows the seekers' ages (a desk
    for young people); ``barriers`` replaces the usual list of what stands between a seeker and work."""

    seekers: int
    referrals: int
    placements: int
    developed_postings: int
    developed_openings: int
    regular_postings: int
    center_visits: int
    welfare_share: float
    city_share: float
    individual_development: float
    home_areas: dict[str, float]
    employer_areas: dict[str, float]
    ages: tuple[int, int] | None = None
    barriers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteDemo:
    """A site's demo year: the prior and current year's volumes, the targets of both years, the yearly totals of
    the hand-counted indicators, and the welfare office that refers recipients to it (if any)."""

    code: str
    prior: Volume
    current: Volume
    targets: dict[str, tuple[int, int]] = field(default_factory=dict)
    manual_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    welfare_office: str | None = None


@dataclass(frozen=True)
class DemoUser:
    username: str
    agency: str | None
    site: str | None
    role: str
    name: str


@dataclass(frozen=True)
class StorySpec:
    """Where the success case happens: its site, the welfare office that referred her, her home's and the
    employer's postal codes, the employer's name and reading."""

    site: str
    welfare_office: str
    home: str
    employer: str
    employer_name: tuple[str, str]


@dataclass(frozen=True)
class DemoSpec:
    municipality: str
    users: list[DemoUser]
    sites: dict[str, SiteDemo]
    employers: int
    employer_areas: dict[str, float]
    center_areas: dict[str, float]
    industry_tilt: dict[str, dict[str, float]]
    place_words: dict[str, list[tuple[str, str]]]
    default_area: str
    story: StorySpec | None
    governance: dict[str, Any]

    def places(self, area: str) -> list[tuple[str, str]]:
        """The words a firm of ``area`` is named after (the default area's where the area has none)."""
        return self.place_words.get(area) or self.place_words[self.default_area]


def _weights(value: Any, what: str) -> dict[str, float]:
    if not isinstance(value, dict) or not value or not all(
            isinstance(w, int | float) and not isinstance(w, bool) and w >= 0 for w in value.values()):
        raise DemoError(f"デモの {what} には {{\"地区\": 重み, …}} の形で0以上の数を書いてください。")
    return {str(k): float(w) for k, w in value.items()}


def _volume(given: dict[str, Any], code: str) -> Volume:
    names = {f.name for f in dataclasses.fields(Volume)}
    unknown = set(given) - names
    if unknown:
        raise DemoError(f"デモの拠点「{code}」に知らない項目があります：{'、'.join(sorted(unknown))}")
    values = dict(given)
    for key in ("home_areas", "employer_areas"):
        if key in values:
            values[key] = _weights(values[key], f"{code} の {key}")
    if values.get("ages") is not None:
        lo, hi = values["ages"]
        values["ages"] = (int(lo), int(hi))
    if "barriers" in values:
        values["barriers"] = tuple(str(b) for b in values["barriers"])
    try:
        return Volume(**values)
    except TypeError as e:
        raise DemoError(f"デモの拠点「{code}」の件数が足りません（{e}）") from None


def _pairs(value: Any, what: str) -> dict[str, tuple[int, int]]:
    """``{"placements": [前年度, 今年度]}``."""
    if not isinstance(value, dict) or not all(isinstance(v, list) and len(v) == 2 for v in value.values()):
        raise DemoError(f"デモの {what} には {{\"指標キー\": [前年度, 今年度]}} の形で書いてください。")
    return {str(k): (int(v[0]), int(v[1])) for k, v in value.items()}


def read_spec(path: Path) -> DemoSpec:
    """The demo part of the installation file at ``path``; a file without one, or with a mistake in it, is a
    ``DemoError`` in Japanese."""
    try:
        data = read_installation(path)
    except InstallationError as e:
        raise DemoError(str(e)) from None
    demo = data.get("demo")
    if not isinstance(demo, dict):
        raise DemoError(f"設置ファイル {Path(path).name} にデモの設定（\"demo\"）がありません。")
    try:
        return _spec(data, demo)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, DemoError):
            raise
        raise DemoError(f"設置ファイル {Path(path).name} のデモの設定が正しくありません（{e}）。") from None


def _spec(data: dict[str, Any], demo: dict[str, Any]) -> DemoSpec:
    municipalities = [m["name"] for m in data.get("municipalities", [])]
    municipality = demo.get("municipality") or (municipalities[0] if municipalities else "")
    if not municipality:
        raise DemoError("デモの住所を置く市区町村がありません（municipalities か demo の municipality を書いてください）。")
    sites = {}
    for code, s in demo["sites"].items():
        prior = _volume(s["prior"], code)
        sites[code] = SiteDemo(code=code, prior=prior, current=_volume({**s["prior"], **s.get("current", {})}, code),
                               targets=_pairs(s.get("targets", {}), f"{code} の targets"),
                               manual_counts=_pairs(s.get("manual_counts", {}), f"{code} の manual_counts"),
                               welfare_office=s.get("welfare_office"))
        if prior.welfare_share > 0 and not sites[code].welfare_office:
            raise DemoError(f"デモの拠点「{code}」には生活保護受給者がいますが、紹介元の福祉事務所（welfare_office）がありません。")
    users = [DemoUser(u["username"], u.get("agency"), u.get("site"), u["role"], u["name"]) for u in demo["users"]]
    for u in users:
        if u.role not in Role.values:
            raise DemoError(f"デモのログイン {u.username} の役割「{u.role}」は使えません（{'、'.join(Role.values)}）。")
    story = demo.get("story")
    words = {str(area): [(str(w[0]), str(w[1])) for w in pairs] for area, pairs in demo["place_words"].items()}
    default_area = demo.get("default_area") or next(iter(words))
    if default_area not in words:
        raise DemoError(f"デモの default_area「{default_area}」の地名（place_words）がありません。")
    return DemoSpec(
        municipality=municipality, users=users, sites=sites, employers=int(demo["employers"]),
        employer_areas=_weights(demo["employer_areas"], "employer_areas"),
        center_areas=_weights(demo["center_areas"], "center_areas") if demo.get("center_areas") else {},
        industry_tilt={str(a): _weights(t, f"industry_tilt の {a}") for a, t in demo.get("industry_tilt", {}).items()},
        place_words=words, default_area=default_area,
        story=StorySpec(story["site"], story["welfare_office"], story["home"], story["employer"],
                        (story["employer_name"][0], story["employer_name"][1])) if story else None,
        governance=demo.get("governance", {}),
    )
