"""Every URL of the staff interface is checked against its route in ``policy.ROUTES`` before its view runs: a
capability the user lacks is refused here, once, and audited; a URL with no route is refused, so a page added
without a policy entry cannot be reached."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import loader

from kakehashi.audit import scope

from . import policy

log = logging.getLogger(__name__)


class RoutePolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: object, args: object, kwargs: object) -> HttpResponse | None:
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        route = policy.route_of(name)
        if route is None:
            log.error("no route in accounts.policy.ROUTES for %s", name)
            return self._refuse(request, name)
        user = getattr(request, "user", None)
        if route.public or user is None or not user.is_authenticated:
            return None  # the view's own login_required sends the anonymous to the sign-in page
        needed = [route.capability] if route.capability else []
        if request.method == "POST" and route.post_capability:
            needed.append(route.post_capability)
        if not policy.is_staff_member(user) or not all(policy.can(user, c) for c in needed):
            return self._refuse(request, name)
        return None

    def _refuse(self, request: HttpRequest, name: str) -> HttpResponse:
        scope.denied(name or request.path, None, detail={"reason": "capability"})
        return HttpResponseForbidden(loader.render_to_string("403.html", request=request))
