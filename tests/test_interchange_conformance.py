"""What interchange v1 allows imports; what neither database could store, or no count could use, is a named row
error — the same verdict on SQLite and PostgreSQL, since every check runs before anything is written.

The suite runs on both databases (``make test``), so each test here is the same-verdict check for its case.
"""

import datetime
import json
import zipfile
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kakehashi.audit.models import AuditEvent
from kakehashi.employers.models import Employer, EmployerVisit
from kakehashi.plans.models import Target
from kakehashi.plans.progress import site_progress
from kakehashi.postings.models import Posting
from kakehashi.referrals.actions import ActionError, do_record_outcome
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from tests.world import World

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "interchange"
D = datetime.date

# One good row of each file, naming only what the test world stores.
GOOD = {
    "employers": ("employer_id,name,industry,postal_code,employees,phone",
                  "E-9,玉島工業株式会社,11,713-8121,10,086-000-0000"),
    "seekers": ("seeker_id,site,registered_on,postal_code,desired_occupations,min_wage,birth_year,max_commute_km,note",
                "S-9,tamashima,2025-04-01,713-8121,073,1000,1980,5,メモ"),
    "postings": ("posting_id,employer_id,site,received_on,occupation,openings,postal_code,wage_min,wage_max,title,"
                 "closes_on", "33010-9,E-1,tamashima,2025-04-01,073,1,713-8121,1000,2000,求人,2025-07-01"),
    "visits": ("visit_id,employer_id,visited_on,by,hiring_need_openings,note", "V-9,E-1,2025-04-01,center,1,メモ"),
    "referrals": ("referral_id,seeker_id,posting_id,referred_on,outcome,outcome_on",
                  "R-9,S-HW-1,33010-00001,2025-05-01,hired,2025-05-10"),
    "targets": ("fiscal_year,site,indicator,target", "2025,tamashima,placements,100"),
}
MODELS = {"employers": Employer, "seekers": Seeker, "postings": Posting, "visits": EmployerVisit,
          "referrals": Referral, "targets": Target}


def imported(*args: Any) -> dict[str, Any]:
    """Run the command; its whole JSON report."""
    out = StringIO()
    call_command("import", *[str(a) for a in args], "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def rejected(*args: Any) -> tuple[CommandError, list[str]]:
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import", *[str(a) for a in args], stdout=StringIO(), stderr=err)
    return excinfo.value, err.getvalue().splitlines()


def one_file(tmp_path: Path, kind: str, column: str | None = None, value: str = "") -> Path:
    """The good row of ``kind``, with ``column`` set to ``value`` when given."""
    header, row = GOOD[kind]
    cells = row.split(",")
    if column is not None:
        cells[header.split(",").index(column)] = value
    path = tmp_path / f"{kind}.csv"
    path.write_text(f"{header}\n{','.join(cells)}\n", encoding="utf-8")
    return path


# -- rows the contract allows -------------------------------------------------------------------------------------

def test_a_non_hire_outcome_without_a_date_imports_with_the_date_unknown_and_the_summary_counts_it(
        world: World, tmp_path: Path) -> None:
    path = tmp_path / "referrals.csv"
    path.write_text("referral_id,seeker_id,posting_id,referred_on,outcome,outcome_on\n"
                    "R-200,S-HW-1,33010-00001,2025-06-01,rejected,\n"
                    "R-201,S-CITY-1,33010-00001,2025-06-02,declined,\n"
                    "R-202,S-CITY-2,33010-00001,2025-06-03,withdrawn,\n"
                    "R-203,S-CITY-3,33010-00001,2025-06-04,rejected,2025-06-20\n", encoding="utf-8")

    report = imported(path)

    assert report["files"][0]["created"] == 4
    assert sorted(Referral.objects.filter(referral_id__startswith="R-20").values_list(
        "referral_id", "outcome", "outcome_on", "reason")) == [
        ("R-200", "rejected", None, ""), ("R-201", "declined", None, ""), ("R-202", "withdrawn", None, ""),
        ("R-203", "rejected", D(2025, 6, 20), "")]
    assert report["warnings"] == [
        "referrals.csv 「outcome_on」列 2、3、4行目（3 件）: "
        "結果（不採用・辞退・取消）の結果日が空欄のため、結果日は不明として登録しました。"]


def test_a_hire_still_needs_its_date(world: World, tmp_path: Path) -> None:
    _error, lines = rejected(one_file(tmp_path, "referrals", "outcome_on", ""))
    assert lines == ["referrals.csv 2行目 「outcome_on」列: 採用の紹介には結果日が必要です（就職件数は結果日で数えます）。"]
    assert not Referral.objects.filter(referral_id="R-9").exists()


def test_the_desk_still_has_to_give_the_date_of_an_outcome(world: World) -> None:
    with pytest.raises(ActionError, match="結果日も入力してください"):
        do_record_outcome(world.referral, outcome="rejected", outcome_on=None, reason="skills",
                          acting_user=world.hana)
    assert Referral.objects.get(pk=world.referral.pk).outcome == "pending"


def test_the_counts_leave_an_undated_outcome_out_of_placements_and_count_its_referral(
        world: World, tmp_path: Path) -> None:
    before = site_progress(world.tamashima, 2025, D(2025, 10, 31))
    path = tmp_path / "referrals.csv"
    path.write_text("referral_id,seeker_id,posting_id,referred_on,outcome,outcome_on\n"
                    "R-300,S-HW-1,33010-00001,2025-06-01,rejected,\n"
                    "R-301,S-CITY-1,33010-00001,2025-06-01,hired,2025-06-15\n", encoding="utf-8")
    imported(path)

    after = site_progress(world.tamashima, 2025, D(2025, 10, 31))

    def actual(sp: Any, key: str) -> Any:
        return next(r.actual for r in sp.rows if r.indicator.key == key)

    assert actual(after, "referrals") == actual(before, "referrals") + 2
    assert actual(after, "placements") == actual(before, "placements") + 1


def test_an_era_date_past_the_eras_end_is_read_as_the_next_era_with_a_warning(world: World, tmp_path: Path) -> None:
    report = imported(one_file(tmp_path, "seekers", "registered_on", "平成32年4月1日"))
    assert Seeker.objects.get(seeker_id="S-9").registered_on == D(2020, 4, 1)
    assert report["warnings"] == [
        "seekers.csv 「registered_on」列 2行目（1 件）: 「平成32年4月1日」は平成の終わり（2019-04-30）より後の日付のため、"
        "令和2年4月1日（2020-04-01）として読みました"]


@pytest.mark.parametrize("kind", list(GOOD))
def test_the_good_row_of_each_file_imports(world: World, tmp_path: Path, kind: str) -> None:
    assert imported(one_file(tmp_path, kind))["files"][0]["created"] == 1


# -- a database without the installation -----------------------------------------------------------------------

def test_a_database_without_the_installation_gets_one_message(db: None) -> None:
    error, lines = rejected(FIXTURES / "utf8")
    assert lines == ["拠点が登録されていません。先に kakehashi installation FILE を実行してください。"]
    assert "エラー 1 件" in str(error)
    assert not Employer.objects.exists()


# -- values neither database may be given -----------------------------------------------------------------------

BAD = [
    # integers: SQLite stops at 2^63 - 1, PostgreSQL's integer at 2^31 - 1; the narrower bound holds for both
    ("employers", "employees", "9223372036854775808", "2,147,483,647 以下"),
    ("employers", "employees", "2147483648", "2,147,483,647 以下"),
    ("employers", "employees", "1" * 31, "桁が多すぎます"),
    ("seekers", "min_wage", "2147483648", "2,147,483,647 以下"),
    ("seekers", "birth_year", "40000", "以下の整数"),
    ("postings", "openings", "9223372036854775807", "2,147,483,647 以下"),
    ("postings", "wage_max", "2147483648", "2,147,483,647 以下"),
    ("visits", "hiring_need_openings", "2147483648", "2,147,483,647 以下"),
    ("targets", "target", "99999999999", "2,147,483,647 以下"),
    ("seekers", "max_commute_km", "1e400", "数値ではありません"),
    ("seekers", "max_commute_km", "nan", "数値ではありません"),
    # NUL (PostgreSQL refuses it in text, SQLite stores it) and other control characters
    ("employers", "name", "玉島\x00工業", "U+0000"),
    ("seekers", "note", "メモ\x1b[31m", "U+001B"),
    ("visits", "note", "\x7f", "U+007F"),
    ("postings", "received_on", "2025-04-01\x00", "U+0000"),
    ("referrals", "referral_id", "R-\x009", "U+0000"),
    # dates outside what the programme's records can be
    ("seekers", "registered_on", "9999-12-31", "範囲"),
    ("seekers", "registered_on", "1899-12-31", "範囲"),
    ("postings", "closes_on", "2999-01-01", "範囲"),
    ("referrals", "outcome_on", "0001-01-01", "範囲"),
    ("seekers", "registered_on", "平成元年1月7日", "開始日より前"),
    # text longer than its column (PostgreSQL would refuse it, SQLite would keep it)
    ("employers", "name", "株" * 201, "200 文字以内"),
    ("employers", "phone", "0" * 21, "20 文字以内"),
    ("postings", "title", "求" * 201, "200 文字以内"),
    ("seekers", "seeker_id", "S" * 41, "40 文字以内"),
]


@pytest.mark.parametrize(("kind", "column", "value", "says"), BAD, ids=[f"{k}.{c}:{v[:12]!r}" for k, c, v, _s in BAD])
def test_a_value_no_database_may_store_is_a_named_row_error_and_nothing_is_written(
        world: World, tmp_path: Path, kind: str, column: str, value: str, says: str) -> None:
    before = MODELS[kind].objects.count()

    error, lines = rejected(one_file(tmp_path, kind, column, value))

    assert error.returncode == 1
    assert len(lines) == 1 and lines[0].startswith(f"{kind}.csv 2行目 「{column}」列: "), lines
    assert says in lines[0]
    assert "\x00" not in lines[0] and "\x1b" not in lines[0]
    assert MODELS[kind].objects.count() == before
    assert not AuditEvent.objects.filter(action="import").exists()


# -- files that are not what they say ---------------------------------------------------------------------------

def _zip() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("employers.csv", "employer_id,name\n")
    return buf.getvalue()


CORRUPT = [
    ("a ZIP (or xlsx) named .csv", _zip(), "ZIP 形式"),
    ("UTF-16 from Excel's Unicode text", "employer_id,name\n".encode("utf-16"), "UTF-16"),
    ("UTF-8 cut in the middle of a character", "employer_id,name,industry,postal_code\nE-9,玉島".encode()[:-1],
     "文字の途中で終わって"),
    ("UTF-8 damaged after its first lines", "employer_id,name,industry,postal_code\nE-9,玉島工業,11,713-8121\n"
     .encode() + b"E-10,\xff\xfe,11,713-8121\n", "3 行目"),
    ("a quote never closed", b'employer_id,name,industry,postal_code\nE-9,"tamashima,11,713-8121\n',
     "引用符"),
    ("binary garbage", bytes(range(256)) * 8, "文字コードを判別できません"),
    ("cut short in the last row", "employer_id,name,industry,postal_code,employees\nE-9,玉島工業,11,713-8121"
     .encode(), "ファイルが改行で終わっていません"),
]


@pytest.mark.parametrize(("case", "data", "says"), CORRUPT, ids=[c[0] for c in CORRUPT])
def test_a_corrupted_upload_is_one_clean_error(world: World, tmp_path: Path, case: str, data: bytes,
                                               says: str) -> None:
    path = tmp_path / "employers.csv"
    path.write_bytes(data)

    error, lines = rejected(path)

    assert error.returncode == 1
    assert len(lines) == 1 and lines[0].startswith("employers.csv"), lines
    assert says in lines[0]
    assert not Employer.objects.exclude(pk=world.employer.pk).exists()


def test_a_file_of_another_kind_is_one_error_not_one_per_column(world: World, tmp_path: Path) -> None:
    path = tmp_path / "seekers.csv"
    path.write_text(GOOD["targets"][0] + "\n" + GOOD["targets"][1] + "\n", encoding="utf-8")
    _error, lines = rejected(path)
    assert len(lines) == 1 and "求職者の必須の列の多くがありません" in lines[0]
