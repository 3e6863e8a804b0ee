"""Every change to governance records: one function each, atomic, with the acting user and its audit row.

A rule that is broken raises ``GovernanceError`` (or ``NotAllowed`` when it is about who acts) with a Japanese
message, and nothing is changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Agency, Site
from kakehashi.accounts.policy import can, is_staff_member
from kakehashi.audit.log import record
from kakehashi.audit.models import Action

from .models import (
    TRANSITIONS,
    Agreement,
    Attendee,
    Clause,
    CouncilMeeting,
    Decision,
    FollowUp,
    Request,
    RequestStatus,
    Signatory,
)

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


class GovernanceError(ValueError):
    """A change that breaks a rule; the message is for the user, in Japanese."""


class NotAllowed(GovernanceError):
    """The acting user may not make this change."""


class SignatoryData(TypedDict):
    agency: Agency
    title: str
    name: str


class ClauseData(TypedDict):
    number: int
    heading: str
    text: str


def _today() -> datetime.date:
    return timezone.localdate()


def _text(value: str) -> str:
    """Trim, and fold full-width spaces at the ends; the body itself is kept as typed."""
    return value.strip().strip("\u3000").strip()


# --- agreements ---------------------------------------------------------------------------------------------

@transaction.atomic
def do_save_agreement(agreement: Agreement | None, *, acting_user: Staff | None, title: str,
                      signed_on: datetime.date, effective_on: datetime.date, ends_on: datetime.date | None,
                      parties: Iterable[Agency], sites: Iterable[Site], plan_fiscal_year: int | None,
                      notes: str = "", signatories: Sequence[SignatoryData] = (),
                      clauses: Sequence[ClauseData] = ()) -> Agreement:
    """Create an agreement (``agreement`` None) or replace one's contents: its fields, parties, sites,
    signatories and clauses. ``acting_user`` None is the installation loader."""
    parties = list(parties)
    if acting_user is not None:
        if agreement is None and not can(acting_user, "agreement.create"):
            raise NotAllowed(_("協定を登録できるのは管理者とシステム管理者です。"))
        if agreement is not None and not can(acting_user, "agreement.manage", agreement):
            raise NotAllowed(_("この協定を変更できるのは当事者の管理者とシステム管理者です。"))
        if not acting_user.is_administrator and acting_user.agency_id not in {p.pk for p in parties}:
            raise NotAllowed(_("自機関が当事者に含まれない協定は登録・変更できません。"))
    title = _text(title)
    if not title:
        raise GovernanceError(_("協定名を入力してください。"))
    if len({p.pk for p in parties}) < 2:
        raise GovernanceError(_("協定の当事者は2機関以上を選んでください。"))
    if ends_on is not None and ends_on < effective_on:
        raise GovernanceError(_("終了日が発効日より前になっています。"))
    numbers = [c["number"] for c in clauses]
    if len(numbers) != len(set(numbers)):
        raise GovernanceError(_("条番号が重複しています。"))
    party_ids = {p.pk for p in parties}
    for s in signatories:
        if s["agency"].pk not in party_ids:
            raise GovernanceError(_("署名者の機関「%(agency)s」が当事者に含まれていません。") % {"agency": s["agency"]})
    creating = agreement is None
    if agreement is None:
        agreement = Agreement()
    agreement.title = title
    agreement.signed_on = signed_on
    agreement.effective_on = effective_on
    agreement.ends_on = ends_on
    agreement.plan_fiscal_year = plan_fiscal_year
    agreement.notes = notes.strip()
    agreement.save()
    agreement.parties.set(parties)
    agreement.sites.set(list(sites))
    agreement.signatories.all().delete()
    Signatory.objects.bulk_create([
        Signatory(agreement=agreement, agency=s["agency"], title=_text(s["title"]), name=_text(s["name"]),
                  order=i) for i, s in enumerate(signatories, start=1)
    ])
    agreement.clauses.all().delete()
    Clause.objects.bulk_create([
        Clause(agreement=agreement, number=c["number"], heading=_text(c["heading"]), text=c["text"].strip())
        for c in sorted(clauses, key=lambda c: c["number"])
    ])
    record(acting_user, Action.CREATE if creating else Action.UPDATE, Agreement, agreement, purpose=N_("協定の記録"),
           detail={"title": agreement.title, "parties": sorted(p.code for p in parties),
                   "signatories": len(signatories), "clauses": len(clauses)})
    return agreement


# --- requests -----------------------------------------------------------------------------------------------

@transaction.atomic
def do_create_request(*, acting_user: Staff, agreement: Agreement, to_agency: Agency, subject: str, body: str,
                      requested_on: datetime.date, due_on: datetime.date) -> Request:
    """Record a request the acting user's agency makes of another party to the agreement."""
    asker = acting_user.agency
    if not can(acting_user, "request.create") or asker is None:
        raise NotAllowed(_("要望は所属機関の名義で登録します。所属機関のない利用者は登録できません。"))
    if not agreement.is_party(to_agency.pk):
        raise GovernanceError(_("「%(agency)s」はこの協定の当事者ではありません。") % {"agency": to_agency})
    if to_agency.pk == acting_user.agency_id:
        raise GovernanceError(_("自機関あてには要望できません。"))
    subject, body = _text(subject), body.strip()
    if not subject:
        raise GovernanceError(_("件名を入力してください。"))
    if not body:
        raise GovernanceError(_("要望内容を入力してください。"))
    if requested_on > _today():
        raise GovernanceError(_("要望日に未来の日付は入力できません。"))
    if due_on < requested_on:
        raise GovernanceError(_("回答期限が要望日より前になっています。"))
    req = Request.objects.create(agreement=agreement, from_agency=asker, to_agency=to_agency,
                                 subject=subject, body=body, requested_on=requested_on, due_on=due_on,
                                 created_by=acting_user)
    record(acting_user, Action.CREATE, Request, req, purpose=N_("要望の登録"),
           detail={"from": req.from_agency.code, "to": to_agency.code, "due_on": due_on.isoformat()})
    return req


def _locked(req: Request) -> Request:
    """The request as it is now, locked until the transaction ends, so two answers cannot cross."""
    return Request.objects.select_for_update().get(pk=req.pk)


def _check_transition(req: Request, new: str) -> None:
    if new not in TRANSITIONS[req.status]:
        raise GovernanceError(_("「%(now)s」の要望を「%(new)s」にすることはできません。") % {
            "now": RequestStatus(req.status).label, "new": RequestStatus(new).label})


def _check_date(day: datetime.date, req: Request, what: str) -> None:
    if day > _today():
        raise GovernanceError(_("%(what)sに未来の日付は入力できません。") % {"what": what})
    if day < req.requested_on:
        raise GovernanceError(_("%(what)sが要望日より前になっています。") % {"what": what})


def _transition_audit(acting_user: Staff, req: Request, old: str, **detail: Any) -> None:
    record(acting_user, Action.UPDATE, Request, req, purpose=N_("要望の対応状況の記録"),
           detail={"status": [old, req.status], **detail})


@transaction.atomic
def do_start_answering(req: Request, *, acting_user: Staff) -> Request:
    """The addressed party acknowledges the request and starts work on the answer (受付 → 対応中)."""
    req = _locked(req)
    if not can(acting_user, "request.answer", req):
        raise NotAllowed(_("要望先（%(agency)s）の職員だけが対応できます。") % {"agency": req.to_agency})
    _check_transition(req, RequestStatus.ANSWERING)
    old, req.status = req.status, RequestStatus.ANSWERING
    req.save(update_fields=["status", "updated_at"])
    _transition_audit(acting_user, req, old)
    return req


@transaction.atomic
def do_answer_request(req: Request, *, acting_user: Staff, answer: str,
                      answered_on: datetime.date | None = None) -> Request:
    """The addressed party gives its answer (→ 回答済). The answer text is required."""
    req = _locked(req)
    if not can(acting_user, "request.answer", req):
        raise NotAllowed(_("回答できるのは要望先（%(agency)s）の職員だけです。") % {"agency": req.to_agency})
    _check_transition(req, RequestStatus.ANSWERED)
    answer = answer.strip()
    if not _text(answer):
        raise GovernanceError(_("回答内容を入力してください。"))
    answered_on = answered_on or _today()
    _check_date(answered_on, req, str(_("回答日")))
    old = req.status
    req.status, req.answer, req.answered_on, req.answered_by = RequestStatus.ANSWERED, answer, answered_on, acting_user
    req.save(update_fields=["status", "answer", "answered_on", "answered_by", "updated_at"])
    _transition_audit(acting_user, req, old, answered_on=answered_on.isoformat(), days=req.days_to_answer())
    return req


@transaction.atomic
def do_close_request(req: Request, *, acting_user: Staff, closed_on: datetime.date | None = None) -> Request:
    """The asking party closes the matter: after the answer, or by withdrawing the request before one."""
    req = _locked(req)
    if not can(acting_user, "request.close", req):
        raise NotAllowed(_("完了にできるのは要望元（%(agency)s）の職員だけです。") % {"agency": req.from_agency})
    _check_transition(req, RequestStatus.CLOSED)
    closed_on = closed_on or _today()
    _check_date(closed_on, req, str(_("完了日")))
    if req.answered_on and closed_on < req.answered_on:
        raise GovernanceError(_("完了日が回答日より前になっています。"))
    old = req.status
    req.status, req.closed_on, req.closed_by = RequestStatus.CLOSED, closed_on, acting_user
    req.save(update_fields=["status", "closed_on", "closed_by", "updated_at"])
    _transition_audit(acting_user, req, old, closed_on=closed_on.isoformat(), withdrawn=req.answered_on is None)
    return req


def do_change_request_status(req: Request, new_status: str, *, acting_user: Staff, answer: str = "",
                             on: datetime.date | None = None) -> Request:
    """One entry point for the request page's buttons: dispatches to the action for ``new_status``."""
    if new_status == RequestStatus.ANSWERING:
        return do_start_answering(req, acting_user=acting_user)
    if new_status == RequestStatus.ANSWERED:
        return do_answer_request(req, acting_user=acting_user, answer=answer, answered_on=on)
    if new_status == RequestStatus.CLOSED:
        return do_close_request(req, acting_user=acting_user, closed_on=on)
    # Nothing moves a request back to 受付; say so from its status as stored, not as the caller last saw it.
    now = Request.objects.values_list("status", flat=True).get(pk=req.pk)
    raise GovernanceError(_("「%(now)s」の要望を「受付」に戻すことはできません。") % {"now": RequestStatus(now).label}
                          if new_status == RequestStatus.RECEIVED else _("要望の状況「%(new)s」は指定できません。") % {
                              "new": new_status})


# --- council meetings ---------------------------------------------------------------------------------------

def _require_manager(meeting_or_agreement: CouncilMeeting | Agreement, acting_user: Staff) -> None:
    if not can(acting_user, "agreement.manage", meeting_or_agreement):
        raise NotAllowed(_("運営協議会の記録を変更できるのは当事者の管理者とシステム管理者です。"))


@transaction.atomic
def do_save_meeting(meeting: CouncilMeeting | None, *, acting_user: Staff, agreement: Agreement, title: str,
                    held_on: datetime.date, venue: str = "", notes: str = "") -> CouncilMeeting:
    """Create a council meeting (``meeting`` None) or change its date, title, venue and summary."""
    _require_manager(agreement, acting_user)
    if meeting is not None:
        _require_manager(meeting, acting_user)
    title = _text(title)
    if not title:
        raise GovernanceError(_("会議名を入力してください。"))
    creating = meeting is None
    if meeting is None:
        meeting = CouncilMeeting()
    elif meeting.pack_issued_at is not None and held_on != meeting.held_on:
        raise GovernanceError(_("会議資料を発行した後は開催日を変更できません。"))
    meeting.agreement, meeting.title, meeting.held_on = agreement, title, held_on
    meeting.venue, meeting.notes = _text(venue), notes.strip()
    meeting.save()
    record(acting_user, Action.CREATE if creating else Action.UPDATE, CouncilMeeting, meeting,
           purpose=N_("運営協議会の記録"), detail={"title": title, "held_on": held_on.isoformat()})
    return meeting


@transaction.atomic
def do_add_attendee(meeting: CouncilMeeting, *, acting_user: Staff, staff: Staff | None = None, name: str = "",
                    agency: Agency | None = None, organisation: str = "", title: str = "") -> Attendee:
    """Add a staff member, or a named person with their agency or organisation, to the attendance list."""
    _require_manager(meeting, acting_user)
    name = _text(name)
    if staff is None and not name:
        raise GovernanceError(_("出席者の職員を選ぶか、氏名を入力してください。"))
    if staff is not None and meeting.attendees.filter(staff=staff).exists():
        raise GovernanceError(_("%(name)s さんはすでに出席者に含まれています。") % {"name": staff})
    if staff is not None and agency is None:
        agency = staff.agency
    attendee = Attendee.objects.create(meeting=meeting, staff=staff, name=name, agency=agency,
                                       organisation=_text(organisation), title=_text(title))
    record(acting_user, Action.CREATE, Attendee, attendee, purpose=N_("運営協議会の出席者の記録"),
           detail={"meeting": meeting.pk, "name": attendee.display_name})
    return attendee


@transaction.atomic
def do_remove_attendee(attendee: Attendee, *, acting_user: Staff) -> None:
    _require_manager(attendee.meeting, acting_user)
    record(acting_user, Action.DELETE, Attendee, attendee, purpose=N_("運営協議会の出席者の記録"),
           detail={"meeting": attendee.meeting_id, "name": attendee.display_name})
    attendee.delete()


@transaction.atomic
def do_add_decision(meeting: CouncilMeeting, *, acting_user: Staff, text: str) -> Decision:
    """Record a decision under the next free number."""
    _require_manager(meeting, acting_user)
    text = text.strip()
    if not text:
        raise GovernanceError(_("決定事項を入力してください。"))
    # Lock the meeting so two decisions entered at once do not take the same number.
    CouncilMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
    last = meeting.decisions.order_by("-number").values_list("number", flat=True).first() or 0
    decision = Decision.objects.create(meeting=meeting, number=last + 1, text=text)
    record(acting_user, Action.CREATE, Decision, decision, purpose=N_("運営協議会の決定事項の記録"),
           detail={"meeting": meeting.pk, "number": decision.number})
    return decision


@transaction.atomic
def do_add_follow_up(meeting: CouncilMeeting, *, acting_user: Staff, text: str, owner: Staff,
                     due_on: datetime.date, decision: Decision | None = None) -> FollowUp:
    """Give a staff member a follow-up action with a due date."""
    _require_manager(meeting, acting_user)
    text = text.strip()
    if not text:
        raise GovernanceError(_("対応事項を入力してください。"))
    if not is_staff_member(owner) or owner.agency_id is None:
        raise GovernanceError(_("担当者には所属機関のある職員を選んでください。"))
    if due_on < meeting.held_on:
        raise GovernanceError(_("期限が開催日より前になっています。"))
    if decision is not None and decision.meeting_id != meeting.pk:
        raise GovernanceError(_("別の会議の決定事項は選べません。"))
    follow_up = FollowUp.objects.create(meeting=meeting, decision=decision, text=text, owner=owner, due_on=due_on)
    record(acting_user, Action.CREATE, FollowUp, follow_up, purpose=N_("運営協議会の対応事項の記録"),
           detail={"meeting": meeting.pk, "owner": owner.get_username(), "due_on": due_on.isoformat()})
    return follow_up


@transaction.atomic
def do_complete_follow_up(follow_up: FollowUp, *, acting_user: Staff, done_on: datetime.date | None = None,
                          note: str = "") -> FollowUp:
    """The owner (or a manager of the council) reports the action done."""
    follow_up = FollowUp.objects.select_for_update().select_related("meeting__agreement").get(pk=follow_up.pk)
    if not can(acting_user, "follow_up.complete", follow_up):
        raise NotAllowed(_("完了報告ができるのは担当者と当事者の管理者です。"))
    if follow_up.done_on is not None:
        raise GovernanceError(_("この対応事項はすでに完了しています。"))
    done_on = done_on or _today()
    if done_on > _today():
        raise GovernanceError(_("完了日に未来の日付は入力できません。"))
    if done_on < follow_up.meeting.held_on:
        raise GovernanceError(_("完了日が会議の開催日より前になっています。"))
    follow_up.done_on, follow_up.done_note = done_on, note.strip()
    follow_up.save(update_fields=["done_on", "done_note"])
    record(acting_user, Action.UPDATE, FollowUp, follow_up, purpose=N_("運営協議会の対応事項の記録"),
           detail={"done_on": done_on.isoformat()})
    return follow_up


@transaction.atomic
def do_issue_agenda_pack(meeting: CouncilMeeting, *, acting_user: Staff, html: str) -> CouncilMeeting:
    """Keep the agenda pack as handed out to the council, so that later corrections to the figures do not
    change what the members were given. Issuing again replaces it (the audit row keeps that it happened)."""
    _require_manager(meeting, acting_user)
    meeting = CouncilMeeting.objects.select_for_update().get(pk=meeting.pk)
    reissue = meeting.pack_issued_at is not None
    meeting.pack_html, meeting.pack_issued_at, meeting.pack_issued_by = html, timezone.now(), acting_user
    meeting.save(update_fields=["pack_html", "pack_issued_at", "pack_issued_by", "updated_at"])
    record(acting_user, Action.EXPORT, CouncilMeeting, meeting, purpose=N_("運営協議会資料の発行"),
           detail={"reissue": reissue})
    return meeting
