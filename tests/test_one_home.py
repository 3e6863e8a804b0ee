"""Rules with one home: placements, developed postings and open postings are each one queryset rule that every
count uses; the breakdowns by contributing party and the retention rate are shown wherever the progress is; a
postal code is placed by one function."""

import datetime
import json
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from kakehashi.plans.progress import records_behind, site_progress
from kakehashi.plans.report import render_html, render_xlsx
from kakehashi.postings.models import Posting
from kakehashi.reference.places import TownIndex, locate, set_place
from kakehashi.referrals import actions
from kakehashi.referrals.models import Contribution, FollowUp, Referral, months_after
from kakehashi.referrals.retention import last_hire_due, retention_rate
from kakehashi.seekers.models import Seeker
from tests.world import World, client_for

D = datetime.date
FY = 2025
AS_OF = D(2026, 3, 31)


APRIL_1 = D(2025, 4, 1)


def posting(world: World, key: str, *, received: D = APRIL_1, closes: D | None = None, openings: int = 1,
            developed: bool = False, site: object = None) -> Posting:
    return Posting.objects.create(posting_id=f"P-{key}", employer=world.employer, site=site or world.tamashima,
                                  received_on=received, closes_on=closes, occupation_id="073", openings=openings,
                                  postal_code="713-8121", developed=developed)


def hire(world: World, key: str, on: D, *, seeker: str = "s_hw") -> Referral:
    job = posting(world, key, received=on - datetime.timedelta(days=30))
    referral = actions.do_refer(world.seekers[seeker], job, referred_on=on - datetime.timedelta(days=5),
                                trial_employment=False, acting_user=world.hana)
    return actions.do_record_outcome(referral, outcome="hired", outcome_on=on, acting_user=world.hana)


def recorded(world: World, key: str, on: D, *, seeker: str = "s_hw") -> Referral:
    """A hire as an import records it (no steps, no parties), on any day."""
    return Referral.objects.create(referral_id=f"R-{key}", seeker=world.seekers[seeker], posting=world.posting,
                                   referred_on=on - datetime.timedelta(days=5), outcome="hired", outcome_on=on)


# --- the placement rule ------------------------------------------------------------------------------------


def test_a_placement_is_a_hire_with_its_date_in_the_period_both_ends_included(world: World) -> None:
    first, last = recorded(world, "first", D(2025, 4, 1)), hire(world, "last", D(2026, 3, 31))
    recorded(world, "before", D(2025, 3, 31))
    hire(world, "after", D(2026, 4, 1))
    Seeker.objects.filter(pk=world.seekers["s_city_private"].pk).update(site=world.mizushima)
    recorded(world, "mizushima", D(2025, 7, 1), seeker="s_city_private")
    rejected = actions.do_refer(world.seekers["s_hw"], posting(world, "rejected"), referred_on=D(2025, 5, 1),
                                trial_employment=False, acting_user=world.hana)
    actions.do_record_outcome(rejected, outcome="rejected", outcome_on=D(2025, 5, 9), reason="skills",
                              acting_user=world.hana)
    tamashima = Referral.objects.placements_between(D(2025, 4, 1), D(2026, 3, 31), site_ids=[world.tamashima.pk])
    assert set(tamashima) == {first, last}
    assert Referral.objects.placements_between(D(2025, 4, 1), D(2026, 3, 31)).count() == 3
    assert Referral.objects.placements_between(None, D(2025, 3, 31)).count() == 1
    # Every figure that counts placements counts these: the progress row, the drill-down, the party breakdown.
    sp = site_progress(world.tamashima, FY, AS_OF)
    assert sp.row("placements").actual == 2
    assert set(records_behind("placements", world.tamashima, D(2025, 4, 1), AS_OF)) == {first, last}
    assert sp.by_party is not None and sp.by_party.total == 2


def test_developed_postings_in_a_period_are_counted_by_their_site_and_date(world: World) -> None:
    inside = posting(world, "in", received=D(2026, 3, 31), developed=True, openings=3)
    posting(world, "not-developed", received=D(2025, 6, 1))
    posting(world, "before", received=D(2025, 3, 31), developed=True)
    posting(world, "elsewhere", received=D(2025, 6, 1), developed=True, site=world.mizushima)
    found = Posting.objects.developed_between(D(2025, 4, 1), D(2026, 3, 31), site_ids=[world.tamashima.pk])
    assert set(found) == {world.posting, inside}
    sp = site_progress(world.tamashima, FY, AS_OF)
    assert (sp.row("developed_postings").actual, sp.row("developed_openings").actual) == (2, 5)


@pytest.mark.parametrize("day", [D(2025, 3, 31), D(2025, 4, 1), D(2025, 6, 30), D(2025, 7, 1)])
def test_a_posting_is_open_by_the_same_rule_in_a_query_and_in_memory(world: World, day: D) -> None:
    postings = [posting(world, "no-end"), posting(world, "ends", closes=D(2025, 6, 30)),
                posting(world, "later", received=D(2025, 7, 1))]
    in_query = set(Posting.objects.filter(pk__in=[p.pk for p in postings]).open_on(day))
    assert in_query == {p for p in postings if p.is_open_on(day)}


def test_a_posting_is_filled_once_its_openings_are_hired_by_the_day(world: World) -> None:
    referral = actions.do_refer(world.seekers["s_hw"], world.posting, referred_on=D(2025, 5, 1),
                                trial_employment=False, acting_user=world.hana)
    actions.do_record_outcome(referral, outcome="hired", outcome_on=D(2025, 6, 1), acting_user=world.hana)
    actions.do_record_outcome(world.referral, outcome="hired", outcome_on=D(2025, 7, 1), acting_user=world.hana)

    def referable(day: D) -> bool:
        return Posting.objects.filter(pk=world.posting.pk).open_on(day).unfilled_on(day).exists()

    assert referable(D(2025, 6, 30))  # one of its two openings taken
    assert not referable(D(2025, 7, 1))


# --- retention ----------------------------------------------------------------------------------------------


def test_the_hires_due_at_a_milestone_are_those_on_or_before_one_day() -> None:
    hires = [D(2024, 1, 1) + datetime.timedelta(days=k) for k in range(800)]
    for months in (1, 6):
        for as_of in hires[200::7] + [D(2025, 2, 28), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30)]:
            due = {d for d in hires if months_after(d, months) <= as_of}
            assert due == {d for d in hires if d <= last_hire_due(as_of, months)}, (as_of, months)


def test_retention_counts_in_the_database_what_it_counted_row_by_row(world: World) -> None:
    checked = [recorded(world, f"r{k}", D(2025, 1, 29) + datetime.timedelta(days=k)) for k in range(6)]
    for referral, still, same in zip(checked[:4], (True, True, False, True), (True, False, None, None),
                                     strict=True):
        FollowUp.objects.create(referral=referral, milestone=1, checked_on=D(2025, 3, 5), still_employed=still,
                                same_employer=same)
    r = retention_rate(Referral.objects.all(), 1, D(2025, 2, 28))  # 1/29–1/31 are due on 2/28
    assert (r.due, r.checked, r.still_employed, r.same_employer, r.unchecked) == (3, 3, 2, 1, 0)


# --- the breakdowns wherever the progress is shown ------------------------------------------------------------


@pytest.fixture
def joint(world: World) -> World:
    """One joint placement (Hello Work referred the person the welfare office sent), one Hello Work alone, one
    without parties (imported), and a 1-month follow-up for two of them."""
    joint = hire(world, "joint", D(2025, 7, 1), seeker="s_welfare")
    solo = hire(world, "solo", D(2025, 7, 2))
    imported = hire(world, "imported", D(2025, 7, 3), seeker="s_city_consent")
    Contribution.objects.filter(referral=imported).delete()
    for referral, still in ((joint, True), (solo, False)):
        actions.do_record_follow_up(referral, milestone=1, checked_on=months_after(referral.outcome_on, 1),  # type: ignore[arg-type]  # a hire has its date
                                    still_employed=still, same_employer=still, acting_user=world.hana)
    return world


def test_the_progress_shows_a_joint_placement_under_each_party_and_once_in_the_total(joint: World) -> None:
    sp = site_progress(joint.tamashima, FY, AS_OF)
    assert sp.by_party is not None
    assert (sp.by_party.count_for("hw-kurashiki-chuo"), sp.by_party.count_for("tamashima-welfare")) == (2, 1)
    assert (sp.by_party.total, sp.by_party.unattributed) == (3, 1) == (sp.row("placements").actual, 1)
    page = client_for("hiro").get(reverse("plans:progress"), {"site": "tamashima", "fy": "2025",
                                                                "as_of": "2026-03-31"}).content.decode()
    table = page[page.index('id="by-party"'):page.index('id="retention"')]
    assert 'data-agency="hw-kurashiki-chuo"><td>ハローワーク倉敷中央</td><td class="num">2' in table
    assert 'data-agency="tamashima-welfare"' in table and 'data-agency="total"><th>合計</th><td class="num">3' in table
    retention = page[page.index('id="retention"'):]
    assert 'data-milestone="1"><td>1か月後</td><td class="num">50.0%' in retention


def test_the_council_report_and_the_json_carry_the_breakdowns(joint: World, tmp_path: Path) -> None:
    out = StringIO()
    call_command("report", "progress", "--site", "tamashima", "--fiscal-year", "2025", "--as-of", "2026-03-31",
                 stdout=out, stderr=StringIO())
    got = json.loads(out.getvalue())
    parties = {p["agency"]: p["placements"] for p in got["placements_by_party"]["by_party"]}
    assert parties == {"hw-kurashiki-chuo": 2, "tamashima-welfare": 1}
    assert (got["placements_by_party"]["total"], got["placements_by_party"]["unattributed"]) == (3, 1)
    assert got["retention"]["1"] == {"due": 3, "checked": 2, "unchecked": 1, "still_employed": 1,
                                     "same_employer": 1, "rate": 0.5, "same_employer_rate": 0.5}
    assert got["retention"]["6"]["due"] == 3 and got["retention"]["6"]["rate"] is None

    sp = site_progress(joint.tamashima, FY, AS_OF)
    html = render_html(sp)
    assert "就職の内訳と定着" in html and 'data-agency="total"><th>合計</th><td class="num">3' in html
    sheet = load_workbook(BytesIO(render_xlsx(sp)))["就職の内訳と定着"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert ("ハローワーク倉敷中央", 2, None, None, None, None) in rows
    assert ("合計（複数の機関が関わった就職も1件）", 3, None, None, None, None) in rows
    assert ("1か月後", 0.5, 2, 1, 1, 1) in rows


# --- places -------------------------------------------------------------------------------------------------


def test_a_form_and_an_import_place_a_postal_code_the_same_way(world: World) -> None:
    seeker = world.seekers["s_hw"]
    seeker.postal_code = "713-8123"
    place = set_place(seeker)
    assert place is not None and seeker.town is not None and seeker.town.name.startswith("玉島")
    imported = TownIndex().locate("７１３－８１２３")
    assert imported is not None and imported.fields() == {"town_id": seeker.town_id, "lat": seeker.lat,
                                                           "lng": seeker.lng}
    assert locate("713-8123") == place
    seeker.postal_code = "999-9999"
    assert set_place(seeker) is None
    assert (seeker.town_id, seeker.lat, seeker.lng) == (None, None, None)
