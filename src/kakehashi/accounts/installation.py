"""An installation's parties and desks, loaded from a JSON file (see ``installations/kurashiki.json``).

Sites, agencies, staffing and equipment are data each city sets; loading the same file again updates in
place and adds nothing twice.
"""

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from kakehashi.engine.calendar import parse_date
from kakehashi.reference.places import locate

from .models import Agency, Site, SiteResource


@transaction.atomic
def load_installation(path: Path) -> dict[str, int]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    agencies = {}
    for a in data.get("agencies", []):
        agency, _ = Agency.objects.update_or_create(code=a["code"], defaults={"name": a["name"], "kind": a["kind"]})
        agencies[agency.code] = agency
    sites = 0
    for s in data.get("sites", []):
        place = locate(s["postal_code"]) if s.get("postal_code") else None
        site, _ = Site.objects.update_or_create(code=s["code"], defaults={
            "name": s["name"], "address": s.get("address", ""), "programme": s.get("programme", ""),
            "opened_on": parse_date(s["opened_on"]) if s.get("opened_on") else None,
            "lat": place.lat if place else None, "lng": place.lng if place else None,
        })
        site.resources.all().delete()
        SiteResource.objects.bulk_create([
            SiteResource(site=site, category=r["category"], agency=agencies.get(r.get("agency", "")),
                         label=r["label"], count=r["count"], unit=r.get("unit", "名"))
            for r in s.get("resources", [])
        ])
        sites += 1
    return {"agencies": len(agencies), "sites": sites}
