"""``kakehashi import-feed``: Hello Work's postings feed in, laid out as a mapping file says, kept apart from the
postings developed here in every count.

The sample (tests/fixtures/feed/hellowork-sample.csv) is CP932 with CRLF line ends, as offices export it, in the
layout of the shipped mapping (src/kakehashi/postings/feeds/hellowork.json)."""

from __future__ import annotations

import csv
import datetime
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kakehashi.audit.models import AuditEvent
from kakehashi.core.errors import ActionError
from kakehashi.development.actions import do_link_posting
from kakehashi.employers.models import Employer, EmployerVisit, Source
from kakehashi.plans.progress import count_by_month
from kakehashi.postings.feed import DEFAULT_MAPPING, Mapping, MappingError
from kakehashi.postings.models import Posting
from tests.world import World, client_for

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "feed" / "hellowork-sample.csv"
FY2025 = (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))


def run_feed(path: Path, *args: str) -> dict[str, Any]:
    out = StringIO()
    call_command(
        "import_feed", str(path), "--site", "tamashima", "--json", *args, stdout=out, stderr=StringIO()
    )
    return dict(json.loads(out.getvalue()))


def rejected(path: Path, *args: str) -> tuple[CommandError, list[str]]:
    err = StringIO()
    with pytest.raises(CommandError) as e:
        call_command("import_feed", str(path), "--site", "tamashima", *args, stdout=StringIO(), stderr=err)
    return e.value, err.getvalue().splitlines()


def sample_text() -> str:
    return SAMPLE.read_bytes().decode("cp932")


def write(tmp_path: Path, text: str, name: str = "feed.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("cp932"))
    return path


def test_it_imports_the_cp932_sample_as_feed_postings(world: World) -> None:
    result = run_feed(SAMPLE)
    assert result["encoding"] == "cp932"
    assert (result["created"], result["updated"], result["unchanged"]) == (3, 0, 0)
    press = Posting.objects.get(posting_id="33010-20001")
    assert press.source == Source.FEED and not press.developed
    assert press.site == world.tamashima
    assert (press.received_on, press.closes_on) == (datetime.date(2025, 4, 10), datetime.date(2025, 6, 30))
    assert (press.occupation_id, press.occupation_minor, press.openings) == ("073", "073-05", 2)
    assert (press.wage_min, press.wage_max, press.wage_unit) == (170000, 200000, "month")
    assert press.trial_employment_ok and not press.experience_required
    assert press.title == "縫製品のプレス仕上げ" and "未経験" in press.description
    assert press.town is not None and press.hours == "8:30~17:30"
    forklift = Posting.objects.get(posting_id="33010-20002")
    assert (forklift.employment, forklift.wage_unit, forklift.wage_min) == ("part_time", "hour", 1050)
    assert forklift.required_qualifications == ["フォークリフト運転技能者", "普通自動車免許"]
    assert forklift.experience_required
    cleaning = Posting.objects.get(posting_id="33010-20003")
    assert (cleaning.postal_code, cleaning.employment, cleaning.closes_on) == ("713-8121", "part_time", None)


def test_an_employer_the_database_does_not_know_is_registered_as_a_minimal_record_from_the_feed(
    world: World,
) -> None:
    Employer.objects.create(
        employer_id="3301-000002-9", name="水島運輸", industry_id="44", postal_code="712-8062"
    )
    result = run_feed(SAMPLE)
    assert result["employers_created"] == 2
    known = Employer.objects.get(employer_id="3301-000002-9")
    assert known.source == Source.LOCAL and known.name == "水島運輸", "a known employer is left as it is"
    sewing = Employer.objects.get(employer_id="3301-000001-1")
    assert (sewing.source, sewing.name, sewing.industry_id, sewing.postal_code) == (
        Source.FEED,
        "玉島縫製株式会社",
        "11",
        "713-8121",
    )
    unnamed = Employer.objects.get(employer_id="3301-000003-5")
    assert (unnamed.name, unnamed.industry_id) == ("事業所番号 3301-000003-5", "99")
    assert Posting.objects.get(posting_id="33010-20002").employer == known


def test_importing_the_same_file_again_changes_nothing(world: World) -> None:
    run_feed(SAMPLE)
    stamps = dict(Posting.objects.values_list("posting_id", "updated_at"))
    employers = Employer.objects.count()
    again = run_feed(SAMPLE, "--full")
    assert (again["created"], again["updated"], again["unchanged"], again["closed"]) == (0, 0, 3, 0)
    assert again["employers_created"] == 0 and Employer.objects.count() == employers
    assert dict(Posting.objects.values_list("posting_id", "updated_at")) == stamps


def test_a_changed_row_is_updated(world: World, tmp_path: Path) -> None:
    run_feed(SAMPLE)
    result = run_feed(write(tmp_path, sample_text().replace(",２,1,1", ",5,1,1")))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 2)
    assert Posting.objects.get(posting_id="33010-20001").openings == 5


def test_every_bad_row_is_named_and_nothing_is_written(world: World, tmp_path: Path) -> None:
    text = (
        sample_text()
        .replace("R7.5.1", "R7.13.1")
        .replace(",時給,", ",日給,")
        .replace("７１３－８１２１", "999-9999")
    )
    before = (Posting.objects.count(), Employer.objects.count())
    error, lines = rejected(write(tmp_path, text))
    assert "何も登録・更新していません" in str(error)
    assert any(line.startswith("feed.csv 4行目 「受付年月日」列") for line in lines), lines
    assert any(line.startswith("feed.csv 4行目 「賃金単位」列") and "日給" in line for line in lines), lines
    assert any(line.startswith("feed.csv 5行目 「就業場所郵便番号」列") for line in lines), lines
    assert (Posting.objects.count(), Employer.objects.count()) == before


def test_a_file_without_a_required_column_is_refused(world: World, tmp_path: Path) -> None:
    text = sample_text().replace("求人番号,", "番号,", 1)
    _error, lines = rejected(write(tmp_path, text))
    assert any("「求人番号」" in line for line in lines), lines
    assert not Posting.objects.filter(source=Source.FEED).exists()


def test_full_closes_the_feed_postings_the_file_no_longer_carries_and_never_the_desks_own(
    world: World, tmp_path: Path
) -> None:
    run_feed(SAMPLE)
    cleaning = Posting.objects.get(posting_id="33010-20003")
    assert cleaning.is_open_on(timezone.localdate())
    shorter = write(
        tmp_path, "\r\n".join(line for line in sample_text().split("\r\n") if "33010-20003" not in line)
    )
    assert run_feed(shorter)["closed"] == 0, "without --full a shorter file closes nothing"
    result = run_feed(shorter, "--full")
    assert result["closed"] == 1
    cleaning.refresh_from_db()
    today = timezone.localdate()
    assert cleaning.closes_on == today - datetime.timedelta(days=1) and not cleaning.is_open_on(today)
    world.posting.refresh_from_db()
    assert world.posting.closes_on is None, "a posting developed here is never closed by the feed"
    assert run_feed(shorter, "--full")["closed"] == 0, "closing again closes nothing more"


def test_a_posting_number_the_desk_registered_itself_is_left_alone(world: World, tmp_path: Path) -> None:
    text = sample_text().replace("33010-20001", world.posting.posting_id)
    err = StringIO()
    out = StringIO()
    call_command(
        "import_feed", str(write(tmp_path, text)), "--site", "tamashima", "--json", stdout=out, stderr=err
    )
    result = json.loads(out.getvalue())
    assert result["local_skipped"] == 1 and result["created"] == 2
    assert "この窓口で登録した求人" in err.getvalue()
    world.posting.refresh_from_db()
    assert world.posting.source == Source.LOCAL and world.posting.developed and world.posting.openings == 2


def test_the_council_figures_do_not_change_when_the_feed_is_imported(world: World) -> None:
    before = count_by_month(*FY2025)
    developed = list(Posting.objects.developed_between(*FY2025).values_list("pk", flat=True))
    run_feed(SAMPLE)
    assert Posting.objects.filter(source=Source.FEED, received_on__range=FY2025).count() == 3
    assert count_by_month(*FY2025) == before
    assert list(Posting.objects.developed_between(*FY2025).values_list("pk", flat=True)) == developed


def test_a_feed_posting_cannot_become_a_developed_posting(world: World) -> None:
    run_feed(SAMPLE)
    posting = Posting.objects.get(posting_id="33010-20001")
    visit = EmployerVisit.objects.create(
        visit_id="V-FEED", employer=posting.employer, visited_on=datetime.date(2025, 4, 1), by="hello_work"
    )
    with pytest.raises(ActionError):
        do_link_posting(acting_user=world.naoki, visit=visit, posting=posting)
    posting.refresh_from_db()
    assert not posting.developed


def test_feed_postings_are_found_like_any_posting(world: World) -> None:
    run_feed(SAMPLE)
    body = client_for("sen").get(reverse("postings:list") + "?q=フォークリフト&open=0").content.decode()
    assert "33010-20002" in body


def test_the_import_is_audited(world: World) -> None:
    run_feed(SAMPLE, "--user", "hana")
    event = AuditEvent.objects.get(action="import", model="postings.Posting")
    assert event.username == "hana" and event.detail["created"] == 3 and event.detail["file"] == SAMPLE.name


def test_a_toml_mapping_with_a_tab_delimiter_reads_the_same_postings(world: World, tmp_path: Path) -> None:
    mapping = json.loads(DEFAULT_MAPPING.read_text(encoding="utf-8"))
    toml = ['layout = "tab"', 'delimiter = "\\t"', "[columns]"]
    toml += [f'{k} = "{v}"' for k, v in mapping["columns"].items()]
    for name, table in mapping["values"].items():
        toml.append(f"[values.{name}]")
        toml += [f'"{k}" = "{v}"' for k, v in table.items()]
    (tmp_path / "tab.toml").write_text("\n".join(toml), encoding="utf-8")
    rows = list(csv.reader(StringIO(sample_text(), newline="")))
    out = StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    result = run_feed(write(tmp_path, out.getvalue(), "feed.tsv"), "--mapping", str(tmp_path / "tab.toml"))
    assert result["created"] == 3
    assert Posting.objects.get(posting_id="33010-20002").wage_unit == "hour"


def test_a_mapping_without_the_required_columns_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"columns": {"posting_id": "求人番号"}}', encoding="utf-8")
    with pytest.raises(MappingError, match="必須の項目"):
        Mapping.load(tmp_path / "bad.json")


def test_an_interchange_file_cannot_mark_a_feed_posting_as_developed(world: World, tmp_path: Path) -> None:
    run_feed(SAMPLE)
    path = tmp_path / "postings.csv"
    path.write_text(
        "posting_id,employer_id,site,received_on,occupation,openings,postal_code,developed\n"
        "33010-20001,3301-000001-1,tamashima,2025-04-10,073-05,2,713-8121,1\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(path), stdout=StringIO(), stderr=err)
    assert "postings.csv 2行目 「developed」列" in err.getvalue()
    assert not Posting.objects.get(posting_id="33010-20001").developed


def test_the_employer_page_asks_the_desk_to_check_an_employer_registered_from_the_feed(world: World) -> None:
    run_feed(SAMPLE)
    employer = Employer.objects.get(employer_id="3301-000003-5")
    body = client_for("sen").get(reverse("employers:detail", args=[employer.pk])).content.decode()
    assert "求人情報から登録（要確認）" in body
    body = client_for("sen").get(reverse("employers:detail", args=[world.employer.pk])).content.decode()
    assert "求人情報から登録（要確認）" not in body
