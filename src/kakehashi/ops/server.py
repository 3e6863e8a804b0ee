"""The production server's command line: granian serving ``kakehashi.wsgi:application``.

Read from the environment, so that the systemd unit's EnvironmentFile is the one place to change them:

- ``KAKEHASHI_BIND`` — address to listen on (default ``127.0.0.1:$PORT``, PORT 8000): nginx in front;
- ``WEB_CONCURRENCY`` — worker processes (default 2: one per core);
- ``KAKEHASHI_THREADS`` — threads per worker for the (synchronous) views (default 4: a worker keeps its core
  busy while a request waits on PostgreSQL);
- ``KAKEHASHI_MAX_RSS`` — MiB of memory after which a worker is replaced (default 1024);
- ``KAKEHASHI_LOG_LEVEL`` — the server's own log level (default info).

Workers that die are started again; a worker is replaced gracefully after ``KAKEHASHI_MAX_RSS``. The access log
holds the path without its query string (search terms are names and phone numbers) and no referrer (it holds the
previous page's query string); the address is the client's as nginx reports it.
"""

from __future__ import annotations

import os

APP = "kakehashi.wsgi:application"
ACCESS_LOG_FORMAT = ('%(header{x-forwarded-for})s %(addr)s "%(method)s %(path)s %(protocol)s" %(status)d '
                     '%(dt_ms).1fms')


def granian_args(env: dict[str, str] | None = None) -> list[str]:
    """granian's arguments (after the program name) for the settings in ``env`` (the process environment)."""
    env = dict(os.environ if env is None else env)
    bind = env.get("KAKEHASHI_BIND") or f"127.0.0.1:{env.get('PORT', '8000')}"
    host, _, port = bind.rpartition(":")
    return [
        "--interface=wsgi",
        f"--host={host.strip('[]') or '127.0.0.1'}",
        f"--port={port}",
        f"--workers={int(env.get('WEB_CONCURRENCY') or 2)}",
        f"--blocking-threads={int(env.get('KAKEHASHI_THREADS') or 4)}",
        "--respawn-failed-workers",
        f"--workers-max-rss={int(env.get('KAKEHASHI_MAX_RSS') or 1024)}",
        "--workers-kill-timeout=30",
        "--no-ws",
        f"--log-level={env.get('KAKEHASHI_LOG_LEVEL') or 'info'}",
        "--access-log",
        f"--access-log-fmt={ACCESS_LOG_FORMAT}",
        APP,
    ]
