"""The progress report in its four forms — JSON, printable HTML, PDF and Excel — for the CLI and the views.

``progress_for`` reads what the user typed (site code, fiscal year, as-of date; 和暦 and full-width digits
accepted) and raises ``ReportError`` with a Japanese message for anything it cannot use.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from kakehashi.accounts.models import Site

from .periods import PeriodError, as_of_for, parse_fiscal_year
from .progress import SiteProgress, site_progress


class ReportError(ValueError):
    """A site, fiscal year or date the report cannot be made for; the message is Japanese."""


def find_site(code: str) -> Site:
    from kakehashi.engine.text import nfkc

    site = Site.objects.filter(code=nfkc(code).lower()).first()
    if site is None:
        known = "、".join(Site.objects.values_list("code", flat=True)) or "（なし）"
        raise ReportError(f"拠点「{code}」はありません。登録されている拠点コード：{known}")
    return site


def progress_for(site: str, fiscal_year: str, as_of: str | None,
                 today: datetime.date | None = None) -> SiteProgress:
    """The progress of ``site`` in ``fiscal_year`` as of ``as_of`` (default: today, or the year's end for a
    past year), from what a user typed."""
    found = find_site(site)
    try:
        fy = parse_fiscal_year(fiscal_year)
        day = as_of_for(fy, as_of, today or timezone.localdate())
    except PeriodError as e:
        raise ReportError(str(e)) from None
    return site_progress(found, fy, day)
