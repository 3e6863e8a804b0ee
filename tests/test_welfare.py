"""The welfare desk: support requests with the recipient's consent, the joint plan, visits, the case's end and
the programme's figures — for every user of the test base."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kakehashi.accounts.policy import can
from kakehashi.audit.models import AuditEvent
from kakehashi.core.errors import ActionError
from kakehashi.seekers.models import Consent, Seeker
from kakehashi.welfare import actions
from kakehashi.welfare.figures import programme_figures
from kakehashi.welfare.models import SupportPlan, SupportRequest, SupportVisit
from tests.world import USERNAMES, World, client_for

D = datetime.date



def private_recipient(world: World) -> Seeker:
    """A recipient the Tamashima welfare office referred, registered by the city, with no consent yet."""
    s = world.seekers["s_city_private"]
    s.welfare_recipient, s.referred_by = True, "welfare_office"
    s.referring_agency = world.fuku.agency
    s.save()
    return s


def filed(world: World, seeker: Seeker | None = None) -> SupportRequest:
    return actions.do_file_support_request(
        seeker or world.seekers["s_welfare"], site=world.tamashima, requested_on=D(2025, 6, 2), needs="就労意欲の喚起",
        consent_given_on=D(2025, 6, 2), acting_user=world.fuku)


def accepted(world: World) -> SupportRequest:
    case = filed(world)
    return actions.do_accept_support_request(case, accepted_on=D(2025, 6, 5), acting_user=world.naoki)


def test_filing_a_request_records_the_consent_and_opens_the_record_to_hello_work(world: World) -> None:
    seeker = private_recipient(world)
    assert not Seeker.objects.visible_to(world.hana).filter(pk=seeker.pk).exists()
    c = client_for("fuku")
    r = c.post(reverse("welfare:create") + f"?seeker={seeker.pk}", {
        "site": world.tamashima.pk, "requested_on": "令和7年6月2日", "needs": "10年のブランク",
        "consent_given_on": "２０２５－０６－０１", "consent_confirmed": "on"})
    case = SupportRequest.objects.get(seeker=seeker)
    assert r.status_code == 302 and r["Location"] == reverse("welfare:detail", args=[case.pk])
    consent = Consent.objects.get(seeker=seeker, party="hello_work", purpose="share")
    assert (case.consent, consent.given_on, case.welfare_office, case.caseworker) == (
        consent, D(2025, 6, 1), world.fuku.agency, world.fuku)
    assert Seeker.objects.visible_to(world.hana).filter(pk=seeker.pk).exists()
    subject = f"seekers.Seeker:{seeker.pk}"
    assert set(AuditEvent.objects.filter(subject=subject, action="create").values_list("model", flat=True)) == {
        "seekers.Consent", "welfare.SupportRequest"}


def test_a_request_without_the_recipients_consent_is_refused_and_nothing_is_written(world: World) -> None:
    seeker = private_recipient(world)
    r = client_for("fuku").post(reverse("welfare:create") + f"?seeker={seeker.pk}", {
        "site": world.tamashima.pk, "requested_on": "2025-06-02", "consent_given_on": "2025-06-01"})
    assert "本人の同意を確認してください" in r.content.decode()
    assert not SupportRequest.objects.exists()
    assert not Consent.objects.filter(seeker=seeker).exists()


def test_a_consent_dated_after_the_request_is_refused_and_nothing_is_written(world: World) -> None:
    seeker = private_recipient(world)
    r = client_for("fuku").post(reverse("welfare:create") + f"?seeker={seeker.pk}", {
        "site": world.tamashima.pk, "requested_on": "2025-06-02", "consent_given_on": "2025-06-03",
        "consent_confirmed": "on"})
    assert "同意日は要請日以前" in r.content.decode()
    assert not SupportRequest.objects.exists() and not Consent.objects.filter(seeker=seeker).exists()


def test_a_second_open_request_for_the_same_person_is_refused(world: World) -> None:
    filed(world)
    with pytest.raises(ActionError, match="すでに受付待ちまたは支援中"):
        filed(world)
    assert SupportRequest.objects.count() == 1


def test_a_caseworker_cannot_file_for_a_person_another_office_referred(world: World) -> None:
    seeker = world.seekers["s_welfare"]
    assert client_for("mizu").get(reverse("welfare:create") + f"?seeker={seeker.pk}").status_code == 404
    with pytest.raises(ActionError):
        actions.do_file_support_request(seeker, site=world.mizushima, requested_on=D(2025, 6, 2), needs="",
                                        consent_given_on=D(2025, 6, 2), acting_user=world.mizu)


# Who sees the case of s_welfare (the Tamashima office's recipient, consenting to Hello Work).
CASE_SEEN_BY = {"hana", "naoki", "hiro", "chika", "mayor_m", "fuku", "fukum", "admin"}
# The Center may not know welfare status: the welfare desk's pages are closed to it altogether.
DESK_CLOSED_TO = {"sen", "seiko"}


@pytest.mark.parametrize("username", USERNAMES)
def test_a_case_is_seen_by_its_office_and_the_desk_never_by_the_center(world: World, username: str) -> None:
    case = filed(world)
    c = client_for(username)
    r = c.get(reverse("welfare:detail", args=[case.pk]))
    assert r.status_code == (200 if username in CASE_SEEN_BY else 403 if username in DESK_CLOSED_TO else 404)
    listing = c.get(reverse("welfare:list"))
    assert (world.seekers["s_welfare"].name in listing.content.decode()) == (username in CASE_SEEN_BY)
    assert listing.status_code == (403 if username in DESK_CLOSED_TO else 200)
    assert c.get(reverse("welfare:figures")).status_code == (403 if username in DESK_CLOSED_TO else 200)
    if username in DESK_CLOSED_TO:
        assert AuditEvent.objects.filter(username=username, action="denied", model="welfare:detail").exists()
    elif username not in CASE_SEEN_BY:
        assert AuditEvent.objects.filter(username=username, action="denied", model="welfare.SupportRequest").exists()


def test_hello_work_loses_sight_of_the_case_when_the_consent_is_withdrawn(world: World) -> None:
    case = filed(world)
    assert SupportRequest.objects.visible_to(world.hana).filter(pk=case.pk).exists()
    case.consent.withdrawn_on = D(2025, 7, 1)
    case.consent.save()
    assert not SupportRequest.objects.visible_to(world.hana).filter(pk=case.pk).exists()
    assert SupportRequest.objects.visible_to(world.fuku).filter(pk=case.pk).exists()


@pytest.mark.parametrize("username", USERNAMES)
def test_only_the_desk_may_accept_a_request(world: World, username: str) -> None:
    case = filed(world)
    r = client_for(username).post(reverse("welfare:accept", args=[case.pk]), {"accepted_on": "2025-06-05"})
    case.refresh_from_db()
    if can(world.users[username], "support_request.accept"):
        assert r.status_code == 302 and case.status == "accepted" and case.accepted_by == world.users[username]
        assert SupportPlan.objects.filter(request=case).exists()
    else:
        assert r.status_code in (403, 404) and case.status == "requested"


def test_both_sides_keep_the_plan_and_each_change_is_audited(world: World) -> None:
    case = accepted(world)
    client_for("naoki").post(reverse("welfare:plan", args=[case.pk]), {
        "goals": "半年以内の就職", "steps": "求人検索の練習", "visit_schedule": "毎週火曜 10時", "visit_interval_days": "７"})
    client_for("fuku").post(reverse("welfare:plan", args=[case.pk]), {
        "goals": "半年以内の就職（縫製）", "steps": "求人検索の練習", "visit_schedule": "毎週火曜 10時",
        "visit_interval_days": "7"})
    plan = SupportPlan.objects.get(request=case)
    assert (plan.goals, plan.visit_interval_days, plan.updated_by) == ("半年以内の就職（縫製）", 7, world.fuku)
    changes = AuditEvent.objects.filter(model="welfare.SupportPlan", action="update").order_by("at", "id")
    assert [(e.username, e.detail["fields"]) for e in changes] == [
        ("naoki", ["goals", "steps", "visit_schedule", "visit_interval_days"]), ("fuku", ["goals"])]


def test_the_plan_cannot_be_edited_before_the_desk_accepts(world: World) -> None:
    case = filed(world)
    r = client_for("fuku").post(reverse("welfare:plan", args=[case.pk]), {"goals": "x"}, follow=True)
    assert "受付後" in r.content.decode()
    assert not SupportPlan.objects.filter(request=case).exists()


def test_visits_and_no_shows_go_back_to_the_caseworker(world: World) -> None:
    case = accepted(world)
    naoki = client_for("naoki")
    naoki.post(reverse("welfare:visit", args=[case.pk]), {"on": "2025-06-10", "attended": "1",
                                                          "note": "求人票の見方を練習"})
    naoki.post(reverse("welfare:visit", args=[case.pk]), {"on": "2025-06-17", "attended": "0"})
    assert list(SupportVisit.objects.filter(request=case).order_by("on").values_list("attended", flat=True)) == [
        True, False]
    body = client_for("fuku").get(reverse("welfare:detail", args=[case.pk])).content.decode()
    assert "求人票の見方を練習" in body and "来所 1 回・来所なし 1 回" in body


def test_a_visit_before_acceptance_or_in_the_future_is_refused(world: World) -> None:
    case = accepted(world)
    r = client_for("naoki").post(reverse("welfare:visit", args=[case.pk]), {"on": "2025-06-01", "attended": "1"},
                                 follow=True)
    assert "受付日より前" in r.content.decode()
    with pytest.raises(ActionError, match="未来"):
        actions.do_record_support_visit(case, on=timezone.localdate() + datetime.timedelta(days=2), attended=True,
                                        note="", acting_user=world.naoki)
    assert not SupportVisit.objects.exists()


def test_the_programme_counts_requests_acceptances_and_outcomes_by_fiscal_year(world: World) -> None:
    case = accepted(world)
    other = actions.do_file_support_request(private_recipient(world), site=world.mizushima,
                                            requested_on=D(2026, 3, 30), needs="", consent_given_on=D(2026, 3, 30),
                                            acting_user=world.fuku)
    actions.do_accept_support_request(other, accepted_on=D(2026, 4, 2), acting_user=world.chika)
    client_for("fuku").post(reverse("welfare:close", args=[case.pk]), {
        "closed_on": "令和7年11月30日", "outcome": "employed", "benefit_change": "ended", "note": "常用雇用に移行"})
    case.refresh_from_db()
    assert (case.status, case.outcome, case.benefit_change) == ("closed", "employed", "ended")
    fy2025, fy2026 = programme_figures([2025, 2026])
    assert (fy2025.requests, fy2025.accepted, fy2025.employed, fy2025.benefit_ended) == (2, 1, 1, 1)
    assert (fy2026.requests, fy2026.accepted, fy2026.employed, fy2026.benefit_ended) == (0, 1, 0, 0)
    (mizushima_2025,) = programme_figures([2025], [world.mizushima.pk])
    assert (mizushima_2025.requests, mizushima_2025.employed) == (1, 0)
    body = client_for("hana").get(reverse("welfare:figures")).content.decode()
    assert "令和7年度" in body and world.seekers["s_welfare"].name not in body


def test_a_closed_case_cannot_be_closed_again(world: World) -> None:
    case = accepted(world)
    actions.do_close_support_case(case, closed_on=D(2025, 11, 30), outcome="other", benefit_change="unchanged",
                                  note="", acting_user=world.fuku)
    with pytest.raises(ActionError, match="すでに終了"):
        actions.do_close_support_case(case, closed_on=D(2025, 12, 1), outcome="employed", benefit_change="ended",
                                      note="", acting_user=world.fuku)
    case.refresh_from_db()
    assert case.outcome == "other"


def test_the_seeker_page_shows_the_case_panel_to_its_parties_only(world: World) -> None:
    case = accepted(world)
    url = reverse("seekers:detail", args=[case.seeker.pk])
    assert "支援中" in client_for("fuku").get(url).content.decode()
    assert 'id="welfare-panel"' in client_for("hana").get(url).content.decode()
    Consent.objects.create(seeker=case.seeker, party="center", given_on=D(2025, 4, 1))
    center = client_for("sen").get(url).content.decode()
    assert case.seeker.name in center and 'id="welfare-panel"' not in center


def test_the_caseworker_is_offered_a_request_for_a_person_without_one(world: World) -> None:
    url = reverse("seekers:detail", args=[world.seekers["s_welfare"].pk])
    assert "支援要請を作成" in client_for("fuku").get(url).content.decode()
    assert "支援要請を作成" not in client_for("hana").get(url).content.decode()
