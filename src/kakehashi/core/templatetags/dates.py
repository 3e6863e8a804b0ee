"""``{{ day|day }}`` → 「2026年10月31日」 / "31 Oct 2026", ``{{ month|month }}`` → 「2026年10月」 / "Oct 2026",
``{{ at|moment }}`` → 「2026年10月31日 14:05」 / "31 Oct 2026 14:05" (``kakehashi.core.dates``)."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from kakehashi.core.dates import western_date_label, year_month_label

register = template.Library()


@register.filter
def day(value: datetime.date | None) -> str:
    """A day in the Western calendar in the reader's language; empty for no date."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return western_date_label(value) if isinstance(value, datetime.date) else ""


@register.filter
def month(value: datetime.date | None) -> str:
    """A month in the reader's language; empty for no date."""
    return year_month_label(value) if isinstance(value, datetime.date) else ""


@register.filter
def moment(value: datetime.datetime | None) -> str:
    """A day and time in the reader's language; empty for none."""
    if not isinstance(value, datetime.datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{western_date_label(local.date())} {local:%H:%M}"
