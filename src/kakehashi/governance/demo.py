"""The governance part of the demo year: the Kurashiki agreement, a request log in every state (some overdue)
and two past council meetings with decisions and follow-up actions, one of them still open.

``build_demo`` is called by the demo builder after the installation, the staff and the year's targets exist.
All dates are placed relative to ``as_of``, the demo's "today"; nothing lies after it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model

from kakehashi.accounts.models import Agency, AgencyKind, Role, Site, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.engine.calendar import fiscal_year_label, fiscal_year_of

from .models import Agreement, Attendee, CouncilMeeting, Decision, FollowUp, Request, RequestStatus
from .seed import load_agreement

PURPOSE = "デモデータ"

D = datetime.timedelta


@dataclass(frozen=True)
class _Req:
    asker: str
    asked: str
    subject: str
    body: str
    ago: int            # requested this many days before as_of
    due: int            # days allowed to answer
    answer_after: int | None = None
    answer: str = ""
    close_after: int | None = None
    start: bool = False  # acknowledged (対応中) without an answer yet


# Kinds: city, center, hello_work. Two requests are left unanswered past their due date.
REQUESTS = [
    _Req("city", "hello_work", "生活保護受給者向け求人情報の月次提供",
         "福祉事務所のケースワーカーが面談で使えるよう、生活保護受給者等に適した求人の一覧を毎月提供してください。",
         ago=180, due=14, answer_after=7, close_after=12,
         answer="毎月第1開庁日に、トライアル雇用併用可・未経験可の求人を抽出した一覧を福祉事務所へ送付します。"),
    _Req("center", "hello_work", "センター会員事業所の求人受理手続の簡素化",
         "センター会員事業所が求人を出す際、事業所訪問時に聴き取った内容を求人票の下書きとして使えるようにしてください。",
         ago=165, due=14, answer_after=21, close_after=30,
         answer="地区担当推進員の聴取票を求人票下書きの様式に合わせて改訂し、受理時の再聴取を省きます。"),
    _Req("hello_work", "city", "住居・生活支援相談員の相談日の拡充",
         "ワークプラザたましまでの住居・生活支援相談を、現在の週3日から週4日に拡充していただけないでしょうか。",
         ago=150, due=30, answer_after=20, close_after=25,
         answer="次年度の予算要求に盛り込むこととし、当面は予約制で週4日目の相談枠を設けます。"),
    _Req("hello_work", "center", "事業所訪問で把握した求人ニーズの早期共有",
         "事業所訪問で把握した求人ニーズを、訪問の翌週までにハローワークへ共有してください。",
         ago=120, due=14, answer_after=10,
         answer="訪問記録を毎週金曜日に取りまとめ、翌週月曜日に共有します。"),
    _Req("city", "center", "市内中小企業向け合同面接会の共催",
         "市内の中小企業を対象とする合同面接会を、市・センター・ハローワークの三者共催で開催したいので、センターの参加を検討してください。",
         ago=75, due=21, start=True),
    _Req("center", "city", "広報くらしきへの事業所向け支援制度の掲載",
         "事業所向けの雇用関係助成金とセンターの支援制度を、広報くらしきに掲載してください。",
         ago=10, due=30),
    _Req("city", "hello_work", "福祉事務所からの支援要請への初回面談の迅速化",
         "福祉事務所からの支援要請を受けてから初回面談までに要する日数を、2週間以内としてください。",
         ago=40, due=14),
    _Req("hello_work", "city", "求人情報提供端末の増設",
         "ワークプラザたましまの求人情報提供端末（現在8台）を10台に増設するための設置場所の確保をお願いします。",
         ago=20, due=30, start=True),
    _Req("center", "hello_work", "トライアル雇用の事業主向け説明会への講師派遣",
         "センター主催の事業主向けセミナーで、トライアル雇用制度を説明する講師を派遣してください。",
         ago=60, due=14, answer_after=18,
         answer="就職支援ナビゲーター1名を講師として派遣します。日程はセンターと調整します。"),
    _Req("hello_work", "center", "玉島地区の製造業事業所リストの更新",
         "個別求人開拓の対象を選ぶため、センター会員のうち玉島地区の製造業事業所のリストを更新してください。",
         ago=35, due=21, close_after=5),
    _Req("city", "hello_work", "就職件数の月次速報",
         "運営協議会と市議会への報告のため、ワークプラザたましまの就職件数の速報を翌月10日までに提供してください。",
         ago=100, due=14, answer_after=5, close_after=8,
         answer="翌月第5開庁日までに、就職件数・紹介件数・開拓求人数の速報を送付します。"),
]


def _weekday(day: datetime.date) -> datetime.date:
    """The nearest working day on or before ``day`` (councils meet on weekdays)."""
    while day.weekday() >= 5:
        day -= D(days=1)
    return day


def _created(obj: Model) -> None:
    record(None, Action.CREATE, type(obj), obj, purpose=PURPOSE)


def _person(agency: Agency) -> Staff:
    """Who speaks for ``agency`` in the demo: its manager, else anyone of its staff."""
    staff = Staff.objects.filter(agency=agency, is_active=True)
    person = staff.filter(role=Role.MANAGER).order_by("id").first() or staff.order_by("id").first()
    if person is None:
        raise ValueError(f"デモの要望と運営協議会を作るには「{agency}」の職員が1人以上必要です。先に職員を登録してください。")
    return person


@transaction.atomic
def build_demo(fiscal_year: int, as_of: datetime.date) -> dict[str, Any]:
    """Create the Kurashiki agreement, about ten requests in varied states (two overdue at ``as_of``) and two
    council meetings before ``as_of`` with decisions and follow-ups (one follow-up done, three open, so the next
    meeting's agenda pack carries them). The agreement covers every site with targets for ``fiscal_year``.

    Needs the installation (agencies, sites) and at least one staff member of each party. Calling it again once
    the agreement has requests or meetings adds nothing."""
    agreement = load_agreement()
    planned = list(Site.objects.filter(targets__fiscal_year=fiscal_year).distinct())
    missing = [s for s in planned if not agreement.sites.filter(pk=s.pk).exists()]
    if missing:
        agreement.sites.add(*missing)
        record(None, Action.UPDATE, Agreement, agreement, purpose=PURPOSE,
               detail={"sites_added": [s.code for s in missing]})
    if agreement.requests.exists() or agreement.meetings.exists():
        return _summary(agreement, as_of)
    parties = {a.kind: a for a in agreement.parties.all()}
    people = {kind: _person(agency) for kind, agency in parties.items()}
    for spec in REQUESTS:
        _make_request(agreement, parties, people, spec, as_of)
    _make_meetings(agreement, people, fiscal_year, as_of)
    return _summary(agreement, as_of)


def _make_request(agreement: Agreement, parties: dict[str, Agency], people: dict[str, Staff], spec: _Req,
                  as_of: datetime.date) -> Request:
    requested_on = as_of - D(days=spec.ago)
    req = Request(agreement=agreement, from_agency=parties[spec.asker], to_agency=parties[spec.asked],
                  subject=spec.subject, body=spec.body, requested_on=requested_on,
                  due_on=requested_on + D(days=spec.due), created_by=people[spec.asker])
    if spec.start:
        req.status = RequestStatus.ANSWERING
    if spec.answer_after is not None:
        req.status, req.answer = RequestStatus.ANSWERED, spec.answer
        req.answered_on = requested_on + D(days=spec.answer_after)
        req.answered_by = people[spec.asked]
    if spec.close_after is not None:
        req.status = RequestStatus.CLOSED
        req.closed_on = (req.answered_on or requested_on) + D(days=spec.close_after)
        req.closed_by = people[spec.asker]
    req.save()
    _created(req)
    return req


def _make_meetings(agreement: Agreement, people: dict[str, Staff], fiscal_year: int,
                   as_of: datetime.date) -> None:
    city, center, hw = people[AgencyKind.CITY], people[AgencyKind.CENTER], people[AgencyKind.HELLO_WORK]
    first_day = _weekday(as_of - D(days=150))
    second_day = _weekday(as_of - D(days=45))
    numbers: dict[int, int] = {}

    def meeting(day: datetime.date, venue: str, notes: str) -> CouncilMeeting:
        fy = fiscal_year_of(day)
        numbers[fy] = numbers.get(fy, 0) + 1
        m = CouncilMeeting.objects.create(agreement=agreement, held_on=day, venue=venue, notes=notes,
                                          title=f"{fiscal_year_label(fy)}第{numbers[fy]}回運営協議会")
        _created(m)
        for person in (city, center, hw):
            _created(Attendee.objects.create(meeting=m, staff=person, agency=person.agency,
                                             title=person.get_role_display()))
        _created(Attendee.objects.create(meeting=m, name="岡山 労働局", organisation="岡山労働局",
                                         title="職業安定課長（オブザーバー）"))
        return m

    def decision(m: CouncilMeeting, number: int, text: str) -> Decision:
        d = Decision.objects.create(meeting=m, number=number, text=text)
        _created(d)
        return d

    def follow_up(m: CouncilMeeting, d: Decision | None, owner: Staff, text: str, due_days: int,
                  done_days: int | None = None, note: str = "") -> None:
        f = FollowUp.objects.create(meeting=m, decision=d, owner=owner, text=text, due_on=m.held_on + D(days=due_days),
                                    done_on=m.held_on + D(days=done_days) if done_days is not None else None,
                                    done_note=note)
        _created(f)

    first = meeting(first_day, "倉敷市玉島支所 会議室",
                    f"{fiscal_year_label(fiscal_year)}の事業計画と数値目標を確認し、三者の連携の進め方を協議した。")
    decision(first, 1, f"{fiscal_year_label(fiscal_year)}の事業計画（数値目標）を確認した。")
    d2 = decision(first, 2, "福祉事務所からの支援要請への対応を迅速化する。")
    follow_up(first, d2, hw, "支援要請から初回面談までの日数を集計し、次回の協議会で報告する。", 60, 50,
              "平均9.5日。2週間を超えた事例は3件で、いずれも本人の都合による。")
    follow_up(first, None, center, "事業所訪問で把握した求人ニーズの共有方法を見直し、様式案を示す。", 45)
    second = meeting(second_day, "ワークプラザたましま 相談室",
                     "上半期の取組状況と要望への対応状況を確認した。")
    decision(second, 1, "上半期の取組状況を確認し、下半期は個別求人開拓を強化する。")
    d4 = decision(second, 2, "回答期限を過ぎている要望には、次回の協議会までに回答する。")
    follow_up(second, d4, city, "合同面接会の共催についての回答を取りまとめる。", 30)
    follow_up(second, None, hw, "個別求人開拓の件数と結果を月次で三者に共有する。", 60)


def _summary(agreement: Agreement, as_of: datetime.date) -> dict[str, Any]:
    requests = agreement.requests.all()
    return {
        "agreement": agreement.pk,
        "requests": requests.count(),
        "overdue": requests.overdue(as_of).count(),
        "meetings": agreement.meetings.count(),
        "follow_ups_open": FollowUp.objects.filter(meeting__agreement=agreement, done_on__isnull=True).count(),
    }
