"""Computing the slow results ahead of the pages: the day's market and the targeting model's coefficients, kept in
the database (``development.stored``) so that the first view of the board, the targets, the visit plan and the
postings nobody fits reads them instead of computing them. Run by the scheduled job ``development_refresh``
(``ops.jobs``) early each morning — the question is asked of a day, so yesterday's copies do not answer today's —
and by hand after an import (``kakehashi jobs run development_refresh``). What is already fresh is not computed
again."""

from __future__ import annotations

import datetime
from typing import Any

from .gap import market, market_is_fresh
from .targets import coefficients_are_fresh, coefficients_for


def refresh(day: datetime.date) -> dict[str, Any]:
    """Compute and store what is not fresh for ``day``; returns what was computed (1) or already fresh (0)."""
    counts = {"market": 0, "coefficients": 0}
    if not market_is_fresh(day):
        market(day, refresh=True)
        counts["market"] = 1
    if not coefficients_are_fresh(day):
        coefficients_for(day, refresh=True)
        counts["coefficients"] = 1
    return counts
