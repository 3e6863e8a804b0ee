"""An installation's parties, desks and places, loaded from a JSON file (see ``installations/kurashiki.json``).

Sites, agencies, staffing and equipment are data each city sets; so are the municipalities it serves, the areas
(地区) it groups their towns into and whether it runs the welfare desk. Loading the same file again updates in
place and adds nothing twice; each load writes one audit row. The file's ``retention`` sets how long personal
data is kept (``InstallationSettings``, docs/retention.md).

The parts of the file that belong to other apps (the installation's own indicators, its agreement, its demo
year) are read by those apps; ``kakehashi installation FILE`` loads the whole file (``home.installation``).
"""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.engine.calendar import DateFormatError, parse_date
from kakehashi.reference.areas import areas_of, group_towns
from kakehashi.reference.models import Town
from kakehashi.reference.places import locate

from .models import (
    DEFAULT_RETENTION_YEARS,
    Agency,
    AgencyKind,
    InstallationSettings,
    Site,
    SiteResource,
    Staff,
)

# The installation `make demo` loads and the demo generator uses when none is named.
DEFAULT_FILE = Path(settings.PROJECT_DIR) / "installations" / "kurashiki.json"


class InstallationError(ValueError):
    """A value in the installation file that cannot be used; the message is Japanese."""


def read_installation(path: Path) -> dict[str, Any]:
    """The file's contents; an unreadable file or one that is not a JSON object is an ``InstallationError``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstallationError(f"設置ファイル {path} が見つかりません。") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InstallationError(f"設置ファイル {path} を読めません（UTF-8 の JSON で書いてください）：{e}") from None
    if not isinstance(data, dict):
        raise InstallationError(f"設置ファイル {path} は JSON のオブジェクト（{{…}}）で書いてください。")
    return data


@transaction.atomic
def load_installation(path: Path, *, acting_user: Staff | None = None) -> dict[str, int]:
    """Create or update the file's agencies, sites (with their staffing and equipment), municipalities and areas,
    and settings; returns how many agencies and sites it holds."""
    data = read_installation(path)
    try:
        agencies = _load_agencies(data.get("agencies", []))
        sites = _load_sites(data.get("sites", []), agencies)
        municipalities = _load_municipalities(data.get("municipalities", []))
    except (KeyError, TypeError, AttributeError) as e:
        raise InstallationError(f"設置ファイル {Path(path).name} の書き方が正しくありません（{e}）。"
                                "installations/kurashiki.json を手本にしてください。") from None
    welfare_desk = data.get("welfare_desk", any(a.kind == AgencyKind.WELFARE_OFFICE for a in agencies.values()))
    if not isinstance(welfare_desk, bool):
        raise InstallationError("welfare_desk には true か false を書いてください。")
    years = _retention_years(data.get("retention"))
    InstallationSettings.objects.update_or_create(pk=1, defaults={
        "retention_years": years, "municipalities": municipalities, "welfare_desk": welfare_desk})
    record(acting_user, Action.UPDATE, InstallationSettings, [1], purpose=N_("設置ファイルの読み込み"),
           detail={"file": Path(path).name, "agencies": sorted(agencies), "sites": sites,
                   "municipalities": municipalities, "welfare_desk": welfare_desk, "retention_years": years})
    return {"agencies": len(agencies), "sites": len(sites)}


def _load_agencies(given: list[dict[str, Any]]) -> dict[str, Agency]:
    agencies = {}
    for a in given:
        if a["kind"] not in AgencyKind.values:
            raise InstallationError(f"機関「{a['name']}」の種別「{a['kind']}」は使えません"
                                    f"（{'、'.join(AgencyKind.values)} のいずれか）。")
        agency, _ = Agency.objects.update_or_create(code=a["code"], defaults={
            "name": a["name"], "name_en": a.get("name_en", ""), "kind": a["kind"]})
        agencies[agency.code] = agency
    return agencies


def _load_sites(given: list[dict[str, Any]], agencies: dict[str, Agency]) -> list[str]:
    codes = []
    for s in given:
        place = locate(s["postal_code"]) if s.get("postal_code") else None
        try:
            opened_on = parse_date(s["opened_on"]) if s.get("opened_on") else None
        except DateFormatError as e:
            raise InstallationError(f"拠点「{s['name']}」の開設日：{e}") from None
        site, _ = Site.objects.update_or_create(code=s["code"], defaults={
            "name": s["name"], "name_en": s.get("name_en", ""), "address": s.get("address", ""),
            "programme": s.get("programme", ""), "programme_en": s.get("programme_en", ""),
            "opened_on": opened_on, "lat": place.lat if place else None, "lng": place.lng if place else None,
        })
        site.resources.all().delete()
        SiteResource.objects.bulk_create([
            SiteResource(site=site, category=r["category"], agency=agencies.get(r.get("agency", "")),
                         label=r["label"], label_en=r.get("label_en", ""), count=r["count"],
                         unit=r.get("unit", "名"), unit_en=r.get("unit_en", ""))
            for r in s.get("resources", [])
        ])
        codes.append(site.code)
    return codes


def _load_municipalities(given: list[dict[str, Any]]) -> list[str]:
    """``"municipalities": [{"name": "倉敷市", "areas": {"玉島": ["玉島", "船穂町"], …}, "rest": "倉敷"}]``: the
    municipalities served, the installation's own first. Each area lists the leading parts of its towns' names;
    the towns no area claims fall in ``rest`` (the municipality's name when not given)."""
    names = []
    for m in given:
        name = m["name"]
        if not Town.objects.filter(municipality=name).exists():
            raise InstallationError(f"市区町村「{name}」の町名データがありません（岡山県内の市区町村名を、"
                                    "郡名を除いて書いてください。例：総社市、早島町）。")
        areas = m.get("areas", {})
        if not isinstance(areas, dict) or not all(isinstance(p, list) for p in areas.values()):
            raise InstallationError(f"「{name}」の areas には {{\"地区名\": [\"町名の先頭\", …]}} の形で書いてください。")
        group_towns(name, areas, m.get("rest", ""))
        names.append(name)
    return names


# The longest period the file may set: beyond it the data would in effect never be anonymised.
MAX_RETENTION_YEARS = 100


def _retention_years(given: Any) -> int:
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
    return int(years)


def municipalities() -> list[str]:
    """The municipalities the installation serves, its own first ([] before a file is loaded)."""
    return [str(m) for m in InstallationSettings.current().municipalities]


def areas() -> list[str]:
    """The areas of the installation's towns, as lists and boards offer them to choose from."""
    return areas_of(municipalities())
