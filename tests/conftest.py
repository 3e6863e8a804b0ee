import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.test.testcases import LiveServerThread
from django.utils import translation

from kakehashi.audit import append_only
from kakehashi.reference.models import Occupation
from tests.world import World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright inside pytest-django


class _OneRequestAtATime(WSGIServer):
    """The browser tests' live server on SQLite. The test database is in memory, so the live server shares the
    test's one connection with every thread it answers in, and two requests at once (a page and its htmx panel)
    would run inside each other's transactions ("no such savepoint"). Answered one at a time, in the server's
    own thread (to which ``LiveServerThread.run`` has already given the shared connection), they cannot. Django
    closes each connection after its answer when the server is not threaded, so the browser never waits on a
    kept-alive one. PostgreSQL gives each thread its own connection and keeps the threaded server."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    LiveServerThread.server_class = _OneRequestAtATime


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
