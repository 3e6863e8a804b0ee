"""``kakehashi import``: the interchange files of docs/interchange.md in, as one transaction.

The fixture files (tests/fixtures/interchange/) come in two copies with the same content: ``utf8/`` (with a
BOM, except seekers.csv) and ``cp932/`` (Shift_JIS with CRLF line ends, as Windows exports them). Both hold
和暦 and YYYY/MM/DD dates, full-width digits and half-width katakana.
"""

import datetime
import json
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from kakehashi.accounts.models import Agency
from kakehashi.audit.models import AuditEvent
from kakehashi.employers.models import Employer, EmployerVisit
from kakehashi.plans.models import Target
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Consent, DesiredOccupation, Experience, Seeker
from tests.world import World

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "interchange"
ENCODING = {"utf8": "utf-8-sig", "cp932": "cp932"}
MODELS = (Employer, Seeker, DesiredOccupation, Experience, Consent, Posting, EmployerVisit, Referral, Target)


def run_import(*args: Any) -> dict[str, Any]:
    """Run the command; its JSON report, by kind."""
    out = StringIO()
    call_command("import", *[str(a) for a in args], "--json", stdout=out, stderr=StringIO())
    return {f["kind"]: f for f in json.loads(out.getvalue())["files"]}


def rejected(*args: Any) -> tuple[CommandError, list[str]]:
    """Run the command expecting it to refuse; the error and the lines it wrote on stderr."""
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import", *[str(a) for a in args], stdout=StringIO(), stderr=err)
    return excinfo.value, err.getvalue().splitlines()


def copy_of(tmp_path: Path, variant: str = "utf8") -> Path:
    return Path(shutil.copytree(FIXTURES / variant, tmp_path / variant))


def edit(path: Path, old: str, new: str, encoding: str = "utf-8-sig") -> None:
    text = path.read_text(encoding=encoding)
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding=encoding)


def snapshot() -> dict[str, Any]:
    """Every row the import writes, with updated_at where the model has it."""
    out: dict[str, Any] = {}
    for model in MODELS:
        fields = ["pk"] + (["updated_at"] if any(f.name == "updated_at" for f in model._meta.fields) else [])
        out[model._meta.label] = sorted(model.objects.values_list(*fields))
    return out


@pytest.mark.parametrize("variant", ["utf8", "cp932"])
def test_it_imports_a_directory_and_stores_what_the_files_say(world: World, variant: str) -> None:
    report = run_import(FIXTURES / variant)

    assert {k: (f["created"], f["updated"], f["unchanged"]) for k, f in report.items()} == {
        "employers": (3, 0, 0), "seekers": (4, 0, 0), "postings": (3, 0, 0), "visits": (2, 0, 0),
        "referrals": (3, 0, 0), "targets": (2, 0, 0)}
    assert report["postings"]["encoding"] == ("cp932" if variant == "cp932" else "utf-8 (BOM)")

    tamaseiho = Employer.objects.get(employer_id="E-100")
    assert (tamaseiho.industry_id, tamaseiho.postal_code, tamaseiho.employees) == ("11", "713-8121", 25)
    assert tamaseiho.town is not None and tamaseiho.town.name == "玉島阿賀崎" and tamaseiho.lat is not None
    assert Employer.objects.get(employer_id="E-101").name == "ミズシマ金属工業株式会社"  # half-width kana
    assert Employer.objects.get(employer_id="E-102").phone == "086-422-1111"

    s100 = Seeker.objects.get(seeker_id="S-100")
    assert s100.registered_on == datetime.date(2025, 4, 1)  # 令和7年4月1日
    assert s100.desired_occupation_codes() == ["073", "095"]
    assert sorted(s100.experiences.values_list("occupation_id", "years")) == [("073", 10.0), ("095", 2.5)]
    assert s100.qualifications == ["フォークリフト運転技能者", "普通自動車免許"]
    assert s100.welfare_recipient and s100.referred_by == "welfare_office"

    s101 = Seeker.objects.get(seeker_id="S-101")
    assert s101.registered_on == datetime.date(2025, 5, 12)  # 2025/05/12
    assert (s101.postal_code, s101.birth_year, s101.min_wage, s101.max_commute_km) == ("712-8062", 1985, 1050, 5.5)
    assert (s101.site.code, s101.wage_unit, s101.desired_employment) == ("mizushima", "hour", "part_time")
    assert s101.desired_occupation_codes() == ["073"]  # ０７３－０５: the middle group
    assert s101.registered_by == "hello_work" and not s101.consents.exists()

    assert Seeker.objects.get(seeker_id="S-102").desired_occupation_codes() == ["050", "073"]  # each once
    assert Seeker.objects.get(seeker_id="S-103").registered_on == datetime.date(2019, 4, 30)  # Ｓ－１０３, 平成31年

    press = Posting.objects.get(posting_id="33010-10001")
    assert (press.occupation_id, press.occupation_minor, press.openings) == ("073", "073-05", 2)
    assert (press.received_on, press.closes_on) == (datetime.date(2025, 4, 10), datetime.date(2025, 7, 31))
    assert press.description == "縫製品のプレス仕上げ。\n未経験の方も歓迎します。"
    assert press.developed and press.trial_employment_ok and press.employer == tamaseiho
    care = Posting.objects.get(posting_id="33010-10003")
    assert (care.received_on, care.openings, care.occupation_minor) == (datetime.date(2025, 6, 2), 3, "")
    assert care.required_qualifications == ["介護職員初任者研修"] and care.wage_max is None

    visit = EmployerVisit.objects.get(visit_id="V-100")
    assert sorted(visit.hiring_need_occupations.values_list("code", flat=True)) == ["071", "073"]
    assert visit.for_seeker == s100 and visit.resulting_posting == press and visit.by == "hello_work"

    hired = Referral.objects.get(referral_id="R-100")
    assert (hired.outcome, hired.outcome_on, hired.trial_employment) == ("hired", datetime.date(2025, 5, 1), True)
    assert Referral.objects.get(referral_id="R-102").seeker.seeker_id == "S-103"

    targets = {(t.site.code, t.fiscal_year, t.indicator.key): t.target for t in Target.objects.all()}
    assert targets == {("tamashima", 2025, "placements"): 630, ("tamashima", 2025, "developed_openings"): 1200}


def test_the_cp932_copy_reads_exactly_as_the_utf8_copy(world: World) -> None:
    run_import(FIXTURES / "utf8")
    report = run_import(FIXTURES / "cp932")
    assert all(f["created"] == f["updated"] == 0 for f in report.values())


def test_importing_the_same_files_again_changes_nothing(world: World) -> None:
    run_import(FIXTURES / "utf8")
    before = snapshot()
    report = run_import(FIXTURES / "utf8")
    assert {k: f["unchanged"] for k, f in report.items()} == {
        "employers": 3, "seekers": 4, "postings": 3, "visits": 2, "referrals": 3, "targets": 2}
    assert snapshot() == before


def test_a_changed_row_is_updated_and_the_others_are_not_touched(world: World, tmp_path: Path) -> None:
    run_import(FIXTURES / "utf8")
    before = dict(Posting.objects.values_list("posting_id", "updated_at"))
    files = copy_of(tmp_path)
    edit(files / "postings.csv", "071,1,712-8062", "071,4,712-8062")

    report = run_import(files)

    assert (report["postings"]["updated"], report["postings"]["unchanged"]) == (1, 2)
    after = dict(Posting.objects.values_list("posting_id", "updated_at"))
    assert [p for p in after if after[p] != before[p]] == ["33010-10002"]
    assert Posting.objects.get(posting_id="33010-10002").openings == 4


def test_a_changed_list_of_desired_occupations_replaces_the_old_one(world: World, tmp_path: Path) -> None:
    run_import(FIXTURES / "utf8")
    files = copy_of(tmp_path)
    edit(files / "seekers.csv", "713-8121,073;095,", "713-8121,095;034,", encoding="utf-8")

    report = run_import(files / "seekers.csv")

    assert (report["seekers"]["updated"], report["seekers"]["unchanged"]) == (1, 3)
    assert Seeker.objects.get(seeker_id="S-100").desired_occupation_codes() == ["095", "034"]


def test_one_bad_row_imports_nothing_and_names_its_line_and_column(world: World, tmp_path: Path) -> None:
    files = copy_of(tmp_path, "cp932")
    edit(files / "seekers.csv", "2025/05/12", "2025/13/12", encoding="cp932")
    before = snapshot()

    error, lines = rejected(files)

    assert error.returncode == 1
    assert lines[0] == "seekers.csv 3行目 「registered_on」列: 「2025/13/12」は存在しない日付です"
    assert len(lines) == 1
    assert snapshot() == before  # the good files and rows were not imported either
    assert not AuditEvent.objects.filter(action="import").exists()


def test_every_bad_row_is_listed(world: World, tmp_path: Path) -> None:
    files = copy_of(tmp_path)
    edit(files / "employers.csv", "E-101,ﾐｽﾞｼﾏ金属工業株式会社,24,", "E-101,ﾐｽﾞｼﾏ金属工業株式会社,ZZ,")
    edit(files / "seekers.csv", "S-102,tamashima,R7.6.3,713-8121", "S-102,kurashiki,R7.6.3,999-9999",
         encoding="utf-8")
    edit(files / "postings.csv", "1000,1200,hour", "1200,1000,hour")
    edit(files / "referrals.csv", "hired,令和7年5月1日", "hired,")

    error, lines = rejected(files)

    assert error.returncode == 1
    assert [line.split(":", 1)[0] for line in lines] == [
        "employers.csv 3行目 「industry」列",
        "seekers.csv 4行目 「site」列",
        "seekers.csv 4行目 「postal_code」列",
        "postings.csv 4行目 「wage_max」列",  # the posting above it spans lines 2 and 3
        "referrals.csv 2行目 「outcome_on」列",
    ]
    assert "産業コード「ZZ」" in lines[0] and "郵便番号「999-9999」は存在しません" in lines[2]
    assert "結果日" in lines[4]
    assert "エラー 5 件" in str(error)
    assert not Employer.objects.filter(employer_id__startswith="E-10").exists()


def test_a_posting_of_an_unknown_employer_is_rejected(world: World, tmp_path: Path) -> None:
    files = copy_of(tmp_path)
    edit(files / "postings.csv", "33010-10002,E-101,", "33010-10002,E-404,")

    _error, lines = rejected(files / "postings.csv", "--kind", "postings")

    assert len(lines) == 3  # E-100 and E-102 are not stored yet either: this import has no employers.csv
    assert lines[1].startswith("postings.csv 4行目 「employer_id」列: 事業所「E-404」が見つかりません")
    assert not Posting.objects.filter(posting_id__startswith="33010-1").exists()


def test_a_referral_may_name_a_seeker_stored_earlier(world: World, tmp_path: Path) -> None:
    run_import(FIXTURES / "utf8")
    referral = tmp_path / "紹介.csv"
    referral.write_text("referral_id,seeker_id,posting_id,referred_on\nR-200,S-WEL-1,33010-10003,令和7年7月1日\n",
                        encoding="cp932")

    report = run_import(referral, "--kind", "referrals")

    assert report["referrals"]["created"] == 1
    r = Referral.objects.get(referral_id="R-200")
    assert (r.seeker, r.posting.posting_id, r.outcome) == (world.seekers["s_welfare"], "33010-10003", "pending")


def test_the_kind_option_imports_one_file(world: World) -> None:
    report = run_import(FIXTURES / "utf8" / "employers.csv", "--kind", "employers")
    assert list(report) == ["employers"]
    report = run_import(FIXTURES / "cp932", "--kind", "postings")
    assert list(report) == ["postings"] and report["postings"]["created"] == 3
    assert not Seeker.objects.filter(seeker_id="S-100").exists()


def test_a_file_without_a_standard_name_needs_the_kind(world: World, tmp_path: Path) -> None:
    path = tmp_path / "事業所一覧.csv"
    shutil.copy(FIXTURES / "utf8" / "employers.csv", path)
    error, _lines = rejected(path)
    assert "--kind" in str(error)


def test_a_missing_required_column_is_one_error_naming_it(world: World, tmp_path: Path) -> None:
    path = tmp_path / "seekers.csv"
    lines = (FIXTURES / "utf8" / "seekers.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:1] + line.split(",")[2:]) for line in lines),
                    encoding="utf-8")  # drop the site column

    _error, errors = rejected(path)

    assert errors == ["seekers.csv 1行目 「site」列: 必須の列「site」がありません。"]


def test_a_file_in_neither_encoding_is_refused(world: World, tmp_path: Path) -> None:
    path = tmp_path / "employers.csv"
    path.write_bytes(b"employer_id,name,industry,postal_code\nE-1," + b"\x81\xff\n")
    _error, errors = rejected(path)
    assert len(errors) == 1 and "文字コード" in errors[0]


def test_a_welfare_referral_goes_to_the_first_welfare_office_and_is_shared(world: World) -> None:
    run_import(FIXTURES / "utf8")
    s100 = Seeker.objects.get(seeker_id="S-100")
    assert s100.registered_by == "city"
    assert s100.referring_agency == Agency.objects.get(code="tamashima-welfare")  # the installation lists it first
    assert sorted(s100.consents.values_list("party", "purpose", "given_on")) == [
        ("city", "share", datetime.date(2025, 4, 1)), ("hello_work", "share", datetime.date(2025, 4, 1))]
    # What that means for who sees her: the Tamashima caseworker and Hello Work, not the Mizushima caseworker.
    assert Seeker.objects.visible_to(world.fuku).filter(pk=s100.pk).exists()
    assert Seeker.objects.visible_to(world.hana).filter(pk=s100.pk).exists()
    assert not Seeker.objects.visible_to(world.mizu).filter(pk=s100.pk).exists()


def test_the_optional_columns_name_the_welfare_office_and_the_registering_agency(world: World,
                                                                                tmp_path: Path) -> None:
    path = tmp_path / "seekers.csv"
    path.write_text(
        "seeker_id,site,registered_on,postal_code,desired_occupations,referred_by,referring_agency,registered_by\n"
        "S-300,mizushima,2025-08-01,712-8062,096,welfare_office,mizushima-welfare,\n"
        "S-301,mizushima,2025-08-01,712-8062,096,self,,city\n", encoding="utf-8")

    run_import(path)

    s300, s301 = Seeker.objects.get(seeker_id="S-300"), Seeker.objects.get(seeker_id="S-301")
    assert (s300.referring_agency.code, s300.registered_by) == ("mizushima-welfare", "city")  # type: ignore[union-attr]  # None fails the test
    assert (s301.referring_agency, s301.registered_by) == (None, "city")


def test_a_re_import_keeps_the_welfare_office_and_holder_recorded_at_the_desk(world: World) -> None:
    run_import(FIXTURES / "utf8")
    Seeker.objects.filter(seeker_id="S-100").update(referring_agency=Agency.objects.get(code="mizushima-welfare"))
    Seeker.objects.filter(seeker_id="S-101").update(registered_by="city")

    assert run_import(FIXTURES / "utf8" / "seekers.csv")["seekers"]["unchanged"] == 4

    assert Seeker.objects.get(seeker_id="S-100").referring_agency.code == "mizushima-welfare"  # type: ignore[union-attr]  # None fails the test
    assert Seeker.objects.get(seeker_id="S-101").registered_by == "city"


def test_a_seeker_no_longer_referred_by_the_welfare_office_leaves_its_caseload(world: World, tmp_path: Path) -> None:
    run_import(FIXTURES / "utf8")
    files = copy_of(tmp_path)
    edit(files / "seekers.csv", ",1,welfare_office,1,", ",1,hello_work,1,", encoding="utf-8")

    assert run_import(files / "seekers.csv")["seekers"]["updated"] == 1

    s100 = Seeker.objects.get(seeker_id="S-100")
    assert (s100.referred_by, s100.referring_agency, s100.registered_by) == ("hello_work", None, "hello_work")
    assert not Seeker.objects.visible_to(world.fuku).filter(pk=s100.pk).exists()


def test_a_referring_agency_of_the_wrong_kind_is_rejected(world: World, tmp_path: Path) -> None:
    path = tmp_path / "seekers.csv"
    path.write_text("seeker_id,site,registered_on,postal_code,desired_occupations,referred_by,referring_agency\n"
                    "S-300,mizushima,2025-08-01,712-8062,096,welfare_office,kurashiki-center\n", encoding="utf-8")
    _error, errors = rejected(path)
    assert errors[0].startswith("seekers.csv 2行目 「referring_agency」列")


def test_a_column_left_out_keeps_the_stored_value_and_an_empty_cell_clears_it(world: World,
                                                                              tmp_path: Path) -> None:
    run_import(FIXTURES / "utf8")
    path = tmp_path / "seekers.csv"
    path.write_text("seeker_id,site,registered_on,postal_code,desired_occupations\n"
                    "S-100,tamashima,2025-04-01,713-8121,073;095\n", encoding="utf-8")
    assert run_import(path)["seekers"]["unchanged"] == 1
    assert Seeker.objects.get(seeker_id="S-100").note == "アイロン工の経験。ブランク約10年"

    path.write_text("seeker_id,site,registered_on,postal_code,desired_occupations,note,experience\n"
                    "S-100,tamashima,2025-04-01,713-8121,073;095,,\n", encoding="utf-8")
    assert run_import(path)["seekers"]["updated"] == 1
    s100 = Seeker.objects.get(seeker_id="S-100")
    assert s100.note == "" and not s100.experiences.exists()


def test_a_consent_withdrawn_at_the_desk_is_not_given_again_by_an_import(world: World) -> None:
    run_import(FIXTURES / "utf8")
    Consent.objects.filter(seeker__seeker_id="S-100", party="hello_work").update(
        withdrawn_on=datetime.date(2025, 9, 1))
    report = run_import(FIXTURES / "utf8")
    assert report["seekers"]["unchanged"] == 4
    assert Consent.objects.filter(seeker__seeker_id="S-100", party="hello_work").count() == 1


def test_a_reason_that_no_longer_fits_the_imported_outcome_is_cleared(world: World) -> None:
    run_import(FIXTURES / "utf8")
    Referral.objects.filter(referral_id="R-101").update(outcome="rejected", outcome_on=datetime.date(2025, 6, 1),
                                                        reason="skills")
    Referral.objects.filter(referral_id="R-100").update(reason="skills")  # a stray reason on a hire

    report = run_import(FIXTURES / "utf8" / "referrals.csv")

    assert (report["referrals"]["updated"], report["referrals"]["unchanged"]) == (2, 1)
    assert list(Referral.objects.filter(referral_id__in=["R-100", "R-101"]).order_by("referral_id").values_list(
        "outcome", "outcome_on", "reason")) == [("hired", datetime.date(2025, 5, 1), ""), ("pending", None, "")]


def test_each_imported_file_is_audited_with_its_counts_and_the_user(world: World) -> None:
    run_import(FIXTURES / "utf8", "--user", "hana")
    events = {e.model: e for e in AuditEvent.objects.filter(action="import")}
    assert set(events) == {"employers.Employer", "seekers.Seeker", "postings.Posting", "employers.EmployerVisit",
                           "referrals.Referral", "plans.Target"}
    seekers = events["seekers.Seeker"]
    assert (seekers.staff, seekers.username, seekers.agency) == (world.hana, "hana", "hw-kurashiki-chuo")
    assert {k: seekers.detail[k] for k in ("file", "created", "updated", "unchanged")} == {
        "file": "seekers.csv", "created": 4, "updated": 0, "unchanged": 0}


def test_without_a_user_the_import_is_recorded_as_the_system(world: World) -> None:
    run_import(FIXTURES / "utf8" / "targets.csv")
    event = AuditEvent.objects.get(action="import")
    assert (event.staff, event.username, event.model, event.detail["by"]) == (None, "", "plans.Target", "system")


def test_an_unknown_user_is_refused_before_anything_is_read(world: World) -> None:
    error, _lines = rejected(FIXTURES / "utf8", "--user", "nobody")
    assert "nobody" in str(error)
    assert not Employer.objects.filter(employer_id="E-100").exists()
