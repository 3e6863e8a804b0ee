"""An installation's parties and desks, loaded from a JSON file (see ``installations/kurashiki.json``).

Sites, agencies, staffing and equipment are data each city sets; loading the same file again updates in
place and adds nothing twice. The file's ``retention`` sets how long personal data is kept
(``InstallationSettings``, docs/retention.md).
"""

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from kakehashi.engine.calendar import parse_date
from kakehashi.reference.places import locate

from .models import DEFAULT_RETENTION_YEARS, Agency, InstallationSettings, Site, SiteResource


class InstallationError(ValueError):
    """A value in the installation file that cannot be used; the message is Japanese."""


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
    _load_retention(data.get("retention"))
    return {"agencies": len(agencies), "sites": sites}


# The longest period the file may set: beyond it the data would in effect never be anonymised.
MAX_RETENTION_YEARS = 100


def _load_retention(given: Any) -> None:
    """``"retention": {"years_after_last_activity": N}``: N whole years, 1 to 100. A file without the key sets
    the default (``DEFAULT_RETENTION_YEARS``), so the database always says what the file says."""
    years: Any = DEFAULT_RETENTION_YEARS
    if given is not None:
        if not isinstance(given, dict) or "years_after_last_activity" not in given:
            raise InstallationError('retention には {"years_after_last_activity": 年数} の形で保存期間を書いてください。')
        years = given["years_after_last_activity"]
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_RETENTION_YEARS:
        raise InstallationError(f"保存期間（retention の years_after_last_activity）は 1〜{MAX_RETENTION_YEARS} の"
                                f"整数の年数で書いてください（書かれていた値：{json.dumps(years, ensure_ascii=False)}）。")
    InstallationSettings.objects.update_or_create(pk=1, defaults={"retention_years": years})
