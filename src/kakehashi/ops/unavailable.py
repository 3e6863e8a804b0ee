"""The pages a request gets when it fails: 503 while the database does not answer (PostgreSQL restarting, the
connection lost), 500 for anything else.

Django calls ``server_error`` (``urls.handler500``) inside the ``except`` that caught the failure, whichever
layer raised it — a middleware loading the session as much as a view — so the exception is ``sys.exc_info()``.
Neither page touches the database, the session or the signed-in user: each is rendered from its template alone.
A request that failed this way changed nothing that was acknowledged: its transaction, if it had one, did not
commit, and the server reconnects by itself (settings: ``CONN_HEALTH_CHECKS``).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

# What the 503 tells clients and proxies: a restart of PostgreSQL takes seconds.
RETRY_AFTER_SECONDS = 10


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database could not be reached or the connection broke (Django wraps psycopg's
    errors in these two), as opposed to a fault in the request or the code."""
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(_page(_("ただいま利用できません"), _(
            "データベースに接続できないため、このページを表示できませんでした。しばらく待ってから、もう一度お試しください。")),
            status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(_page(_("エラーが発生しました"), _("このページを表示できませんでした。もう一度お試しください。")),
                        status=500)


def _page(title: str, what: str) -> str:
    """The one failure page (templates/failure.html), rendered from its template alone."""
    return loader.render_to_string("failure.html", {"title": title, "what": what})
