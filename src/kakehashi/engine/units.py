"""Amounts as people read them: a length of time in years and months, an amount in yen.

Stored years are decimals (経験 8.6 年, as a form or a file gives them); a desk says 「8年7か月」. The figure is rounded
to the month once, here, for every page and sentence that shows it (``kakehashi.core.units`` for pages, the
matching reasons for their own Japanese sentences).
"""

from __future__ import annotations


def years_months(years: float) -> tuple[int, int]:
    """8.6 → (8, 7); 0.5 → (0, 6); 3 → (3, 0): to the nearest month, never negative."""
    months = max(0, round(years * 12))
    return months // 12, months % 12


def years_text(years: float) -> str:
    """8.6 → 「8年7か月」, 3 → 「3年」, 0.5 → 「6か月」, 0 → 「0か月」."""
    y, m = years_months(years)
    if y and m:
        return f"{y}年{m}か月"
    return f"{y}年" if y else f"{m}か月"


def yen_text(amount: float) -> str:
    """150000 → 「150,000円」."""
    return f"{round(amount):,}円"
