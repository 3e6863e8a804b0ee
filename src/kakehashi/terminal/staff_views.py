"""The staff side of the terminals: registering and revoking them, the desk's queue of tickets, and each
terminal's monthly figures. Reached only with a staff sign-in (``accounts.policy.ROUTES``); a terminal's cookie
opens none of these."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese
from django.views.decorators.http import require_POST

from kakehashi.accounts.models import Site
from kakehashi.accounts.policy import can
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.access import get_visible
from kakehashi.core.dates import year_month_label
from kakehashi.core.errors import ActionError
from kakehashi.core.exports import to_csv
from kakehashi.core.http import AuthedRequest

from . import actions
from .figures import headings, monthly, totals
from .models import FIGURES, TRANSITIONS, DailyCount, Terminal, Ticket, TicketStatus


def _site(request: AuthedRequest) -> Site:
    """The site the page is about: the one chosen, else the user's own, else the first."""
    chosen = str(request.GET.get("site") or request.POST.get("site") or "")
    site = Site.objects.filter(code=chosen).first() if chosen else None
    site = site or request.user.site or Site.objects.order_by("code").first()
    if site is None:
        raise Http404
    return site


@login_required
def devices(request: AuthedRequest) -> HttpResponse:
    """A site's terminals; a manager registers one here and is shown the code to type at the terminal."""
    site = _site(request)
    if request.method == "POST":
        try:
            terminal = actions.do_register_terminal(
                site, str(request.POST.get("name", "")), acting_user=request.user
            )
        except ActionError as e:
            messages.error(request, str(e))
        else:
            messages.success(
                request,
                _("端末「%(name)s」を登録しました。端末の画面で登録コードを入力してください。")
                % {"name": terminal.name},
            )
        return redirect(f"{request.path}?site={site.code}")
    now = timezone.now()
    terminals = list(Terminal.objects.filter(site=site).order_by("revoked_at", "name", "pk"))
    return render(
        request,
        "terminal/devices.html",
        {
            "site": site,
            "sites": Site.objects.order_by("code"),
            "now": now,
            "terminals": [(t, t.code_open(now)) for t in terminals],
        },
    )


@require_POST
@login_required
def device(request: AuthedRequest, pk: int) -> HttpResponse:
    """Rename a terminal, give it a new code, or stop it."""
    terminal = get_visible(Terminal.objects.visible_to(request.user), purpose=N_("求人検索端末の管理"), pk=pk)
    what = request.POST.get("do", "")
    try:
        if what == "rename":
            actions.do_rename_terminal(terminal, str(request.POST.get("name", "")), acting_user=request.user)
            messages.success(request, _("端末名を変更しました。"))
        elif what == "code":
            actions.do_issue_code(terminal, acting_user=request.user)
            messages.success(request, _("新しい登録コードを発行しました。"))
        elif what == "revoke":
            actions.do_revoke_terminal(terminal, acting_user=request.user)
            messages.success(request, _("端末を停止しました。この端末では検索できなくなります。"))
        else:
            messages.error(request, _("操作を選んでください。"))
    except ActionError as e:
        messages.error(request, str(e))
    return redirect(f"{reverse('terminals:devices')}?site={terminal.site.code}")


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    """Today's tickets at a site, those still waiting first."""
    site = _site(request)
    today = timezone.localdate()
    tickets = list(
        Ticket.objects.visible_to(request.user)
        .of_site_on(site, today)
        .select_related("staff", "terminal")
        .prefetch_related("postings")
    )
    groups = [
        (status, label, [t for t in tickets if t.status == status]) for status, label in TicketStatus.choices
    ]
    return render(
        request,
        "terminal/queue.html",
        {
            "site": site,
            "sites": Site.objects.order_by("code"),
            "today": today,
            "groups": groups,
            "may_serve": can(request.user, "ticket.serve"),
        },
    )


@login_required
def ticket(request: AuthedRequest, pk: int) -> HttpResponse:
    """One ticket: its postings with the way to refer the person to one, and the steps of the desk."""
    t = get_visible(
        Ticket.objects.visible_to(request.user).select_related("site", "terminal", "staff"),
        purpose=N_("受付票"),
        pk=pk,
    )
    if request.method == "POST":
        try:
            actions.do_move_ticket(t, str(request.POST.get("step", "")), acting_user=request.user)
        except ActionError as e:
            messages.error(request, str(e))
        return redirect("terminals:ticket", t.pk)
    return render(
        request,
        "terminal/desk_ticket.html",
        {
            "ticket": t,
            "postings": list(t.postings.select_related("employer", "occupation")),
            "referrals": list(t.referrals.select_related("posting")),
            "steps": [step for step in actions.STEP_PURPOSES if t.status in TRANSITIONS[step]],
        },
    )


def _month(request: AuthedRequest) -> datetime.date:
    text = str(request.GET.get("month", ""))
    try:
        return datetime.datetime.strptime(text, "%Y-%m").replace(tzinfo=datetime.UTC).date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
def figures(request: AuthedRequest) -> HttpResponse:
    site, month = _site(request), _month(request)
    rows = monthly(site, month)
    summed = totals(rows)
    months = [
        (timezone.localdate().replace(day=1) - datetime.timedelta(days=31 * i)).replace(day=1)
        for i in range(12)
    ]
    return render(
        request,
        "terminal/figures.html",
        {
            "site": site,
            "sites": Site.objects.order_by("code"),
            "month": month,
            "month_label": year_month_label(month),
            "rows": [(t, [r[f] for f in FIGURES]) for t, r in rows],
            "totals": [summed[f] for f in FIGURES],
            "headings": headings(),
            "months": [(m.strftime("%Y-%m"), year_month_label(m)) for m in months],
        },
    )


@login_required
def figures_csv(request: AuthedRequest) -> HttpResponse:
    site, month = _site(request), _month(request)
    rows = monthly(site, month)
    body = to_csv(
        [_("拠点"), _("年月"), _("端末名"), *headings()],
        [[site.shown_name, month.strftime("%Y-%m"), t.name, *(r[f] for f in FIGURES)] for t, r in rows],
    )
    record(
        request.user,
        Action.EXPORT,
        DailyCount,
        purpose=N_("求人検索端末の利用実績"),
        detail={"site": site.code, "month": month.strftime("%Y-%m"), "format": "csv"},
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="terminal-{site.code}-{month.strftime("%Y-%m")}.csv"'
    )
    return response
