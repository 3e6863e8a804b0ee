"""Every list of the staff interface as CSV (UTF-8 with a BOM, CP932) and xlsx (``core.exports``, ``core.tables``):
as every user of the test world, against the records planted with canaries.

For each list and format: the file opens (openpyxl for the workbook, ``csv`` for both CSVs) with the headings
of the columns the user may see; dates are dates and numbers are numbers; no canary reaches a user the rules do
not name (``tests.canaries.ALLOWED``) and, beside a person's name, no sign of welfare reaches the Center; each
download writes one audit row of 出力; a user the list's route refuses gets a 403 and no file. Then the filters,
the formula guard, CP932, the download links on the pages, and the progress workbook's 目標比.

Last, LibreOffice headless opens every file as a desk's spreadsheet program would (Debian's
libreoffice-calc-nogui, installed by ``make test``).
"""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from kakehashi.accounts.policy import may_open
from kakehashi.audit.models import AuditEvent
from kakehashi.core import tables
from kakehashi.core.exports import BOOL, DATE, DATETIME, INT, TRUE_MARK, Table
from kakehashi.employers.models import Employer
from kakehashi.plans.models import Indicator, Target
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker
from tests.canaries import (
    ALLOWED,
    BARRIERS,
    CANARY_NAME,
    DEVELOPMENT_NOTE,
    EMPLOYER_NOTE,
    HW_ONLY_NOTE,
    NOT_TOLD_WELFARE,
    WELFARE_SIGNS,
    Canaries,
    plant,
)
from tests.world import USERNAMES, World, client_for

FORMATS = ("csv", "csv-sjis", "xlsx")


@dataclass(frozen=True)
class Listing:
    route: str
    url: str
    table: Table


def listings(c: Canaries) -> list[Listing]:
    return [
        Listing("seekers:list", "/seekers/", tables.SEEKERS),
        Listing("employers:list", "/employers/", tables.EMPLOYERS),
        Listing("postings:list", "/postings/?open=0", tables.POSTINGS),
        Listing("referrals:list", "/referrals/", tables.REFERRALS),
        Listing("development:contacts", "/development/contacts/?fy=2025", tables.VISITS),
        Listing("governance:request_list", "/governance/requests/", tables.REQUESTS),
        Listing("welfare:list", "/welfare/?status=all", tables.WELFARE_CASES),
        Listing("seekers:audit_trail", f"/seekers/{c.seeker.pk}/audit/", tables.AUDIT_TRAIL),
    ]


def with_format(url: str, fmt: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}format={fmt}"


@dataclass
class Sheet:
    headings: list[str]
    rows: list[list[Any]]
    cells: list[list[Any]]  # openpyxl's cells (xlsx only), for their number formats

    @property
    def text(self) -> str:
        return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in [self.headings, *self.rows])

    def column(self, heading: str) -> list[Any]:
        i = self.headings.index(heading)
        return [row[i] for row in self.rows]


def read(content: bytes, fmt: str) -> Sheet:
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        cells = [list(r) for r in sheet.iter_rows()]
        return Sheet([str(c.value) for c in cells[0]], [[c.value for c in r] for r in cells[1:]], cells[1:])
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
        text = content[3:].decode("utf-8")
    else:
        text = content.decode("cp932")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return Sheet(rows[0], [[v or None for v in r] for r in rows[1:]], [])


def get(client: Client, url: str) -> Any:
    return client.get(url)


def last_audit() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def check_types(table: Table, sheet: Sheet, user: Any) -> None:
    """Each column's cells carry its type: in the workbook as Excel types with their formats, in the CSV as the
    text a spreadsheet reads back as the same."""
    columns = table.columns_for(user)
    assert sheet.headings == [str(c.label) for c in columns]
    for i, column in enumerate(columns):
        for r, value in enumerate(sheet.rows):
            v = value[i]
            if v is None:
                continue
            if sheet.cells:
                cell = sheet.cells[r][i]
                if column.kind in (DATE, DATETIME):
                    assert isinstance(v, datetime.datetime) and cell.is_date, (column.label, v)
                    assert cell.number_format.startswith("yyyy-mm-dd")
                elif column.kind == INT:
                    assert isinstance(v, int) and cell.number_format == "#,##0", (column.label, v)
                else:
                    assert isinstance(v, str) and cell.data_type == "s", (column.label, v)
            elif column.kind == DATE:
                datetime.date.fromisoformat(v)
            elif column.kind == DATETIME:
                datetime.datetime.strptime(v + " +0900", "%Y-%m-%d %H:%M:%S %z")
            elif column.kind == INT:
                int(v)
            if column.kind == BOOL:
                assert v == TRUE_MARK


@pytest.mark.parametrize("username", USERNAMES)
def test_every_list_exports_in_three_formats_within_what_the_user_may_see(world: World, username: str) -> None:
    c = plant(world)
    client = client_for(username)
    user = world.users[username]
    client_for("hiro").get(f"/seekers/{c.seeker.pk}/")  # a read for the trail to show
    visible_canary = Seeker.objects.restrict(user).filter(pk=c.seeker.pk).exists()
    problems = []
    for listing in listings(c):
        for fmt in FORMATS:
            start = last_audit()
            r = get(client, with_format(listing.url, fmt))
            new = list(AuditEvent.objects.filter(pk__gt=start).prefetch_related("persons"))
            if not may_open(user, listing.route):
                assert r.status_code == 403, (listing.route, fmt, r.status_code)
                assert not [e for e in new if e.action == "export"]
                continue
            if listing.route == "seekers:audit_trail" and not visible_canary:
                assert r.status_code == 404, (listing.route, r.status_code)
                continue
            assert r.status_code == 200, (listing.route, fmt, r.status_code)
            assert r["Content-Disposition"].startswith(f'attachment; filename="{listing.table.name}-')
            sheet = read(r.content, fmt)
            check_types(listing.table, sheet, user)
            text = sheet.text
            for canary, allowed in ALLOWED.items():
                if canary in text and username not in allowed:
                    problems.append((listing.route, fmt, canary))
            if username in NOT_TOLD_WELFARE and CANARY_NAME in text:
                problems += [(listing.route, fmt, sign) for sign in WELFARE_SIGNS if sign in text]
            exports = [e for e in new if e.action == "export"]
            assert len(exports) == 1, (listing.route, fmt, [(e.action, e.model) for e in new])
            event = exports[0]
            assert event.detail["export"]["format"] == fmt and event.detail["export"]["rows"] == len(sheet.rows)
            if event.model == "seekers.Seeker":  # a file of people names each of them
                texts = [v for row in sheet.rows for v in row if isinstance(v, str)]
                names = set(Seeker.objects.filter(name__in=texts).values_list("pk", flat=True))
                assert names <= {p.seeker_id for p in event.persons.all()}
            else:
                assert event.model == listing.table.model
                assert CANARY_NAME not in text
    assert problems == []


def test_a_field_the_user_may_not_see_is_no_column_and_a_hidden_value_no_cell(world: World) -> None:
    c = plant(world)
    headings = {}
    for username in ("hana", "sen"):
        r = client_for(username).get("/seekers/?format=xlsx")
        headings[username] = read(r.content, "xlsx").headings
    assert {"拠点", "生活保護受給"} <= set(headings["hana"])
    assert not {"拠点", "生活保護受給"} & set(headings["sen"])
    hana = read(client_for("hana").get("/seekers/?q=見張&format=xlsx").content, "xlsx")
    assert hana.column("生活保護受給") == [TRUE_MARK] and BARRIERS not in hana.text
    sen = read(client_for("sen").get("/seekers/?q=見張&format=csv").content, "csv")
    assert sen.column("氏名") == [CANARY_NAME]  # the person consented to the Center
    # the employer's comments: Hello Work's and the city's, no column for the Center or a welfare office
    for username, shown in (("hana", True), ("chika", True), ("sen", False), ("fuku", False)):
        sheet = read(client_for(username).get("/referrals/?format=xlsx").content, "xlsx")
        assert ("事業所からの評価・連絡" in sheet.headings) is shown, username
        assert (EMPLOYER_NOTE in sheet.text) is shown, username
    # a visit for a seeker the Center may not see: the visit is listed, the seeker and the note are empty
    sheet = read(client_for("sen").get("/development/contacts/?fy=2025&format=xlsx").content, "xlsx")
    rows = {row[sheet.headings.index("訪問ID")]: row for row in sheet.rows}
    hidden = rows[c.hw_visit.visit_id]
    for heading in ("個別求人開拓の求職者ID", "個別求人開拓の求職者", "記録"):
        assert hidden[sheet.headings.index(heading)] is None
    assert DEVELOPMENT_NOTE in sheet.text and HW_ONLY_NOTE not in sheet.text


def test_the_file_holds_the_rows_the_screen_filters_every_page_at_once(world: World) -> None:
    for n in range(60):  # more than a page (50)
        Posting.objects.create(posting_id=f"33010-9{n:04d}", employer=world.employer, site=world.tamashima,
                               received_on=datetime.date(2025, 4, 2), occupation=world.posting.occupation,
                               openings=1, postal_code="713-8121", title=f"検品 {n}", employment="part_time",
                               wage_unit="hour", wage_min=1000 + n)
    c = client_for("hana")
    sheet = read(c.get("/postings/?open=0&employment=part_time&format=xlsx").content, "xlsx")
    assert len(sheet.rows) == 60 and all(t.startswith("検品") for t in sheet.column("職種"))
    assert sheet.column("求人番号") == [f"33010-9{n:04d}" for n in range(60)]  # the screen's order
    assert sheet.column("賃金（下限）")[:2] == [1000, 1001]
    full = read(c.get("/postings/?open=0&format=csv&page=2").content, "csv")  # the page number is no filter
    assert len(full.rows) == 61
    assert read(c.get("/seekers/?q=見張&format=csv").content, "csv").rows == []  # no canary planted here


def test_numbers_and_dates_keep_their_types(world: World) -> None:
    sheet = read(client_for("hana").get("/postings/?open=0&format=xlsx").content, "xlsx")
    row = dict(zip(sheet.headings, sheet.cells[0], strict=True))
    received = datetime.datetime.combine(datetime.date(2025, 4, 1), datetime.time())  # a date cell reads back so
    assert (row["受理日"].value, row["受理日"].number_format) == (received, "yyyy-mm-dd")
    assert (row["賃金（下限）"].value, row["賃金（下限）"].data_type) == (170000, "n")
    assert (row["求人数"].value, row["開拓求人"].value) == (2, TRUE_MARK)
    csv_row = dict(zip(*(lambda s: (s.headings, s.rows[0]))(read(
        client_for("hana").get("/postings/?open=0&format=csv").content, "csv")), strict=True))
    assert (csv_row["受理日"], csv_row["賃金（下限）"]) == ("2025-04-01", "170000")


def test_text_that_would_run_as_a_formula_is_written_as_text(world: World) -> None:
    attacks = ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)"]
    for n, name in enumerate(attacks):
        Employer.objects.create(employer_id=f"E-F{n}", name=name, industry=world.employer.industry,
                                postal_code="713-8121")
    c = client_for("hana")
    book = load_workbook(io.BytesIO(c.get("/employers/?format=xlsx").content))
    assert not any(cell.data_type == "f" for row in book.worksheets[0].iter_rows() for cell in row)
    for fmt in FORMATS:
        names = read(c.get(f"/employers/?format={fmt}").content, fmt).column("事業所")
        assert sorted(n for n in names if n.startswith("'")) == sorted("'" + a for a in attacks), fmt


def test_cp932_writes_what_excel_shows_and_marks_what_it_cannot_hold(world: World) -> None:
    Posting.objects.filter(pk=world.posting.pk).update(title="𠮷野家 9:00〜18:00 −")
    c = client_for("hana")
    sjis = read(c.get("/postings/?open=0&format=csv-sjis").content, "csv-sjis")
    utf8 = read(c.get("/postings/?open=0&format=csv").content, "csv")
    assert sjis.column("職種") == ["〓野家 9:00～18:00 －"]
    assert utf8.column("職種") == ["𠮷野家 9:00〜18:00 −"]
    assert c.get("/postings/?open=0&format=csv-sjis")["Content-Type"] == "text/csv; charset=Shift_JIS"


def test_a_file_of_records_without_persons_writes_its_own_row_and_a_bad_format_none(world: World) -> None:
    c = client_for("sen")
    start = last_audit()
    c.get("/employers/?member=1&format=csv")
    [event] = AuditEvent.objects.filter(pk__gt=start)
    assert (event.action, event.model, event.username, event.purpose) == (
        "export", "employers.Employer", "sen", "事業所一覧")
    assert event.detail["export"] == {"format": "csv", "rows": 1, "filters": {"member": "1"}}
    start = last_audit()
    r = c.get("/employers/?format=pdf")
    assert r.status_code == 400 and "csv" in r.content.decode()
    assert not AuditEvent.objects.filter(pk__gt=start).exists()


def test_each_list_page_links_its_files_with_its_filters(world: World) -> None:
    c = plant(world)
    pages = {"hiro": [*[x.url for x in listings(c) if x.route != "welfare:list"], f"/seekers/{c.seeker.pk}/"],
             "fukum": ["/welfare/?status=all"]}
    for username, urls in pages.items():
        client = client_for(username)
        for url in urls:
            html = client.get(url + ("&" if "?" in url else "?") + "page=1").content.decode()
            assert html.count('download data-format="') == 3, url
            assert "page=1&amp;format" not in html and "format=csv-sjis" in html, url
            for label in ("CSV", "CSV（Excel用 Shift_JIS）", "Excel"):
                assert f">{label}</a>" in html, (url, label)
    html = client_for("hana").get("/seekers/?q=%E8%A6%8B&status=active").content.decode()
    assert "?q=%E8%A6%8B&amp;status=active&amp;format=xlsx" in html


def test_the_progress_workbook_gives_the_share_of_the_target_as_a_percentage(world: World) -> None:
    placements = Indicator.objects.get(key="placements")
    Target.objects.create(site=world.tamashima, fiscal_year=2025, indicator=placements, target=35)
    r = client_for("hiro").get("/plans/report/tamashima/2025/?as_of=2025-10-31&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert sheet.cell(row=4, column=5).value == "目標比"
    shares = [row[4] for row in sheet.iter_rows(min_row=5) if isinstance(row[4].value, float | int)]
    assert shares and all(c.number_format == "0.0%" for c in shares)


def libreoffice(files: list[Path], to: str, outdir: Path, infilter: str = "") -> None:
    """Convert ``files`` with LibreOffice headless, one process for all, with a profile of its own."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (make test installs Debian's libreoffice-calc-nogui)")
    args = [soffice, f"-env:UserInstallation=file://{outdir}/profile", "--headless", "--norestore"]
    if infilter:
        args.append(f"--infilter={infilter}")
    subprocess.run([*args, "--convert-to", to, "--outdir", str(outdir), *map(str, files)],  # noqa: S603  # LibreOffice from PATH, our own files
                   check=True, capture_output=True, timeout=180)


def test_libreoffice_opens_every_file_with_its_types_and_runs_no_formula(world: World, tmp_path: Path) -> None:
    """What a desk's spreadsheet program makes of the files: LibreOffice reads each list's workbook (read back as
    the CSV it writes, values as formatted) and each CSV, UTF-8 and Shift_JIS (read back as the workbook it
    writes, with the types it recognised)."""
    c = plant(world)
    Employer.objects.create(employer_id="E-FX", name='=HYPERLINK("http://x")', industry=world.employer.industry,
                            postal_code="713-8121")
    client = client_for("hana")
    expected: dict[str, Sheet] = {}
    for n, listing in enumerate(listings(c)):
        for fmt, suffix in (("xlsx", "xlsx"), ("csv", "csv"), ("csv-sjis", "csv")):
            r = client.get(with_format(listing.url, fmt))
            if r.status_code != 200:
                continue
            name = f"{n}-{fmt}"
            (tmp_path / f"{name}.{suffix}").write_bytes(b"".join(r) if r.streaming else r.content)
            expected[name] = read((tmp_path / f"{name}.{suffix}").read_bytes(), fmt)
    assert {k.split("-", 1)[1] for k in expected} == set(FORMATS) and len(expected) >= 3 * 5

    out = tmp_path / "out"
    out.mkdir()
    libreoffice(sorted(tmp_path.glob("*-xlsx.xlsx")), "csv:Text - txt - csv (StarCalc):44,34,76,1", out)
    for path in sorted(out.glob("*-xlsx.csv")):
        want = expected[path.stem]
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        assert rows[0] == want.headings and len(rows) - 1 == len(want.rows), path.stem
        for got, row in zip(rows[1:], want.rows, strict=True):
            for shown, value in zip(got, row, strict=True):
                if isinstance(value, datetime.datetime):
                    assert shown.startswith(value.strftime("%Y-%m-%d")), (path.stem, shown, value)
                elif isinstance(value, int):
                    assert shown == f"{value:,}", (path.stem, shown, value)
                else:
                    assert shown == ("" if value is None else str(value)), (path.stem, shown, value)
    assert len(list(out.glob("*-xlsx.csv"))) == len([k for k in expected if k.endswith("-xlsx")])

    for encoding, filt, fmt in (("UTF-8", "44,34,76,1", "csv"), ("Shift_JIS", "44,34,60,1", "csv-sjis")):
        files = sorted(tmp_path.glob(f"*-{fmt}.csv"))
        libreoffice(files, "xlsx", out, infilter=f"Text - txt - csv (StarCalc):{filt}")
        for path in files:
            want = expected[path.stem]
            sheet = load_workbook(out / f"{path.stem}.xlsx").worksheets[0]
            rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
            assert [str(v) for v in rows[0]] == want.headings, (encoding, path.stem)
            assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row), (encoding, path.stem)
            for got, row in zip(rows[1:], want.rows, strict=True):
                for value, text in zip(got, row, strict=True):
                    if text is not None and text.isdigit() and not text.startswith("0"):
                        assert value == int(text), (encoding, path.stem, value, text)  # a number, not text
    employers = [k for k in expected if k.startswith("1-")]  # the employer list, where the formula was planted
    assert len(employers) == 3 and all("'=HYPERLINK(\"http://x\")" in expected[k].column("事業所") for k in employers)
