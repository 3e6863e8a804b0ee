"""The agreement, the request log and the council: the rules of each change, what is flagged, what the agenda
pack holds, and the audit rows every change leaves."""

import datetime
import itertools

import pytest
from django.utils import timezone

from kakehashi.accounts.models import Agency, Site
from kakehashi.accounts.policy import can
from kakehashi.audit.models import AuditEvent
from kakehashi.governance import actions
from kakehashi.governance.demo import build_demo
from kakehashi.governance.models import (
    TRANSITIONS,
    Agreement,
    CouncilMeeting,
    FollowUp,
    Request,
    RequestStatus,
)
from kakehashi.governance.reports import agenda_pack, answer_times_by_party, figures_as_of, waiting_on
from kakehashi.governance.seed import load_agreement
from kakehashi.plans.models import Indicator, Target
from tests.world import World

TODAY = timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def agreement(world: World) -> Agreement:
    return load_agreement()


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def make_request(world: World, agreement: Agreement, asker: str = "chika", to: str = "hw-kurashiki-chuo",
                 made: int = 20, due: int = 14, subject: str = "求人情報の月次提供") -> Request:
    return actions.do_create_request(acting_user=world.users[asker], agreement=agreement, to_agency=agency(to),
                                     subject=subject, body="毎月提供してください。", requested_on=days_ago(made),
                                     due_on=days_ago(made - due))


def audit_rows(model: str, obj: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model=model, object_ids=[str(obj.pk)]).order_by("id"))  # type: ignore[attr-defined]  # obj is any model instance


# --- the agreement ------------------------------------------------------------------------------------------

def test_the_seeded_agreement_binds_the_three_parties_and_promises_good_faith_answers(agreement: Agreement) -> None:
    assert set(agreement.parties.values_list("code", flat=True)) == {
        "kurashiki-city", "kurashiki-center", "hw-kurashiki-chuo"}
    titles = list(agreement.signatories.values_list("title", flat=True))
    assert titles[0] == "倉敷市長"
    assert any("理事長" in t for t in titles) and any("ハローワーク倉敷中央所長" == t for t in titles)
    requests_clause = agreement.clauses.get(heading="要望")
    assert "相互に要望" in requests_clause.text and "誠実に対応" in requests_clause.text
    assert list(agreement.clauses.values_list("number", flat=True)) == sorted(agreement.clauses.values_list(
        "number", flat=True))


def test_loading_the_agreement_again_updates_it_in_place(agreement: Agreement) -> None:
    clauses = agreement.clauses.count()
    again = load_agreement()
    assert again.pk == agreement.pk
    assert Agreement.objects.count() == 1 and again.clauses.count() == clauses
    assert [e.action for e in audit_rows("governance.Agreement", agreement)] == ["create", "update"]


def test_the_agreement_refers_to_its_sites_targets_for_the_plan_year(world: World, agreement: Agreement) -> None:
    placements = Indicator.objects.get(key="placements")
    Target.objects.create(site=world.tamashima, fiscal_year=2013, indicator=placements, target=630)
    Target.objects.create(site=world.mizushima, fiscal_year=2013, indicator=placements, target=100)
    Target.objects.create(site=world.tamashima, fiscal_year=2012, indicator=placements, target=630)
    targets = list(agreement.plan_targets(2013))
    assert [(t.site.code, t.fiscal_year, t.target) for t in targets] == [("tamashima", 2013, 630)]


def test_only_a_manager_of_a_party_or_the_administrator_changes_the_agreement(world: World,
                                                                              agreement: Agreement) -> None:
    managers = {u for u, s in world.users.items() if can(s, "agreement.manage", agreement)}
    assert managers == {"hiro", "mayor_m", "seiko", "admin"}
    with pytest.raises(actions.NotAllowed):
        actions.do_save_agreement(agreement, acting_user=world.fukum, title="書き換え", signed_on=agreement.signed_on,
                                  effective_on=agreement.effective_on, ends_on=None,
                                  parties=agreement.parties.all(), sites=[], plan_fiscal_year=None)
    agreement.refresh_from_db()
    assert agreement.title != "書き換え"


# --- requests -----------------------------------------------------------------------------------------------

def test_a_staff_member_makes_a_request_on_behalf_of_their_own_agency(world: World, agreement: Agreement) -> None:
    req = make_request(world, agreement, asker="chika")
    assert req.from_agency.code == "kurashiki-city" and req.status == RequestStatus.RECEIVED
    assert req.created_by == world.chika
    [event] = audit_rows("governance.Request", req)
    assert (event.action, event.username, event.detail["to"]) == ("create", "chika", "hw-kurashiki-chuo")


@pytest.mark.parametrize(("asker", "to", "message"), [
    ("chika", "kurashiki-city", "自機関あて"),
    ("hana", "tamashima-welfare", "当事者ではありません"),
    ("admin", "kurashiki-city", "所属機関"),
])
def test_a_request_to_oneself_to_an_outsider_or_without_an_agency_is_refused(
        world: World, agreement: Agreement, asker: str, to: str, message: str) -> None:
    with pytest.raises(actions.GovernanceError, match=message):
        make_request(world, agreement, asker=asker, to=to)
    assert not Request.objects.exists()
    assert not AuditEvent.objects.filter(model="governance.Request").exists()


def test_a_request_cannot_fall_due_before_it_was_made_nor_be_dated_in_the_future(world: World,
                                                                                  agreement: Agreement) -> None:
    with pytest.raises(actions.GovernanceError, match="回答期限が要望日より前"):
        make_request(world, agreement, made=10, due=-1)
    with pytest.raises(actions.GovernanceError, match="未来の日付"):
        make_request(world, agreement, made=-1, due=10)
    assert not Request.objects.exists()


def test_a_welfare_office_may_ask_a_party_on_its_own_behalf(world: World, agreement: Agreement) -> None:
    req = make_request(world, agreement, asker="fuku", to="hw-kurashiki-chuo")
    assert req.from_agency.code == "tamashima-welfare"
    assert can(world.fuku, "request.close", req) and not can(world.chika, "request.close", req)


def test_only_staff_of_the_addressed_agency_answer(world: World, agreement: Agreement) -> None:
    req = make_request(world, agreement)
    for outsider in ("chika", "mayor_m", "sen", "admin"):
        with pytest.raises(actions.NotAllowed, match="要望先"):
            actions.do_answer_request(req, acting_user=world.users[outsider], answer="回答します")
    req.refresh_from_db()
    assert req.status == RequestStatus.RECEIVED and req.answer == "" and req.answered_on is None
    actions.do_start_answering(req, acting_user=world.naoki)
    answered = actions.do_answer_request(req, acting_user=world.hiro, answer="毎月第1開庁日に送付します。",
                                         answered_on=days_ago(15))
    assert answered.status == RequestStatus.ANSWERED
    assert (answered.answered_by, answered.answered_on, answered.days_to_answer()) == (world.hiro, days_ago(15), 5)
    statuses = [e.detail.get("status") for e in audit_rows("governance.Request", req)]
    assert statuses == [None, ["received", "answering"], ["answering", "answered"]]


@pytest.mark.parametrize("blank", ["", "   ", "\u3000\u3000", "\n"])
def test_an_answer_needs_its_text(world: World, agreement: Agreement, blank: str) -> None:
    req = make_request(world, agreement)
    with pytest.raises(actions.GovernanceError, match="回答内容を入力"):
        actions.do_answer_request(req, acting_user=world.hana, answer=blank)
    req.refresh_from_db()
    assert req.status == RequestStatus.RECEIVED


def test_an_answer_date_lies_between_the_request_and_today(world: World, agreement: Agreement) -> None:
    req = make_request(world, agreement, made=20)
    with pytest.raises(actions.GovernanceError, match="要望日より前"):
        actions.do_answer_request(req, acting_user=world.hana, answer="回答", answered_on=days_ago(21))
    with pytest.raises(actions.GovernanceError, match="未来の日付"):
        actions.do_answer_request(req, acting_user=world.hana, answer="回答", answered_on=days_ago(-1))
    req.refresh_from_db()
    assert req.status == RequestStatus.RECEIVED


def test_only_the_asking_agency_closes_a_request(world: World, agreement: Agreement) -> None:
    req = make_request(world, agreement, asker="chika")
    actions.do_answer_request(req, acting_user=world.hana, answer="対応します。")
    for outsider in ("hana", "hiro", "seiko", "admin"):
        with pytest.raises(actions.NotAllowed, match="要望元"):
            actions.do_close_request(req, acting_user=world.users[outsider])
    req.refresh_from_db()
    assert req.status == RequestStatus.ANSWERED
    closed = actions.do_close_request(req, acting_user=world.mayor_m)
    assert (closed.status, closed.closed_by, closed.closed_on) == (RequestStatus.CLOSED, world.mayor_m, TODAY)


def test_the_asking_agency_may_withdraw_an_unanswered_request(world: World, agreement: Agreement) -> None:
    req = make_request(world, agreement, asker="sen", to="kurashiki-city")
    actions.do_close_request(req, acting_user=world.seiko)
    req.refresh_from_db()
    assert req.status == RequestStatus.CLOSED and req.answered_on is None
    assert audit_rows("governance.Request", req)[-1].detail["withdrawn"] is True


INVALID = [(now, new) for now, new in itertools.product(RequestStatus.values, RequestStatus.values)
           if new not in TRANSITIONS[now]]


@pytest.mark.parametrize(("now", "new"), INVALID)
def test_an_invalid_transition_is_refused_in_japanese_and_changes_nothing(world: World, agreement: Agreement,
                                                                         now: str, new: str) -> None:
    req = make_request(world, agreement, asker="chika")
    answered = now in (RequestStatus.ANSWERED, RequestStatus.CLOSED)
    Request.objects.filter(pk=req.pk).update(status=now, answer="回答済みの内容" if answered else "",
                                             answered_on=days_ago(10) if answered else None,
                                             closed_on=days_ago(5) if now == RequestStatus.CLOSED else None)
    before = Request.objects.values().get(pk=req.pk)
    events = AuditEvent.objects.count()
    # Whoever would be entitled to the change tries it, so only the transition rule can refuse it.
    user = world.mayor_m if new == RequestStatus.CLOSED else world.hana
    with pytest.raises(actions.GovernanceError) as refused:
        actions.do_change_request_status(req, new, acting_user=user, answer="改めて回答します")
    assert not isinstance(refused.value, actions.NotAllowed)
    assert str(RequestStatus(now).label) in str(refused.value)
    assert Request.objects.values().get(pk=req.pk) == before
    assert AuditEvent.objects.count() == events


# --- overdue flagging ---------------------------------------------------------------------------------------

def test_a_request_is_overdue_from_the_day_after_its_due_date_until_answered(world: World,
                                                                           agreement: Agreement) -> None:
    req = make_request(world, agreement, made=14, due=14)  # due today
    assert not req.is_overdue(TODAY)
    assert req.is_overdue(TODAY + datetime.timedelta(days=1))
    assert list(Request.objects.overdue(TODAY + datetime.timedelta(days=1))) == [req]
    actions.do_start_answering(req, acting_user=world.hana)
    req.refresh_from_db()
    assert req.is_overdue(TODAY + datetime.timedelta(days=1))
    actions.do_answer_request(req, acting_user=world.hana, answer="回答します")
    req.refresh_from_db()
    assert not req.is_overdue(TODAY + datetime.timedelta(days=1))
    assert not Request.objects.overdue(TODAY + datetime.timedelta(days=1)).exists()


def test_the_answering_partys_manager_sees_what_waits_on_them_overdue_first(world: World,
                                                                            agreement: Agreement) -> None:
    late = make_request(world, agreement, made=30, due=10, subject="期限を過ぎた要望")
    fresh = make_request(world, agreement, made=2, due=14, subject="まだ期限内の要望")
    make_request(world, agreement, asker="hana", to="kurashiki-city", subject="市あての要望")
    waiting = waiting_on(agency("hw-kurashiki-chuo"), TODAY, Request.objects.visible_to(world.hiro))
    assert waiting.requests == [late, fresh]
    assert waiting.overdue == 1


# --- answer-time statistics ---------------------------------------------------------------------------------

def test_the_log_shows_each_partys_answer_times(world: World, agreement: Agreement) -> None:
    quick = make_request(world, agreement, made=30, due=14)
    slow = make_request(world, agreement, made=30, due=14)
    actions.do_answer_request(quick, acting_user=world.hana, answer="回答", answered_on=days_ago(26))
    actions.do_answer_request(slow, acting_user=world.hana, answer="回答", answered_on=days_ago(6))
    make_request(world, agreement, made=30, due=10)  # still waiting, past due
    make_request(world, agreement, asker="hana", to="kurashiki-center", made=5, due=10)
    parties = list(agreement.parties.all())
    stats = dict(answer_times_by_party(Request.objects.all(), parties, TODAY))
    hw = stats[agency("hw-kurashiki-chuo")]
    assert (hw.received, hw.answered, hw.open, hw.overdue) == (3, 2, 1, 1)
    assert hw.median_days == hw.mean_days == (4 + 24) / 2
    assert (hw.on_time, hw.late) == (1, 2)
    center = stats[agency("kurashiki-center")]
    assert (center.received, center.open, center.overdue, center.on_time_share) == (1, 1, 0, None)
    assert stats[agency("kurashiki-city")].received == 0


# --- council meetings and the agenda pack -------------------------------------------------------------------

def make_meeting(world: World, agreement: Agreement, held_on: datetime.date, title: str) -> CouncilMeeting:
    return actions.do_save_meeting(None, acting_user=world.mayor_m, agreement=agreement, title=title,
                                   held_on=held_on)


def test_only_managers_of_the_parties_keep_the_council_record(world: World, agreement: Agreement) -> None:
    for username in ("hana", "fukum", "sen"):
        with pytest.raises(actions.NotAllowed):
            actions.do_save_meeting(None, acting_user=world.users[username], agreement=agreement, title="第1回",
                                    held_on=days_ago(10))
    meeting = actions.do_save_meeting(None, acting_user=world.seiko, agreement=agreement, title="第1回運営協議会",
                                      held_on=days_ago(10))
    with pytest.raises(actions.NotAllowed):
        actions.do_add_decision(meeting, acting_user=world.fukum, text="決定")
    actions.do_add_decision(meeting, acting_user=world.hiro, text="事業計画を確認した。")
    second = actions.do_add_decision(meeting, acting_user=world.admin, text="要望に期限内に回答する。")
    assert second.number == 2
    assert [e.model for e in AuditEvent.objects.filter(action="create", model__startswith="governance.")
            .exclude(model="governance.Agreement").order_by("id")] == [
        "governance.CouncilMeeting", "governance.Decision", "governance.Decision"]


def test_a_follow_up_is_completed_by_its_owner_or_a_manager_of_the_council(world: World,
                                                                          agreement: Agreement) -> None:
    meeting = make_meeting(world, agreement, days_ago(30), "第1回運営協議会")
    follow_up = actions.do_add_follow_up(meeting, acting_user=world.hiro, text="支援要請の日数を集計する",
                                         owner=world.naoki, due_on=days_ago(0))
    for other in ("hana", "chika", "fukum"):
        with pytest.raises(actions.NotAllowed):
            actions.do_complete_follow_up(follow_up, acting_user=world.users[other])
    actions.do_complete_follow_up(follow_up, acting_user=world.naoki, done_on=days_ago(3), note="平均9.5日")
    with pytest.raises(actions.GovernanceError, match="すでに完了"):
        actions.do_complete_follow_up(follow_up, acting_user=world.hiro)
    follow_up.refresh_from_db()
    assert (follow_up.done_on, follow_up.done_note) == (days_ago(3), "平均9.5日")
    assert [e.action for e in audit_rows("governance.FollowUp", follow_up)] == ["create", "update"]


def test_the_figures_are_those_of_the_month_end_before_the_meeting() -> None:
    assert figures_as_of(datetime.date(2013, 11, 20)) == datetime.date(2013, 10, 31)
    assert figures_as_of(datetime.date(2013, 11, 30)) == datetime.date(2013, 10, 31)
    assert figures_as_of(datetime.date(2014, 4, 10)) == datetime.date(2014, 3, 31)  # the whole fiscal year 2013


def test_the_agenda_pack_shows_each_sites_progress_as_of_the_month_end_before_the_meeting(
        world: World, agreement: Agreement) -> None:
    # The test base's one referral was made on 2025-05-01 at Tamashima.
    Target.objects.create(site=world.tamashima, fiscal_year=2025, indicator=Indicator.objects.get(key="placements"),
                          target=630)
    june = agenda_pack(make_meeting(world, agreement, datetime.date(2025, 6, 12), "令和7年度第1回運営協議会"))
    may = agenda_pack(make_meeting(world, agreement, datetime.date(2025, 5, 20), "臨時会"))
    assert (june.as_of, june.fiscal_year, june.as_of_label) == (datetime.date(2025, 5, 31), 2025, "令和7年5月末時点")
    assert [s.site for s in june.sites] == [world.tamashima]
    rows = {r.label: r for r in june.sites[0].rows}
    assert rows["紹介件数"].actual == 1
    assert (rows["就職件数"].target, rows["就職件数"].actual) == (630, 0)
    assert {r.label: r.actual for r in may.sites[0].rows}["紹介件数"] == 0  # April only: the referral is in May


def test_the_agenda_pack_lists_the_requests_open_on_the_meeting_day(world: World, agreement: Agreement) -> None:
    meeting = make_meeting(world, agreement, days_ago(20), "第2回運営協議会")
    answered_before = make_request(world, agreement, made=60, subject="会議前に回答済み")
    actions.do_answer_request(answered_before, acting_user=world.hana, answer="回答", answered_on=days_ago(40))
    answered_after = make_request(world, agreement, made=60, subject="会議後に回答")
    actions.do_answer_request(answered_after, acting_user=world.hana, answer="回答", answered_on=days_ago(10))
    waiting = make_request(world, agreement, made=30, due=5, subject="未回答のまま")
    make_request(world, agreement, made=10, subject="会議後の要望")
    withdrawn = make_request(world, agreement, made=50, subject="取り下げ")
    actions.do_close_request(withdrawn, acting_user=world.chika, closed_on=days_ago(45))
    pack = agenda_pack(meeting)
    assert {r.subject for r in pack.open_requests} == {"会議後に回答", "未回答のまま"}
    # Both were past their due dates on the meeting day (due 46 and 25 days ago; the meeting was 20 days ago).
    assert all(pack.overdue(r) for r in pack.open_requests) and pack.overdue_count == 2
    assert waiting in pack.open_requests


def test_open_follow_ups_are_carried_into_the_next_meetings_agenda_pack(world: World, agreement: Agreement) -> None:
    first = make_meeting(world, agreement, days_ago(90), "第1回運営協議会")
    second = make_meeting(world, agreement, days_ago(30), "第2回運営協議会")
    third = make_meeting(world, agreement, days_ago(0), "第3回運営協議会")

    def follow_up(meeting: CouncilMeeting, text: str, done: int | None = None) -> FollowUp:
        f = actions.do_add_follow_up(meeting, acting_user=world.hiro, text=text, owner=world.naoki,
                                     due_on=meeting.held_on + datetime.timedelta(days=20))
        if done is not None:
            actions.do_complete_follow_up(f, acting_user=world.naoki, done_on=days_ago(done))
        return f

    done_early = follow_up(first, "第2回までに完了", done=60)
    done_between = follow_up(first, "第2回と第3回の間に完了", done=10)
    still_open = follow_up(first, "未完了")
    from_second = follow_up(second, "第2回の宿題")
    assert set(agenda_pack(first).carried) == set()
    assert set(agenda_pack(second).carried) == {done_between, still_open}
    assert set(agenda_pack(third).carried) == {still_open, from_second}
    assert done_early not in agenda_pack(third).carried
    assert [d.text for d in agenda_pack(third).previous_decisions] == []
    assert agenda_pack(third).previous == second


def test_issuing_the_agenda_pack_keeps_it_as_handed_out(world: World, agreement: Agreement) -> None:
    meeting = make_meeting(world, agreement, days_ago(0), "第1回運営協議会")
    with pytest.raises(actions.NotAllowed):
        actions.do_issue_agenda_pack(meeting, acting_user=world.hana, html="<p>資料</p>")
    actions.do_issue_agenda_pack(meeting, acting_user=world.hiro, html="<p>発行した資料</p>")
    meeting.refresh_from_db()
    assert meeting.pack_html == "<p>発行した資料</p>" and meeting.pack_issued_by == world.hiro
    with pytest.raises(actions.GovernanceError, match="開催日を変更できません"):
        actions.do_save_meeting(meeting, acting_user=world.hiro, agreement=agreement, title=meeting.title,
                                held_on=days_ago(1))
    assert [e.action for e in audit_rows("governance.CouncilMeeting", meeting)] == ["create", "export"]


# --- the demo -----------------------------------------------------------------------------------------------

def test_the_demo_builds_an_agreement_a_varied_request_log_and_two_past_councils(world: World) -> None:
    as_of = datetime.date(2026, 10, 31)
    summary = build_demo(2026, as_of)
    agreement = Agreement.objects.get()
    requests = Request.objects.filter(agreement=agreement)
    assert 9 <= summary["requests"] == requests.count() <= 12
    assert {r.status for r in requests} == set(RequestStatus.values)
    assert summary["overdue"] == requests.overdue(as_of).count() >= 2
    assert not requests.filter(requested_on__gt=as_of).exists()
    assert not requests.filter(answered_on__gt=as_of).exists() and not requests.filter(closed_on__gt=as_of).exists()
    first, second = CouncilMeeting.objects.order_by("held_on")
    assert first.held_on < second.held_on < as_of
    assert first.decisions.exists() and second.decisions.exists() and second.attendees.exists()
    assert agenda_pack(second).carried, "an open follow-up of the first meeting is carried into the second"
    assert FollowUp.objects.filter(done_on__isnull=False).exists()
    created = AuditEvent.objects.filter(action="create", purpose="デモデータ")
    assert created.filter(model="governance.Request").count() == requests.count()
    assert build_demo(2026, as_of) == summary  # a second call adds nothing
    assert Request.objects.count() == requests.count()


def test_the_demo_covers_every_site_with_targets_that_year(world: World) -> None:
    Target.objects.create(site=Site.objects.get(code="mizushima"), fiscal_year=2026,
                          indicator=Indicator.objects.get(key="placements"), target=50)
    build_demo(2026, datetime.date(2026, 10, 31))
    assert set(Agreement.objects.get().sites.values_list("code", flat=True)) == {"tamashima", "mizushima"}
