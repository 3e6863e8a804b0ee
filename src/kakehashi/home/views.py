"""The pages above every part of the domain: the home page, which is each user's own queue of work, gathered from
referrals, retention checks, welfare cases, seekers, employer visits and the agreement's requests, and the about
page with the credits.

They live in their own app so that ``core``, the shared base every app builds on, imports no part of the domain.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kakehashi.accounts.models import AgencyKind, InstallationSettings, Role, Site, Staff
from kakehashi.accounts.policy import can, may_filter, may_open
from kakehashi.core.dates import fiscal_year_label
from kakehashi.employers.models import EmployerVisit, VisitParty
from kakehashi.engine.calendar import fiscal_year_bounds, fiscal_year_of
from kakehashi.governance.models import Request as PartyRequest
from kakehashi.governance.reports import waiting_on
from kakehashi.reference.models import CREDITS
from kakehashi.referrals.models import FollowUp, Milestone, Referral, ReferralSettings
from kakehashi.referrals.reminders import any_follow_up_due, follow_up_due
from kakehashi.seekers.models import Seeker
from kakehashi.welfare.models import RequestStatus, SupportRequest

# Rows each section shows; its total and a link to the whole list, filtered the same way, stand beside them.
PREVIEW = 10


@dataclass(frozen=True)
class Item:
    """One row of a section: the record's page, what it is, and the day it is due (``due_on``) when it has one."""

    url: str
    label: str
    detail: str
    on: datetime.date | None
    due_on: datetime.date | None = None
    today: datetime.date | None = None

    @property
    def overdue_days(self) -> int:
        """Days past ``due_on``; 0 when not due yet, due today or without a due day."""
        if self.due_on is None or self.today is None:
            return 0
        return max(0, (self.today - self.due_on).days)


@dataclass
class Section:
    """A part of the queue: its ``total`` (every record, not only the rows shown), how many of them are overdue,
    the first ``PREVIEW`` rows in order of what is due, and ``see_all``, the full list filtered the same way."""

    key: str
    title: str
    total: int
    rows: list[Item]
    see_all: str
    date_label: str
    empty: str
    overdue: int = 0
    due_label: str = ""
    actions: list[tuple[str, str]] = field(default_factory=list)
    # the seekers section: every active seeker the user may see, for the page's card (None elsewhere)
    everyone: int | None = None


@dataclass(frozen=True)
class Scope:
    """Whose work a home page gathers: the user's site(s) and whether only the user's own records (``mine``)."""

    user: Staff
    site: Site | None  # None: every site
    mine: bool
    today: datetime.date

    @property
    def site_ids(self) -> list[int] | None:
        return None if self.site is None else [self.site.pk]

    @property
    def site_code(self) -> str:
        """The site's code for a list's ``site`` filter; '' when the scope covers every site."""
        return "" if self.site is None else self.site.code


def _url(name: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse(name) + (f"?{query}" if query else "")


def _first(qs: QuerySet[Any], order: tuple[Any, ...], late: Q | None = None) -> tuple[list[Any], int, int]:
    """The first ``PREVIEW`` records of ``qs`` in ``order``, with how many records ``qs`` holds and how many of
    them match ``late``, in one query: the counts are windows over every row, taken before the limit."""
    overdue: Any = Value(0)
    if late is not None:
        overdue = Window(Sum(Case(When(late, then=Value(1)), default=Value(0), output_field=IntegerField())))
    rows = list(qs.annotate(queue_total=Window(Count("pk")), queue_late=overdue).order_by(*order)[:PREVIEW])
    return (rows, rows[0].queue_total, rows[0].queue_late) if rows else ([], 0, 0)


def _scope(user: Staff, today: datetime.date) -> Scope:
    """Staff work at their site (``Staff.site``) on their own caseload; a manager sees their agency's work at
    their site, or at every site when they have none (a manager of the whole office); a caseworker belongs to a
    welfare office, not to a desk, and the office's referrals already bound what they see."""
    return Scope(user=user, site=user.site, mine=not user.is_manager, today=today)


def _referrals_waiting(scope: Scope) -> Section:
    """Referrals the employer has not answered, the longest waiting first. Each site sets how many days an answer
    may take (``ReferralSettings.reminder_days``): past that the referral is overdue, and the counselor chases it."""
    user, today = scope.user, scope.today
    default = ReferralSettings().reminder_days
    # Each site's limit (``ReferralSettings``, where the site set one) in one query.
    limits = {pk: days or default for pk, days in Site.objects.annotate(
        days=F("referral_settings__reminder_days")).values_list("pk", "days")}
    qs = Referral.objects.visible_to(user).awaiting_answer().at_sites(scope.site_ids)
    if scope.mine:
        qs = qs.filter(staff=user)
    site_ids = scope.site_ids if scope.site_ids is not None else list(limits)
    late = Q(pk__in=[])
    for site_id in site_ids:
        since = today - datetime.timedelta(days=limits.get(site_id, default) + 1)
        late |= Q(seeker__site_id=site_id) & (Q(interview_on__isnull=True, referred_on__lte=since)
                                              | Q(interview_on__lte=since))
    found, total, overdue = _first(qs.select_related("seeker", "posting__employer"),
                                   (Coalesce("interview_on", "referred_on"), "pk"), late)
    rows = [Item(url=reverse("referrals:detail", args=[r.pk]), label=str(r.seeker),
                 detail=str(r.posting.employer), on=r.waiting_since,
                 due_on=r.waiting_since + datetime.timedelta(days=limits.get(r.seeker.site_id, default)), today=today)
            for r in found]
    actions = [(reverse("referrals:create"), _("紹介を記録"))] if may_open(user, "referrals:create") else []
    return Section(
        key="reminders-unanswered", title=_("結果待ちの紹介"), total=total,
        overdue=overdue, rows=rows, date_label=_("紹介日・面接日"), due_label=_("催促の目安"),
        see_all=_url("referrals:list", outcome="pending", mine="1" if scope.mine else "", site=scope.site_code),
        empty=_("回答待ちの紹介はありません。"), actions=actions)


def _follow_ups(scope: Scope) -> Section:
    """Retention checks (定着状況の確認) one and six months after a hire, not yet recorded, the longest overdue
    first: the same checks the reminders keep (``referrals.reminders.follow_up_due``)."""
    user, today = scope.user, scope.today
    qs = Referral.objects.visible_to(user).at_sites(scope.site_ids)
    if scope.mine:
        qs = qs.filter(staff=user)
    milestones = [int(m) for m in Milestone.values]
    which = Case(*(When(follow_up_due(today, m), then=Value(m)) for m in milestones), output_field=IntegerField())
    late = Q()
    for m in milestones:
        late |= follow_up_due(today, m, overdue_only=True)
    # One query: every check due is counted (windows over all rows), and the first rows of each milestone are
    # loaded; within a milestone the earliest hire is the earliest due, so those rows, merged, are the first.
    # The plain condition first, so that PostgreSQL narrows to these hires by index before it computes the CASE.
    found: list[Any] = list(qs.filter(any_follow_up_due(today)).annotate(milestone=which)
                 .filter(milestone__isnull=False)
                 .annotate(queue_total=Window(Count("pk")),
                           queue_late=Window(Sum(Case(When(late, then=Value(1)), default=Value(0),
                                                      output_field=IntegerField()))),
                           rank=Window(RowNumber(), partition_by=[F("milestone")], order_by=[F("outcome_on"), F("pk")]))
                 .filter(rank__lte=PREVIEW).select_related("seeker", "posting__employer").order_by("outcome_on", "pk"))
    total, overdue = (found[0].queue_total, found[0].queue_late) if found else (0, 0)
    due = sorted(((FollowUp.due_on(r.outcome_on, r.milestone), r.milestone, r) for r in found if r.outcome_on),
                 key=lambda d: (d[0], d[2].pk))
    rows = [Item(url=reverse("referrals:detail", args=[r.pk]), label=str(r.seeker),
                 detail=f"{Milestone(m).label}・{r.posting.employer}", on=r.outcome_on, due_on=day, today=today)
            for day, m, r in due[:PREVIEW]]
    return Section(
        key="reminders-follow-ups", title=_("定着状況の確認（就職後1か月・6か月）"),
        total=total, overdue=overdue, rows=rows, date_label=_("就職日"), due_label=_("確認予定日"),
        see_all=_url("referrals:list", follow_up="due", mine="1" if scope.mine else "", site=scope.site_code),
        empty=_("確認の必要な就職者はいません。"))


def _support_cases(scope: Scope) -> Section:
    """Welfare cases. The desk (Hello Work's counselors and navigators, the city's counselor) accepts the
    requests filed for its site, the oldest first; a caseworker follows the open cases they filed, those still
    waiting for the desk first; a manager sees the open cases of their agency at their site(s)."""
    user = scope.user
    qs = SupportRequest.objects.visible_to(user)
    accepting = scope.mine and can(user, "support_request.accept")
    own_cases = scope.mine and user.role == Role.CASEWORKER
    if accepting:
        qs = qs.filter(status=RequestStatus.REQUESTED)
        status, title, empty = "requested", _("受付待ちの支援要請"), _("受付待ちの支援要請はありません。")
    else:
        qs = qs.open()
        status, title, empty = "open", _("支援中・受付待ちのケース"), _("進行中のケースはありません。")
    if own_cases:
        qs = qs.filter(caseworker=user)
    if scope.site_ids is not None:
        qs = qs.filter(site_id__in=scope.site_ids)
    # An installation that runs no welfare desk (``InstallationSettings.welfare_desk``) shows none of its cases;
    # asked inside this query, as the menu already reads the setting for the page (the template hides the part).
    qs = qs.filter(~Exists(InstallationSettings.objects.filter(pk=1, welfare_desk=False)))
    waiting_first = Case(When(status=RequestStatus.REQUESTED, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    found, total, _late = _first(qs.select_related("seeker", "site"), (waiting_first, "requested_on", "pk"))
    rows = [Item(url=reverse("welfare:detail", args=[c.pk]), label=str(c.seeker),
                 detail=f"{c.get_status_display()}・{c.site}", on=c.requested_on) for c in found]
    return Section(
        key="queue-cases", title=title, total=total, rows=rows, date_label=_("要請日"),
        see_all=_url("welfare:list", status=status, mine="1" if own_cases else "", site=scope.site_code),
        empty=empty)


def _seekers(scope: Scope) -> Section:
    """The people in support: at the user's site for the desk, those their office referred for a caseworker;
    the newest first (a new registration is the first thing to follow up)."""
    user = scope.user
    qs = Seeker.objects.visible_to(user).active()
    site = scope.site_code if may_filter(user, "seekers.Seeker", "site") else ""
    if site:
        # The card beside the queue counts every active seeker the user may see: asked in the same query.
        count = (Seeker.objects.restrict(user).active().order_by().annotate(one=Value(1)).values("one")
                 .annotate(n=Count("pk")).values("n"))
        qs = qs.filter(site__code=site).annotate(queue_everyone=Subquery(count))
    found, total, _late = _first(qs, ("-registered_on", "seeker_id"))
    everyone = found[0].queue_everyone if site and found else None if site else total
    rows = [Item(url=reverse("seekers:detail", args=[s.pk]), label=str(s), detail=s.get_status_display(),
                 on=s.registered_on) for s in found]
    actions = [(reverse("seekers:create"), _("新規登録"))] if may_open(user, "seekers:create") else []
    return Section(
        key="queue-seekers", title=_("支援中の求職者（担当拠点）") if site else _("担当の求職者"),
        total=total, rows=rows, date_label=_("登録日"),
        see_all=_url("seekers:list", status="active", site=site), empty=_("担当の求職者はいません。"),
        actions=actions, everyone=everyone)


def _visits(scope: Scope) -> Section:
    """Employer visits and job-development contacts of this fiscal year, the latest first: the user's own, or,
    for the Center's manager, every visit the Center made."""
    user, today = scope.user, scope.today
    fy = fiscal_year_of(today)
    start, end = fiscal_year_bounds(fy)
    qs = EmployerVisit.objects.visible_to(user).filter(visited_on__gte=start, visited_on__lte=end)
    by = ""
    if scope.mine:
        qs = qs.filter(staff=user)
    else:
        by = VisitParty.of(user.agency_kind, VisitParty.CENTER).value
        qs = qs.filter(by=by)
    found, total, _late = _first(qs.select_related("employer"), ("-visited_on", "-pk"))
    rows = [Item(url=reverse("employers:detail", args=[v.employer_id]), label=str(v.employer),
                 detail=v.get_method_display(), on=v.visited_on) for v in found]
    actions = [(reverse("development:plan"), _("今日の訪問計画"))]
    if can(user, "visit.record"):
        actions.append((reverse("employers:list"), _("事業所を探して訪問を記録")))
    return Section(
        key="queue-visits", title=_("今年度の事業所訪問・求人開拓（%(fy)s）") % {"fy": fiscal_year_label(fy)},
        total=total, rows=rows, date_label=_("訪問日"),
        see_all=_url("development:contacts", mine="1" if scope.mine else "", by=by), empty=_("訪問記録はまだありません。"),
        actions=actions)


def queue_for(user: Staff, today: datetime.date) -> list[Section]:
    """The sections of ``user``'s home page, by role. What a role's caseload is:

    - Hello Work's job counselor and navigator: the referrals they made (``Referral.staff``) for seekers of their
      site that wait on the employer, and the retention checks of the hires among them; the welfare requests
      filed for their site that wait for the desk to accept them; the active seekers of their site. The navigator
      also has their own employer visits and job-development contacts of the fiscal year.
    - the city's housing and life counselor: the welfare requests for their site waiting for the desk, and the
      active seekers of their site.
    - the welfare caseworker: the open cases they filed (``SupportRequest.caseworker``), and the active seekers
      their office referred.
    - the Center's district promoter: their own employer visits of the fiscal year (the Center works with
      employers; it sees seekers only where they consented, and never welfare cases).
    - a manager: their agency's work at their site (every site without one) — for Hello Work the referrals
      waiting and the retention checks of every counselor, for a party that may know welfare status the open
      cases, for the Center every visit the Center made — besides the requests addressed to their agency.
    - the administrator looks after the installation and has no caseload.

    Each section counts every record in its scope with one query and loads only the rows it shows, so the page
    costs the same few queries whatever the size of the site."""
    if not user.agency_id:
        return []  # the administrator
    scope = _scope(user, today)
    role, kind = user.role, user.agency_kind
    welfare_desk = can(user, "welfare.read")
    sections: list[Section] = []
    if can(user, "referral.edit") or (user.is_manager and kind == AgencyKind.HELLO_WORK):
        sections += [_referrals_waiting(scope), _follow_ups(scope)]
    if welfare_desk and (can(user, "support_request.accept") or role == Role.CASEWORKER or user.is_manager):
        sections.append(_support_cases(scope))
    if role in (Role.JOB_COUNSELOR, Role.NAVIGATOR, Role.LIFE_COUNSELOR, Role.CASEWORKER):
        sections.append(_seekers(scope))
    if role in (Role.NAVIGATOR, Role.DISTRICT_PROMOTER) or (user.is_manager and kind == AgencyKind.CENTER):
        sections.append(_visits(scope))
    return sections


def home(request: HttpRequest) -> HttpResponseBase:
    """The signed-in user's own queue (``queue_for``); the login form for someone not signed in."""
    if not request.user.is_authenticated:
        return auth_views.LoginView.as_view()(request)
    user: Any = request.user
    today = timezone.localdate()
    sections = queue_for(user, today)
    ctx: dict[str, object] = {
        "today": today, "fy_label": fiscal_year_label(fiscal_year_of(today)),
        "referral_sections": [s for s in sections if s.key.startswith("reminders-")],
        "sections": [s for s in sections if not s.key.startswith("reminders-")],
    }
    counted = [s.everyone for s in sections if s.everyone is not None]
    ctx["seeker_count"] = counted[0] if counted else Seeker.objects.visible_to(user).active().count()
    if user.is_manager and user.agency is not None:
        # The agreement's requests this manager's agency owes an answer to, the overdue first.
        waiting = waiting_on(user.agency, today, PartyRequest.objects.visible_to(user))
        ctx["requests_waiting"] = waiting
        ctx["requests_shown"] = waiting.requests[:PREVIEW]
    return render(request, "home/home.html", ctx)


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "home/about.html", {"credits": CREDITS, "year": timezone.localdate().year})
