"""No outcome and no date stands filled in before anyone chose it: a form sent without looking records nothing."""

import datetime
import re

import pytest
from django.urls import reverse

from kakehashi.referrals import actions
from kakehashi.referrals.models import Referral
from kakehashi.welfare import actions as welfare
from kakehashi.welfare.models import SupportRequest
from tests.world import World, client_for

D = datetime.date


def selected(page: str, form_id: str, name: str) -> list[str]:
    """The options of select ``name`` in form ``form_id`` that the page has chosen already."""
    form = page[page.index(f'id="{form_id}"'):]
    form = form[:form.index("</form>")]
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', form, re.S)
    assert select, name
    return [v for v in re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(1)) if v]


def value_of(page: str, form_id: str, name: str) -> str | None:
    form = page[page.index(f'id="{form_id}"'):]
    form = form[:form.index("</form>")]
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', form)
    assert field, name
    found = re.search(r'value="([^"]*)"', field.group(0))
    return found.group(1) if found else None


@pytest.fixture
def case(world: World) -> SupportRequest:
    filed = welfare.do_file_support_request(
        world.seekers["s_welfare"], site=world.tamashima, requested_on=D(2025, 6, 2), needs="",
        consent_given_on=D(2025, 6, 2), acting_user=world.fuku)
    return welfare.do_accept_support_request(filed, accepted_on=D(2025, 6, 5), acting_user=world.naoki)


def test_ending_support_comes_with_no_outcome_chosen(world: World, case: SupportRequest) -> None:
    page = client_for("fuku").get(reverse("welfare:detail", args=[case.pk])).content.decode()
    assert selected(page, "close-form", "outcome") == []
    assert selected(page, "close-form", "benefit_change") == []
    assert selected(page, "visit-form", "attended") == []


def test_ending_support_without_choosing_records_nothing_and_says_why(world: World, case: SupportRequest) -> None:
    r = client_for("fuku").post(reverse("welfare:close", args=[case.pk]), {"closed_on": "2025-11-30"}, follow=True)
    body = r.content.decode()
    assert "終了の結果を選んでください" in body and "保護の状況を選んでください" in body
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_on) == ("accepted", "", None)


def test_a_visit_is_recorded_only_as_attended_or_not_when_chosen(world: World, case: SupportRequest) -> None:
    r = client_for("naoki").post(reverse("welfare:visit", args=[case.pk]), {"on": "2025-06-10"}, follow=True)
    assert "来所したかどうかを選んでください" in r.content.decode()
    assert not case.visits.exists()


def test_a_referral_waiting_for_its_interview_has_no_dates_filled_in(world: World) -> None:
    page = client_for("hana").get(reverse("referrals:detail", args=[world.referral.pk])).content.decode()
    assert world.referral.outcome == "pending"
    assert value_of(page, "trial-start-form", "started_on") is None
    assert value_of(page, "interview-form", "interview_on") is None


def test_an_interview_once_set_is_shown_as_set(world: World) -> None:
    actions.do_schedule_interview(world.referral, interview_on=D(2025, 6, 9), acting_user=world.hana)
    page = client_for("hana").get(reverse("referrals:detail", args=[world.referral.pk])).content.decode()
    assert value_of(page, "interview-form", "interview_on") == "2025-06-09"
    assert value_of(page, "trial-start-form", "started_on") is None


def test_a_hire_as_a_trial_without_its_trial_offers_the_hire_date_as_the_start(world: World) -> None:
    # as an import leaves it (a hire recorded here starts its trial on the day of the hire)
    referral = Referral.objects.create(referral_id="R-TRIAL", seeker=world.seekers["s_hw"], posting=world.posting,
                                       referred_on=D(2025, 7, 1), trial_employment=True, outcome="hired",
                                       outcome_on=D(2025, 7, 20))
    page = client_for("hana").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert value_of(page, "trial-start-form", "started_on") == "2025-07-20"


def test_a_trial_ends_and_a_retention_check_is_answered_only_as_chosen(world: World) -> None:
    referral = actions.do_refer(world.seekers["s_hw"], world.posting, referred_on=D(2025, 7, 1),
                                trial_employment=True, acting_user=world.hana)
    actions.do_start_trial(referral, started_on=D(2025, 8, 1), acting_user=world.hana)
    page = client_for("hana").get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert selected(page, "trial-end-form", "outcome") == []
    assert selected(page, "follow-up-form", "still_employed") == []
    r = client_for("hana").post(reverse("referrals:trial_end", args=[referral.pk]), {"ended_on": "2025-10-31"},
                                follow=True)
    assert "トライアル雇用の結果を選んでください" in r.content.decode()
    r = client_for("hana").post(reverse("referrals:follow_up", args=[referral.pk]),
                                {"milestone": "1", "checked_on": "2025-09-01"}, follow=True)
    assert "就労を継続しているかを選んでください" in r.content.decode()
    assert not referral.follow_ups.exists()
