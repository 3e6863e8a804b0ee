"""The welfare desk: the cases list, filing a support request, the case page (plan, visits, referral outcomes),
accepting and closing a case, and the programme's figures."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese
from django.views.decorators.http import require_POST

from kakehashi.accounts.models import AgencyKind, Site, Staff
from kakehashi.accounts.policy import can
from kakehashi.core import tables
from kakehashi.core.access import get_visible
from kakehashi.core.errors import ActionError
from kakehashi.core.exports import exported
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page
from kakehashi.core.steps import post_step
from kakehashi.engine.calendar import fiscal_year_of
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker

from . import actions
from .figures import programme_figures
from .forms import AcceptForm, CloseForm, PlanForm, SupportRequestForm, VisitForm
from .models import RequestStatus, SupportPlan, SupportRequest

FIGURE_YEARS = 5


def _cases(user: Staff) -> Any:
    return SupportRequest.objects.visible_to(user).select_related("seeker", "welfare_office", "caseworker", "site")


@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    qs = _cases(user)
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.open()
    elif status in RequestStatus.values:
        qs = qs.filter(status=status)
    if request.GET.get("site"):
        qs = qs.filter(site__code=request.GET["site"])
    if request.GET.get("mine") == "1":
        qs = qs.filter(caseworker=user)
    qs = qs.order_by("status", "-requested_on", "-id")
    if (download := exported(request, tables.WELFARE_CASES, qs)) is not None:
        return download
    page = paginate(request, qs)
    return render(request, "welfare/list.html", {
        "page": page, "query": query_without_page(request), "status": status, "statuses": RequestStatus.choices,
        "sites": Site.objects.all(),
        "can_file": can(user, "support_request.file"),
    })


@login_required
def request_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    seeker = get_visible(Seeker.objects.visible_to(user), purpose=N_("支援要請"), pk=request.GET.get("seeker"))
    today = timezone.localdate()
    form = SupportRequestForm(request.POST or None, initial={
        "site": seeker.site_id, "requested_on": today, "consent_given_on": today})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = actions.do_file_support_request(
                seeker, site=d["site"], requested_on=d["requested_on"], needs=d["needs"],
                consent_given_on=d["consent_given_on"], acting_user=user)
        except ActionError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("支援要請を送りました。窓口の受付をお待ちください。"))
            return redirect("welfare:detail", case.pk)
    return render(request, "welfare/request_form.html", {"form": form, "seeker": seeker})


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_visible(_cases(user), purpose=N_("支援ケースの詳細"), pk=pk)
    plan = SupportPlan.objects.filter(request=case).select_related("updated_by").first()
    today = timezone.localdate()
    visits = list(case.visits.select_related("staff", "agency"))
    return render(request, "welfare/detail.html", {
        "case": case, "plan": plan, "visits": visits,
        "attended": sum(v.attended for v in visits), "no_shows": sum(not v.attended for v in visits),
        # Outcomes only: the employer's notes stay with the placement service.
        "referrals": Referral.objects.visible_to(user).filter(seeker=case.seeker)
        .select_related("posting__employer", "trial").order_by("-referred_on"),
        "can_accept": can(user, "support_request.accept") and case.status == RequestStatus.REQUESTED,
        "can_plan": can(user, "support_plan.edit") and case.status == RequestStatus.ACCEPTED,
        "can_visit": can(user, "support_visit.record") and case.status == RequestStatus.ACCEPTED,
        "can_close": can(user, "support_case.close") and case.is_open,
        "accept_form": AcceptForm(initial={"accepted_on": today}),
        "plan_form": PlanForm(instance=plan),
        "visit_form": VisitForm(initial={"on": today}),
        "close_form": CloseForm(initial={"closed_on": today}),
    })


def _post_step(request: AuthedRequest, pk: int, form: Any, purpose: str, done: str,
               step: Callable[[SupportRequest, dict[str, Any], Staff], object]) -> HttpResponse:
    """One recorded step on a case from a form on its page (the route holds the capability it needs): refused
    input changes nothing and comes back as a message."""
    user = request.user
    case = get_visible(_cases(user), purpose=purpose, pk=pk)
    return post_step(request, form, lambda data: step(case, data, user), done=done,
                     back=redirect("welfare:detail", case.pk))


@login_required
@require_POST
def accept(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, AcceptForm(request.POST), N_("支援要請の受付"),
                      _("支援要請を受け付けました。支援プランを入力してください。"),
                      lambda c, d, u: actions.do_accept_support_request(c, accepted_on=d["accepted_on"], acting_user=u))


@login_required
@require_POST
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, PlanForm(request.POST), N_("支援プランの更新"),
                      _("支援プランを保存しました。"),
                      lambda c, d, u: actions.do_save_support_plan(c, acting_user=u, **d))


@login_required
@require_POST
def visit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, VisitForm(request.POST), N_("来所の記録"),
                      _("来所を記録しました。"),
                      lambda c, d, u: actions.do_record_support_visit(c, on=d["on"], attended=d["attended"],
                                                                      note=d["note"], acting_user=u))


@login_required
@require_POST
def close(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_step(request, pk, CloseForm(request.POST), N_("支援の終了"),
                      _("支援の終了を記録しました。"),
                      lambda c, d, u: actions.do_close_support_case(
                          c, closed_on=d["closed_on"], outcome=d["outcome"], benefit_change=d["benefit_change"],
                          note=d["note"], acting_user=u))


@login_required
def figures(request: AuthedRequest) -> HttpResponse:
    """Counts only: every staff member may see them, the Center included (no person can be picked out)."""
    sites = Site.objects.all()
    site = sites.filter(code=request.GET.get("site", "")).first()
    this_year = fiscal_year_of(timezone.localdate())
    years = range(this_year, this_year - FIGURE_YEARS, -1)
    rows = programme_figures(years, [site.pk] if site else None)
    return render(request, "welfare/figures.html", {
        "rows": rows, "sites": sites, "site": site,
        "is_welfare": request.user.agency_kind == AgencyKind.WELFARE_OFFICE,
    })
