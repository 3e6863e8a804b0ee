"""Loading an agreement from a JSON file (see ``installations/kurashiki-agreement.json``): installation data, like
the parties and sites; an installation file names its agreement's file (``"agreement"``). Loading the same file
again updates the agreement of that title in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from kakehashi.accounts.installation import DEFAULT_FILE, InstallationError, read_installation
from kakehashi.accounts.models import Agency, Site
from kakehashi.engine.calendar import DateFormatError, parse_date

from . import actions
from .models import Agreement

KURASHIKI = DEFAULT_FILE.with_name("kurashiki-agreement.json")


class SeedError(ValueError):
    """The file names an agency or site the installation does not have; the message is in Japanese."""


@transaction.atomic
def load_agreement(path: Path = KURASHIKI) -> Agreement:
    """Create or update the agreement the file describes. The parties and sites it names must exist (load the
    installation first)."""
    try:
        data: dict[str, Any] = read_installation(path)
    except InstallationError as e:
        raise SeedError(str(e).replace("設置ファイル", "協定のファイル")) from None
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

    try:
        return _save(data, agency, site)
    except DateFormatError as e:
        raise SeedError(f"協定のファイル {Path(path).name}：{e}") from None
    except (KeyError, TypeError) as e:
        raise SeedError(f"協定のファイル {Path(path).name}：項目 {e} がないか、書き方が正しくありません。") from None


def _save(data: dict[str, Any], agency: Any, site: Any) -> Agreement:
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
