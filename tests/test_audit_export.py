"""`kakehashi audit export`: who saw or changed what, and every provision of a seeker's data to another party
with the consent it rested on (第三者提供の記録), read back from the files it writes."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kakehashi.audit import chain
from kakehashi.audit.export import EVENT_HEADERS, PROVISION_HEADERS
from kakehashi.audit.log import record
from kakehashi.audit.models import Action, AuditEvent
from kakehashi.seekers.models import Consent
from tests.world import World

TOKYO = datetime.timezone(datetime.timedelta(hours=9))
# 2026-05-01 00:30 in Tokyo is still 30 April in UTC: the export counts days on the installation's clock.
AT = datetime.datetime(2026, 4, 30, 15, 30, 0, 123456, tzinfo=datetime.UTC)
# As a spreadsheet holds it: Tokyo time, to the second, without a zone.
IN_TOKYO = AT.astimezone(TOKYO).replace(tzinfo=None, microsecond=0)
CONSENT_GIVEN = datetime.datetime.combine(datetime.date(2025, 4, 1), datetime.time())


@pytest.fixture
def events(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, AuditEvent]:
    """Three reads at AT: hana sees a recipient on the ground of their consent to Hello Work (a provision from
    the city, which the welfare office referred them to), and a seeker Hello Work holds itself; the Center's
    promoter opens a page whose purpose starts like a formula."""
    monkeypatch.setattr(timezone, "now", lambda: AT)
    welfare, own = world.seekers["s_welfare"], world.seekers["s_hw"]
    consent = Consent.objects.get(seeker=welfare, party="hello_work")
    made = {
        "provision": record(world.hana, Action.VIEW, "seekers.Seeker", [welfare.pk], purpose="求職者詳細",
                            persons={welfare.pk: f"consent:{consent.pk}"}, detail={"path": f"/seekers/{welfare.pk}/"}),
        "own": record(world.hana, Action.VIEW, "seekers.Seeker", [own.pk], purpose="求職者詳細",
                      persons={own.pk: "holder"}),
        "formula": record(world.sen, Action.VIEW, "employers.Employer", [world.employer.pk],
                          purpose="=HYPERLINK(\"http://example.invalid\")", detail={"q": "@SUM(1)"}),
    }
    monkeypatch.undo()
    return made


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", "export", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_xlsx_holds_the_events_and_the_provisions_on_two_sheets(world: World, events: dict[str, AuditEvent],
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "audit.xlsx"
    export("--from", "2026-05-01", "--to", "2026-05-01", "--format", "xlsx", "--output", str(path))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["操作記録", "第三者提供記録"]
    rows = list(book["操作記録"].iter_rows(values_only=True))
    assert list(rows[0]) == EVENT_HEADERS
    assert [r[0] for r in rows[1:]] == [e.seq for e in events.values()]
    provision = rows[1]
    assert list(provision[:9]) == [
        events["provision"].seq, IN_TOKYO, "花子 ハローワーク（hana）",
        "ハローワーク倉敷中央", "職業相談員", "閲覧", "求職者", str(world.seekers["s_welfare"].pk), "S-WEL-1（同意）"]
    assert provision[9:] == ("求職者詳細", f'{{"path": "/seekers/{world.seekers["s_welfare"].pk}/"}}')
    assert rows[2][8] == "S-HW-1（保有機関）"
    assert rows[3][9:] == ("'=HYPERLINK(\"http://example.invalid\")", '{"q": "@SUM(1)"}')

    given = list(book["第三者提供記録"].iter_rows(values_only=True))
    assert list(given[0]) == PROVISION_HEADERS
    assert given[1:] == [(
        events["provision"].seq, IN_TOKYO,
        "倉敷市（紹介元：倉敷市玉島福祉事務所）", "ハローワーク倉敷中央", "花子 ハローワーク（hana）", "S-WEL-1",
        f"求職者 {world.seekers['s_welfare'].pk}", "求職者詳細", CONSENT_GIVEN,
        "就労支援のための情報共有", "ハローワーク", None)]


def test_the_days_are_those_of_the_installations_clock(events: dict[str, AuditEvent], tmp_path: Path) -> None:
    path = tmp_path / "audit.csv"
    export("--from", "2026-04-01", "--to", "2026-04-30", "--format", "csv", "--output", str(path))
    assert len(path.read_text(encoding="utf-8-sig").splitlines()) == 1  # the header: 00:30 on 1 May in Tokyo
    export("--from", "令和8年5月1日", "--to", "R8.5.1", "--format", "csv", "--output", str(path))
    assert len(path.read_text(encoding="utf-8-sig").splitlines()) == 4


def test_the_csv_is_one_table_in_utf8_with_a_bom(world: World, events: dict[str, AuditEvent],
                                                tmp_path: Path) -> None:
    path = tmp_path / "provisions.csv"
    export("--from", "2026-05-01", "--to", "2026-05-01", "--format", "csv", "--records", "provisions",
           "--output", str(path))
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == PROVISION_HEADERS
    assert rows[1][:6] == [str(events["provision"].seq), "2026-05-01 00:30:00",
                           "倉敷市（紹介元：倉敷市玉島福祉事務所）", "ハローワーク倉敷中央", "花子 ハローワーク（hana）",
                           "S-WEL-1"]
    assert rows[1][8:] == ["2025-04-01", "就労支援のための情報共有", "ハローワーク", ""]
    assert len(rows) == 2

    text = export("--from", "2026-05-01", "--to", "2026-05-01", "--format", "csv")  # events, to stdout
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == EVENT_HEADERS and len(rows) == 4
    assert rows[3][9] == "'=HYPERLINK(\"http://example.invalid\")"


def test_a_seekers_disclosure_report_holds_only_their_records(world: World, events: dict[str, AuditEvent],
                                                            tmp_path: Path) -> None:
    path = tmp_path / "S-HW-1.xlsx"
    export("--from", "2026-04-01", "--to", "2026-05-31", "--seeker", "S-HW-1", "--format", "xlsx",
           "--output", str(path))
    book = openpyxl.load_workbook(path)
    assert [r[0] for r in book["操作記録"].iter_rows(min_row=2, values_only=True)] == [events["own"].seq]
    assert list(book["第三者提供記録"].iter_rows(min_row=2, values_only=True)) == []


def test_the_export_is_itself_audited_naming_the_people_it_shows(world: World, events: dict[str, AuditEvent],
                                                                tmp_path: Path) -> None:
    export("--from", "2026-05-01", "--to", "2026-05-01", "--seeker", "S-WEL-1", "--format", "xlsx",
           "--output", str(tmp_path / "out.xlsx"), "--user", "admin")
    row = AuditEvent.objects.latest("seq")
    assert (row.action, row.model, row.username, row.purpose) == ("export", "audit.AuditEvent", "admin",
                                                                   "監査ログの出力")
    assert row.detail == {"from": "2026-05-01", "to": "2026-05-01", "seeker": "S-WEL-1", "format": "xlsx",
                          "records": ["events", "provisions"], "rows": {"events": 1, "provisions": 1}}
    assert list(row.persons.values_list("seeker_id", "basis")) == [(world.seekers["s_welfare"].pk,
                                                                    "administrator")]
    assert chain.verify().ok


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-13-01", "--to", "2026-05-01"], "存在しない日付"),
    (["--from", "2026-05-02", "--to", "2026-05-01"], "初日（2026-05-02）が末日（2026-05-01）より後"),
    (["--from", "2026-05-01", "--to", "2026-05-01", "--seeker", "S-NONE"], "求職者ID「S-NONE」"),
    (["--from", "2026-05-01", "--to", "2026-05-01", "--output", "/nonexistent/dir/a.csv"], "フォルダはありません"),
    (["--from", "2026-05-01", "--to", "2026-05-01", "--user", "nobody"], "ユーザー「nobody」"),
])
def test_a_wrong_request_is_refused_in_japanese_and_exports_nothing(events: dict[str, AuditEvent],
                                                                   args: list[str], message: str) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=message):
        export(*args, "--format", "csv")
    assert AuditEvent.objects.count() == before
