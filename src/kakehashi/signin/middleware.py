"""Request-wide rules of sign-in and of what a response may let a browser keep."""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import second_factor, sessions

# The pages a signed-in user may open before the second factor: the step itself, enrolment, signing out, and
# the language switch and health check that show nothing of anyone.
BEFORE_SECOND_FACTOR = frozenset({"signin:verify", "signin:enrol", "logout", "set_language", "healthz"})


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect the browser follows as a whole page, also from an htmx request (whose own redirect would
    put the target page inside the fragment)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _next(request: HttpRequest) -> str:
    return request.get_full_path() if request.method == "GET" else request.path


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response that reaches it. It sits below WhiteNoise, which answers
    static assets itself, so every response here is a page, a fragment or a file that may carry personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response


class SessionLifetimeMiddleware:
    """Ends a signed-in session that has been idle or has lasted too long (see ``sessions``), audited as a
    sign-out with its reason, and sends the user to the sign-in page, which says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            reason = sessions.expired(request.session, now)
            if reason:
                request.kakehashi_signout_reason = f"{reason}_timeout"  # type: ignore[attr-defined]  # read by the audit receiver
                back_to = _next(request)
                logout(request)
                query = urlencode({"expired": reason, "next": back_to})
                return _redirect(request, f"{reverse('login')}?{query}")
            sessions.touch(request.session, now)
        return self.get_response(request)


class SecondFactorMiddleware:
    """A signed-in session that has not passed the second factor reaches only ``BEFORE_SECOND_FACTOR``; any
    other page sends it to the second-factor step (or to enrolment, for a user with no authenticator yet).
    Checked on the resolved view, before any view or other page check runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or second_factor.satisfied(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in BEFORE_SECOND_FACTOR:
            return None
        step = "signin:verify" if second_factor.is_enrolled(user) else "signin:enrol"
        return _redirect(request, f"{reverse(step)}?{urlencode({'next': _next(request)})}")
