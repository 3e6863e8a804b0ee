"""The device cookie: what makes a browser a terminal.

An enrolled terminal's browser keeps a cookie signed with the installation's key naming the terminal and its
current ``secret``. Every terminal page reads it (``terminal_page``); a missing, forged, revoked or superseded
cookie gets the page that says to ask the desk. The cookie is not a staff sign-in: staff pages never read it, so
it opens none of them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Terminal, count

COOKIE = "kakehashi_terminal"
SALT = "kakehashi.terminal.device"
# Five years: a terminal stays enrolled until a manager revokes it.
COOKIE_AGE = 5 * 365 * 24 * 3600
# A person who leaves the terminal without ending: after this long the next touch starts afresh (their chosen
# postings dropped, a new use counted).
IDLE_SECONDS = 10 * 60
SESSION_KEY = "terminal"
# ふりがな over the terminal's labels, asked for by the person at it; dropped when the next visit starts
FURIGANA_KEY = "terminal_furigana"


def set_cookie(response: HttpResponse, terminal: Terminal) -> None:
    response.set_signed_cookie(
        COOKIE,
        f"{terminal.pk}:{terminal.secret}",
        salt=SALT,
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def terminal_of(request: HttpRequest) -> Terminal | None:
    """The enrolled terminal the request's cookie names, or None."""
    try:
        value = request.get_signed_cookie(COOKIE, salt=SALT, max_age=COOKIE_AGE)
    except (KeyError, signing.BadSignature):
        return None
    pk, _, secret = str(value or "").partition(":")
    if not pk.isdigit() or not secret:
        return None
    terminal = Terminal.objects.select_related("site").filter(pk=int(pk), secret=secret).first()
    return terminal if terminal is not None and terminal.active else None


def visit(request: HttpRequest) -> dict[str, Any]:
    """This person's visit in the session: its chosen postings (ids), started afresh after ``IDLE_SECONDS``."""
    now = time.time()
    state = request.session.get(SESSION_KEY)
    terminal = request.terminal  # type: ignore[attr-defined]  # set by terminal_page
    if not state or state.get("terminal") != terminal.pk or now - state.get("seen", 0) > IDLE_SECONDS:
        state = {"terminal": terminal.pk, "chosen": [], "seen": now, "used": False}
        request.session.pop(FURIGANA_KEY, None)  # the next person starts without the readings
    state["seen"] = now
    request.session[SESSION_KEY] = state
    return dict(state)


def used(request: HttpRequest) -> None:
    """The person did something (searched, opened or chose a posting): the visit's first such act counts one use
    of the terminal. The search page waiting for the next person counts nothing."""
    state = dict(request.session.get(SESSION_KEY) or {})
    if state and not state.get("used"):
        state["used"] = True
        request.session[SESSION_KEY] = state
        count(request.terminal, "sessions")  # type: ignore[attr-defined]  # set by terminal_page


def save_chosen(request: HttpRequest, chosen: list[int]) -> None:
    state = dict(request.session.get(SESSION_KEY) or {})
    state["chosen"] = chosen
    request.session[SESSION_KEY] = state


def first_view(request: HttpRequest, posting_pk: int) -> bool:
    """Whether this visit opens the posting for the first time: a posting is counted as viewed once per visit
    (coming back to it after choosing it is not another view)."""
    state = dict(request.session.get(SESSION_KEY) or {})
    viewed = list(state.get("viewed", []))
    if posting_pk in viewed:
        return False
    state["viewed"] = [*viewed, posting_pk][-200:]
    request.session[SESSION_KEY] = state
    return True


def furigana_on(request: HttpRequest) -> bool:
    """Whether the person asked for readings (ふりがな) over the terminal's labels."""
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(FURIGANA_KEY))


def set_furigana(request: HttpRequest, on: bool) -> None:
    if on:
        request.session[FURIGANA_KEY] = True
    else:
        request.session.pop(FURIGANA_KEY, None)


def end_visit(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def terminal_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page only an enrolled terminal opens; any other browser gets the page that says to ask the desk."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        terminal = terminal_of(request)
        if terminal is None:
            return render(request, "terminal/unenrolled.html")
        request.terminal = terminal  # type: ignore[attr-defined]  # read by the view and ``visit``
        return view(request, *args, **kwargs)

    return wrapped
