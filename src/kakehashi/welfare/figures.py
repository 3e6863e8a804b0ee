"""The programme's own figures (生活保護受給者等就労自立促進事業の実績), by fiscal year: support requests received,
accepted, and cases ended in employment or with the benefit reduced or ended. Counts, not personal records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from kakehashi.core.dates import fiscal_year_label
from kakehashi.engine.calendar import fiscal_year_bounds

from .models import BenefitChange, CaseOutcome, SupportRequest


@dataclass(frozen=True)
class ProgrammeFigures:
    """One fiscal year: each count by the date of its own step (a request filed in March and accepted in April
    counts as a request in one year and as accepted in the next)."""

    fiscal_year: int
    requests: int
    accepted: int
    employed: int
    benefit_reduced: int
    benefit_ended: int

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)


def programme_figures(fiscal_years: Iterable[int], site_ids: Iterable[int] | None = None) -> list[ProgrammeFigures]:
    """The figures of each of ``fiscal_years`` (at the desks ``site_ids``, all when None): one query per year."""
    cases = SupportRequest.objects.all()
    if site_ids is not None:
        cases = cases.filter(site_id__in=list(site_ids))
    out = []
    for fy in fiscal_years:
        span = fiscal_year_bounds(fy)
        closed = Q(closed_on__range=span)
        counts = cases.aggregate(
            requests=Count("pk", filter=Q(requested_on__range=span)),
            accepted=Count("pk", filter=Q(accepted_on__range=span)),
            employed=Count("pk", filter=closed & Q(outcome=CaseOutcome.EMPLOYED)),
            benefit_reduced=Count("pk", filter=closed & Q(benefit_change=BenefitChange.REDUCED)),
            benefit_ended=Count("pk", filter=closed & Q(benefit_change=BenefitChange.ENDED)),
        )
        out.append(ProgrammeFigures(fiscal_year=fy, **counts))
    return out
