"""Loading an agreement from a JSON file (see ``data/kurashiki_agreement.json``): installation data, like the
parties and sites. Loading the same file again updates the agreement of that title in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from kakehashi.accounts.models import Agency, Site
from kakehashi.engine.calendar import parse_date

from . import actions
from .models import Agreement

KURASHIKI = Path(__file__).resolve().parent / "data" / "kurashiki_agreement.json"


class SeedError(ValueError):
    """The file names an agency or site the installation does not have; the message is in Japanese."""


@transaction.atomic
def load_agreement(path: Path = KURASHIKI) -> Agreement:
    """Create or update the agreement the file describes. The parties and sites it names must exist (load the
    installation first)."""
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    agencies = {a.code: a for a in Agency.objects.all()}
    sites = {s.code: s for s in Site.objects.all()}

    def agency(code: str) -> Agency:
        if code not in agencies:
            raise SeedError(f"機関コード「{code}」が登録されていません。先に設置自治体のファイルを読み込んでください。")
        return agencies[code]

    def site(code: str) -> Site:
        if code not in sites:
            raise SeedError(f"拠点コード「{code}」が登録されていません。先に設置自治体のファイルを読み込んでください。")
        return sites[code]

    existing = Agreement.objects.filter(title=data["title"]).first()
    return actions.do_save_agreement(
        existing, acting_user=None, title=data["title"],
        signed_on=parse_date(data["signed_on"]), effective_on=parse_date(data["effective_on"]),
        ends_on=parse_date(data["ends_on"]) if data.get("ends_on") else None,
        parties=[agency(c) for c in data["parties"]], sites=[site(c) for c in data.get("sites", [])],
        plan_fiscal_year=data.get("plan_fiscal_year"), notes=data.get("notes", ""),
        signatories=[{"agency": agency(s["agency"]), "title": s["title"], "name": s.get("name", "")}
                     for s in data.get("signatories", [])],
        clauses=[{"number": int(c["number"]), "heading": c.get("heading", ""), "text": c["text"]}
                 for c in data.get("clauses", [])],
    )
