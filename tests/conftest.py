import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.test.testcases import LiveServerThread
from django.utils import translation

from kakehashi.audit import append_only
from kakehashi.reference.models import Occupation
from tests.world import World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright inside pytest-django


# The browser tests' live server on SQLite shares the test's one in-memory connection with every thread it answers
# in, and the test's own thread queries it too (checking what a page recorded). Whoever holds this lock has the
# connection: a request for its whole answer, the test's thread for one statement (``_one_statement_at_a_time``).
_ONE_AT_A_TIME = threading.RLock()


class _OneRequestAtATime(ThreadedWSGIServer):
    """The browser tests' live server on SQLite. Two requests at once (a page and its htmx panel) would run inside
    each other's transactions ("no such savepoint"), and a statement of the test's thread in the middle of an
    answer finds its tables locked: the application therefore answers one request at a time, holding
    ``_ONE_AT_A_TIME``. Connections are still read in threads of their own: Chromium opens sockets ahead of need
    (preconnect) and may send nothing on one for a long while, and a server reading one connection at a time would
    wait on that socket while the page's real request queued behind it. PostgreSQL gives each thread its own
    connection and keeps Django's threaded server unchanged."""

    def set_app(self, application: Any) -> None:
        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            with _ONE_AT_A_TIME:
                result = application(environ, start_response)
                try:
                    return list(result)
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()  # Django's request_finished, as the WSGI server would have sent it

        super().set_app(one_at_a_time)


def _one_statement_at_a_time(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    with _ONE_AT_A_TIME:
        return execute(sql, params, many, context)


SQLITE_LIVE_SERVER = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if SQLITE_LIVE_SERVER:
    LiveServerThread.server_class = _OneRequestAtATime


@pytest.fixture(autouse=True)
def _test_thread_waits_for_answers(request: pytest.FixtureRequest) -> Iterator[None]:
    """With a live server on SQLite, each statement of the test's thread waits for the answer being written."""
    if not (SQLITE_LIVE_SERVER and "live_server" in request.fixturenames):
        yield
        return
    with connection.execute_wrapper(_one_statement_at_a_time):
        yield


@pytest.fixture(autouse=True)
def _japanese_first() -> Iterator[None]:
    """Each test starts in Japanese: a request's LocaleMiddleware leaves its language active in the thread, so
    an English request in one test would otherwise turn the next test's messages English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames


@pytest.fixture(autouse=True)
def _migrated_data(request: pytest.FixtureRequest) -> None:
    """Put back what the data migrations load (occupations, industries, towns, built-in indicators) when an
    earlier transactional test's flush emptied it. pytest-django runs every transactional test after the others,
    so only those can meet the empty tables. Every data migration runs again, in order, on today's models (the
    tables have today's columns, which a historical state would not fill)."""
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    if Occupation.objects.exists():
        return
    loader = MigrationLoader(connection)
    plan: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        plan += [key for key in loader.graph.forwards_plan(leaf) if key not in plan]
    with connection.schema_editor(atomic=False) as editor:
        for key in plan:
            for op in loader.graph.nodes[key].operations:
                if isinstance(op, RunPython):
                    op.code(apps, editor)  # type: ignore[arg-type]  # today's registry, see the docstring


@pytest.fixture(autouse=True)
def _audit_flush_allowed(request: pytest.FixtureRequest) -> Iterator[None]:
    """The audit tables refuse DELETE (kakehashi.audit.append_only); on SQLite the flush that ends a
    transactional test deletes their rows, so this connection lets it through from the test's end (the flush
    runs after this teardown) until the next transactional test starts."""
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    append_only.forbid_flush(connection)
    yield
    append_only.allow_flush(connection)


@pytest.fixture(scope="session", autouse=True)
def _close_live_server_connections(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The live server answers each browser request in a thread with its own connection. When the browser drops
    a request mid-answer (closing a page while an htmx panel loads), the server never signals the request's end
    and that thread's connection stays open, which would stop the test database from being dropped. End such
    leftovers before it is."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
