"""``kakehashi match``: one seeker or posting as JSON, all of them as JSON lines, audited, within visibility."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kakehashi.audit.models import AuditEvent
from kakehashi.seekers.models import SeekerStatus
from tests.test_visibility import EXPECTED
from tests.world import World


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("match", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_seeker_gets_the_open_postings_with_reasons(world: World) -> None:
    data = json.loads(run("--seeker", "S-HW-1", "--format", "json"))
    assert data["seeker_id"] == "S-HW-1"
    (match,) = data["matches"]
    assert match["posting_id"] == "33010-00001"
    assert isinstance(match["score"], int) and 0 < match["score"] <= 100
    assert match["reasons"][0] == "希望職種と一致（第1希望）"
    assert "通勤 0.7km" in match["reasons"]
    assert match["unmet"] == []
    assert AuditEvent.objects.filter(action="view", model="seekers.Seeker",
                                     object_ids=[str(world.seekers["s_hw"].pk)]).exists()


def test_a_posting_gets_every_active_seeker_for_the_operator(world: World) -> None:
    world.seekers["s_withdrawn"].status = SeekerStatus.EMPLOYED
    world.seekers["s_withdrawn"].save()
    data = json.loads(run("--posting", "33010-00001", "--top", "10"))
    assert data["posting_id"] == "33010-00001"
    expected = {s.seeker_id for k, s in world.seekers.items() if k != "s_withdrawn"}
    assert {m["seeker_id"] for m in data["matches"]} == expected


@pytest.mark.parametrize("username", ["hana", "chika", "sen", "fuku"])
def test_a_user_named_sees_only_the_candidates_their_rules_allow(world: World, username: str) -> None:
    data = json.loads(run("--posting", "33010-00001", "--user", username))
    assert {m["seeker_id"] for m in data["matches"]} == {world.seekers[k].seeker_id for k in EXPECTED[username]}


def test_a_hidden_seeker_and_an_unknown_one_read_the_same(world: World) -> None:
    with pytest.raises(CommandError, match="見つかりません"):
        run("--seeker", "S-HW-1", "--user", "chika")  # Hello Work's seeker, no consent to the city
    with pytest.raises(CommandError, match="見つかりません"):
        run("--seeker", "NOBODY")


def test_the_batches_write_one_json_object_a_line(world: World) -> None:
    lines = run("--all-seekers", "--top", "10", "--format", "jsonl", "--workers", "1").splitlines()
    rows = [json.loads(line) for line in lines]
    assert sorted(r["seeker_id"] for r in rows) == sorted(s.seeker_id for s in world.seekers.values())
    assert all(r["matches"][0]["posting_id"] == "33010-00001" for r in rows)
    postings = [json.loads(line) for line in run("--all-postings", "--format", "jsonl").splitlines()]
    assert [p["posting_id"] for p in postings] == ["33010-00001"]
    assert len(postings[0]["matches"]) == len(world.seekers)
    export = AuditEvent.objects.filter(action="export", model="seekers.Seeker").latest("at")
    assert set(export.object_ids) == {str(s.pk) for s in world.seekers.values()}


def test_flagged_shows_what_a_seeker_does_not_meet(world: World) -> None:
    seeker = world.seekers["s_hw"]
    seeker.min_wage, seeker.wage_unit = 250_000, "month"
    seeker.save()
    assert json.loads(run("--seeker", "S-HW-1"))["matches"] == []
    (match,) = json.loads(run("--seeker", "S-HW-1", "--flagged"))["matches"]
    assert match["unmet"] == ["月給 170,000円〜200,000円（希望 250,000円以上に届かない）"]


def test_it_matches_records_brought_in_by_the_interchange_import(world: World) -> None:
    call_command("import", str(Path(__file__).parent / "fixtures" / "interchange" / "cp932"), "--no-progress",
                 stdout=io.StringIO(), stderr=io.StringIO())
    data = json.loads(run("--seeker", "S-100", "--as-of", "令和7年6月1日", "--format", "json"))
    best = data["matches"][0]
    # S-100 wants 073 full time from ¥170,000 a month within 10 km of 713-8121; 33010-10001 is a 073-05 press
    # job at that postal code, full time, ¥170,000–200,000, open from 令和7年4月10日 to 7月31日.
    assert best["posting_id"] == "33010-10001"
    assert "希望職種と一致（第1希望）" in best["reasons"] and best["unmet"] == []
    back = json.loads(run("--posting", "33010-10001", "--as-of", "2025-06-01", "--format", "json"))
    assert "S-100" in [m["seeker_id"] for m in back["matches"]]
