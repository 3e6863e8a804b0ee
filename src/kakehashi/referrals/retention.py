"""Retention (定着): how many of the people placed are still employed one and six months after the hire.

The rate is over the hires whose follow-up was recorded: a hire not yet checked is neither kept nor lost, and
the figures show how many are still unchecked beside the rate. Counts, not personal records.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from kakehashi.accounts.models import Site
from kakehashi.engine.calendar import fiscal_year_bounds

from .models import FollowUp, Outcome, Referral, months_after


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


def retention_rate(placements: QuerySet[Referral], months: int, as_of: datetime.date) -> Retention:
    """Retention ``months`` after the hire over ``placements`` (referrals; those not hired are ignored), counting
    the hires whose milestone (``outcome_on`` + ``months``) falls on or before ``as_of``."""
    hired = placements.filter(outcome=Outcome.HIRED, outcome_on__lte=as_of).values_list("pk", "outcome_on")
    due = [pk for pk, hired_on in hired if hired_on is not None and months_after(hired_on, months) <= as_of]
    checks = FollowUp.objects.filter(referral_id__in=due, milestone=months).values_list(
        "still_employed", "same_employer")
    checked = still = same = 0
    for still_employed, same_employer in checks:
        checked += 1
        still += still_employed
        same += bool(still_employed and same_employer)
    return Retention(months=months, due=len(due), checked=checked, still_employed=still, same_employer=same)


def site_retention(site: Site, fiscal_year: int, as_of: datetime.date,
                   milestones: Sequence[int] = (1, 6)) -> dict[int, Retention]:
    """Retention of the placements a site counted in ``fiscal_year`` (seekers registered at the site, hired in
    the year), at each milestone, as of ``as_of``: what a progress page or council report shows."""
    start, end = fiscal_year_bounds(fiscal_year)
    placements = Referral.objects.filter(seeker__site=site, outcome_on__range=(start, end))
    return {m: retention_rate(placements, m, as_of) for m in milestones}
