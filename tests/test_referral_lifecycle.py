"""A referral's life: referred → interview → hired / rejected / declined / withdrawn, each step kept with who and
when; employer notes kept from the welfare office and the Center; reminders and expiry; joint placements."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from kakehashi.accounts.models import Agency
from kakehashi.audit.models import AuditEvent
from kakehashi.core.errors import ActionError
from kakehashi.referrals import actions
from kakehashi.referrals.counting import placements_by_party
from kakehashi.referrals.models import Contribution, Referral, ReferralEvent, ReferralSettings
from kakehashi.referrals.reminders import reminders_for
from kakehashi.seekers.models import Consent, Consultation
from kakehashi.welfare.timeline import seeker_timeline
from tests.test_visibility import EXPECTED
from tests.world import USERNAMES, World, client_for

D = datetime.date
NOTE = "プレス機の経験はないが、段取りの飲み込みが早い"



@pytest.fixture(autouse=True)
def settled(world: World) -> None:
    """The test base's one referral (imported, no history) was declined long ago: nothing is waiting on it."""
    world.referral.outcome, world.referral.outcome_on = "declined", D(2025, 5, 10)
    world.referral.save()


JUNE_2 = D(2025, 6, 2)


def refer(world: World, key: str = "s_welfare", on: D = JUNE_2) -> Referral:
    return actions.do_refer(world.seekers[key], world.posting, referred_on=on, trial_employment=False,
                            acting_user=world.hana)


def test_each_step_is_kept_with_who_and_when_and_audited(world: World) -> None:
    referral = refer(world)
    hana = client_for("hana")
    hana.post(reverse("referrals:interview", args=[referral.pk]), {"interview_on": "R7.6.9", "note": "9日10時に面接"})
    referral.refresh_from_db()
    assert (referral.stage, referral.interview_on) == ("interview", D(2025, 6, 9))
    r = hana.post(reverse("referrals:detail", args=[referral.pk]), {
        "outcome": "rejected", "outcome_on": "2025-06-12", "reason": "skills", "employer_note": NOTE})
    assert r.status_code == 302
    referral.refresh_from_db()
    assert (referral.stage, referral.outcome_on, referral.reason) == ("rejected", D(2025, 6, 12), "skills")
    events = list(referral.events.order_by("on", "id").values_list("kind", "on", "staff__username", "reason"))
    assert events == [("referred", D(2025, 6, 2), "hana", ""), ("interview", D(2025, 6, 9), "hana", ""),
                      ("rejected", D(2025, 6, 12), "hana", "skills")]
    audit = AuditEvent.objects.filter(model="referrals.Referral", object_ids=[str(referral.pk)])
    assert list(audit.order_by("at", "id").values_list("action", "username")) == [
        ("create", "hana"), ("update", "hana"), ("update", "hana")]


def test_a_rejection_needs_a_structured_reason_and_a_wrong_one_is_refused(world: World) -> None:
    referral = refer(world)
    hana = client_for("hana")
    body = hana.post(reverse("referrals:detail", args=[referral.pk]), {
        "outcome": "rejected", "outcome_on": "2025-06-12", "reason": ""}).content.decode()
    assert "理由を選んでください" in body
    body = hana.post(reverse("referrals:detail", args=[referral.pk]), {
        "outcome": "rejected", "outcome_on": "2025-06-12", "reason": "commute"}).content.decode()
    assert "には使えません" in body
    referral.refresh_from_db()
    assert (referral.outcome, referral.reason) == ("pending", "")
    assert list(referral.events.values_list("kind", flat=True)) == ["referred"]


def test_the_seeker_may_decline_without_a_reason(world: World) -> None:
    referral = refer(world)
    actions.do_record_outcome(referral, outcome="declined", outcome_on=D(2025, 6, 5), acting_user=world.hana)
    assert (referral.stage, referral.reason) == ("declined", "")


def test_an_interview_before_the_referral_or_after_an_outcome_is_refused(world: World) -> None:
    referral = refer(world)
    with pytest.raises(ActionError, match="紹介日より前"):
        actions.do_schedule_interview(referral, interview_on=D(2025, 6, 1), acting_user=world.hana)
    actions.do_record_outcome(referral, outcome="hired", outcome_on=D(2025, 6, 20), acting_user=world.hana)
    with pytest.raises(ActionError, match="結果が出ている"):
        actions.do_schedule_interview(referral, interview_on=D(2025, 6, 22), acting_user=world.hana)


def test_an_older_outcome_form_without_the_note_keeps_the_note(world: World) -> None:
    referral = refer(world)
    actions.do_record_outcome(referral, outcome="pending", outcome_on=None, employer_note=NOTE,
                              acting_user=world.hana)
    client_for("naoki").post(reverse("referrals:detail", args=[referral.pk]),
                             {"outcome": "hired", "outcome_on": "2025-06-20"})
    referral.refresh_from_db()
    assert (referral.outcome, referral.employer_note) == ("hired", NOTE)


@pytest.mark.parametrize("username", USERNAMES)
def test_the_outcome_goes_back_to_the_referrer_without_the_employers_notes(world: World, username: str) -> None:
    referral = refer(world)
    actions.do_record_outcome(referral, outcome="rejected", outcome_on=D(2025, 6, 12), reason="skills",
                              employer_note=NOTE, acting_user=world.hana)
    Consent.objects.create(seeker=referral.seeker, party="center", given_on=D(2025, 4, 1))
    user = world.users[username]
    c = client_for(username)
    detail = c.get(reverse("referrals:detail", args=[referral.pk]))
    seeker_page = c.get(reverse("seekers:detail", args=[referral.seeker.pk]))
    sees_seeker = "s_welfare" in EXPECTED[username] or user.agency_kind == "center"
    if not sees_seeker:
        assert detail.status_code == seeker_page.status_code == 404
        return
    body = detail.content.decode() + seeker_page.content.decode()
    assert "不採用" in body and "経験・技能が求める水準に届かない" in body
    assert (NOTE in body) == (user.agency_kind in ("hello_work", "city") or user.is_administrator)


def test_the_timeline_merges_consultations_referrals_and_welfare_visits_each_for_its_readers(world: World) -> None:
    from kakehashi.welfare import actions as welfare

    seeker = world.seekers["s_welfare"]
    case = welfare.do_file_support_request(seeker, site=world.tamashima, requested_on=D(2025, 6, 1), needs="",
                                           consent_given_on=D(2025, 6, 1), acting_user=world.fuku)
    welfare.do_accept_support_request(case, accepted_on=D(2025, 6, 2), acting_user=world.naoki)
    welfare.do_record_support_visit(case, on=D(2025, 6, 3), attended=False, note="", acting_user=world.naoki)
    referral = refer(world, on=D(2025, 6, 4))
    actions.do_record_outcome(referral, outcome="rejected", outcome_on=D(2025, 6, 12), reason="filled",
                              employer_note=NOTE, acting_user=world.hana)

    def texts(username: str) -> str:
        return " ".join(f"{e.title} {e.text}" for e in seeker_timeline(seeker, world.users[username]))

    fuku, hana = texts("fuku"), texts("hana")
    assert "家計の立て直し" in fuku and "家計の立て直し" not in hana  # the city's life consultation
    assert "プレス機の求人を検討" in fuku and "プレス機の求人を検討" in hana  # Hello Work's job consultation
    assert "来所なし" in fuku and "来所なし" in hana
    assert "不採用" in fuku and NOTE not in fuku and NOTE in hana
    assert texts("mizu") == "" and texts("sen") == ""
    Consent.objects.create(seeker=seeker, party="center", given_on=D(2025, 4, 1))
    center = texts("sen")
    assert "不採用" in center and NOTE not in center and "来所" not in center and "家計" not in center
    entries = seeker_timeline(seeker, world.fuku)
    assert [e.on for e in entries] == sorted((e.on for e in entries), reverse=True)
    assert Consultation.objects.filter(seeker=seeker).count() == 2


def test_an_imported_referral_without_history_still_shows_on_the_timeline(world: World) -> None:
    world.referral.outcome, world.referral.outcome_on = "hired", D(2025, 5, 20)
    world.referral.save()
    titles = [e.title for e in seeker_timeline(world.seekers["s_welfare"], world.hana)]
    assert any(t.startswith("採用：") for t in titles) and any(t.startswith("紹介：") for t in titles)


# --- reminders and expiry -------------------------------------------------------------------------------


def test_a_counselor_is_reminded_of_unanswered_referrals_after_the_sites_days(world: World) -> None:
    referral = refer(world, on=D(2025, 6, 2))
    assert reminders_for(world.hana, D(2025, 6, 15)).unanswered == []
    due = reminders_for(world.hana, D(2025, 6, 16)).unanswered
    assert [(w.referral, w.days, w.expires_on) for w in due] == [(referral, 14, D(2025, 8, 1))]
    ReferralSettings.objects.create(site=world.tamashima, reminder_days=7, expiry_days=30)
    assert [w.days for w in reminders_for(world.hana, D(2025, 6, 9)).unanswered] == [7]
    actions.do_schedule_interview(referral, interview_on=D(2025, 6, 10), acting_user=world.hana)
    assert reminders_for(world.hana, D(2025, 6, 16)).unanswered == []
    assert reminders_for(world.mizu, D(2025, 6, 30)).unanswered == []


def test_expiry_withdraws_stale_referrals_once_with_reason_expired(world: World) -> None:
    stale = refer(world, on=D(2025, 6, 2))
    fresh = refer(world, key="s_hw", on=D(2025, 7, 1))
    ReferralSettings.objects.create(site=world.tamashima, reminder_days=7, expiry_days=30)
    out = io.StringIO()
    call_command("expire_referrals", "--on", "令和7年7月2日", stdout=out)
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.outcome, stale.outcome_on, stale.reason) == ("withdrawn", D(2025, 7, 2), "expired")
    assert fresh.outcome == "pending"
    assert "1 件" in out.getvalue() and stale.referral_id in out.getvalue()
    event = ReferralEvent.objects.get(referral=stale, kind="withdrawn")
    assert (event.reason, event.staff) == ("expired", None)
    assert AuditEvent.objects.filter(model="referrals.Referral", object_ids=[str(stale.pk)],
                                     detail__reason="expired").count() == 1
    assert actions.do_expire_referrals(on=D(2025, 7, 2)) == []
    assert ReferralEvent.objects.filter(referral=stale, kind="withdrawn").count() == 1
    assert reminders_for(world.hana, D(2025, 7, 3)).expired == [stale]


def test_a_bad_date_for_the_expiry_command_is_a_clear_error(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日付"):
        call_command("expire_referrals", "--on", "7月2日")


def test_the_counselors_home_shows_the_reminders(world: World) -> None:
    refer(world, on=D(2025, 6, 2))
    body = client_for("hana").get(reverse("home")).content.decode()
    assert 'id="reminders-unanswered"' in body and world.seekers["s_welfare"].name in body
    assert 'id="reminders"' not in client_for("fuku").get(reverse("home")).content.decode()


@pytest.mark.parametrize("username", USERNAMES)
def test_only_hello_work_managers_and_the_administrator_set_the_limits(world: World, username: str) -> None:
    c = client_for(username)
    assert c.get(reverse("referrals:settings")).status_code == 200
    r = c.post(reverse("referrals:settings"), {"site": "tamashima", "tamashima-reminder_days": "１０",
                                               "tamashima-expiry_days": "45", "tamashima-trial_notice_days": "7"})
    stored = ReferralSettings.objects.filter(site=world.tamashima).first()
    if username in ("hiro", "admin"):
        assert r.status_code == 302 and stored is not None
        assert (stored.reminder_days, stored.expiry_days) == (10, 45)
    else:
        assert r.status_code == 403 and stored is None


def test_an_expiry_shorter_than_the_reminder_is_refused(world: World) -> None:
    body = client_for("hiro").post(reverse("referrals:settings"), {
        "site": "tamashima", "tamashima-reminder_days": "30", "tamashima-expiry_days": "20",
        "tamashima-trial_notice_days": "7"}).content.decode()
    assert "より長くしてください" in body
    assert not ReferralSettings.objects.exists()


# --- joint placements -----------------------------------------------------------------------------------


def test_a_joint_placement_appears_under_each_party_and_once_in_the_total(world: World) -> None:
    joint = refer(world, key="s_welfare")  # Hello Work referred the person the welfare office sent
    solo = refer(world, key="s_hw")
    assert {c.agency.code for c in joint.contributions.all()} == {"hw-kurashiki-chuo", "tamashima-welfare"}
    assert {c.agency.code for c in solo.contributions.all()} == {"hw-kurashiki-chuo"}
    for r in (joint, solo):
        actions.do_record_outcome(r, outcome="hired", outcome_on=D(2025, 7, 1), acting_user=world.hana)
    world.referral.outcome, world.referral.outcome_on = "hired", D(2025, 7, 1)  # imported: no party recorded
    world.referral.save()
    counts = placements_by_party(D(2025, 4, 1), D(2026, 3, 31))
    assert counts.total == 3
    assert (counts.count_for("hw-kurashiki-chuo"), counts.count_for("tamashima-welfare")) == (2, 1)
    assert counts.unattributed == 1
    assert sum(p.placements for p in counts.by_party) + counts.unattributed > counts.total
    assert placements_by_party(D(2025, 4, 1), D(2026, 3, 31), [world.mizushima.pk]).total == 0


def test_a_party_can_be_added_once(world: World) -> None:
    referral = refer(world, key="s_hw")
    center = Agency.objects.get(code="kurashiki-center")
    client_for("naoki").post(reverse("referrals:contributor", args=[referral.pk]), {"agency": center.pk})
    r = client_for("naoki").post(reverse("referrals:contributor", args=[referral.pk]), {"agency": center.pk},
                                 follow=True)
    assert "すでに関与した機関" in r.content.decode()
    assert Contribution.objects.filter(referral=referral, agency=center).count() == 1
    assert client_for("fuku").post(reverse("referrals:contributor", args=[referral.pk]),
                                   {"agency": center.pk}).status_code == 403


@pytest.mark.parametrize("username", USERNAMES)
def test_only_hello_works_placement_staff_record_a_referrals_steps(world: World, username: str) -> None:
    from kakehashi.accounts.policy import can

    referral = refer(world)
    c = client_for(username)
    steps = [("referrals:interview", {"interview_on": "2025-06-09"}),
             ("referrals:contributor", {"agency": Agency.objects.get(code="kurashiki-city").pk}),
             ("referrals:trial_start", {"started_on": "2025-07-01"})]
    allowed = can(world.users[username], "referral.edit")
    for name, data in steps:
        r = c.post(reverse(name, args=[referral.pk]), data)
        assert r.status_code == (302 if allowed else 403), (name, r.status_code)
    referral.refresh_from_db()
    assert (referral.outcome == "hired") == allowed
    assert referral.events.count() == (4 if allowed else 1)


def test_individual_job_development_names_only_a_visible_seeker_and_credits_its_party(world: World) -> None:
    from kakehashi.employers.models import EmployerVisit

    url = reverse("employers:visit_create", args=[world.employer.pk])
    visit = {"visited_on": "2025-05-20", "method": "visit", "for_seeker": "Ｓ－ＷＥＬ－１",
             "resulting_posting": world.posting.pk, "note": "本人の経歴を説明"}
    body = client_for("sen").post(url, visit).content.decode()
    assert "見つからないか、閲覧する権限がありません" in body and not EmployerVisit.objects.exists()
    Consent.objects.create(seeker=world.seekers["s_welfare"], party="center", given_on=D(2025, 4, 1))
    assert client_for("sen").post(url, visit).status_code == 302
    assert EmployerVisit.objects.get().for_seeker == world.seekers["s_welfare"]
    referral = refer(world)
    assert {c.agency.code for c in referral.contributions.all()} == {
        "hw-kurashiki-chuo", "tamashima-welfare", "kurashiki-center"}
