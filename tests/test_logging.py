"""Search terms (names, phone numbers) reach no log line: the development server's request log and Django's
request log lose their query strings, and the production server's access log is written from the path alone."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from granian.log import log_request_builder

from kakehashi.ops import server
from kakehashi.ops.logs import strip_query
from tests.world import World, client_for

NAME, PHONE = "見本 幸子", "086-522-0000"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + " " + " ".join(map(str, record.args or ())))


@pytest.fixture
def captured() -> Iterator[Captured]:
    """What the loggers that carry URLs pass to their handlers, after the loggers' own filters."""
    handler = Captured()
    names = ("django.server", "django.request", "granian.access")
    for name in names:
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in names:
        logging.getLogger(name).removeHandler(handler)


def test_the_development_servers_request_line_keeps_the_path_only(captured: Captured) -> None:
    # What runserver logs for one request, exactly as its handler calls the logger.
    handler = SimpleNamespace(request=None, log_date_time_string=lambda: "02/Dec/2026 09:00:00")
    for line in (f"GET /seekers/?q={NAME}&phone={PHONE} HTTP/1.1", "GET /seekers/?q=%E8%A6%8B%E6%9C%AC HTTP/1.1"):
        WSGIRequestHandler.log_message(handler, '"%s" %s %s', line, "200", "5120")  # type: ignore[arg-type]  # the handler's state is all it reads
    assert captured.lines == ['"GET /seekers/ HTTP/1.1" 200 5120 GET /seekers/ HTTP/1.1 200 5120'] * 2


def test_a_refused_search_is_logged_without_its_terms(world: World, captured: Captured) -> None:
    r = client_for("sen").get("/seekers/no-such-page/", {"q": NAME, "phone": PHONE})
    assert r.status_code == 404
    assert captured.lines and all(NAME not in line and PHONE not in line for line in captured.lines)


def test_a_warning_naming_a_url_loses_the_query_string(captured: Captured) -> None:
    logging.getLogger("django.request").warning("Bad Request: %s", f"/seekers/?q={NAME}")
    logging.getLogger("django.request").warning(f"Forbidden: https://kakehashi.example/seekers/?q={PHONE}#top")
    assert captured.lines == ["Bad Request: /seekers/ /seekers/", "Forbidden: https://kakehashi.example/seekers/#top "]


@pytest.mark.parametrize(("text", "kept"), [
    ("GET /seekers/?q=見本 幸子 HTTP/1.1", "GET /seekers/ HTTP/1.1"),
    ("POST /login/?next=/seekers/%3Fq%3D1 HTTP/2", "POST /login/ HTTP/2"),
    ("/plans/progress/?site=tamashima&as_of=2026-11-30", "/plans/progress/"),
    ("no url here? none", "no url here? none"),
])
def test_strip_query(text: str, kept: str) -> None:
    assert strip_query(text) == kept


def test_the_production_access_log_has_the_path_but_not_the_query_or_referrer(captured: Captured) -> None:
    # granian hands its access logger the request as its Rust side parsed it: the path and the query apart.
    headers = {"x-forwarded-for": "10.0.0.7", "referer": f"https://kakehashi.example/seekers/?q={PHONE}"}
    request = {"addr_remote": "127.0.0.1", "path": "/seekers/", "qs": f"q={NAME}&phone={PHONE}", "method": "GET",
               "scheme": "http", "protocol": "HTTP/1.1", "headers": headers.get}
    log_request = log_request_builder(server.ACCESS_LOG_FORMAT)
    access = logging.getLogger("granian.access")
    access.setLevel(logging.INFO)  # as granian configures it in the server
    try:
        log_request(time.time(), time.perf_counter() - 0.012, request, 200)
    finally:
        access.setLevel(logging.NOTSET)
    (line,) = captured.lines
    assert line.startswith('10.0.0.7 127.0.0.1 "GET /seekers/ HTTP/1.1" 200 ')
    assert NAME not in line and PHONE not in line and "referer" not in line.lower()


def test_the_server_is_started_with_that_access_log_and_the_settings_from_the_environment() -> None:
    args = server.granian_args({"KAKEHASHI_BIND": "127.0.0.1:9000", "WEB_CONCURRENCY": "3"})
    assert f"--access-log-fmt={server.ACCESS_LOG_FORMAT}" in args and "--access-log" in args
    assert {"--interface=wsgi", "--host=127.0.0.1", "--port=9000", "--workers=3", "--blocking-threads=4"} <= set(args)
    assert args[-1] == "kakehashi.wsgi:application"
