"""Keeping personal data out of the logs.

A search box puts names and phone numbers into the query string (``/seekers/?q=見本 幸子``); log lines that
carry a URL would keep them for as long as the logs are kept. ``StripQueryStrings`` is attached to the
``django.server`` and ``django.request`` loggers (settings.LOGGING) and removes every query string from the
record's message and arguments before any handler formats it. The production server's access log is written
with the path only (``kakehashi.ops.server``), and the nginx example logs ``$uri``, not ``$request``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# A request line as http.server logs it: the method, the target and the protocol. The target may hold
# spaces once decoded, so everything between the first '?' and the protocol goes.
_REQUEST_LINE = re.compile(r"^(?P<head>[A-Z]+ [^?\s]*)\?.*?(?P<tail> HTTP/\d(?:\.\d)?)?$", re.DOTALL)
# A value that is a path or URL as a whole (a logger's argument): everything after '?' goes, spaces included.
_WHOLE = re.compile(r"^(?P<path>(?:https?://[^\s/?#]+)?/[^?#]*)\?[^#]*(?P<fragment>#.*)?$", re.DOTALL)
# A path or URL with a query string inside a longer message: the query ends at the first space.
_QUERY = re.compile(r"(?P<path>(?:https?://[^\s/?#\"']+)?/[^\s?#\"']*)\?[^\s#\"']*")


def strip_query(text: str) -> str:
    """``text`` with the query string of every URL in it removed (the path is kept)."""
    line = _REQUEST_LINE.match(text)
    if line:
        return line.group("head") + (line.group("tail") or "")
    whole = _WHOLE.match(text)
    if whole:
        return whole.group("path") + (whole.group("fragment") or "")
    return _QUERY.sub(r"\g<path>", text)


def _clean(value: Any) -> Any:
    return strip_query(value) if isinstance(value, str) else value


class StripQueryStrings(logging.Filter):
    """Removes query strings from a record's message and string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        return True


def without_query_strings(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` (settings.LOGGING) with ``StripQueryStrings`` on ``django.server`` and ``django.request``.
    ``django.server`` keeps Django's own format and handler (its logger is configured anew here, which would
    otherwise drop them); ``kakehashi.ops`` logs its jobs at INFO."""
    out = dict(config)
    out["filters"] = {**out.get("filters", {}), "no_query_strings": {"()": f"{__name__}.StripQueryStrings"}}
    out["formatters"] = {**out.get("formatters", {}), "django.server": {
        "()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}}
    out["handlers"] = {**out.get("handlers", {}), "django.server": {
        "class": "logging.StreamHandler", "formatter": "django.server"}}
    out["loggers"] = {
        **out.get("loggers", {}),
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False,
                          "filters": ["no_query_strings"]},
        "django.request": {"filters": ["no_query_strings"]},
        "kakehashi.ops": {"level": "INFO"},
    }
    return out
