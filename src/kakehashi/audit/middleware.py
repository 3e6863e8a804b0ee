"""One audit scope per request (see ``scope``): records shown and refusals met while the view runs are written
when the response is ready, after the view's own transactions have ended."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template import loader

from . import scope
from .log import AccessDenied, Refused

FILE_TYPES = ("application/pdf", "application/vnd.openxmlformats", "text/csv")


class AuditScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with scope.opened(user, "") as s:
            response = self.get_response(request)
        # Content went out: a page, a fragment or a file (not a redirect after a change, not an error page).
        carried = 200 <= response.status_code < 300
        export = response.get("Content-Type", "").startswith(FILE_TYPES)
        scope.write(s, path=request.path, method=request.method or "", carried_content=carried, export=export)
        return response

    def process_view(self, request: HttpRequest, view: object, args: object, kwargs: object) -> None:
        from kakehashi.accounts.policy import route_of

        s = scope.current()
        match = request.resolver_match
        route = route_of(match.view_name) if match is not None else None
        if s is not None and route is not None:
            s.purpose = route.purpose
            s.export = route.export

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AccessDenied):
            scope.denied(exception.model, exception.object_id, purpose=exception.purpose)
            # The same page as any unknown id: a denied record and a missing one look alike.
            return HttpResponseNotFound(loader.render_to_string("404.html", request=request))
        if isinstance(exception, Refused):
            scope.denied(exception.model, exception.object_id, purpose=exception.purpose)
        elif isinstance(exception, PermissionDenied):
            scope.denied(_route_model(request), None, purpose=str(exception) or "")
        return None


def _route_model(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.view_name if match is not None else request.path
