"""Spreadsheet exports never carry a formula from data: a name that starts with = + - @ is written as text
(``core.spreadsheet.safe_cell``), and a unit with a double quote keeps the number format valid."""

import datetime
import io

from openpyxl import load_workbook

from kakehashi.core.spreadsheet import safe_cell
from kakehashi.plans.models import Indicator, Target
from kakehashi.plans.progress import site_progress
from kakehashi.plans.report import _number_format, render_xlsx
from tests.world import World

ATTACK = "=cmd|' /C calc'!A0"


def test_an_indicator_named_like_a_formula_comes_back_as_text_and_its_number_keeps_its_value(world: World) -> None:
    indicator = Indicator.objects.create(key="injected", label=ATTACK, unit='人"', order=1)
    Target.objects.create(site=world.tamashima, fiscal_year=2025, indicator=indicator, target=1234)

    book = load_workbook(io.BytesIO(render_xlsx(site_progress(world.tamashima, 2025, datetime.date(2025, 10, 31)))))

    sheet = book.worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=5) if r[1].value == safe_cell(ATTACK))
    name, target = row[1], row[2]
    assert name.data_type == "s" and not str(name.value).startswith("=")  # text, not a formula
    assert name.value == "'" + ATTACK
    assert (target.value, target.data_type) == (1234, "n")
    assert target.number_format == '#,##0"人"\\"""'
    assert not any(c.data_type == "f" for ws in book.worksheets for r in ws.iter_rows() for c in r)


def test_the_number_format_quotes_the_unit_whatever_it_holds() -> None:
    assert _number_format("") == "#,##0"
    assert _number_format("人") == '#,##0"人"'
    assert _number_format('a"b') == '#,##0"a"\\""b"'
