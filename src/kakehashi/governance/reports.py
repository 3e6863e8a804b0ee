"""What the governance pages and the council's agenda pack show: answer times per party, the requests waiting
on an agency, and the agenda pack itself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from kakehashi.accounts.models import Agency, Site
from kakehashi.core.dates import fiscal_year_label, month_end_label
from kakehashi.engine.calendar import fiscal_year_of
from kakehashi.plans.progress import STATUS_BADGES, STATUS_LABELS, Row, build_progress

from .models import Agreement, CouncilMeeting, Decision, FollowUp, Request, RequestQuerySet
from .stats import AnswerTimes, RequestDates, answer_times


def answer_times_by_party(requests: RequestQuerySet, parties: list[Agency],
                          as_of: datetime.date) -> list[tuple[Agency, AnswerTimes]]:
    """Each party's record as the answering side, over ``requests``, as of the end of ``as_of``."""
    dates: dict[int, list[RequestDates]] = {p.pk: [] for p in parties}
    rows = requests.values_list("to_agency_id", "requested_on", "due_on", "answered_on", "closed_on")
    for to_id, requested_on, due_on, answered_on, closed_on in rows:
        if to_id in dates:
            dates[to_id].append(RequestDates(requested_on, due_on, answered_on, closed_on))
    return [(p, answer_times(dates[p.pk], as_of)) for p in parties]


@dataclass
class Waiting:
    """The requests an agency still owes an answer to, for its manager's home page."""

    agency: Agency
    today: datetime.date
    requests: list[Request]
    overdue: int

    @property
    def count(self) -> int:
        return len(self.requests)


def waiting_on(agency: Agency, today: datetime.date, visible: RequestQuerySet) -> Waiting:
    """Open requests addressed to ``agency``, the overdue first (oldest due date first)."""
    rows = list(visible.addressed_to(agency.pk).open()
                .select_related("from_agency", "to_agency").order_by("due_on", "requested_on", "id"))
    return Waiting(agency=agency, today=today, requests=rows, overdue=sum(r.is_overdue(today) for r in rows))


def figures_as_of(held_on: datetime.date) -> datetime.date:
    """The month end before the meeting: the last complete month a council meeting can be shown."""
    return held_on.replace(day=1) - datetime.timedelta(days=1)


@dataclass
class FigureRow:
    """One indicator's line in the agenda pack."""

    label: str
    unit: str
    target: int | None
    actual: int | None
    share: float | None
    prior_target: int | None
    prior_actual: int | None
    status: str
    status_label: str
    badge: str
    at_risk: bool


@dataclass
class SiteFigures:
    site: Site
    rows: list[FigureRow]


@dataclass
class AgendaPack:
    """Everything the council's agenda pack shows, computed for one meeting."""

    meeting: CouncilMeeting
    as_of: datetime.date
    fiscal_year: int
    sites: list[SiteFigures]
    open_requests: list[Request]
    answer_times: list[tuple[Agency, AnswerTimes]]
    carried: list[FollowUp]
    previous: CouncilMeeting | None
    previous_decisions: list[Decision] = field(default_factory=list)

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def as_of_label(self) -> str:
        return month_end_label(self.as_of)

    def overdue(self, req: Request) -> bool:
        return req.due_on < self.meeting.held_on

    @property
    def overdue_count(self) -> int:
        return sum(self.overdue(r) for r in self.open_requests)


def site_figures(sites: list[Site], fiscal_year: int, as_of: datetime.date) -> list[SiteFigures]:
    """Each site's progress for the agenda pack, from the business plan's progress figures
    (``plans.progress.build_progress``): target, actual, share, status, last year's target and actual."""
    return [SiteFigures(site=p.site, rows=[_figure_row(r) for r in p.rows])
            for p in build_progress(sites, fiscal_year, as_of, by_staff=False)]


def _figure_row(row: Row) -> FigureRow:
    status = row.progress.status if row.counted else ""
    return FigureRow(
        label=row.indicator.shown_label, unit=row.indicator.shown_unit, target=row.target,
        actual=row.actual, share=row.progress.share if row.counted else None,
        prior_target=row.prior_target, prior_actual=row.prior_actual,
        status=status, status_label=str(STATUS_LABELS.get(status, "—")), badge=STATUS_BADGES.get(status, ""),
        at_risk=row.counted and row.progress.at_risk,
    )


def agenda_pack(meeting: CouncilMeeting) -> AgendaPack:
    """The agenda pack of ``meeting``: each site's progress as of the month end before it, the requests still
    open on the meeting day with the parties' answer times, the earlier meetings' follow-up actions not yet
    done, and the previous meeting's decisions."""
    agreement: Agreement = meeting.agreement
    as_of = figures_as_of(meeting.held_on)
    fiscal_year = fiscal_year_of(as_of)
    sites = site_figures(list(agreement.sites.order_by("code")), fiscal_year, as_of)
    requests = Request.objects.filter(agreement=agreement)
    open_requests = list(requests.open_as_of(meeting.held_on).select_related("from_agency", "to_agency")
                         .order_by("to_agency__kind", "due_on", "id"))
    parties = list(agreement.parties.all())
    previous = meeting.previous_meeting()
    return AgendaPack(
        meeting=meeting, as_of=as_of, fiscal_year=fiscal_year, sites=sites, open_requests=open_requests,
        answer_times=answer_times_by_party(requests, parties, meeting.held_on),
        carried=list(meeting.carried_follow_ups()), previous=previous,
        previous_decisions=list(previous.decisions.all()) if previous else [],
    )
