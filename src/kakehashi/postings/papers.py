"""The 求人票 (posting sheet) as a PDF, in the boxed A4 layout Hello Work offices hand out.

The desk hands the sheet to seekers and the self-service terminals print it for them: it shows the employer's
name and trade but not how to reach the employer (number, phone, address), since a seeker applies through a
referral, which gives those. The desk's own copy (``for_staff=True``) adds them. A posting is no one's personal
data, so the sheet names no person.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from kakehashi.core.units import wage_label, yen_label
from kakehashi.engine.calendar import wareki
from kakehashi.governance.pdf import render_pdf

from .models import Posting


def wage_text(posting: Posting) -> str:
    """「月給 170,000円〜200,000円」; the lower bound alone, or the upper bound alone, as given."""
    if posting.wage_min is None:
        return f"〜{yen_label(posting.wage_max)}" if posting.wage_max is not None else ""
    low = wage_label(posting.wage_min, posting.wage_unit)
    return f"{low}〜{yen_label(posting.wage_max)}" if posting.wage_max is not None else low


def posting_sheet_html(posting: Posting, *, for_staff: bool = False) -> str:
    """The sheet as HTML (what ``posting_sheet_pdf`` prints)."""
    return render_to_string(
        "postings/sheet_pdf.html",
        {
            "posting": posting,
            "for_staff": for_staff,
            "wage": wage_text(posting),
            "received_on": wareki(posting.received_on),
            "closes_on": wareki(posting.closes_on) if posting.closes_on else "",
            "printed_on": wareki(timezone.localdate()),
        },
    )


def posting_sheet_pdf(posting: Posting, *, for_staff: bool = False) -> bytes:
    """The 求人票 of ``posting`` as PDF bytes (A4, Japanese fonts embedded); employer contact details only
    with ``for_staff``."""
    return render_pdf(posting_sheet_html(posting, for_staff=for_staff))
