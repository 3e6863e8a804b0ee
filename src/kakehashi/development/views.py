"""Job development pages: the needs gap board and the postings nobody fits, employers to approach, individual
job development with its anonymised profile, the record of contacts, the day's visit plan and the developed
postings by source.

Figures (the board, the sources) count all records, as the progress figures do; a seeker is named only where
the user may see them (``visible_to``) and every such list is audited.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts import installation
from kakehashi.accounts.models import Site, Staff
from kakehashi.accounts.policy import can, may_filter
from kakehashi.audit import scope
from kakehashi.core import tables
from kakehashi.core.access import get_visible
from kakehashi.core.dates import fiscal_year_label
from kakehashi.core.errors import ActionError
from kakehashi.core.exports import exported
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page
from kakehashi.core.reading import said
from kakehashi.employers.models import Employer, EmployerVisit, VisitParty
from kakehashi.engine import targeting as tg
from kakehashi.engine.calendar import (
    DateFormatError,
    fiscal_year_bounds,
    fiscal_year_of,
    parse_date,
)
from kakehashi.engine.geo import haversine_km
from kakehashi.engine.text import nfkc
from kakehashi.plans.periods import PeriodError, parse_fiscal_year
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation, Town
from kakehashi.seekers.models import Consent, ConsentPurpose, Seeker

from . import actions
from .attribution import (
    attribute,
    attribute_developed,
    developed_by_source,
    developed_postings,
    figures_by_source,
)
from .forms import ContactForm, LinkPostingForm, areas
from .gap import UNKNOWN_AREA, build_board, market, svg_map, trend
from .models import ContactOutcome, Level, Source
from .targets import targets_for, targets_for_seeker

PLAN_DEFAULT_STOPS = 8


def _site(request: AuthedRequest) -> Site | None:
    """The site asked for (``?site=code``; empty: all sites); by default the user's own."""
    if "site" not in request.GET:
        return request.user.site
    code = nfkc(request.GET.get("site", "")).lower()
    return Site.objects.filter(code=code).first() if code else None


def _day(request: AuthedRequest, name: str = "as_of") -> datetime.date:
    text = request.GET.get(name, "").strip()
    today = timezone.localdate()
    if not text:
        return today
    try:
        return min(parse_date(text), today)
    except DateFormatError as e:
        messages.error(request, said(e))
        return today


def _common(request: AuthedRequest, site: Site | None) -> dict[str, object]:
    return {"sites": Site.objects.all(), "site": site, "site_code": site.code if site else "",
            "areas": [a for a, _label in areas() if a] + [UNKNOWN_AREA]}


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """The needs gap by occupation × area, its map and its trend by month."""
    site = _site(request)
    level = request.GET.get("level", Level.MIDDLE)
    level = level if level in Level.values else Level.MIDDLE
    area = request.GET.get("area", "")
    occupation = nfkc(request.GET.get("occupation", ""))
    today = timezone.localdate()
    b = build_board(site=site, day=today, level=level, found=market(today))
    cells = [c for c in b.cells if (not area or c.area == area) and (not occupation or c.occupation == occupation)]
    towns = list(Town.objects.filter(municipality__in=installation.municipalities()).only("lat", "lng", "area"))
    points = [t for t in b.towns if not area or t.area == area]
    choices = (Occupation.objects.values_list("code", "name") if level == Level.MIDDLE else
               Occupation.objects.values_list("major_code", "major_name").distinct().order_by("major_code"))
    return render(request, "development/board.html", {
        **_common(request, site), "board": b, "cells": cells[:80], "more": max(0, len(cells) - 80),
        "level": level, "area": area, "occupation": occupation, "occupation_choices": choices,
        "map": svg_map(points, towns), "trend": trend(site=site, level=level, occupation=occupation, area=area),
        "unmet_total": sum(c.unmet for c in cells), "demand_total": sum(c.demand for c in cells),
        "no_fit_total": sum(c.no_fit for c in cells),
    })


@login_required
def hard_to_fill(request: AuthedRequest) -> HttpResponse:
    """Open postings that no active seeker wanting the occupation fits."""
    site = _site(request)
    today = timezone.localdate()
    b = build_board(site=site, day=today, found=market(today))
    return render(request, "development/hard_to_fill.html", {**_common(request, site), "board": b,
                                                             "rows": b.hard_to_fill})


@login_required
def targets(request: AuthedRequest) -> HttpResponse:
    """Employers to approach for an occupation and area, or for the unmet demand as a whole."""
    user = request.user
    site = _site(request)
    occupation = nfkc(request.GET.get("occupation", ""))
    area = request.GET.get("area", "")
    as_of = _day(request)
    try:
        top = max(1, min(int(nfkc(request.GET.get("top", "20")) or 20), 100))
    except ValueError:
        top = 20
    if occupation and not (Occupation.objects.filter(Q(code=occupation) | Q(major_code=occupation)).exists()):
        messages.error(request, _("職業コード「%(code)s」は厚生労働省編職業分類にありません。") % {"code": occupation})
        occupation = ""
    result = targets_for(site=site, occupation=occupation, area=area, as_of=as_of, top=top)
    # The people behind the need are a site's seekers: someone who may not see where a person registered (a
    # welfare desk is a site) gets the counts only.
    visible = (list(Seeker.objects.visible_to(user).filter(pk__in=result.need).select_related("town")
                    .order_by("registered_on")[:50]) if may_filter(user, "seekers.Seeker", "site") else [])
    return render(request, "development/targets.html", {
        **_common(request, site), "result": result, "occupation": occupation, "area": area, "as_of": as_of,
        "top": top, "visible_need": visible, "hidden_need": len(result.need) - len(visible),
        "occupation_choices": Occupation.objects.values_list("code", "name"), "can_record": can(user, "visit.record"),
    })


@login_required
def for_seeker(request: AuthedRequest, pk: int) -> HttpResponse:
    """Individual job development for one seeker: what fits now, and employers nearby to ask."""
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user).select_related("town", "site"),
                         purpose=N_("個別求人開拓"), pk=pk)
    result = targets_for_seeker(seeker, as_of=timezone.localdate())
    return render(request, "development/for_seeker.html", {
        "seeker": seeker, "result": result, "has_consent": _profile_consent(user, seeker),
        "can_record": can(user, "visit.record"),
    })


def _profile_consent(user: Staff, seeker: Seeker) -> bool:
    """The seeker's standing consent that the user's party shows an anonymised profile to employers."""
    consents = Consent.objects.standing().filter(seeker=seeker, purpose=ConsentPurpose.DEVELOPMENT_PROFILE)
    if not user.is_administrator:
        consents = consents.filter(party=user.agency_kind)
    return consents.exists()


def _age_band(seeker: Seeker, day: datetime.date) -> str:
    age = seeker.age_on(day)
    return _("%(d)d代") % {"d": age // 10 * 10} if age is not None and age >= 10 else _("非公表")


@login_required
def profile(request: AuthedRequest, pk: int) -> HttpResponse:
    """The one-page anonymised profile a navigator takes on a visit: no name, no contact details, no exact age
    or address, no welfare status, no notes — and only with the seeker's consent for this purpose."""
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user).select_related("town"), purpose=N_("匿名プロフィール"), pk=pk)
    if not _profile_consent(user, seeker):
        scope.denied(Seeker._meta.label, seeker.pk, purpose=N_("匿名プロフィール（同意なし）"))
        return render(request, "development/profile_no_consent.html", {"seeker": seeker}, status=403)
    today = timezone.localdate()
    return render(request, "development/profile.html", {
        "seeker": seeker, "today": today, "age_band": _age_band(seeker, today),
        "area": seeker.town.area if seeker.town and seeker.town.area else "",
        "desired": seeker.desired_occupations.select_related("occupation").order_by("rank"),
        "experiences": seeker.experiences.select_related("occupation"),
        "points": request.GET.get("points", "")[:600],
    })


@login_required
def contacts(request: AuthedRequest) -> HttpResponse:
    """The record of visits and calls to employers, with the postings they produced and their source."""
    user = request.user
    qs = (EmployerVisit.objects.visible_to(user)
          .select_related("employer", "staff", "resulting_posting", "development", "development__occupation")
          .prefetch_related("hiring_need_occupations"))
    fy_text = request.GET.get("fy", "")
    try:
        fy = parse_fiscal_year(fy_text) if fy_text else fiscal_year_of(timezone.localdate())
    except PeriodError as e:
        messages.error(request, str(e))
        fy = fiscal_year_of(timezone.localdate())
    start, end = fiscal_year_bounds(fy)
    qs = qs.filter(visited_on__gte=start, visited_on__lte=end)
    if request.GET.get("by") in VisitParty.values:
        qs = qs.filter(by=request.GET["by"])
    if request.GET.get("mine") == "1":
        qs = qs.filter(staff=user)
    kind = request.GET.get("kind", "")
    if kind == "posting":
        qs = qs.filter(resulting_posting__isnull=False)
    elif kind == "individual":
        qs = qs.filter(for_seeker__isnull=False)
    elif kind == "need":
        qs = qs.filter(hiring_need_occupations__isnull=False).distinct()
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(employer__in=Employer.objects.search(q))  # as the employer list finds them
    qs = qs.order_by("-visited_on", "-pk")
    if (download := exported(request, tables.VISITS, qs)) is not None:
        return download
    page = paginate(request, qs)
    postings = [v.resulting_posting for v in page if v.resulting_posting is not None and v.resulting_posting.developed]
    sources = attribute([(p.pk, p.employer_id, p.occupation_id, p.received_on) for p in postings])
    labels = dict(Source.choices)
    rows = [{"visit": v, "source": labels.get(sources[v.resulting_posting_id].source)
             if v.resulting_posting_id in sources else ""} for v in page]
    return render(request, "development/contacts.html", {
        "page": page, "rows": rows, "query": query_without_page(request), "fy": fy, "fy_label": fiscal_year_label(fy),
        "parties": VisitParty.choices, "q": q, "kind": kind, "can_link": can(user, "posting.edit"),
    })


@login_required
def contact_create(request: AuthedRequest, employer_pk: int) -> HttpResponse:
    """Record a development contact with an employer (prefilled from the page it was opened from)."""
    user = request.user
    employer = get_visible(Employer.objects.visible_to(user), pk=employer_pk)
    may_link = can(user, "posting.edit")
    initial = {"visited_on": timezone.localdate(), "occupation": request.GET.get("occupation") or None,
               "area": request.GET.get("area", ""), "seeker_id": request.GET.get("seeker_id", ""),
               "outcome": ContactOutcome.NEED_HEARD}
    form = ContactForm(request.POST or None, employer=employer, user=user, may_link=may_link, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_contact(acting_user=user, employer=employer, data=form.contact_input(),
                                      posting=form.cleaned_data.get("posting"))
        except ActionError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("求人開拓の記録を保存しました。"))
            return redirect("employers:detail", employer.pk)
    return render(request, "development/contact_form.html", {"form": form, "employer": employer})


@login_required
def link_posting(request: AuthedRequest, visit_pk: int) -> HttpResponse:
    """Record the posting a contact produced (Hello Work receives postings, so its staff record this)."""
    user = request.user
    visit = get_visible(EmployerVisit.objects.visible_to(user).select_related("employer"), pk=visit_pk)
    form = LinkPostingForm(request.POST or None, visit=visit, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_link_posting(acting_user=user, visit=visit, posting=form.cleaned_data["posting"])
        except ActionError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("開拓した求人を記録しました。"))
            return redirect("employers:detail", visit.employer_id)
    return render(request, "development/link_form.html", {"form": form, "visit": visit})


@login_required
def plan(request: AuthedRequest) -> HttpResponse:
    """The day's visit plan: the employers chosen (by default the leading targets for the site's unmet demand)
    in a short driving order from the office."""
    user = request.user
    site = _site(request) or user.site or Site.objects.order_by("code").first()
    day = _day(request, "day")
    chosen = [int(x) for x in request.GET.getlist("e") if x.isdigit()]
    reasons: dict[int, list[str]] = {}
    if chosen:
        employers = list(Employer.objects.visible_to(user).filter(pk__in=chosen).select_related("town", "industry"))
    else:
        result = targets_for(site=site, occupation="", area="", as_of=timezone.localdate(), top=PLAN_DEFAULT_STOPS)
        reasons = {t.employer.pk: t.reasons[:2] for t in result.targets}
        by_pk = {e.pk: e for e in Employer.objects.filter(pk__in=reasons).select_related("town", "industry")}
        employers = [by_pk[pk] for pk in reasons if pk in by_pk]
    located = [e for e in employers if e.lat is not None and e.lng is not None]
    unplaced = [e for e in employers if e.lat is None or e.lng is None]
    if site is not None and site.lat is not None and site.lng is not None:
        start = (site.lat, site.lng)
    elif located:
        start = (located[0].lat or 0.0, located[0].lng or 0.0)
    else:
        start = (0.0, 0.0)
    stops = [(e.lat or 0.0, e.lng or 0.0) for e in located]
    order = tg.visit_order(start, stops)
    legs = []
    here = start
    total = 0.0
    for i in order:
        d = float(haversine_km(here[0], here[1], stops[i][0], stops[i][1]))
        total += d
        legs.append({"employer": located[i], "km": d, "total": total, "reasons": reasons.get(located[i].pk, [])})
        here = stops[i]
    back = float(haversine_km(here[0], here[1], start[0], start[1])) if legs else 0.0
    return render(request, "development/plan.html", {
        **_common(request, site), "day": day, "legs": legs, "unplaced": unplaced, "back_km": back,
        "total_km": total + back, "chosen": bool(chosen),
    })


@login_required
def sources(request: AuthedRequest) -> HttpResponse:
    """Developed postings and openings by what drove them, for a site and fiscal year, with the postings."""
    site = _site(request)
    today = timezone.localdate()
    try:
        fy = parse_fiscal_year(request.GET["fy"]) if request.GET.get("fy") else fiscal_year_of(today)
    except PeriodError as e:
        messages.error(request, str(e))
        fy = fiscal_year_of(today)
    start, end = fiscal_year_bounds(fy)
    until = min(end, today)
    # This year's postings are read and attributed once, for the figures and for the list.
    postings = developed_postings(site, start, until)
    attributed = attribute_developed(postings)
    rows = figures_by_source(postings, attributed)
    prior = developed_by_source(site, *fiscal_year_bounds(fy - 1))
    chosen = request.GET.get("source", "")
    listed = [p for p in postings if not chosen or attributed[p.pk].source == chosen]
    page = paginate(request, listed[::-1], per_page=50)
    posting_objs = {p.pk: p for p in Posting.objects.filter(pk__in=[p.pk for p in page])
                    .select_related("employer", "occupation")}
    labels = dict(Source.choices)
    return render(request, "development/sources.html", {
        **_common(request, site), "fy": fy, "fy_label": fiscal_year_label(fy), "until": until,
        "rows": zip(rows, prior, strict=True), "total": (sum(r.postings for r in rows), sum(r.openings for r in rows)),
        "prior_total": (sum(r.postings for r in prior), sum(r.openings for r in prior)),
        "page": page, "query": query_without_page(request), "chosen": chosen,
        "listed": [(posting_objs[p.pk], labels[attributed[p.pk].source]) for p in page],
        "source_choices": Source.choices,
        "contacts_url": reverse("development:contacts"),
    })
