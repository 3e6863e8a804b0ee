"""Trial employment (トライアル雇用): counted as one placement on its start, as Hello Work counts it; conversion to
regular employment counts nothing more; a reminder before its end."""

import datetime

import pytest
from django.urls import reverse

from kakehashi.core.errors import ActionError
from kakehashi.plans.progress import site_progress
from kakehashi.referrals import actions
from kakehashi.referrals.models import Referral, TrialEmployment, planned_trial_end
from kakehashi.referrals.reminders import reminders_for
from kakehashi.seekers.models import Seeker
from tests.world import World, client_for

D = datetime.date



YEAR_END = D(2026, 3, 31)


def placements(world: World, as_of: D = YEAR_END) -> int | None:
    return site_progress(world.tamashima, 2025, as_of).row("placements").actual


@pytest.fixture
def trial_referral(world: World) -> Referral:
    world.referral.outcome, world.referral.outcome_on = "declined", D(2025, 5, 10)
    world.referral.save()
    return actions.do_refer(world.seekers["s_welfare"], world.posting, referred_on=D(2025, 7, 14),
                            trial_employment=True, acting_user=world.hana)


def test_a_trial_is_planned_for_three_months_by_default() -> None:
    assert planned_trial_end(D(2025, 8, 1)) == D(2025, 10, 31)
    assert planned_trial_end(D(2025, 11, 30)) == D(2026, 2, 27)


def test_a_trial_counts_as_one_placement_on_its_start_and_conversion_adds_none(world: World,
                                                                               trial_referral: Referral) -> None:
    before = placements(world)
    client_for("hana").post(reverse("referrals:trial_start", args=[trial_referral.pk]), {"started_on": "令和7年8月1日"})
    trial_referral.refresh_from_db()
    trial = TrialEmployment.objects.get(referral=trial_referral)
    assert (trial_referral.outcome, trial_referral.outcome_on) == ("hired", D(2025, 8, 1))
    assert (trial.started_on, trial.planned_end_on, trial.outcome) == (D(2025, 8, 1), D(2025, 10, 31), "ongoing")
    assert placements(world) == before + 1  # type: ignore[operator]  # a counted indicator is never None
    assert placements(world, as_of=D(2025, 7, 31)) == before  # counted in the month the trial starts

    client_for("hana").post(reverse("referrals:trial_end", args=[trial_referral.pk]),
                            {"outcome": "converted", "ended_on": "2025-11-01", "note": "常用雇用へ"})
    trial.refresh_from_db()
    trial_referral.refresh_from_db()
    assert (trial.outcome, trial.ended_on) == ("converted", D(2025, 11, 1))
    assert (trial_referral.outcome, trial_referral.outcome_on) == ("hired", D(2025, 8, 1))
    assert placements(world) == before + 1  # type: ignore[operator]  # a counted indicator is never None
    assert list(trial_referral.events.values_list("kind", flat=True)) == [
        "referred", "hired", "trial_started", "trial_converted"]
    assert Seeker.objects.get(pk=trial_referral.seeker_id).status == "employed"


def test_recording_a_hire_on_a_trial_referral_starts_the_trial_that_day(world: World,
                                                                        trial_referral: Referral) -> None:
    client_for("naoki").post(reverse("referrals:detail", args=[trial_referral.pk]),
                             {"outcome": "hired", "outcome_on": "2025-08-04"})
    trial = TrialEmployment.objects.get(referral=trial_referral)
    assert (trial.started_on, trial.planned_end_on) == (D(2025, 8, 4), D(2025, 11, 3))


def test_a_trial_referrals_outcome_cannot_move_away_from_its_start(world: World, trial_referral: Referral) -> None:
    actions.do_start_trial(trial_referral, started_on=D(2025, 8, 1), acting_user=world.hana)
    for outcome, on in (("rejected", D(2025, 8, 1)), ("hired", D(2025, 9, 1))):
        with pytest.raises(ActionError, match="トライアル開始日"):
            actions.do_record_outcome(trial_referral, outcome=outcome, outcome_on=on, reason="skills",
                                      acting_user=world.hana)
    trial_referral.refresh_from_db()
    assert (trial_referral.outcome, trial_referral.outcome_on) == ("hired", D(2025, 8, 1))


def test_a_trial_on_a_hire_of_another_day_is_refused_and_nothing_is_written(world: World,
                                                                            trial_referral: Referral) -> None:
    trial_referral.trial_employment = False
    trial_referral.save()
    actions.do_record_outcome(trial_referral, outcome="hired", outcome_on=D(2025, 7, 20), acting_user=world.hana)
    r = client_for("hana").post(reverse("referrals:trial_start", args=[trial_referral.pk]),
                                {"started_on": "2025-08-01"}, follow=True)
    assert "採用日と同じ日" in r.content.decode()
    assert not TrialEmployment.objects.exists()


def test_a_trial_on_a_posting_without_trial_employment_is_refused(world: World) -> None:
    world.posting.trial_employment_ok = False
    world.posting.save()
    referral = actions.do_refer(world.seekers["s_hw"], world.posting, referred_on=D(2025, 7, 1),
                                trial_employment=False, acting_user=world.hana)
    with pytest.raises(ActionError, match="トライアル雇用を併用していません"):
        actions.do_start_trial(referral, started_on=D(2025, 7, 10), acting_user=world.hana)
    referral.refresh_from_db()
    assert referral.outcome == "pending"


def test_a_trial_ended_early_puts_the_seeker_back_into_support_but_keeps_the_placement(
        world: World, trial_referral: Referral) -> None:
    actions.do_start_trial(trial_referral, started_on=D(2025, 8, 1), acting_user=world.hana)
    before = placements(world)
    actions.do_end_trial(trial_referral.trial, outcome="ended_early", ended_on=D(2025, 9, 10), acting_user=world.hana)
    assert Seeker.objects.get(pk=trial_referral.seeker_id).status == "active"
    assert placements(world) == before
    with pytest.raises(ActionError, match="すでに終了"):
        actions.do_end_trial(trial_referral.trial, outcome="converted", ended_on=D(2025, 11, 1),
                             acting_user=world.hana)


def test_the_counselor_is_reminded_before_a_trial_ends(world: World, trial_referral: Referral) -> None:
    actions.do_start_trial(trial_referral, started_on=D(2025, 8, 1), acting_user=world.hana)
    assert reminders_for(world.hana, D(2025, 10, 16)).trials_ending == []
    assert [t.referral for t in reminders_for(world.hana, D(2025, 10, 17)).trials_ending] == [trial_referral]
    body = client_for("fuku").get(reverse("referrals:detail", args=[trial_referral.pk])).content.decode()
    assert "トライアル雇用" in body and "2025年10月31日" in body
    assert reminders_for(world.mizu, D(2025, 10, 20)).trials_ending == []
    actions.do_end_trial(trial_referral.trial, outcome="converted", ended_on=D(2025, 11, 1), acting_user=world.hana)
    assert reminders_for(world.hana, D(2025, 10, 30)).trials_ending == []
