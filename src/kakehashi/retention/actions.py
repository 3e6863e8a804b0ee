"""Anonymising the seekers past the retention period: each field as ``accounts.policy.RETENTION`` declares.

``apply_retention`` finds who is due (``due``) and anonymises them a batch at a time, each batch one
transaction with its audit row: a seeker's records are changed all together or not at all, and a seeker once
marked (``Seeker.anonymised_on``) is never due again, so a run cut off half-way is finished by the next one and a
second run changes nothing. ``dry_run`` changes nothing and reports the same figures. ``kakehashi retention
apply`` and the daily scheduled job call it.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import ExpressionWrapper, F, Field, IntegerField, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts import policy
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.reference.models import Town
from kakehashi.seekers.models import Seeker

from .due import Period, chunks, describe, due_seekers

PURPOSE = N_("保存期間経過による匿名化")
PURPOSE_DRY_RUN = N_("保存期間経過による匿名化の確認")

# Seekers per transaction: short enough not to hold up other writers (each batch's audit row takes the audit
# chain's lock until the batch commits), long enough that a city's first run is a few dozen transactions.
BATCH = 200

# How to reach the seeker from each model with fields to change (the other models in RETENTION keep all).
PATH_TO_SEEKER: dict[str, str] = {
    "seekers.Seeker": "pk",
    "seekers.Consultation": "seeker",
    "referrals.Referral": "seeker",
    "referrals.ReferralEvent": "referral__seeker",
    "referrals.FollowUp": "referral__seeker",
    "welfare.SupportRequest": "seeker",
    "welfare.SupportPlan": "request__seeker",
    "welfare.SupportVisit": "request__seeker",
    "employers.EmployerVisit": "for_seeker",
    "terminal.TerminalPin": "seeker",
}


# The coarser value of each ``coarsen`` field, as an expression over the record, so that a batch is one UPDATE.
COARSENED: dict[tuple[str, str], Any] = {
    # 1968 → 1960 (1960年代生まれ): integer division on both databases, the column being an integer
    ("seekers.Seeker", "birth_year"): ExpressionWrapper(F("birth_year") / 10 * 10, output_field=IntegerField()),
    # the town's coordinates; none without a town
    ("seekers.Seeker", "lat"): Subquery(Town.objects.filter(pk=OuterRef("town_id")).values("lat")[:1]),
    ("seekers.Seeker", "lng"): Subquery(Town.objects.filter(pk=OuterRef("town_id")).values("lng")[:1]),
}


def erased_value(f: Field[Any, Any]) -> Any:
    """What an erased field holds: NULL where allowed, else the field's empty default ([] for a list), else ""."""
    if f.null:
        return None
    if f.has_default():
        return f.get_default()
    return ""


def _treated(label: str, treatment: str) -> list[str]:
    return [name for name, how in policy.RETENTION[label].items() if how == treatment]


def _rows(label: str, seeker_ids: Sequence[int]) -> QuerySet[Any]:
    model = apps.get_model(label)
    rows: QuerySet[Any] = model._default_manager.filter(**{f"{PATH_TO_SEEKER[label]}__in": list(seeker_ids)})
    return rows


def count_records(seeker_ids: Sequence[int]) -> Counter[str]:
    """The records with fields to erase or coarsen that belong to ``seeker_ids``, by model label."""
    counts: Counter[str] = Counter()
    for part in chunks(seeker_ids):
        for label in PATH_TO_SEEKER:
            counts[label] += _rows(label, part).count()
    return +counts


def _anonymise(seeker_ids: Sequence[int], today: datetime.date) -> Counter[str]:
    """Erase and coarsen every field RETENTION says of the seekers' records and mark the seekers, one UPDATE per
    model, within the caller's transaction. Returns the records changed by model label."""
    changed: Counter[str] = Counter()
    for label in PATH_TO_SEEKER:
        model = apps.get_model(label)
        values = {name: erased_value(model._meta.get_field(name)) for name in _treated(label, policy.ERASE)}
        values.update({name: COARSENED[(label, name)] for name in _treated(label, policy.COARSEN)})
        if label == "seekers.Seeker":
            values["anonymised_on"] = today
        changed[label] += _rows(label, seeker_ids).update(**values)
    return +changed


@dataclass
class RetentionRun:
    """What one application of the rule found and did (or, ``dry_run``, would do)."""

    period: Period
    dry_run: bool
    # (pk, 求職者ID, last activity) of each seeker due, filled in for a dry run and when asked (``listed``)
    seekers: list[tuple[int, str, datetime.date]] = field(default_factory=list)
    due: int = 0
    anonymised: int = 0
    records: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, Any]:
        """For the scheduled job's record: numbers and dates only."""
        return {"as_of": self.period.as_of.isoformat(), "years": self.period.years,
                "cutoff": self.period.cutoff.isoformat(), "due": self.due, "anonymised": self.anonymised,
                "records": dict(sorted(self.records.items())), "dry_run": self.dry_run}


def do_anonymise_seekers(seeker_ids: Sequence[int], *, period: Period,
                         acting_user: Any) -> tuple[list[int], Counter[str]]:
    """Anonymise those of ``seeker_ids`` still due under ``period``, in one transaction with one audit row naming
    each of them. They are checked again, their rows locked, inside the transaction: a person whose support was
    reopened since they were found is left as they are. Returns the seekers anonymised and the records changed."""
    with transaction.atomic():
        ids = list(due_seekers(period.cutoff).filter(pk__in=list(seeker_ids)).order_by("pk")
                   .select_for_update(of=("self",)).values_list("pk", flat=True))
        if not ids:
            return [], Counter()
        changed = _anonymise(ids, timezone.localdate())
        record(acting_user, Action.UPDATE, Seeker, ids, purpose=PURPOSE,
               detail={"as_of": period.as_of.isoformat(), "retention_years": period.years,
                       "last_activity_by": period.cutoff.isoformat(), "records": dict(sorted(changed.items()))})
    return ids, changed


def apply_retention(*, as_of: datetime.date | None = None, dry_run: bool = False, listed: bool = False,
                    acting_user: Any = None, batch: int = BATCH) -> RetentionRun:
    """Apply the installation's retention period on ``as_of`` (today by default): anonymise every seeker due, or,
    with ``dry_run``, change nothing and say who would be and how many records. A dry run lists the seekers
    (``seekers``) and records that read in the audit log; ``listed`` lists them for a real run too."""
    period = Period.on(as_of or timezone.localdate())
    ids = list(due_seekers(period.cutoff).order_by("pk").values_list("pk", flat=True))
    run = RetentionRun(period=period, dry_run=dry_run, due=len(ids))
    if dry_run or listed:
        run.seekers = describe(ids)
    if dry_run:
        run.records = count_records(ids)
        if ids:
            with transaction.atomic():
                record(acting_user, Action.VIEW, Seeker, ids, purpose=PURPOSE_DRY_RUN,
                       detail={"as_of": period.as_of.isoformat(), "retention_years": period.years,
                               "last_activity_by": period.cutoff.isoformat()})
        return run
    for part in chunks(ids, batch):
        done, changed = do_anonymise_seekers(part, period=period, acting_user=acting_user)
        run.anonymised += len(done)
        run.records.update(changed)
    return run
