"""The needs gap (who fits what), the monthly figures, employer targeting and the ``kakehashi develop`` command."""

import datetime
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from kakehashi.development.gap import UNKNOWN_AREA, Board, build_board, market, trend
from kakehashi.development.models import GapSnapshot, Level
from kakehashi.development.targets import (
    factor_text,
    km_text,
    plain_reasons,
    postings_text,
    targets_for,
    targets_for_seeker,
)
from kakehashi.employers.models import Employer
from kakehashi.engine import targeting as tg
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Industry
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import DesiredOccupation
from tests.world import World


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def today() -> datetime.date:
    return timezone.localdate()


def board(world: World, level: str = Level.MIDDLE) -> Board:
    return build_board(site=world.tamashima, day=today(), level=level)


def test_a_seeker_within_their_commute_of_a_posting_fits_it_and_one_who_will_not_go_that_far_does_not(
        world: World) -> None:
    near = world.seekers["s_hw"]
    near.max_commute_km = 0.3  # the press-operator posting is about 0.7 km from home
    near.save()
    cell = board(world).cell("073", UNKNOWN_AREA)
    assert cell is not None
    assert (cell.demand, cell.no_fit, cell.postings, cell.openings, cell.unmet) == (5, 1, 1, 2, 3)
    assert cell.without_fit == [near.pk]


def test_a_filled_or_closed_posting_fits_nobody(world: World) -> None:
    for i in range(2):
        Referral.objects.create(referral_id=f"R-H{i}", seeker=world.seekers["s_hw"], posting=world.posting,
                                referred_on=datetime.date(2025, 5, 1), outcome="hired",
                                outcome_on=datetime.date(2025, 6, 1))
    cell = board(world).cell("073", UNKNOWN_AREA)
    assert cell is not None and cell.openings == 0
    # (s_hw was hired, but their status is still "active" in the world, so they still count as looking.)
    assert cell.no_fit == cell.demand


def test_a_posting_that_nobody_wanting_its_occupation_fits_is_hard_to_fill(world: World) -> None:
    lonely = Posting.objects.create(posting_id="33010-30001", employer=world.employer, site=world.tamashima,
                                    received_on=datetime.date(2025, 4, 1), occupation_id="050", openings=1,
                                    postal_code="713-8121", lat=34.545, lng=133.675)
    far = Posting.objects.create(posting_id="33010-30002", employer=world.employer, site=world.tamashima,
                                 received_on=datetime.date(2025, 4, 1), occupation_id="073", openings=1,
                                 postal_code="713-8121", lat=34.545, lng=133.675, required_qualifications=["溶接"])
    hard = {h.posting.pk: h.wanting for h in board(world).hard_to_fill}
    assert hard == {lonely.pk: 0, far.pk: 5}


def test_at_the_major_level_a_seeker_wanting_two_trades_of_one_group_counts_once(world: World) -> None:
    seeker = world.seekers["s_hw"]
    DesiredOccupation.objects.create(seeker=seeker, occupation_id="069", rank=2)  # the same major group, 12
    middle = board(world)
    assert middle.cell("069", UNKNOWN_AREA).demand == 1  # type: ignore[union-attr]  # None fails the test
    major = board(world, Level.MAJOR).cell("12", UNKNOWN_AREA)
    assert major is not None and major.demand == 5 and major.openings == 2


def test_the_board_of_all_sites_and_of_one_site_count_their_own_seekers(world: World) -> None:
    assert build_board(site=world.mizushima, day=today()).cells == []
    assert build_board(site=None, day=today()).seekers == len(world.seekers)


def test_the_market_is_recomputed_when_a_record_changes(world: World) -> None:
    first = market(today())
    assert market(today()) is first or market(today()) == first
    world.seekers["s_hw"].max_commute_km = 0.3
    world.seekers["s_hw"].save()
    changed = market(today())
    assert {s.pk: s.fits for s in changed.seekers} != {s.pk: s.fits for s in first.seekers}


def test_the_monthly_snapshot_stores_the_figures_and_the_trend_reads_them(world: World) -> None:
    out = io.StringIO()
    since = (today().replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    call_command("develop", "snapshot", "--site", "tamashima", "--since", since.isoformat(), stdout=out)
    months = sorted(set(GapSnapshot.objects.filter(site=world.tamashima).values_list("month", flat=True)))
    assert len(months) == 2 and all(m.month != (m + datetime.timedelta(days=1)).month for m in months)
    points = trend(site=world.tamashima, level=Level.MIDDLE, occupation="073")
    assert [p.month for p in points] == months
    assert all(p.demand == 5 and p.unmet == 3 for p in points)
    # Storing the same month again replaces it.
    call_command("develop", "snapshot", "--site", "tamashima", "--month", months[-1].strftime("%Y-%m"), stdout=out)
    assert GapSnapshot.objects.filter(site=world.tamashima, month=months[-1], level=Level.MIDDLE).count() == 1


def test_a_snapshot_of_a_month_still_to_come_is_refused(world: World) -> None:
    with pytest.raises(CommandError, match="まだ来ていない"):
        call_command("develop", "snapshot", "--month", (today() + datetime.timedelta(days=40)).strftime("%Y-%m"))


def add_quiet_employer(world: World) -> Employer:
    return Employer.objects.create(employer_id="E-QUIET", name="静か商店", industry=Industry.objects.get(code="58"),
                                   postal_code="713-8121", lat=34.541, lng=133.671, employees=3)


def test_targets_put_the_employer_that_posts_for_the_occupation_first(world: World) -> None:
    add_quiet_employer(world)
    world.posting.closes_on = datetime.date(2025, 5, 31)  # nothing open: everyone who wants 073 is in need
    world.posting.save()
    result = targets_for(site=world.tamashima, occupation="073", as_of=today())
    assert result.need_is_unmet and len(result.need) == 5
    assert [t.employer.employer_id for t in result.targets][:2] == ["E-1", "E-QUIET"]
    first = result.targets[0]
    assert 0 < first.score < 1 and first.reach == 5
    assert any("通勤圏内" in r for r in first.reasons) and any("普段なら半年で" in r for r in first.reasons)
    assert first.reasons[0].startswith(f"この半年で{first.occupation_name}の求人が出る見込み ")


def test_individual_development_proposes_nearby_employers_in_the_seekers_trade(world: World) -> None:
    add_quiet_employer(world)
    seeker = world.seekers["s_welfare"]
    seeker.max_commute_km = 5
    seeker.save()
    result = targets_for_seeker(seeker, as_of=today())
    assert [p.posting_id for p, _m in result.fitting] == [world.posting.posting_id]
    assert result.targets[0].employer.employer_id == "E-1"
    assert any("自宅から" in r for r in result.targets[0].reasons)
    assert result.related[0].code == "073"


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("develop", *args, stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]  # the command prints one JSON object


def test_the_targets_command_answers_in_json(world: World) -> None:
    data = run("targets", "--site", "tamashima", "--occupation", "０７３", "--top", "5", "--format", "json")
    assert data["occupation"] == "073" and data["targets"]
    first = data["targets"][0]
    assert first["employer_id"] == "E-1" and 0 < first["score"] < 1
    assert first["reasons"] and all(isinstance(r, str) for r in first["reasons"])


def test_the_for_seeker_command_answers_in_json_and_respects_a_given_users_sight(world: World) -> None:
    data = run("for-seeker", "S-WEL-1", "--format", "json")
    assert data["seeker_id"] == "S-WEL-1" and data["employers"][0]["employer_id"] == "E-1"
    assert run("for-seeker", "S-WEL-1", "--user", "naoki", "--format", "json")["employers"]
    with pytest.raises(CommandError, match="見つかりません"):
        call_command("develop", "for-seeker", "S-WEL-1", "--user", "sen", stdout=io.StringIO())


def test_the_command_refuses_an_unknown_site_or_occupation_in_japanese(world: World) -> None:
    with pytest.raises(CommandError, match="拠点「nowhere」はありません"):
        call_command("develop", "targets", "--site", "nowhere", stdout=io.StringIO())
    with pytest.raises(CommandError, match="職業コード「999」"):
        call_command("develop", "targets", "--site", "tamashima", "--occupation", "999", stdout=io.StringIO())


def test_the_sources_command_counts_the_developed_openings_by_source(world: World) -> None:
    data = run("sources", "--site", "tamashima", "--fiscal-year", "令和7年度", "--format", "json")
    assert data["fiscal_year"] == 2025
    assert data["sources"]["unrecorded"] == {"postings": 1, "openings": 2}
    assert sum(v["postings"] for v in data["sources"].values()) == 1


@pytest.mark.parametrize(("expected", "text"), [(0.0, "1件未満"), (0.49, "1件未満"), (0.5, "約1件"), (1.07, "約1件"),
                                                (2.5, "約3件"), (12.4, "約12件")])
def test_the_postings_expected_are_said_in_whole_postings(expected: float, text: str) -> None:
    assert postings_text(expected) == text


@pytest.mark.parametrize(("factor", "text"), [(3.1, "普段の約3倍"), (2.0, "普段の約2倍"), (1.3, "普段より約3割多い"),
                                              (1.1, "普段より約1割多い"), (0.7, "普段より約3割少ない"),
                                              (0.5, "普段の約半分"), (0.2, "普段の約5分の1")])
def test_a_factor_is_said_against_the_employers_usual(factor: float, text: str) -> None:
    assert factor_text(factor) == text


@pytest.mark.parametrize(("km", "text"), [(0.0, "1km未満"), (0.96, "1km未満"), (2.43, "約2.4km"), (12.6, "約13km")])
def test_a_distance_is_as_precise_as_a_postal_code_place(km: float, text: str) -> None:
    assert km_text(km) == text


def test_the_reasons_lead_with_the_expectation_then_what_moves_it_then_the_usual() -> None:
    why = tg.Explanation(expected=3.2, usual=1.07, facts=("事業所全体の求人 過去2年で12件",),
                         modifiers=(tg.Reason("need", 3.1, "訪問で採用ニーズを聴取、まだ求人は出ていない"),))
    assert plain_reasons(why, "プレス機オペレーター") == [
        "この半年でプレス機オペレーターの求人が出る見込み 約3件",
        "訪問で採用ニーズを聴取、まだ求人は出ていない → 求人が出る見込みは普段の約3倍",
        "普段なら半年で約1件",
        "事業所全体の求人 過去2年で12件",
    ]
