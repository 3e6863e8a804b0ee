"""Changes to the business plan: each one function, atomic, with its audit row in the same transaction."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kakehashi.accounts.models import Site, Staff
from kakehashi.accounts.policy import can
from kakehashi.audit.log import record
from kakehashi.audit.models import Action

from .models import Indicator, ManualCount, Section, Target


def _check(user: Staff) -> None:
    if not can(user, "plan.edit"):
        raise PermissionDenied("事業目標を変更できるのは管理者とシステム管理者だけです")


@transaction.atomic
def set_targets(*, site: Site, fiscal_year: int, targets: dict[Indicator, int | None], acting_user: Staff) -> dict[
        str, list[int | None]]:
    """Set the year's targets at ``site``: a number sets it, None removes it. Returns what changed, as
    ``{indicator key: [before, after]}``, which the audit row also holds; nothing changed writes no row."""
    _check(acting_user)
    current = {t.indicator_id: t for t in Target.objects.select_for_update().filter(site=site, fiscal_year=fiscal_year)}
    changes: dict[str, list[int | None]] = {}
    touched = []
    for indicator, value in targets.items():
        existing = current.get(indicator.pk)
        before = existing.target if existing else None
        if before == value:
            continue
        if existing is not None and value is None:
            touched.append(existing.pk)
            existing.delete()
        elif existing is not None and value is not None:
            existing.target = value
            existing.save(update_fields=["target"])
            touched.append(existing.pk)
        elif value is not None:
            touched.append(Target.objects.create(site=site, fiscal_year=fiscal_year, indicator=indicator,
                                                 target=value).pk)
        changes[indicator.key] = [before, value]
    if changes:
        record(acting_user, Action.UPDATE, Target, touched, purpose="事業目標の設定",
               detail={"site": site.code, "fiscal_year": fiscal_year, "changes": changes})
    return changes


@transaction.atomic
def add_indicator(*, key: str, label: str, unit: str, section: str = Section.OTHER,
                  acting_user: Staff) -> Indicator:
    """An indicator of the installation's own, counted by hand until a counting rule exists for it."""
    _check(acting_user)
    order = (Indicator.objects.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    indicator = Indicator.objects.create(key=key, label=label, unit=unit, section=section, order=order)
    record(acting_user, Action.CREATE, Indicator, indicator, purpose="指標の追加",
           detail={"key": key, "label": label, "unit": unit})
    return indicator


@transaction.atomic
def set_manual_count(*, site: Site, indicator: Indicator, month: datetime.date, count: int | None,
                     acting_user: Staff) -> None:
    """The month's count of a hand-counted indicator; None removes it."""
    _check(acting_user)
    if indicator.rule:
        raise ValueError(f"「{indicator.label}」は記録から集計する指標のため、手入力できません")
    month = month.replace(day=1)
    existing = ManualCount.objects.select_for_update().filter(site=site, indicator=indicator, month=month).first()
    before = existing.count if existing else None
    if before == count:
        return
    if existing is not None and count is None:
        pk = existing.pk
        existing.delete()
    elif existing is not None and count is not None:
        existing.count = count
        existing.save(update_fields=["count"])
        pk = existing.pk
    elif count is not None:
        pk = ManualCount.objects.create(site=site, indicator=indicator, month=month, count=count).pk
    record(acting_user, Action.UPDATE, ManualCount, [pk], purpose="手入力の実績",
           detail={"site": site.code, "indicator": indicator.key, "month": month.isoformat(),
                   "changes": [before, count]})
