"""Turn ``AccessDenied`` into a 404 and record the attempt in a transaction of its own."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template import loader

from .log import AccessDenied, record_denied


class DeniedAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AccessDenied):
            return None
        # By now the view's atomic blocks have exited (rolled back): this write stands on its own.
        record_denied(request.user, exception.model, [exception.object_id],
                      purpose=exception.purpose or request.path, detail={"method": request.method or ""})
        # The same page as any unknown id: a denied record and a missing one look alike.
        return HttpResponseNotFound(loader.render_to_string("404.html", request=request))
