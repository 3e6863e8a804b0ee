"""Retention follow-ups one and six months after a hire, and the retention rate the figures show."""

import datetime

import pytest
from django.urls import reverse

from kakehashi.core.errors import ActionError
from kakehashi.postings.models import Posting
from kakehashi.referrals import actions
from kakehashi.referrals.models import FollowUp, Referral, months_after
from kakehashi.referrals.reminders import reminders_for
from kakehashi.referrals.retention import retention_rate, site_retention
from tests.world import World, client_for

D = datetime.date



def hire(world: World, key: str, on: D) -> Referral:
    posting = Posting.objects.create(posting_id=f"P-{key}-{on}", employer=world.employer, site=world.tamashima,
                                     received_on=D(2025, 4, 1), occupation_id="073", openings=1,
                                     postal_code="713-8121")
    referral = actions.do_refer(world.seekers[key], posting, referred_on=D(2025, 4, 10), trial_employment=False,
                                acting_user=world.hana)
    return actions.do_record_outcome(referral, outcome="hired", outcome_on=on, acting_user=world.hana)


def test_months_are_added_within_the_month() -> None:
    assert months_after(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert months_after(D(2025, 8, 1), 6) == D(2026, 2, 1)
    assert months_after(D(2025, 11, 15), -12) == D(2024, 11, 15)


def test_the_retention_rate_is_over_the_hires_checked_by_the_milestone(world: World) -> None:
    kept = hire(world, "s_hw", D(2025, 5, 1))
    moved = hire(world, "s_welfare", D(2025, 5, 10))
    left = hire(world, "s_city_consent", D(2025, 5, 20))
    unchecked = hire(world, "s_city_consent", D(2025, 5, 25))
    late = hire(world, "s_hw", D(2025, 6, 15))  # its month has not come by the as-of day
    for referral, still, same in ((kept, True, True), (moved, True, False), (left, False, None)):
        actions.do_record_follow_up(referral, milestone=1, checked_on=months_after(referral.outcome_on, 1),  # type: ignore[arg-type]  # a hire has its date
                                    still_employed=still, same_employer=same, acting_user=world.hana)
    r = retention_rate(Referral.objects.all(), 1, D(2025, 7, 1))
    assert (r.due, r.checked, r.unchecked, r.still_employed, r.same_employer) == (4, 3, 1, 2, 1)
    assert r.rate == pytest.approx(2 / 3) and r.same_employer_rate == pytest.approx(1 / 3)
    assert unchecked.pk and late.pk
    six = site_retention(world.tamashima, 2025, D(2025, 7, 1))[6]
    assert (six.due, six.checked, six.rate) == (0, 0, None)
    assert site_retention(world.mizushima, 2025, D(2026, 3, 31))[1].due == 0


def test_a_follow_up_is_recorded_once_per_milestone_and_only_for_a_hire(world: World) -> None:
    referral = hire(world, "s_hw", D(2025, 5, 1))
    c = client_for("hana")
    c.post(reverse("referrals:follow_up", args=[referral.pk]), {
        "milestone": "1", "checked_on": "2025-06-02", "still_employed": "1", "same_employer": "1", "note": "順調"})
    r = c.post(reverse("referrals:follow_up", args=[referral.pk]), {
        "milestone": "1", "checked_on": "2025-06-03", "still_employed": "0"}, follow=True)
    assert "すでに記録されています" in r.content.decode()
    follow_up = FollowUp.objects.get(referral=referral)
    assert (follow_up.still_employed, follow_up.same_employer, follow_up.staff) == (True, True, world.hana)
    assert client_for("fuku").post(reverse("referrals:follow_up", args=[referral.pk]), {
        "milestone": "6", "checked_on": "2025-11-02", "still_employed": "1"}).status_code == 403
    world.referral.refresh_from_db()
    with pytest.raises(ActionError, match="採用になった紹介"):
        actions.do_record_follow_up(world.referral, milestone=1, checked_on=D(2025, 6, 1), still_employed=True,
                                    same_employer=True, acting_user=world.hana)


def test_due_follow_ups_show_on_the_counselors_reminders_until_recorded(world: World) -> None:
    referral = hire(world, "s_welfare", D(2025, 5, 10))
    assert reminders_for(world.hana, D(2025, 6, 9)).follow_ups == []
    due = reminders_for(world.hana, D(2025, 6, 10)).follow_ups
    assert [(d.referral, d.milestone, d.due_on) for d in due] == [(referral, 1, D(2025, 6, 10))]
    actions.do_record_follow_up(referral, milestone=1, checked_on=D(2025, 6, 10), still_employed=True,
                                same_employer=True, acting_user=world.hana)
    assert reminders_for(world.hana, D(2025, 6, 11)).follow_ups == []
    assert [d.milestone for d in reminders_for(world.hana, D(2025, 11, 10)).follow_ups] == [6]
    assert reminders_for(world.mizu, D(2025, 11, 10)).follow_ups == []


def test_the_caseworker_sees_whether_she_is_still_employed_but_not_the_notes(world: World) -> None:
    referral = hire(world, "s_welfare", D(2025, 5, 10))
    actions.do_record_follow_up(referral, milestone=1, checked_on=D(2025, 6, 10), still_employed=True,
                                same_employer=True, note="事業所：遅刻が2回あった", acting_user=world.hana)
    fuku = client_for("fuku").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    hana = client_for("hana").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "1か月後" in fuku and "遅刻" not in fuku
    assert "遅刻" in hana
