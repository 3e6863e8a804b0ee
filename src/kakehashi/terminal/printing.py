"""The 求人票 PDF a terminal prints, from ``postings.papers`` when that module is installed: the public sheet,
without the employer's contact details."""

from __future__ import annotations

import importlib
import importlib.util

from kakehashi.postings.models import Posting

MODULE = "kakehashi.postings.papers"


def available() -> bool:
    try:
        return importlib.util.find_spec(MODULE) is not None
    except ImportError:
        return False


def sheet(posting: Posting) -> bytes:
    papers = importlib.import_module(MODULE)
    pdf: bytes = papers.posting_sheet_pdf(
        posting, for_staff=False
    )  # the employer's contact stays at the desk
    return pdf
