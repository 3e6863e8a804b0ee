"""The governance pages for every user of the test base: who reads, who writes, and what a refusal leaves."""

import datetime
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kakehashi.accounts.models import Agency, Role, Staff
from kakehashi.audit.models import AuditEvent
from kakehashi.engine.calendar import wareki
from kakehashi.governance import actions
from kakehashi.governance.models import Agreement, CouncilMeeting, FollowUp, Request, RequestStatus
from kakehashi.governance.seed import load_agreement
from tests.world import PASSWORD, USERNAMES, World, client_for

# Managers of the agreement's parties, and the administrator.
MANAGE = {"hiro", "mayor_m", "seiko", "admin"}
# Any manager may draw up an agreement (with their own agency among its parties).
CREATE_AGREEMENT = MANAGE | {"fukum"}
TODAY = timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)



class Records:
    def __init__(self, world: World) -> None:
        self.agreement = load_agreement()
        hw = Agency.objects.get(code="hw-kurashiki-chuo")
        self.request = actions.do_create_request(
            acting_user=world.chika, agreement=self.agreement, to_agency=hw, subject="期限切れの要望",
            body="求人情報を毎月提供してください。", requested_on=days_ago(30), due_on=days_ago(16))
        self.meeting = actions.do_save_meeting(None, acting_user=world.hiro, agreement=self.agreement,
                                               title="第1回運営協議会", held_on=days_ago(60), venue="玉島支所")
        self.follow_up = actions.do_add_follow_up(self.meeting, acting_user=world.hiro, text="求人ニーズの共有方法を見直す",
                                                  owner=world.sen, due_on=days_ago(40))
        self.next_meeting = actions.do_save_meeting(None, acting_user=world.hiro, agreement=self.agreement,
                                                    title="第2回運営協議会", held_on=days_ago(0))


@pytest.fixture
def records(world: World) -> Records:
    return Records(world)


@pytest.mark.parametrize("username", USERNAMES)
def test_every_staff_member_with_an_agency_and_the_administrator_reads_everything(
        records: Records, username: str) -> None:
    c = client_for(username)
    pages = [
        reverse("governance:index"), reverse("governance:request_list"),
        reverse("governance:agreement_detail", args=[records.agreement.pk]),
        reverse("governance:request_detail", args=[records.request.pk]),
        reverse("governance:meeting_detail", args=[records.meeting.pk]),
        reverse("governance:meeting_pack", args=[records.next_meeting.pk]),
    ]
    for url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
    assert "期限切れの要望" in c.get(reverse("governance:request_list")).content.decode()
    assert "誠実に対応" in c.get(pages[2]).content.decode()


@pytest.mark.parametrize("username", USERNAMES)
def test_managers_of_the_parties_and_the_administrator_alone_open_the_management_forms(
        records: Records, username: str) -> None:
    c = client_for(username)
    expected = {
        reverse("governance:agreement_create"): username in CREATE_AGREEMENT,
        reverse("governance:agreement_edit", args=[records.agreement.pk]): username in MANAGE,
        reverse("governance:meeting_create"): username in MANAGE,
        reverse("governance:meeting_edit", args=[records.meeting.pk]): username in MANAGE,
        reverse("governance:request_create"): username != "admin",
    }
    for url, allowed in expected.items():
        r = c.get(url)
        assert r.status_code == (200 if allowed else 403), (url, r.status_code)
        if not allowed:
            assert AuditEvent.objects.filter(username=username, action="denied", detail__path=url).exists()


def test_anonymous_visitors_are_sent_to_the_login_page(records: Records) -> None:
    for url in (reverse("governance:index"), reverse("governance:request_detail", args=[records.request.pk]),
                reverse("governance:meeting_pack", args=[records.meeting.pk])):
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_a_staff_member_without_an_agency_reads_nothing(records: Records) -> None:
    Staff.objects.create_user("nobody", password=PASSWORD, role=Role.JOB_COUNSELOR)
    c = client_for("nobody")
    assert c.get(reverse("governance:index")).status_code == 403
    assert c.get(reverse("governance:request_list")).status_code == 403
    assert AuditEvent.objects.filter(username="nobody", action="denied").count() == 2


def test_an_unknown_request_is_a_plain_404(records: Records) -> None:
    assert client_for("hana").get(reverse("governance:request_detail", args=[999999])).status_code == 404


def test_a_request_is_entered_as_offices_write_dates(world: World, records: Records) -> None:
    c = client_for("seiko")
    r = c.post(reverse("governance:request_create"), {
        "agreement": records.agreement.pk, "to_agency": Agency.objects.get(code="kurashiki-city").pk,
        "subject": "広報への掲載", "body": "支援制度を広報くらしきに掲載してください。",
        "requested_on": f"{days_ago(3):%Y}／{days_ago(3).month:02d}／{days_ago(3).day:02d}".translate(
            str.maketrans("0123456789", "０１２３４５６７８９")),
        "due_on": days_ago(-27).isoformat(),
    })
    assert r.status_code == 302
    req = Request.objects.get(subject="広報への掲載")
    assert (req.from_agency.code, req.requested_on, req.created_by) == ("kurashiki-center", days_ago(3), world.seiko)


def test_a_request_form_with_a_due_date_before_the_request_is_shown_again_with_the_reason(records: Records) -> None:
    r = client_for("chika").post(reverse("governance:request_create"), {
        "agreement": records.agreement.pk, "to_agency": Agency.objects.get(code="kurashiki-center").pk,
        "subject": "合同面接会", "body": "共催を検討してください。", "requested_on": "2026-04-10", "due_on": "2026-04-01"})
    assert r.status_code == 200
    assert "回答期限が要望日より前になっています" in r.content.decode()
    assert not Request.objects.filter(subject="合同面接会").exists()


def test_the_addressed_agency_answers_through_the_page_and_an_outsiders_try_is_refused_and_audited(
        world: World, records: Records) -> None:
    url = reverse("governance:request_transition", args=[records.request.pk])
    r = client_for("chika").post(url, {"status": "answered", "answer": "自分で回答"}, follow=True)
    assert "要望先（ハローワーク倉敷中央）の職員だけ" in r.content.decode()
    records.request.refresh_from_db()
    assert records.request.status == RequestStatus.RECEIVED
    assert AuditEvent.objects.filter(username="chika", action="denied", model="governance.Request",
                                     object_ids=[str(records.request.pk)]).exists()
    r = client_for("hana").post(url, {"status": "answered", "answer": ""}, follow=True)
    assert "回答内容を入力してください" in r.content.decode()
    client_for("hana").post(url, {"status": "answered", "answer": "毎月送付します。", "on": wareki(days_ago(2))})
    records.request.refresh_from_db()
    assert records.request.status == RequestStatus.ANSWERED
    assert (records.request.answered_by, records.request.answered_on) == (world.hana, days_ago(2))
    page = client_for("hana").get(reverse("governance:request_detail", args=[records.request.pk])).content.decode()
    assert "毎月送付します。" in page and "変更履歴" in page


def test_the_request_page_offers_each_user_only_the_buttons_they_may_use(records: Records) -> None:
    url = reverse("governance:request_detail", args=[records.request.pk])
    hana = client_for("hana").get(url).content.decode()
    chika = client_for("chika").get(url).content.decode()
    sen = client_for("sen").get(url).content.decode()
    assert 'value="answered"' in hana and 'value="closed"' not in hana
    assert 'value="closed"' in chika and 'value="answered"' not in chika
    assert 'value="answered"' not in sen and 'value="closed"' not in sen


def test_overdue_requests_are_flagged_to_the_answering_partys_manager(records: Records) -> None:
    hiro = client_for("hiro").get(reverse("home")).content.decode()
    assert "期限切れの要望" in hiro and "うち期限超過 1 件" in hiro
    mayor = client_for("mayor_m").get(reverse("home")).content.decode()
    assert "期限切れの要望" not in mayor  # the city asked; it is not the city's to answer
    assert "期限切れの要望" not in client_for("hana").get(reverse("home")).content.decode()
    listing = client_for("hiro").get(reverse("governance:request_list")).content.decode()
    assert "回答期限を過ぎています" in listing and "期限超過" in listing
    filtered = client_for("hiro").get(reverse("governance:request_list"), {"overdue": "on"}).content.decode()
    assert "期限切れの要望" in filtered


def test_the_agenda_pack_page_holds_figures_open_requests_and_carried_follow_ups(records: Records) -> None:
    page = client_for("sen").get(reverse("governance:meeting_pack", args=[records.next_meeting.pk])).content.decode()
    assert "事業の取組状況" in page and "ワークプラザたましま" in page and "就職件数" in page
    assert "期限切れの要望" in page
    assert "求人ニーズの共有方法を見直す" in page
    assert "governance/governance.css" in page


def test_an_issued_pack_stays_as_handed_out_until_issued_again(world: World, records: Records) -> None:
    url = reverse("governance:meeting_pack", args=[records.next_meeting.pk])
    client_for("hana").post(reverse("governance:meeting_pack_issue", args=[records.next_meeting.pk]))
    assert CouncilMeeting.objects.get(pk=records.next_meeting.pk).pack_issued_at is None
    assert AuditEvent.objects.filter(username="hana", action="denied", model="governance:meeting_pack_issue").exists()
    client_for("hiro").post(reverse("governance:meeting_pack_issue", args=[records.next_meeting.pk]))
    actions.do_create_request(acting_user=world.sen, agreement=records.agreement,
                              to_agency=Agency.objects.get(code="kurashiki-city"), subject="発行後の要望",
                              body="掲載をお願いします。", requested_on=TODAY, due_on=TODAY)
    c = client_for("hana")
    assert "発行後の要望" not in c.get(url).content.decode()
    assert "発行後の要望" in c.get(url, {"live": "1"}).content.decode()


def test_a_follow_up_is_reported_done_by_its_owner_from_the_next_meetings_page(records: Records) -> None:
    url = reverse("governance:follow_up_done", args=[records.follow_up.pk])
    back = reverse("governance:meeting_detail", args=[records.next_meeting.pk])
    r = client_for("hana").post(url, {"note": "済"})
    assert r.status_code == 302
    assert FollowUp.objects.get(pk=records.follow_up.pk).done_on is None
    assert AuditEvent.objects.filter(username="hana", action="denied", model="governance.FollowUp").exists()
    r = client_for("sen").post(url, {"note": "様式案を配布", "next": back})
    assert r.status_code == 302 and r["Location"] == back
    assert FollowUp.objects.get(pk=records.follow_up.pk).done_on == TODAY


def test_managers_record_attendees_decisions_and_follow_ups_on_the_meeting_page(world: World,
                                                                               records: Records) -> None:
    m = records.meeting
    c = client_for("mayor_m")
    c.post(reverse("governance:attendee_add", args=[m.pk]), {"staff": world.hiro.pk})
    c.post(reverse("governance:attendee_add", args=[m.pk]), {"name": "岡山 太郎", "organisation": "岡山労働局",
                                                              "title": "職業安定課長"})
    c.post(reverse("governance:decision_add", args=[m.pk]), {"text": "個別求人開拓を強化する。"})
    c.post(reverse("governance:follow_up_add", args=[m.pk]), {"text": "開拓件数を月次で共有する",
                                                               "owner": world.naoki.pk, "due_on": "令和9年3月31日"})
    page = c.get(reverse("governance:meeting_detail", args=[m.pk])).content.decode()
    for text in ("弘 所長", "岡山労働局", "個別求人開拓を強化する。", "開拓件数を月次で共有する"):
        assert text in page
    refused = client_for("fukum").post(reverse("governance:decision_add", args=[m.pk]), {"text": "勝手な決定"},
                                       follow=True)
    assert "管理者とシステム管理者" in refused.content.decode()
    assert not m.decisions.filter(text="勝手な決定").exists()


def test_an_agreement_is_drawn_up_with_its_signatories_and_clauses(world: World, records: Records) -> None:
    city = Agency.objects.get(code="kurashiki-city")
    welfare = Agency.objects.get(code="tamashima-welfare")
    form = {
        "title": "福祉事務所との連携協定", "signed_on": "令和8年4月1日", "effective_on": "2026-04-01", "ends_on": "",
        "parties": [city.pk, welfare.pk], "sites": [world.tamashima.pk], "plan_fiscal_year": "令和8年度",
        "notes": "", "sig-TOTAL_FORMS": "1", "sig-INITIAL_FORMS": "0",
        "sig-0-agency": city.pk, "sig-0-title": "倉敷市長", "sig-0-name": "",
        "clause-TOTAL_FORMS": "2", "clause-INITIAL_FORMS": "0",
        "clause-0-number": "第１条", "clause-0-heading": "目的", "clause-0-text": "連携して就労を支援する。",
        "clause-1-number": "", "clause-1-heading": "", "clause-1-text": "",
    }
    r = client_for("fukum").post(reverse("governance:agreement_create"), form)
    assert r.status_code == 302, r.content.decode()[:2000]
    made = Agreement.objects.get(title="福祉事務所との連携協定")
    assert made.plan_fiscal_year == 2026
    assert [(c.number, c.heading) for c in made.clauses.all()] == [(1, "目的")]
    assert [s.title for s in made.signatories.all()] == ["倉敷市長"]
    # A manager cannot sign an agreement up for parties that leave out their own agency.
    r = client_for("seiko").post(reverse("governance:agreement_create"), {**form, "title": "センター抜きの協定"},
                                 follow=True)
    assert "自機関が当事者に含まれない" in r.content.decode()
    assert not Agreement.objects.filter(title="センター抜きの協定").exists()


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils is not installed")
def test_the_agenda_pack_pdf_embeds_a_japanese_font(records: Records, tmp_path: object) -> None:
    r = client_for("hiro").get(reverse("governance:meeting_pack_pdf", args=[records.next_meeting.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    path = f"{tmp_path}/pack.pdf"
    with open(path, "wb") as f:
        f.write(r.content)
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert "CJK" in fonts
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert "期限切れの要望" in text and "第2回運営協議会" in text


def test_completing_a_follow_up_never_redirects_off_the_site(world: World, records: Records) -> None:
    r = client_for("sen").post(reverse("governance:follow_up_done", args=[records.follow_up.pk]),
                               {"next": "//evil.example/"})
    assert r["Location"] == reverse("governance:meeting_detail", args=[records.meeting.pk])
