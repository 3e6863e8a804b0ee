"""The council report's 実施体制 lists the site's job-search terminals beside its equipment, with their use in the
as-of month and in the fiscal year to the as-of date, summed from the terminals' daily counts."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings
from openpyxl import load_workbook

from kakehashi.plans.report import progress_for, report_context
from kakehashi.terminal import actions
from kakehashi.terminal.models import FIGURES, DailyCount
from tests.terminals import enrolled_terminal
from tests.world import World

D = datetime.date
AS_OF = "2025-10-20"


def _counts(world: World) -> None:
    """Two Tamashima terminals' days in FY2025 (one in October), and days that must not count: before the
    year, after the as-of date, at Mizushima."""
    entrance, second = enrolled_terminal(world), enrolled_terminal(world, "二台目")
    mizushima = actions.do_enrol(
        actions.do_register_terminal(world.mizushima, "水島の端末", acting_user=world.hiro).code
    )
    DailyCount.objects.bulk_create(
        [
            DailyCount(
                terminal=entrance,
                day=D(2025, 4, 10),
                sessions=3,
                searches=7,
                views=5,
                prints=1,
                tickets=2,
                referred=1,
            ),
            DailyCount(
                terminal=entrance,
                day=D(2025, 10, 1),
                sessions=2,
                searches=4,
                views=3,
                prints=0,
                tickets=1,
                referred=0,
            ),
            DailyCount(
                terminal=second,
                day=D(2025, 10, 20),
                sessions=4,
                searches=6,
                views=2,
                prints=2,
                tickets=1,
                referred=1,
            ),
            DailyCount(terminal=entrance, day=D(2025, 3, 31), sessions=50, searches=50),
            DailyCount(terminal=second, day=D(2025, 10, 21), sessions=60, searches=60),
            DailyCount(terminal=mizushima, day=D(2025, 10, 1), sessions=70, searches=70),
        ]
    )


def test_the_terminals_sessions_in_the_year_appear_with_the_equipment(world: World) -> None:
    _counts(world)
    use = report_context(progress_for("tamashima", "2025", AS_OF), charts=False)["terminal_use"]
    assert use["terminals"] == 2
    got = {f["key"]: (f["month"], f["year"]) for f in use["figures"]}
    assert got == {
        "sessions": (6, 9),
        "searches": (10, 17),
        "views": (5, 10),
        "prints": (2, 3),
        "tickets": (2, 4),
        "referred": (1, 2),
    }
    assert [f["key"] for f in use["figures"]] == list(FIGURES)


@override_settings(LANGUAGE_CODE="ja")
def test_the_html_and_xlsx_reports_show_the_terminals_use(world: World, tmp_path: Path) -> None:
    _counts(world)
    html, xlsx = tmp_path / "report.html", tmp_path / "report.xlsx"
    for fmt, out in (("html", html), ("xlsx", xlsx)):
        call_command(
            "report",
            "progress",
            "--site",
            "tamashima",
            "--fiscal-year",
            "2025",
            "--as-of",
            AS_OF,
            "--format",
            fmt,
            "--out",
            str(out),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    page = html.read_text(encoding="utf-8")
    block = page[page.index('id="terminal-use"') :]
    assert "求人検索端末2台" in block
    assert 'data-figure="sessions">利用　<span class="fig">6</span>・<span class="fig">9</span>' in block
    ws = load_workbook(xlsx).worksheets[0]
    rows = [[c.value for c in row[:4]] for row in ws.iter_rows()]
    assert [None, "利用", 6, 9] in rows and [None, "紹介に至った受付", 1, 2] in rows


def test_a_site_without_terminals_lists_only_its_equipment(world: World) -> None:
    terminal = enrolled_terminal(world)
    DailyCount.objects.create(terminal=terminal, day=D(2024, 10, 1), sessions=5)
    actions.do_revoke_terminal(terminal, acting_user=world.hiro)
    assert report_context(progress_for("tamashima", "2025", AS_OF), charts=False)["terminal_use"] is None
    assert report_context(progress_for("mizushima", "2025", AS_OF), charts=False)["terminal_use"] is None
