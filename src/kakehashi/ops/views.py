"""``/healthz``: whether the database answers and the scheduled jobs keep succeeding, for a monitor."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import jobs

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status", "database", "jobs": {name: {"status", "last_success", "last_run", "last_run_ok"}}}``.

    HTTP 503 when the database does not answer or a job is ``late`` or ``never`` succeeded (see
    ``jobs.JobHealth``). No sign-in: it shows dates and status words, nothing about a person, and no error text.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        standing = jobs.health(timezone.now())
    except Exception:  # any database failure means unhealthy; the detail is for the log, not the probe
        logger.exception("healthz: the database does not answer")
        return JsonResponse({"status": "error", "database": "error",
                             "jobs": {name: {"status": "unknown"} for name in jobs.JOBS}}, status=503)
    healthy = all(h.healthy for h in standing)
    return JsonResponse({"status": "ok" if healthy else "error", "database": "ok",
                         "jobs": {h.job.name: h.as_dict() for h in standing}},
                        status=200 if healthy else 503)
