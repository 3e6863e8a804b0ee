"""The terminal's own pages: enrolling the device, searching, a posting as Hello Work's terminals show it, the
person's list of chosen postings and the ticket for the desk. None of them needs a staff sign-in and none renders
the staff menus (``terminal/base.html``); every page but enrolment needs an enrolled terminal (``terminal_page``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kakehashi.core.errors import ActionError
from kakehashi.postings.models import EmploymentType, Posting
from kakehashi.postings.papers import posting_sheet_pdf
from kakehashi.seekers.models import WageUnit

from . import actions, devices, search, signin
from .devices import terminal_page
from .models import Ticket, count


def enrol(request: HttpRequest) -> HttpResponse:
    """The terminal's browser types the code a manager was shown; it keeps the device cookie from then on."""
    error = ""
    if request.method == "POST":
        try:
            terminal = actions.do_enrol(str(request.POST.get("code", ""))[:40])
        except ActionError as e:
            error = str(e)
        else:
            devices.end_visit(request)
            response = redirect("terminal:search")
            devices.set_cookie(response, terminal)
            return response
    return render(request, "terminal/enrol.html", {"error": error, "enrolled": devices.terminal_of(request)})


def _chosen(request: HttpRequest) -> list[int]:
    state = request.session.get(devices.SESSION_KEY) or {}
    return [int(i) for i in state.get("chosen", [])]


def _open_posting(pk: int) -> Posting | None:
    today = timezone.localdate()
    return (
        Posting.objects.filter(search.open_postings(today), pk=pk)
        .select_related("occupation", "town", "employer")
        .first()
    )


@terminal_page
def search_page(request: HttpRequest) -> HttpResponse:
    devices.visit(request)
    today = timezone.localdate()
    criteria = search.read_criteria({k: str(v) for k, v in request.GET.items()})
    results: list[Posting] = []
    total = 0
    if criteria.asked:
        devices.used(request)
        results, total = search.search(criteria, today)
        count(request.terminal, "searches")  # type: ignore[attr-defined]  # set by terminal_page
    return render(
        request,
        "terminal/search.html",
        {
            "criteria": criteria,
            "results": results,
            "total": total,
            "asked": criteria.asked,
            "areas": search.areas(today),
            "towns": search.towns(today),
            "distances": search.DISTANCES_KM,
            "employments": EmploymentType.choices,
            "units": WageUnit.choices,
            "chosen": _chosen(request),
            "new_days": search.NEW_DAYS,
            "today": today,
            "query": request.GET.urlencode(),
        },
    )


@terminal_page
def posting_page(request: HttpRequest, pk: int) -> HttpResponse:
    devices.visit(request)
    posting = _open_posting(pk)
    if posting is None:
        return render(request, "terminal/gone.html", status=404)
    devices.used(request)
    if devices.first_view(request, posting.pk):
        count(request.terminal, "views")  # type: ignore[attr-defined]  # set by terminal_page
    back = str(request.GET.get("back", ""))[:500]
    return render(
        request,
        "terminal/posting.html",
        {
            "posting": posting,
            "chosen": posting.pk in _chosen(request),
            "chosen_count": len(_chosen(request)),
            "back": back,
            "new": (timezone.localdate() - posting.received_on).days < search.NEW_DAYS,
            "print_url": reverse("terminal:print", args=[posting.pk]),
        },
    )


@terminal_page
def print_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The 求人票 as the public sheet: without the employer's contact details, which stay at the desk."""
    posting = _open_posting(pk)
    if posting is None:
        return render(request, "terminal/gone.html", status=404)
    pdf = posting_sheet_pdf(posting, for_staff=False)
    count(request.terminal, "prints")  # type: ignore[attr-defined]  # set by terminal_page
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{posting.posting_id}.pdf"'
    return response


@require_POST
@terminal_page
def choose(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a posting on the person's list, or take it off."""
    devices.visit(request)
    devices.used(request)
    chosen = _chosen(request)
    if pk in chosen:
        chosen.remove(pk)
    elif _open_posting(pk) is not None and len(chosen) < actions.MOST_CHOSEN:
        chosen.append(pk)
    devices.save_chosen(request, chosen)
    if request.POST.get("to") == "list":
        return redirect("terminal:chosen")
    return redirect("terminal:posting", pk)


@terminal_page
def chosen_page(request: HttpRequest) -> HttpResponse:
    """The list the person made, and the button that takes a ticket for the desk with it."""
    devices.visit(request)
    ids = _chosen(request)
    found = {p.pk: p for p in Posting.objects.filter(pk__in=ids).select_related("occupation", "town")}
    error = ""
    if request.method == "POST":
        try:
            ticket = actions.do_issue_ticket(request.terminal, [i for i in ids if i in found])  # type: ignore[attr-defined]
        except ActionError as e:
            error = str(e)
        else:
            devices.end_visit(request)
            request.session["terminal_ticket"] = ticket.pk
            return redirect("terminal:ticket")
    return render(
        request, "terminal/chosen.html", {"postings": [found[i] for i in ids if i in found], "error": error}
    )


@terminal_page
def ticket_page(request: HttpRequest) -> HttpResponse:
    """The number just issued at this terminal (only here, only until the next person starts)."""
    pk = request.session.get("terminal_ticket")
    ticket = (
        Ticket.objects.filter(pk=pk, terminal=request.terminal)  # type: ignore[attr-defined]
        .prefetch_related("postings")
        .first()
        if isinstance(pk, int)
        else None
    )
    if ticket is None:
        return redirect("terminal:search")
    return render(request, "terminal/ticket.html", {"ticket": ticket})


@require_POST
@terminal_page
def furigana(request: HttpRequest) -> HttpResponse:
    """「ふりがな」: readings over the terminal's labels on or off, for this visit; back to the page it was pressed on."""
    devices.visit(request)
    devices.set_furigana(request, not devices.furigana_on(request))
    back = str(request.POST.get("next", ""))[:1000]
    if back.startswith(reverse("terminal:search")) and url_has_allowed_host_and_scheme(
        back, allowed_hosts=None
    ):
        return redirect(back)
    return redirect("terminal:search")


@require_POST
@terminal_page
def end(request: HttpRequest) -> HttpResponse:
    """おわる: the list and the ticket shown are dropped; the next person starts afresh."""
    devices.end_visit(request)
    request.session.pop("terminal_ticket", None)
    signin.end(request)
    return redirect("terminal:search")
