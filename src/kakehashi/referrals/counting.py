"""Placements by contributing party: a joint placement appears under each party that worked on it, and once in
the total. Counts, not personal records."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from kakehashi.accounts.models import Agency

from .models import Contribution, Referral


@dataclass(frozen=True)
class PartyCount:
    agency: Agency
    placements: int


@dataclass(frozen=True)
class PlacementsByParty:
    """``total`` counts each hire once; ``by_party`` counts it under every contributing party, so the rows may
    add up to more than the total. ``unattributed`` are hires with no party recorded (e.g. imported ones)."""

    total: int
    by_party: list[PartyCount]
    unattributed: int

    def count_for(self, agency_code: str) -> int:
        return next((p.placements for p in self.by_party if p.agency.code == agency_code), 0)

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "unattributed": self.unattributed,
                "by_party": [{"agency": p.agency.code, "name": p.agency.shown_name, "placements": p.placements}
                             for p in self.by_party]}


def placements_by_party(start: datetime.date, end: datetime.date,
                        site_ids: Sequence[int] | None = None) -> PlacementsByParty:
    """Placements between ``start`` and ``end`` inclusive of the seekers of ``site_ids`` (all sites when None) —
    ``Referral.objects.placements_between``, the 就職件数 of the progress figures — by contributing party."""
    hires = Referral.objects.placements_between(start, end, site_ids=site_ids)
    total = hires.count()
    rows = (Contribution.objects.filter(referral__in=hires).values("agency_id")
            .annotate(n=Count("referral_id", distinct=True)).order_by())
    counts = {r["agency_id"]: r["n"] for r in rows}
    agencies = Agency.objects.in_bulk(list(counts))
    by_party = sorted((PartyCount(agencies[pk], n) for pk, n in counts.items()),
                      key=lambda p: (-p.placements, p.agency.kind, p.agency.code))
    unattributed = hires.exclude(pk__in=Contribution.objects.values("referral_id")).count()
    return PlacementsByParty(total=total, by_party=by_party, unattributed=unattributed)
