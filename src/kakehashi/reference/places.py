"""Find a town and its coordinates from a postal code and, when given, a town name: the one geocoding of
Kakehashi. A form's record (``set_place``) and an imported row (``TownIndex.locate``, then ``Place.fields``)
are placed by the same rule and get the same fields.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from .loaders import normalise_postal_code, postal_place
from .models import Town

# What a record without a known place gets: no town and no coordinates (matching then ignores distance).
NO_PLACE: dict[str, Any] = {"town_id": None, "lat": None, "lng": None}


@dataclass(frozen=True)
class Place:
    postal_code: str
    town: Town | None
    lat: float | None
    lng: float | None

    def fields(self) -> dict[str, Any]:
        """The fields a placed record takes (seekers, employers, postings all have them): the town and the
        town's coordinates."""
        return {"town_id": self.town.pk if self.town else None, "lat": self.lat, "lng": self.lng}


class Placed(Protocol):
    """A record with a postal code that is placed from it."""

    postal_code: str
    town_id: Any
    lat: float | None
    lng: float | None


class TownIndex:
    """Towns in memory, so a bulk import can place 100,000 addresses without a query each."""

    def __init__(self, towns: Iterable[Town] | None = None) -> None:
        self.by_key: dict[tuple[str, str], Town] = {}
        self.by_muni: dict[str, list[Town]] = {}
        for t in Town.objects.all() if towns is None else towns:
            self.by_key[(t.municipality, t.name)] = t
            self.by_muni.setdefault(t.municipality, []).append(t)
        for towns in self.by_muni.values():
            towns.sort(key=lambda t: -len(t.name))  # longest name first: 玉島阿賀崎 before 玉島

    def locate(self, postal_code: str, town_name: str = "") -> Place | None:
        """None when the postal code does not exist. The town name, when given, wins over the postal area."""
        code = normalise_postal_code(postal_code)
        place = postal_place(code)
        if place is None:
            return None
        _pref, muni, neighbourhood = place
        town = None
        for name in (town_name, neighbourhood):
            if not name:
                continue
            town = self.by_key.get((muni, name))
            # Postal areas are coarser or finer than the town list: a finer town (玉島柏台 → 玉島柏台一丁目)
            # is nearer than a coarser one (玉島柏台 → 玉島), and the longest coarser one is the nearest of those.
            if town is None:
                town = next((t for t in self.by_muni.get(muni, [])[::-1] if t.name.startswith(name)), None)
            if town is None:
                town = next((t for t in self.by_muni.get(muni, []) if name.startswith(t.name)), None)
            if town is not None:
                break
        return Place(code, town, town.lat if town else None, town.lng if town else None)


def locate(postal_code: str, town_name: str = "") -> Place | None:
    """One address (a form, a single record): reads only the towns of the postal code's municipality."""
    place = postal_place(postal_code)
    if place is None:
        return None
    return TownIndex(Town.objects.filter(municipality=place[1])).locate(postal_code, town_name)


def set_place(record: Placed, town_name: str = "") -> Place | None:
    """Set ``record``'s town and coordinates from its postal code (and ``town_name``, when given); a postal code
    that does not exist leaves it without a place (``NO_PLACE``). Returns the place found, if any. Nothing is
    saved."""
    place = locate(record.postal_code, town_name)
    for name, value in (place.fields() if place is not None else NO_PLACE).items():
        setattr(record, name, value)
    return place
