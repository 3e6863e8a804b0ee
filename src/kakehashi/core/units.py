"""Years and yen as every page writes them, in the user's language (the arithmetic: ``engine.units``).

「8年7か月」 rather than 8.6年, 「月給 150,000円」 rather than 150000: one spelling on every page, through the
template filters ``years``, ``yen`` and ``wage`` (``{% load units %}``) and, in Python, these functions.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from kakehashi.engine.units import years_months

WAGE_UNITS = {"month": N_("月給"), "hour": N_("時給")}


def years_label(value: Any) -> str:
    """8.6 → 「8年7か月」; None or no number → ""."""
    try:
        years = float(value)
    except (TypeError, ValueError):
        return ""
    y, m = years_months(years)
    if y and m:
        return _("%(y)d年%(m)dか月") % {"y": y, "m": m}
    return _("%(y)d年") % {"y": y} if y else _("%(m)dか月") % {"m": m}


def yen_label(value: Any) -> str:
    """150000 → 「150,000円」; None or no number → ""."""
    try:
        amount = round(float(value))
    except (TypeError, ValueError):
        return ""
    return _("%(amount)s円") % {"amount": f"{amount:,}"}


def wage_label(value: Any, unit: Any = None) -> str:
    """(150000, "month") → 「月給 150,000円」; an unknown unit → the amount alone."""
    amount = yen_label(value)
    label = WAGE_UNITS.get(str(unit or ""))
    return f"{_(label)} {amount}" if amount and label else amount
