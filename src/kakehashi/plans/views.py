"""Business plan pages: targets, progress with breakdowns and charts, the council report, and the records behind
each figure.

Figures are shown to every signed-in staff member. The records behind them are listed only as far as the user may
see them (``visible_to``); the rest are counted, never identified.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kakehashi.accounts.models import Site, Staff
from kakehashi.accounts.policy import can, may_filter
from kakehashi.audit import scope
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.dates import fiscal_year_label
from kakehashi.core.http import AuthedRequest
from kakehashi.engine.calendar import fiscal_year_bounds, fiscal_year_of, month_end
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral

from . import actions
from .forms import IndicatorForm, ManualCountForm, TargetsForm
from .models import Indicator, ManualCount, Target
from .periods import PeriodError, as_of_for, parse_fiscal_year, parse_month
from .progress import (
    COUNTED_BY,
    REFERRAL_RULES,
    RULES,
    SiteProgress,
    as_of_label,
    build_progress,
    records_behind,
    site_progress,
)
from .report import XLSX_TYPE, breakdowns, indicator_charts, render_pdf, render_xlsx, report_context

DRILL_PAGE = 200


class _BadChoice(Exception):
    pass


def _site_year(request: HttpRequest, site_code: str | None = None,
               fy_text: str | None = None) -> tuple[Site, int]:
    """The site and fiscal year a page is asked for; by default the user's own site (else the first) and this
    fiscal year."""
    code = nfkc(site_code if site_code is not None else request.GET.get("site", "")).lower()
    if code:
        site = Site.objects.filter(code=code).first()
        if site is None:
            raise _BadChoice(_("拠点「%(code)s」はありません") % {"code": code})
    else:
        site = getattr(request.user, "site", None) or Site.objects.order_by("code").first()
        if site is None:
            raise _BadChoice(_("拠点が登録されていません"))
    fy_value = fy_text if fy_text is not None else request.GET.get("fy", "")
    try:
        fy = parse_fiscal_year(fy_value) if fy_value else fiscal_year_of(timezone.localdate())
    except PeriodError as e:
        raise _BadChoice(str(e)) from None
    return site, fy


def _choice(request: HttpRequest, site_code: str | None = None,
            fy_text: str | None = None) -> tuple[Site, int, datetime.date]:
    """The site, fiscal year and as-of date (default today, or the year's end for a past year)."""
    site, fy = _site_year(request, site_code, fy_text)
    try:
        as_of = as_of_for(fy, request.GET.get("as_of"), timezone.localdate())
    except PeriodError as e:
        raise _BadChoice(str(e)) from None
    return site, fy, as_of


def _chooser_context(site: Site | None, fy: int | None, as_of: datetime.date | None) -> dict[str, Any]:
    today = timezone.localdate()
    current = fiscal_year_of(today)
    years = list(range(current + 1, current - 11, -1))
    if fy is not None and fy not in years:
        years.append(fy)
    return {
        "sites": Site.objects.order_by("code"),
        "years": [(y, fiscal_year_label(y)) for y in years],
        "chosen_site": site,
        "chosen_fy": fy,
        "chosen_fy_label": fiscal_year_label(fy) if fy is not None else "",
        "as_of": as_of,
    }


def _bad(request: HttpRequest, template: str, error: _BadChoice) -> HttpResponse:
    ctx = _chooser_context(None, None, None)
    ctx["error"] = str(error)
    return render(request, template, ctx, status=400)


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """The targets of a site and fiscal year beside the previous year's; managers edit them here."""
    try:
        site, fy = _site_year(request, request.POST.get("site") if request.method == "POST" else None,
                              request.POST.get("fy") if request.method == "POST" else None)
    except _BadChoice as e:
        return _bad(request, "plans/index.html", e)
    user = request.user
    can_edit = can(user, "plan.edit")
    indicators = list(Indicator.objects.all())
    current = {t.indicator_id: t.target for t in Target.objects.filter(site=site, fiscal_year=fy)}
    prior = {t.indicator_id: t.target for t in Target.objects.filter(site=site, fiscal_year=fy - 1)}
    targets_form = TargetsForm(indicators=indicators, initial_targets=current)
    indicator_form = IndicatorForm()
    manual_form = ManualCountForm(fiscal_year=fy)
    here = f"{reverse('plans:index')}?{urlencode({'site': site.code, 'fy': str(fy)})}"

    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        which = request.POST.get("form")
        if which == "targets":
            targets_form = TargetsForm(request.POST, indicators=indicators, initial_targets=current)
            if targets_form.is_valid():
                changes = actions.set_targets(site=site, fiscal_year=fy, targets=targets_form.targets(),
                                              acting_user=user)
                if changes:
                    messages.success(request, _("%(site)s の%(fy)sの目標を保存しました") % {
                        "site": site.name, "fy": fiscal_year_label(fy)})
                else:
                    messages.info(request, _("変更はありませんでした"))
                return redirect(here)
        elif which == "indicator":
            indicator_form = IndicatorForm(request.POST)
            if indicator_form.is_valid():
                d = indicator_form.cleaned_data
                actions.add_indicator(key=d["key"], label=d["label"], unit=d["unit"], section=d["section"],
                                      acting_user=user)
                messages.success(request, _("指標「%(label)s」を追加しました") % {"label": d["label"]})
                return redirect(here)
        elif which == "manual":
            manual_form = ManualCountForm(request.POST, fiscal_year=fy)
            if manual_form.is_valid():
                d = manual_form.cleaned_data
                actions.set_manual_count(site=site, indicator=d["indicator"], month=d["month"], count=d["count"],
                                         acting_user=user)
                messages.success(request, _("実績を保存しました"))
                return redirect(here)
        else:
            return HttpResponse(_("不明な操作です"), status=400)

    manual = ManualCount.objects.filter(site=site, month__range=fiscal_year_bounds(fy)).select_related("indicator")
    ctx = _chooser_context(site, fy, None)
    ctx.update({
        "site": site, "fy": fy, "fy_label": fiscal_year_label(fy), "prior_label": fiscal_year_label(fy - 1),
        "rows": [(ind, current.get(ind.pk), prior.get(ind.pk)) for ind in indicators],
        "can_edit": can_edit, "targets_form": targets_form, "indicator_form": indicator_form,
        "manual_form": manual_form, "has_manual": any(not ind.rule for ind in indicators), "manual": manual,
        "progress_url": f"{reverse('plans:progress')}?{urlencode({'site': site.code, 'fy': str(fy)})}",
    })
    status = 400 if request.method == "POST" else 200
    return render(request, "plans/index.html", ctx, status=status)


def drill_url(sp: SiteProgress, key: str, fy: int | None = None, as_of: datetime.date | None = None,
              **params: Any) -> str:
    query = {"as_of": (as_of or sp.as_of).isoformat(), **{k: str(v) for k, v in params.items() if v is not None}}
    return (reverse("plans:drill", args=[sp.site.code, fy or sp.fiscal_year, key]) + "?" + urlencode(query))


@login_required
def progress(request: AuthedRequest) -> HttpResponse:
    """Actual against target at the as-of date, with the pace needed, the projection, and the breakdowns by
    site, staff member and month."""
    try:
        site, fy, as_of = _choice(request)
    except _BadChoice as e:
        return _bad(request, "plans/progress.html", e)
    sp = site_progress(site, fy, as_of)
    _start, prior_end = fiscal_year_bounds(fy - 1)
    links: dict[str, dict[str, Any]] = {}
    for row in sp.rows:
        if not row.drillable:
            continue
        links[row.key] = {
            "actual": drill_url(sp, row.key),
            "prior": drill_url(sp, row.key, fy=fy - 1, as_of=prior_end),
            "months": [drill_url(sp, row.key, month=m.strftime("%Y-%m")) for m in sp.months_elapsed],
            "staff": {s.staff_id: drill_url(sp, row.key, staff=s.staff_id if s.staff_id is not None else "none")
                      for s in row.by_staff},
        }
    month_rows = []
    for i, m in enumerate(sp.months_elapsed):
        cells = []
        for row in sp.rows:
            if row.counted:
                url = links[row.key]["months"][i] if row.key in links else None
                cells.append((row.monthly[i], row.prior_monthly[i] if row.prior_counted else None, url))
        month_rows.append((m, cells))
    staff_tables = [(row, [(s, links[row.key]["staff"][s.staff_id]) for s in row.by_staff])
                    for row in sp.rows if row.key in REFERRAL_RULES and row.drillable]
    ctx = _chooser_context(site, fy, as_of)
    ctx.update({
        "sp": sp, "links": links, "charts": indicator_charts(sp), "breakdowns": breakdowns(sp),
        "counted_rows": [r for r in sp.rows if r.counted], "month_rows": month_rows, "staff_tables": staff_tables,
        "as_of_text": as_of_label(as_of), "report_url": reverse("plans:report", args=[site.code, fy]) + "?" +
        urlencode({"as_of": as_of.isoformat()}),
        "month_ends": [month_end(m) for m in sp.months if m <= timezone.localdate()],
    })
    return render(request, "plans/progress.html", ctx)


@login_required
def report(request: AuthedRequest, site: str, fy: str) -> HttpResponse:
    """The council report: the seed's table for a site, year and as-of date, with staffing, equipment and charts.
    ``?format=pdf`` or ``xlsx`` downloads it (audited as an export)."""
    try:
        chosen, year, as_of = _choice(request, site, fy)
    except _BadChoice as e:
        return _bad(request, "plans/progress.html", e)
    sp = site_progress(chosen, year, as_of)
    fmt = request.GET.get("format", "html")
    name = f"progress-{chosen.code}-{year}-{as_of.isoformat()}"
    if fmt in ("pdf", "xlsx"):
        with transaction.atomic():
            record(request.user, Action.EXPORT, "plans.Target", [], purpose="運営協議会資料",
                   detail={"site": chosen.code, "fiscal_year": year, "as_of": as_of.isoformat(), "format": fmt})
        if fmt == "pdf":
            response = HttpResponse(render_pdf(sp, request=request), content_type="application/pdf")
        else:
            response = HttpResponse(render_xlsx(sp), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response
    if fmt != "html":
        return HttpResponse(_("形式は html・pdf・xlsx のいずれかです"), status=400)
    ctx = report_context(sp)
    ctx["links"] = {row.key: {"actual": drill_url(sp, row.key),
                              "prior": drill_url(sp, row.key, fy=year - 1, as_of=fiscal_year_bounds(year - 1)[1])}
                    for row in sp.rows if row.drillable}
    ctx.update(_chooser_context(chosen, year, as_of))
    ctx["base_query"] = urlencode({"as_of": as_of.isoformat()})
    return render(request, "plans/report.html", ctx)


@login_required
def drill(request: AuthedRequest, site: str, fy: str, indicator: str) -> HttpResponse:
    """The records behind a figure, as far as the user may see them; the others only counted."""
    try:
        chosen, year, as_of = _choice(request, site, fy)
    except _BadChoice as e:
        return _bad(request, "plans/progress.html", e)
    ind = get_object_or_404(Indicator, key=indicator)
    if ind.rule not in RULES:
        raise Http404
    start, _end = fiscal_year_bounds(year)
    end = as_of
    month = None
    if request.GET.get("month"):
        try:
            month = parse_month(request.GET["month"], year)
        except PeriodError as e:
            return _bad(request, "plans/progress.html", _BadChoice(str(e)))
        start, end = month, min(month_end(month), as_of)
    staff_param = request.GET.get("staff", "")
    staff: int | None | str = ""
    staff_name = ""
    if staff_param == "none":
        staff, staff_name = None, _("担当者の記録なし")
    elif staff_param:
        if not staff_param.isdigit():
            raise Http404
        staff = int(staff_param)
        staff_name = str(Staff.objects.filter(pk=staff).first() or "")
    everything = records_behind(ind.rule, chosen, start, end, staff)
    total = everything.count()
    user = request.user
    personal = ind.rule in REFERRAL_RULES
    visible: QuerySet[Any]
    if personal and not may_filter(user, "seekers.Seeker", "site"):
        # A site's figures count the people registered there; listing them to someone who may not see where a
        # person registered (a welfare desk is a site) would tell them. They get the counts only.
        visible = Referral.objects.none()
    elif personal:
        visible = Referral.objects.visible_to(user).filter(pk__in=everything.values("pk")).select_related(
            "seeker", "posting__employer", "staff").order_by(COUNTED_BY[ind.rule], "referral_id")
    else:
        visible = Posting.objects.visible_to(user).filter(pk__in=everything.values("pk")).select_related(
            "employer", "occupation").order_by(COUNTED_BY[ind.rule], "posting_id")
    shown_total = visible.count()
    page = Paginator(visible, DRILL_PAGE).get_page(request.GET.get("page"))
    records = list(page.object_list)
    scope.add_detail(site=chosen.code, fiscal_year=year, indicator=ind.key, start=start.isoformat(),
                     end=end.isoformat())
    figure = total
    if ind.rule == "developed_openings":
        figure = everything.aggregate(n=Sum("openings"))["n"] or 0
    query = {k: str(v) for k, v in request.GET.items() if k != "page"}
    ctx = {
        "site": chosen, "fy": year, "fy_label": fiscal_year_label(year), "indicator": ind, "as_of": as_of,
        "start": start, "end": end, "month": month, "staff_name": staff_name, "total": total, "figure": figure,
        "hidden": total - shown_total, "page": page, "records": records, "personal": personal,
        "page_query": urlencode(query),
        "progress_url": reverse("plans:progress") + "?" + urlencode(
            {"site": chosen.code, "fy": str(year), "as_of": as_of.isoformat()}),
    }
    return render(request, "plans/drill.html", ctx)


@login_required
def by_site(request: AuthedRequest) -> HttpResponse:
    """Every site's figures for the year at the as-of date: the progress page loads it after the rest, since
    it counts the whole installation."""
    try:
        site, fy, as_of = _choice(request)
    except _BadChoice as e:
        return _bad(request, "plans/progress.html", e)
    everywhere = build_progress(Site.objects.order_by("code"), fy, as_of, by_staff=False)
    return render(request, "plans/_by_site.html", {"everywhere": everywhere, "fy": fy, "as_of": as_of,
                                                    "current": site, "indicators": list(Indicator.objects.all())})


@login_required
def home_card(request: AuthedRequest) -> HttpResponse:
    """The home page's summary for a manager: this year's progress at their site, or at every site for a
    manager of the whole agency; loaded after the page itself."""
    user = request.user
    today = timezone.localdate()
    fy = fiscal_year_of(today)
    sites = [user.site] if user.site else list(Site.objects.order_by("code"))
    progress = build_progress(sites, fy, today, by_staff=False)
    return render(request, "plans/_home_card.html", {
        "progress": progress, "fy_label": fiscal_year_label(fy), "as_of_text": as_of_label(today)})
