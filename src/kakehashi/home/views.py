"""The pages above every part of the domain: the home page, which gathers each role's work of the day from
seekers, referrals, postings, employer visits and the agreement's requests, and the about page with the credits.

They live in their own app so that ``core``, the shared base every app builds on, imports no part of the domain.
"""

from django.contrib.auth import views as auth_views
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from kakehashi.accounts.models import AgencyKind, Role
from kakehashi.employers.models import EmployerVisit
from kakehashi.engine.calendar import fiscal_year_label, fiscal_year_of
from kakehashi.governance.models import Request as PartyRequest
from kakehashi.governance.reports import waiting_on
from kakehashi.postings.models import Posting
from kakehashi.reference.models import CREDITS
from kakehashi.referrals.models import Outcome, Referral
from kakehashi.referrals.reminders import reminders_for
from kakehashi.seekers.models import Seeker


def home(request: HttpRequest) -> HttpResponseBase:
    """What this role works on today; the login form for someone not signed in."""
    if not request.user.is_authenticated:
        return auth_views.LoginView.as_view()(request)
    user = request.user
    today = timezone.localdate()
    ctx: dict[str, object] = {"today": today, "fy_label": fiscal_year_label(fiscal_year_of(today))}
    seekers = Seeker.objects.visible_to(user)
    referrals = Referral.objects.visible_to(user).select_related("seeker", "posting__employer")
    role = user.role
    if role in (Role.JOB_COUNSELOR, Role.NAVIGATOR):
        ctx["pending"] = referrals.filter(outcome=Outcome.PENDING).order_by("referred_on")[:15]
        ctx["new_seekers"] = seekers.select_related("site").order_by("-registered_on")[:10]
        ctx["new_postings"] = (Posting.objects.visible_to(user).open_on(today).select_related("employer", "occupation")
                               .order_by("-received_on")[:10])
        ctx["reminders"] = reminders_for(user, today)
    elif role == Role.DISTRICT_PROMOTER:
        ctx["visits"] = EmployerVisit.objects.visible_to(user).select_related("employer").order_by("-visited_on")[:15]
    elif role in (Role.CASEWORKER, Role.LIFE_COUNSELOR):
        ctx["my_seekers"] = seekers.order_by("-registered_on")[:15]
        # An imported outcome may have no date (docs/interchange.md): last, on both databases.
        ctx["outcomes"] = referrals.exclude(outcome=Outcome.PENDING).order_by(
            F("outcome_on").desc(nulls_last=True), "-pk")[:15]
    if user.is_manager and user.agency is not None:
        # The agreement's requests this manager's agency owes an answer to, the overdue flagged.
        ctx["requests_waiting"] = waiting_on(user.agency, today, PartyRequest.objects.visible_to(user))
    ctx["seeker_count"] = seekers.active().count()
    ctx["is_hello_work"] = user.agency_kind == AgencyKind.HELLO_WORK
    return render(request, "home/home.html", ctx)


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "home/about.html", {"credits": CREDITS, "year": timezone.localdate().year})
