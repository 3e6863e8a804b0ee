"""A seeker's own pages at the terminal (``signin``): the sign-in form, their recommended postings, 「終了」; and the
staff page that sets a seeker's terminal PIN."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese
from django.views.decorators.http import require_POST

from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.access import get_visible
from kakehashi.core.errors import ActionError
from kakehashi.core.http import AuthedRequest
from kakehashi.seekers.models import Seeker

from . import signin
from .devices import terminal_page
from .models import TerminalPin


@terminal_page
def signin_page(request: HttpRequest) -> HttpResponse:
    if signin.signed_in(request) is not None:
        return redirect("terminal:mine")
    error = ""
    if request.method == "POST":
        try:
            seeker = signin.do_sign_in(
                request.terminal,  # type: ignore[attr-defined]  # set by terminal_page
                str(request.POST.get("seeker_id", ""))[:80],
                str(request.POST.get("pin", ""))[:40],
            )
        except ActionError as e:
            error = str(e)
        else:
            signin.begin(request, seeker)
            return redirect("terminal:mine")
    return render(request, "terminal/signin.html", {"error": error}, status=400 if error else 200)


@terminal_page
def mine_page(request: HttpRequest) -> HttpResponse:
    """「あなたへのおすすめ求人」: the signed-in person's top open postings from the matching engine, as the staff
    panel finds them; nothing else about the person is shown."""
    seeker = signin.signed_in(request)
    if seeker is None:
        return redirect("terminal:search")
    terminal = request.terminal  # type: ignore[attr-defined]  # set by terminal_page
    rows = signin.recommendations(seeker, timezone.localdate())
    record(
        None,
        Action.VIEW,
        Seeker,
        seeker,
        purpose=N_("端末での本人によるおすすめ求人の閲覧"),
        detail={
            "terminal": terminal.pk,
            "site": terminal.site.code,
            "postings": [int(m.id) for m, _p in rows],
        },
        persons={seeker.pk: "self"},
    )
    return render(request, "terminal/mine.html", {"rows": rows, "idle_seconds": signin.IDLE_SECONDS})


@require_POST
@terminal_page
def signout(request: HttpRequest) -> HttpResponse:
    """「終了」, or the page's own timer after a minute without input: the person is signed out."""
    signin.end(request)
    return redirect("terminal:search")


@login_required
def seeker_pin(request: AuthedRequest, pk: int) -> HttpResponse:
    """端末 PIN を設定: staff set (or replace) the PIN a seeker types at a terminal."""
    seeker = get_visible(Seeker.objects.visible_to(request.user), purpose=N_("端末のPINの設定"), pk=pk)
    error, done = "", False
    if request.method == "POST":
        try:
            signin.do_set_pin(seeker, str(request.POST.get("pin", ""))[:40], acting_user=request.user)
        except ActionError as e:
            error = str(e)
        else:
            done = True
    pin = TerminalPin.objects.filter(seeker=seeker).first()
    return render(
        request,
        "terminal/seeker_pin.html",
        {"seeker": seeker, "pin": pin, "error": error, "done": done},
        status=400 if error else 200,
    )
