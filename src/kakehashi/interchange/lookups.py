"""The reference data an import checks codes against, loaded once into dicts so no row costs a query."""

from __future__ import annotations

from dataclasses import dataclass, field

from kakehashi.accounts.models import Agency, AgencyKind, Site
from kakehashi.plans.models import Indicator
from kakehashi.reference.models import Industry, Occupation
from kakehashi.reference.places import Place, TownIndex


@dataclass
class Lookups:
    """Codes → primary keys for sites, agencies and indicators; the sets of occupation and industry codes;
    the towns (one ``TownIndex`` per import, and each postal code placed once)."""

    sites: dict[str, int]
    agencies: dict[str, tuple[int, str]]
    welfare_offices: list[int]
    indicators: dict[str, int]
    occupations: set[str]
    industries: set[str]
    towns: TownIndex
    _places: dict[tuple[str, str], Place | None] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Lookups:
        agencies = list(Agency.objects.order_by("pk").values_list("code", "pk", "kind"))
        return cls(
            sites=dict(Site.objects.values_list("code", "pk")),
            agencies={code: (pk, kind) for code, pk, kind in agencies},
            # "The" welfare office when a file does not say which: the first one the installation file lists.
            welfare_offices=[pk for _code, pk, kind in agencies if kind == AgencyKind.WELFARE_OFFICE],
            indicators=dict(Indicator.objects.values_list("key", "pk")),
            occupations=set(Occupation.objects.values_list("code", flat=True)),
            industries=set(Industry.objects.values_list("code", flat=True)),
            towns=TownIndex(),
        )

    def place(self, postal_code: str, town: str = "") -> Place | None:
        """The town and coordinates of a postal code (None when the code does not exist). A city's rows share
        a few hundred postal codes, so each (code, town) pair is looked up once."""
        key = (postal_code, town)
        if key not in self._places:
            self._places[key] = self.towns.locate(postal_code, town)
        return self._places[key]
