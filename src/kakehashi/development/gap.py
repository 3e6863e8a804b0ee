"""The needs gap board: by occupation and area, the active seekers who want it against the open openings that
fit them, and the postings that nobody fits.

For each cell (an occupation — MHLW middle or major group — and the area where the seekers live):

- **希望する求職者** (demand): active seekers living in the area who list the occupation among their wishes;
- **適合求人** (fitting postings and openings): open postings of the occupation that fit at least one of them —
  within *their* commute and conditions (the matching engine's hard conditions), wherever the posting is, so
  each seeker's commute-reachable set decides, not the area the posting lies in;
- **適合求人のない求職者** (no fit): of those seekers, how many have no fitting posting in the occupation;
- **不足数** (unmet demand): seekers less fitting openings, when positive.

Figures are counts over all active seekers of the site, like the progress figures; the seekers behind a figure
are listed only as far as the user may see them (``Seeker.objects.visible_to``).
"""

from __future__ import annotations

import datetime
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from kakehashi.accounts.models import Site
from kakehashi.core.stamps import Stamp, read_stamps
from kakehashi.engine.matching import MatchingError
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation, Town
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Consultation, DesiredOccupation, Experience, Seeker

from . import stored
from .fit import FitIndex, postings_open_on, seekers_active_on
from .models import GapSnapshot, Level

UNKNOWN_AREA = "地区不明"
log = logging.getLogger(__name__)


@dataclass
class Cell:
    """One occupation × area of the board."""

    occupation: str
    name: str
    area: str
    demand: int = 0
    no_fit: int = 0
    postings: int = 0
    openings: int = 0
    seekers: list[int] = field(default_factory=list)  # pks of the seekers wanting it
    without_fit: list[int] = field(default_factory=list)  # pks of those with no fitting posting
    fitting: set[int] = field(default_factory=set)  # pks of the fitting postings

    @property
    def unmet(self) -> int:
        return max(0, self.demand - self.openings)


@dataclass
class TownPoint:
    """A town on the map: where seekers without a fitting posting live."""

    name: str
    area: str
    lat: float
    lng: float
    demand: int = 0
    no_fit: int = 0


@dataclass
class HardToFill:
    """An open posting that no active seeker wanting its occupation fits, and how many want it at all."""

    posting: Posting
    wanting: int


@dataclass
class Board:
    """The needs gap at ``day`` for a site (or all sites) at an occupation ``level``."""

    day: datetime.date
    site: Site | None
    level: str
    cells: list[Cell]
    towns: list[TownPoint]
    hard_to_fill: list[HardToFill]
    seekers: int
    open_postings: int

    @property
    def demand(self) -> int:
        return sum(c.demand for c in self.cells)

    @property
    def unmet(self) -> int:
        return sum(c.unmet for c in self.cells)

    @property
    def without_fit(self) -> int:
        return len({pk for c in self.cells for pk in c.without_fit})

    def cell(self, occupation: str, area: str) -> Cell | None:
        return next((c for c in self.cells if c.occupation == occupation and c.area == area), None)


def _area(seeker: Seeker) -> str:
    return seeker.town.area if seeker.town is not None and seeker.town.area else UNKNOWN_AREA


@dataclass(frozen=True)
class SeekerFit:
    """One active seeker's fitting postings per wished occupation (plain values, so the market can be cached)."""

    pk: int
    site_id: int
    area: str
    town: tuple[int, str, str, float, float] | None  # pk, name, area, lat, lng
    fits: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class Market:
    """Who fits what on ``day``: every active seeker's fits, and the open postings (pk → site, occupation,
    openings)."""

    day: datetime.date
    seekers: tuple[SeekerFit, ...]
    postings: dict[int, tuple[int, str, int]]


CACHE_SECONDS = 600
MARKET = "market"

# What the market is read from: seekers and their wishes and experience, postings, referrals (placements end a
# search and fill a posting), and consultations (when support ended, for a past day). Edited rows stamp their
# last change; rows only added or removed are counted.
MARKET_STAMPS = (
    Stamp(Seeker, ("COUNT", "pk"), ("MAX", "pk"), ("MAX", "updated_at")),
    Stamp(Posting, ("COUNT", "pk"), ("MAX", "pk"), ("MAX", "updated_at")),
    Stamp(Referral, ("COUNT", "pk"), ("MAX", "pk"), ("MAX", "updated_at")),
    Stamp(DesiredOccupation, ("COUNT", "pk"), ("MAX", "pk")),
    Stamp(Experience, ("COUNT", "pk"), ("MAX", "pk")),
    Stamp(Consultation, ("COUNT", "pk"), ("MAX", "pk")),
)


def _fingerprint() -> str:
    """Changes whenever a record the market is read from is added, changed or removed — so a kept market is
    never older than the records it was made from (one statement, ``core.stamps``)."""
    return stored.version_of(MARKET, read_stamps(MARKET_STAMPS))


def _encode(m: Market) -> dict[str, Any]:
    return {"day": m.day.isoformat(),
            "seekers": [[s.pk, s.site_id, s.area, s.town, list(s.fits.items())] for s in m.seekers],
            "postings": [[pk, *row] for pk, row in m.postings.items()]}


def _decode(d: dict[str, Any]) -> Market:
    return Market(
        datetime.date.fromisoformat(d["day"]),
        tuple(SeekerFit(pk, site_id, area, tuple(town) if town is not None else None,
                        {o: tuple(ids) for o, ids in fits}) for pk, site_id, area, town, fits in d["seekers"]),
        {pk: (site_id, occ, n) for pk, site_id, occ, n in d["postings"]},
    )


def _compute_market(day: datetime.date) -> Market:
    index = FitIndex(postings_open_on(day))
    active = seekers_active_on(day)
    index.load_seekers(active)
    rows = []
    for s in active:
        try:
            fits = {o: tuple(int(m.id) for m in ms) for o, ms in index.fits_of(s).items()}
        except MatchingError as e:
            # One record the matcher cannot read (say, a code no longer in the classification) must not take
            # the whole board down; it is left out and logged.
            log.warning("needs gap: seeker %s left out: %s", s.pk, e)
            continue
        town = (s.town.pk, s.town.name, s.town.area, s.town.lat, s.town.lng) if s.town is not None else None
        rows.append(SeekerFit(s.pk, s.site_id, _area(s), town, fits))
    return Market(day, tuple(rows), {p.pk: (p.site_id, p.occupation_id, p.openings)
                                     for p in index.postings.values()})


def market(day: datetime.date, *, refresh: bool = False) -> Market:
    """Match every seeker active on ``day`` against the postings open then. Takes seconds on a city's records,
    so the result is kept while the records stay the same: in this process's cache, and in the database for
    every worker and after a restart (``development.stored``; the scheduled job ``development_refresh`` computes
    the day's in the morning). ``refresh`` recomputes anyway."""
    version = _fingerprint()
    key = f"kakehashi.development.market.{day.isoformat()}.{version}"
    if not refresh:
        found = cache.get(key)
        if isinstance(found, Market):
            return found
    result = stored.get_or_compute(MARKET, day, version, lambda: _compute_market(day), _encode, _decode,
                                   refresh=refresh)
    cache.set(key, result, CACHE_SECONDS)
    return result


def market_is_fresh(day: datetime.date) -> bool:
    """Whether the database holds the market of ``day`` for the records as they are now."""
    return stored.is_fresh(MARKET, day, _fingerprint())


def build_board(*, site: Site | None, day: datetime.date, level: str = Level.MIDDLE,
                found: Market | None = None) -> Board:
    """The board for a site (or all sites, ``site=None``). All sites' seekers are matched, so that hard-to-fill
    postings are judged against everyone; the cells count the site's seekers."""
    m = found if found is not None else market(day)
    major_of = dict(Occupation.objects.values_list("code", "major_code"))
    names = dict(Occupation.objects.values_list("code", "name"))
    major_names = dict(Occupation.objects.values_list("major_code", "major_name"))
    fitted_by_wish: dict[str, set[int]] = defaultdict(set)  # occupation → postings fitting someone who wants it
    wanting: dict[str, int] = defaultdict(int)
    cells: dict[tuple[str, str], Cell] = {}
    towns: dict[int, TownPoint] = {}
    in_site = 0
    for s in m.seekers:
        for occ, ids in s.fits.items():
            wanting[occ] += 1
            fitted_by_wish[occ].update(ids)
        if site is not None and s.site_id != site.pk:
            continue
        in_site += 1
        groups: dict[str, set[int]] = defaultdict(set)
        for occ, ids in s.fits.items():
            key = occ if level == Level.MIDDLE else major_of.get(occ, occ[:2])
            groups[key].update(ids)
        for key, posting_ids in groups.items():
            cell = cells.get((key, s.area))
            if cell is None:
                label = names.get(key, key) if level == Level.MIDDLE else major_names.get(key, key)
                cell = cells[(key, s.area)] = Cell(key, label, s.area)
            cell.demand += 1
            cell.seekers.append(s.pk)
            cell.fitting |= posting_ids
            if not posting_ids:
                cell.no_fit += 1
                cell.without_fit.append(s.pk)
        if s.town is not None and groups:
            pk, name, area, lat, lng = s.town
            point = towns.get(pk)
            if point is None:
                point = towns[pk] = TownPoint(name, area, lat, lng)
            point.demand += 1
            point.no_fit += int(any(not ids for ids in groups.values()))
    for cell in cells.values():
        cell.postings = len(cell.fitting)
        cell.openings = sum(m.postings[pk][2] for pk in cell.fitting)
    hard_ids = [pk for pk, (site_id, occ, _n) in m.postings.items()
                if (site is None or site_id == site.pk) and pk not in fitted_by_wish.get(occ, set())]
    hard = [HardToFill(p, wanting.get(p.occupation_id, 0)) for p in
            Posting.objects.filter(pk__in=hard_ids).select_related("employer", "occupation", "town")]
    hard.sort(key=lambda h: (h.wanting, h.posting.received_on, h.posting.pk))
    ordered = sorted(cells.values(), key=lambda c: (-c.unmet, -c.no_fit, -c.demand, c.occupation, c.area))
    return Board(day, site, level, ordered, sorted(towns.values(), key=lambda t: -t.no_fit), hard, in_site,
                 sum(1 for site_id, _o, _n in m.postings.values() if site is None or site_id == site.pk))


def snapshot_rows(board: Board) -> list[GapSnapshot]:
    return [GapSnapshot(site=board.site, month=board.day, level=board.level, occupation=c.occupation, area=c.area,
                        demand=c.demand, no_fit=c.no_fit, postings=c.postings, openings=c.openings)
            for c in board.cells]


@dataclass
class TrendPoint:
    month: datetime.date
    demand: int
    no_fit: int
    openings: int
    unmet: int


def trend(*, site: Site | None, level: str, occupation: str = "", area: str = "",
          months: int = 12, until: datetime.date | None = None) -> list[TrendPoint]:
    """Month ends with a stored snapshot, oldest first, summed over the cells that match the filters."""
    qs = GapSnapshot.objects.filter(level=level, site=site)
    if until is not None:
        qs = qs.filter(month__lte=until)
    if occupation:
        qs = qs.filter(occupation=occupation)
    if area:
        qs = qs.filter(area=area)
    by_month: dict[datetime.date, TrendPoint] = {}
    for row in qs.order_by("month"):
        point = by_month.setdefault(row.month, TrendPoint(row.month, 0, 0, 0, 0))
        point.demand += row.demand
        point.no_fit += row.no_fit
        point.openings += row.openings
        point.unmet += row.unmet
    return list(by_month.values())[-months:]


def svg_map(points: list[TownPoint], towns: list[Town], *, width: int = 560) -> dict[str, object]:
    """Coordinates for an inline SVG scatter: every town of the scope as a dot, the towns where seekers without
    a fitting posting live as circles whose area is proportional to their number."""
    lats = [t.lat for t in towns] + [p.lat for p in points]
    lngs = [t.lng for t in towns] + [p.lng for p in points]
    if not lats:
        return {"width": width, "height": 0, "dots": [], "circles": [], "labels": []}
    lat0, lat1, lng0, lng1 = min(lats), max(lats), min(lngs), max(lngs)
    kx = math.cos(math.radians((lat0 + lat1) / 2))  # a degree of longitude is shorter than one of latitude
    span_x = max((lng1 - lng0) * kx, 1e-6)
    span_y = max(lat1 - lat0, 1e-6)
    pad = 14
    height = int(round((width - 2 * pad) * span_y / span_x)) + 2 * pad
    height = max(min(height, 720), 120)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(lat: float, lng: float) -> tuple[float, float]:
        return round(pad + (lng - lng0) * kx * scale, 1), round(height - pad - (lat - lat0) * scale, 1)

    biggest = max((p.no_fit for p in points), default=0) or 1
    circles = []
    for p in points:
        if p.no_fit <= 0:
            continue
        x, y = xy(p.lat, p.lng)
        circles.append({"x": x, "y": y, "r": round(3 + 15 * math.sqrt(p.no_fit / biggest), 1),
                        "title": _("%(town)s：適合求人のない求職者 %(n)d人（希望者 %(d)d人）")
                        % {"town": p.name, "n": p.no_fit, "d": p.demand}})
    dots = [{"x": xy(t.lat, t.lng)[0], "y": xy(t.lat, t.lng)[1]} for t in towns]
    by_area: dict[str, list[Town]] = defaultdict(list)
    for t in towns:
        if t.area:
            by_area[t.area].append(t)
    labels = []
    for name, members in sorted(by_area.items()):
        x, y = xy(sum(t.lat for t in members) / len(members), sum(t.lng for t in members) / len(members))
        labels.append({"x": x, "y": y, "name": name})
    return {"width": width, "height": height, "dots": dots, "circles": circles, "labels": labels}
