"""The governance part of the demo year: the installation's agreement, a request log in every state (some
overdue) and past council meetings with decisions and follow-up actions, one of them still open.

What is said and where — the requests between the parties, the councils' venues, decisions and follow-ups, the
observers — is the installation file's ``demo.governance``; the agreement is the file it names. ``build_demo`` is
called by the demo builder after the installation, the staff and the year's targets exist. All dates are placed
relative to ``as_of``, the demo's "today"; nothing lies after it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model

from kakehashi.accounts.installation import DEFAULT_FILE, read_installation
from kakehashi.accounts.models import Agency, Role, Site, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.engine.calendar import fiscal_year_label, fiscal_year_of

from .models import Agreement, Attendee, CouncilMeeting, Decision, FollowUp, Request, RequestStatus
from .seed import SeedError, load_agreement

PURPOSE = "デモデータ"

D = datetime.timedelta


@dataclass(frozen=True)
class _Req:
    asker: str          # agency codes
    asked: str
    subject: str
    body: str
    ago: int            # requested this many days before as_of
    due: int            # days allowed to answer
    answer_after: int | None = None
    answer: str = ""
    close_after: int | None = None
    start: bool = False  # acknowledged (対応中) without an answer yet


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


def _spec(installation: Path) -> tuple[Path, dict[str, Any]]:
    """The agreement's file and ``demo.governance`` of the installation file."""
    data = read_installation(installation)
    name = data.get("agreement")
    if not isinstance(name, str) or not name:
        raise SeedError(f"設置ファイル {Path(installation).name} に協定のファイル（agreement）がありません。")
    governance = (data.get("demo") or {}).get("governance") or {}
    return Path(installation).parent / name, governance


@transaction.atomic
def build_demo(fiscal_year: int, as_of: datetime.date, *, installation: Path = DEFAULT_FILE) -> dict[str, Any]:
    """Create the installation's agreement, its requests in varied states (some overdue at ``as_of``) and the
    council meetings before ``as_of`` with decisions and follow-ups (Kurashiki: about ten requests, two overdue;
    two councils, one follow-up done, three open, so the next meeting's agenda pack carries them). The agreement
    covers every site with targets for ``fiscal_year``.

    Needs the installation (agencies, sites) and at least one staff member of each party. Calling it again once
    the agreement has requests or meetings adds nothing."""
    path, spec = _spec(installation)
    agreement = load_agreement(path)
    planned = list(Site.objects.filter(targets__fiscal_year=fiscal_year).distinct())
    missing = [s for s in planned if not agreement.sites.filter(pk=s.pk).exists()]
    if missing:
        agreement.sites.add(*missing)
        record(None, Action.UPDATE, Agreement, agreement, purpose=PURPOSE,
               detail={"sites_added": [s.code for s in missing]})
    if agreement.requests.exists() or agreement.meetings.exists():
        return _summary(agreement, as_of)
    parties = {a.code: a for a in agreement.parties.all()}
    people = {code: _person(agency) for code, agency in parties.items()}
    for given in spec.get("requests", []):
        req = _Req(**given)
        if req.asker not in parties or req.asked not in parties:
            raise SeedError(f"デモの要望「{req.subject}」の要望元・要望先は協定の当事者の機関コードにしてください。")
        _make_request(agreement, parties, people, req, as_of)
    for given in spec.get("meetings", []):
        _make_meeting(agreement, people, given, spec.get("observers", []), fiscal_year, as_of)
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


def _make_meeting(agreement: Agreement, people: dict[str, Staff], spec: dict[str, Any],
                  observers: list[dict[str, str]], fiscal_year: int, as_of: datetime.date) -> CouncilMeeting:
    """One council ``spec["days_before"]`` days before ``as_of``, attended by a person of each party and the
    observers, with its decisions and follow-ups. ``{fiscal_year}`` in a text is the plan's year (令和8年度)."""
    def text(value: str) -> str:
        return value.replace("{fiscal_year}", fiscal_year_label(fiscal_year))

    day = _weekday(as_of - D(days=int(spec["days_before"])))
    fy = fiscal_year_of(day)
    number = CouncilMeeting.objects.filter(agreement=agreement, held_on__lt=day).filter(
        held_on__gte=datetime.date(fy, 4, 1)).count() + 1
    meeting = CouncilMeeting.objects.create(agreement=agreement, held_on=day, venue=spec["venue"],
                                            notes=text(spec.get("notes", "")),
                                            title=f"{fiscal_year_label(fy)}第{number}回運営協議会")
    _created(meeting)
    for person in people.values():
        _created(Attendee.objects.create(meeting=meeting, staff=person, agency=person.agency,
                                         title=person.get_role_display()))
    for o in observers:
        _created(Attendee.objects.create(meeting=meeting, name=o["name"], organisation=o["organisation"],
                                         title=o["title"]))
    decisions = {}
    for number, given in enumerate(spec.get("decisions", []), start=1):
        decisions[number] = Decision.objects.create(meeting=meeting, number=number, text=text(given))
        _created(decisions[number])
    for f in spec.get("follow_ups", []):
        if f["owner"] not in people:
            raise SeedError(f"デモのフォローアップ「{f['text']}」の担当は協定の当事者の機関コードにしてください。")
        done = f.get("done_days")
        _created(FollowUp.objects.create(
            meeting=meeting, decision=decisions.get(f.get("decision") or 0), owner=people[f["owner"]],
            text=text(f["text"]), due_on=day + D(days=int(f["due_days"])),
            done_on=day + D(days=int(done)) if done is not None else None, done_note=f.get("note", "")))
    return meeting


def _summary(agreement: Agreement, as_of: datetime.date) -> dict[str, Any]:
    requests = agreement.requests.all()
    return {
        "agreement": agreement.pk,
        "requests": requests.count(),
        "overdue": requests.overdue(as_of).count(),
        "meetings": agreement.meetings.count(),
        "follow_ups_open": FollowUp.objects.filter(meeting__agreement=agreement, done_on__isnull=True).count(),
    }
