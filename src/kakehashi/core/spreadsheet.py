"""Cells written into files that people open in a spreadsheet (CSV, xlsx): text that a spreadsheet would run as
a formula is neutralised here, once, for every export.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some spreadsheets skip
before reading the rest) is read by Excel and LibreOffice as a formula: an indicator named
``=cmd|' /C calc'!A0`` would run a program on the reader's PC (OWASP "CSV injection"). Such text is written with a
leading apostrophe, which the spreadsheet shows as plain text. Numbers, dates and booleans are written as they
are: only text can carry a formula, and a negative number is a number, not text.
"""

import datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written into a cell: text that would be read as a formula gets a leading
    apostrophe; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def csv_text(value: Any) -> str:
    """A value as a CSV cell writes it: dates in ISO form, nothing for None, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(safe_cell(value))
