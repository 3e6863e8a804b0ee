"""Retention (定着): how many of the people placed are still employed one and six months after the hire.

The rate is over the hires whose follow-up was recorded: a hire not yet checked is neither kept nor lost, and
the figures show how many are still unchecked beside the rate. Counts, not personal records; the database
counts them (no row is read into Python), so a report over a large site costs a few queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from kakehashi.accounts.models import Site
from kakehashi.engine.calendar import fiscal_year_bounds, month_end

from .models import FollowUp, Referral, ReferralQuerySet, months_after


@dataclass(frozen=True)
class Retention:
    """Retention at one milestone (1 or 6 months) over a set of placements, as of a day."""

    months: int
    due: int  # placements whose milestone has come by the as-of day
    checked: int  # of those, the ones with a follow-up recorded
    still_employed: int
    same_employer: int

    @property
    def unchecked(self) -> int:
        return self.due - self.checked

    @property
    def rate(self) -> float | None:
        """Still employed / checked; None while nothing has been checked."""
        return self.still_employed / self.checked if self.checked else None

    @property
    def same_employer_rate(self) -> float | None:
        return self.same_employer / self.checked if self.checked else None

    def as_json(self) -> dict[str, Any]:
        return {"due": self.due, "checked": self.checked, "unchecked": self.unchecked,
                "still_employed": self.still_employed, "same_employer": self.same_employer,
                "rate": None if self.rate is None else round(self.rate, 4),
                "same_employer_rate": None if self.same_employer_rate is None else round(self.same_employer_rate, 4)}


def last_hire_due(as_of: datetime.date, months: int) -> datetime.date:
    """The latest hire date whose milestone (``months_after(hired_on, months)``) falls on or before ``as_of``.

    ``months_after`` never decreases, so the hires due are exactly those on or before this day: the same day
    ``months`` earlier, except that at a month's end the whole month ``months`` earlier is due (1/29–1/31 + 1
    month is 2/28)."""
    if as_of == month_end(as_of):
        return month_end(months_after(as_of.replace(day=1), -months))
    return months_after(as_of, -months)


def retention_rate(placements: ReferralQuerySet, months: int, as_of: datetime.date) -> Retention:
    """Retention ``months`` after the hire over ``placements`` (referrals; those not hired are ignored), counting
    the hires whose milestone (``outcome_on`` + ``months``) falls on or before ``as_of``. Two queries."""
    due = placements.placements_between(None, last_hire_due(as_of, months))
    checks = FollowUp.objects.filter(referral__in=due.values("pk"), milestone=months).aggregate(
        checked=Count("pk"),
        still=Count("pk", filter=Q(still_employed=True)),
        same=Count("pk", filter=Q(still_employed=True, same_employer=True)),
    )
    return Retention(months=months, due=due.count(), checked=checks["checked"], still_employed=checks["still"],
                     same_employer=checks["same"])


def site_retention(site: Site, fiscal_year: int, as_of: datetime.date,
                   milestones: Sequence[int] = (1, 6)) -> dict[int, Retention]:
    """Retention of the placements a site counted in ``fiscal_year`` (seekers registered at the site, hired in
    the year), at each milestone, as of ``as_of``: what the progress page, the council report and
    ``kakehashi report progress`` show."""
    start, end = fiscal_year_bounds(fiscal_year)
    placements = Referral.objects.placements_between(start, end, site_ids=[site.pk])
    return {m: retention_rate(placements, m, as_of) for m in milestones}
