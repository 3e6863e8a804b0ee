"""The governance pages: the agreement, the request log, the council meetings and their agenda packs.

Every page loads its records through ``visible_to`` (all staff with an agency read everything here); every
change goes through ``actions``. A change the user may not make is refused with its reason, audited as
denied, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakehashi.accounts.policy import can
from kakehashi.audit import scope
from kakehashi.audit.log import Refused
from kakehashi.audit.models import AuditEvent
from kakehashi.core import tables
from kakehashi.core.access import get_visible
from kakehashi.core.exports import exported
from kakehashi.core.http import AuthedRequest
from kakehashi.core.paging import paginate, query_without_page

from . import actions, forms
from .models import (
    Agreement,
    Attendee,
    CouncilMeeting,
    FollowUp,
    Request,
    RequestStatus,
)
from .reports import agenda_pack, answer_times_by_party, waiting_on

View = Callable[..., HttpResponse]


def _deny(request: AuthedRequest, model: type[Model], obj: Any = None) -> None:
    raise Refused(model._meta.label, obj.pk if obj is not None else None, purpose=request.path)


def _refused(request: AuthedRequest, error: actions.GovernanceError, model: type[Model], obj: Any = None) -> None:
    """Say why a change was refused; a refusal about who acts is also audited as denied. The action's
    transaction has already rolled back, so the audit row stands on its own."""
    if isinstance(error, actions.NotAllowed):
        scope.denied(model._meta.label, obj.pk if obj is not None else None, purpose=request.path,
                     detail={"reason": str(error)})
    messages.error(request, str(error))


def _form_errors(request: AuthedRequest, form: Any) -> None:
    """A form posted from a page that shows several: its errors come back as messages on that page."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else str(e))


def _history(model: type[Model], pk: int) -> list[AuditEvent]:
    """The changes made to one record, newest first, read from the audit log."""
    return list(AuditEvent.objects.filter(model=model._meta.label, object_ids=[str(pk)])
                .exclude(action="view").select_related("staff")[:50])


# --- overview -----------------------------------------------------------------------------------------------

@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """The agreements, each party's answer times, what waits on the user's agency, and the meetings."""
    user = request.user
    today = timezone.localdate()
    agreements = list(Agreement.objects.visible_to(user).prefetch_related("parties"))
    requests = Request.objects.visible_to(user)
    boards = [(a, answer_times_by_party(requests.filter(agreement=a), list(a.parties.all()), today))
              for a in agreements]
    ctx = {
        "today": today,
        "boards": boards,
        "waiting": waiting_on(user.agency, today, requests) if user.agency is not None else None,
        "meetings": CouncilMeeting.objects.visible_to(user).select_related("agreement")[:10],
        "can_create_agreement": can(user, "agreement.create"),
        "can_manage_any": any(can(user, "agreement.manage", a) for a in agreements),
    }
    return render(request, "governance/index.html", ctx)


# --- agreements ---------------------------------------------------------------------------------------------

@login_required
def agreement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    agreement = get_visible(Agreement.objects.visible_to(request.user), request.path, pk=pk)
    today = timezone.localdate()
    from kakehashi.core.dates import fiscal_year_label
    from kakehashi.engine.calendar import fiscal_year_of

    plan_year = agreement.plan_fiscal_year or fiscal_year_of(today)
    return render(request, "governance/agreement_detail.html", {
        "agreement": agreement, "today": today,
        "signatories": agreement.signatories.select_related("agency"),
        "clauses": agreement.clauses.all(),
        "targets": agreement.plan_targets(plan_year),
        "plan_year_label": fiscal_year_label(plan_year),
        "can_manage": can(request.user, "agreement.manage", agreement),
        "history": _history(Agreement, agreement.pk),
    })


def _agreement_form(request: AuthedRequest, agreement: Agreement | None) -> HttpResponse:
    if request.method == "POST":
        form = forms.AgreementForm(request.POST)
        signatories = forms.SignatoryFormSet(request.POST, prefix="sig")
        clauses = forms.ClauseFormSet(request.POST, prefix="clause")
        if form.is_valid() and signatories.is_valid() and clauses.is_valid():
            d = form.cleaned_data
            try:
                agreement = actions.do_save_agreement(
                    agreement, acting_user=request.user, title=d["title"], signed_on=d["signed_on"],
                    effective_on=d["effective_on"], ends_on=d["ends_on"], parties=d["parties"], sites=d["sites"],
                    plan_fiscal_year=d["plan_fiscal_year"], notes=d["notes"],
                    signatories=[{"agency": s["agency"], "title": s["title"], "name": s["name"]}
                                 for s in forms.filled(signatories)],
                    clauses=[{"number": c["number"], "heading": c["heading"], "text": c["text"]}
                             for c in forms.filled(clauses)])
            except actions.GovernanceError as e:
                _refused(request, e, Agreement, agreement)
            else:
                messages.success(request, _("協定を保存しました。"))
                return redirect("governance:agreement_detail", agreement.pk)
    elif agreement is not None:
        form = forms.AgreementForm(initial=forms.AgreementForm.initial_from(agreement))
        signatories = forms.SignatoryFormSet(prefix="sig", initial=[
            {"agency": s.agency, "title": s.title, "name": s.name} for s in agreement.signatories.all()])
        clauses = forms.ClauseFormSet(prefix="clause", initial=[
            {"number": c.number, "heading": c.heading, "text": c.text} for c in agreement.clauses.all()])
    else:
        form = forms.AgreementForm(initial={"parties": [request.user.agency] if request.user.agency else []})
        signatories = forms.SignatoryFormSet(prefix="sig")
        clauses = forms.ClauseFormSet(prefix="clause")
    return render(request, "governance/agreement_form.html",
                  {"form": form, "signatories": signatories, "clauses": clauses, "agreement": agreement})


@login_required
def agreement_create(request: AuthedRequest) -> HttpResponse:
    return _agreement_form(request, None)


@login_required
def agreement_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    agreement = get_visible(Agreement.objects.visible_to(request.user), request.path, pk=pk)
    if not can(request.user, "agreement.manage", agreement):
        _deny(request, Agreement, agreement)
    return _agreement_form(request, agreement)


# --- requests -----------------------------------------------------------------------------------------------

@login_required
def request_list(request: AuthedRequest) -> HttpResponse:
    """The request log: every request, filtered; overdue ones flagged; the parties' answer times."""
    user = request.user
    today = timezone.localdate()
    visible = Request.objects.visible_to(user)
    filters = forms.RequestFilterForm(request.GET or None)
    rows = visible.select_related("from_agency", "to_agency", "agreement")
    if filters.is_valid():
        statuses = filters.statuses()
        if statuses:
            rows = rows.filter(status__in=statuses)
        if filters.cleaned_data.get("to_agency"):
            rows = rows.filter(to_agency=filters.cleaned_data["to_agency"])
        if filters.cleaned_data.get("from_agency"):
            rows = rows.filter(from_agency=filters.cleaned_data["from_agency"])
        if filters.cleaned_data.get("overdue"):
            rows = rows.overdue(today)
    rows = rows.order_by("-requested_on", "-id")
    if (download := exported(request, tables.REQUESTS, rows)) is not None:
        return download
    page = paginate(request, rows)
    agreements = list(Agreement.objects.visible_to(user).prefetch_related("parties"))
    parties = sorted({p for a in agreements for p in a.parties.all()}, key=lambda p: (p.kind, p.code))
    return render(request, "governance/request_list.html", {
        "filters": filters, "page": page, "today": today, "query": query_without_page(request),
        "answer_times": answer_times_by_party(visible, parties, today),
        "waiting": waiting_on(user.agency, today, visible) if user.is_manager and user.agency is not None else None,
        "can_create": bool(user.agency_id),
    })


@login_required
def request_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.agency_id:
        _deny(request, Request)
    form = forms.RequestForm(request.POST or None, user=user,
                             initial={"requested_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = actions.do_create_request(acting_user=user, agreement=d["agreement"], to_agency=d["to_agency"],
                                            subject=d["subject"], body=d["body"], requested_on=d["requested_on"],
                                            due_on=d["due_on"])
        except actions.GovernanceError as e:
            _refused(request, e, Request)
        else:
            messages.success(request, _("要望を登録しました。"))
            return redirect("governance:request_detail", req.pk)
    return render(request, "governance/request_form.html", {"form": form})


@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    req = get_visible(Request.objects.visible_to(request.user).select_related(
        "from_agency", "to_agency", "agreement", "answered_by", "closed_by", "created_by"), request.path, pk=pk)
    user = request.user
    today = timezone.localdate()
    can_answer = can(user, "request.answer", req) and req.is_open
    return render(request, "governance/request_detail.html", {
        "req": req, "today": today, "overdue": req.is_overdue(today),
        "can_start": can_answer and RequestStatus.ANSWERING in req.next_statuses(),
        "can_answer": can_answer,
        "can_close": can(user, "request.close", req) and RequestStatus.CLOSED in req.next_statuses(),
        "answer_form": forms.AnswerForm(), "close_form": forms.CloseForm(),
        "good_faith": req.agreement.clauses.filter(Q(text__contains="誠実") | Q(heading__contains="要望")).first(),
        "history": _history(Request, req.pk),
    })


@login_required
@require_POST
def request_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    """The buttons of the request page: start answering, answer, close."""
    req = get_visible(Request.objects.visible_to(request.user), request.path, pk=pk)
    new_status = request.POST.get("status", "")
    form = forms.AnswerForm(request.POST) if new_status == RequestStatus.ANSWERED else forms.CloseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("governance:request_detail", req.pk)
    try:
        actions.do_change_request_status(req, new_status, acting_user=request.user,
                                         answer=form.cleaned_data.get("answer", ""), on=form.cleaned_data.get("on"))
    except actions.GovernanceError as e:
        _refused(request, e, Request, req)
    else:
        messages.success(request, _("要望を「%(status)s」にしました。") % {"status": RequestStatus(new_status).label})
    return redirect("governance:request_detail", req.pk)


# --- council meetings ---------------------------------------------------------------------------------------

def _managed_agreements(user: Any) -> Any:
    ids = [a.pk for a in Agreement.objects.visible_to(user) if can(user, "agreement.manage", a)]
    return Agreement.objects.filter(pk__in=ids)


@login_required
def meeting_create(request: AuthedRequest) -> HttpResponse:
    agreements = _managed_agreements(request.user)
    if not agreements.exists():
        _deny(request, CouncilMeeting)
    return _meeting_form(request, None, agreements)


@login_required
def meeting_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_visible(CouncilMeeting.objects.visible_to(request.user), request.path, pk=pk)
    if not can(request.user, "agreement.manage", meeting):
        _deny(request, CouncilMeeting, meeting)
    return _meeting_form(request, meeting, _managed_agreements(request.user))


def _meeting_form(request: AuthedRequest, meeting: CouncilMeeting | None, agreements: Any) -> HttpResponse:
    initial = ({"agreement": meeting.agreement, "title": meeting.title, "held_on": meeting.held_on,
                "venue": meeting.venue, "notes": meeting.notes} if meeting else {})
    form = forms.MeetingForm(request.POST or None, agreements=agreements, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = actions.do_save_meeting(meeting, acting_user=request.user, agreement=d["agreement"],
                                              title=d["title"], held_on=d["held_on"], venue=d["venue"],
                                              notes=d["notes"])
        except actions.GovernanceError as e:
            _refused(request, e, CouncilMeeting, meeting)
        else:
            messages.success(request, _("運営協議会を保存しました。"))
            return redirect("governance:meeting_detail", meeting.pk)
    return render(request, "governance/meeting_form.html", {"form": form, "meeting": meeting})


@login_required
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_visible(CouncilMeeting.objects.visible_to(request.user).select_related("agreement"),
                          request.path, pk=pk)
    user = request.user
    follow_ups = list(meeting.follow_ups.select_related("owner", "owner__agency", "decision"))
    carried = list(meeting.carried_follow_ups())
    for f in [*follow_ups, *carried]:
        f.user_can_complete = f.is_open and can(user, "follow_up.complete", f)  # type: ignore[attr-defined]  # for the template
    return render(request, "governance/meeting_detail.html", {
        "meeting": meeting, "today": timezone.localdate(),
        "attendees": meeting.attendees.select_related("staff", "agency"),
        "decisions": meeting.decisions.all(), "follow_ups": follow_ups,
        "carried": carried,
        "can_manage": can(user, "agreement.manage", meeting),
        "attendee_form": forms.AttendeeForm(), "decision_form": forms.DecisionForm(),
        "follow_up_form": forms.FollowUpForm(meeting_id=meeting.pk, initial={"owner": user}),
        "done_form": forms.FollowUpDoneForm(),
        "history": _history(CouncilMeeting, meeting.pk),
    })


def _meeting(request: AuthedRequest, pk: int) -> CouncilMeeting:
    return get_visible(CouncilMeeting.objects.visible_to(request.user).select_related("agreement"),
                       request.path, pk=pk)


def _post_change(request: AuthedRequest, meeting: CouncilMeeting, model: type[Model], form: Any,
                 change: Callable[[dict[str, Any]], Any], done: str) -> HttpResponse:
    """Run one change of a meeting page's forms and come back to the meeting."""
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            change(form.cleaned_data)
        except actions.GovernanceError as e:
            _refused(request, e, model, meeting)
        else:
            messages.success(request, done)
    return redirect("governance:meeting_detail", meeting.pk)


@login_required
@require_POST
def attendee_add(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return _post_change(request, meeting, Attendee, forms.AttendeeForm(request.POST),
                        lambda d: actions.do_add_attendee(meeting, acting_user=request.user, staff=d["staff"],
                                                          name=d["name"], agency=d["agency"],
                                                          organisation=d["organisation"], title=d["title"]),
                        _("出席者を追加しました。"))


@login_required
@require_POST
def attendee_remove(request: AuthedRequest, pk: int, attendee_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    attendee = get_visible(Attendee.objects.visible_to(request.user).filter(meeting=meeting), request.path,
                           pk=attendee_pk)
    try:
        actions.do_remove_attendee(attendee, acting_user=request.user)
    except actions.GovernanceError as e:
        _refused(request, e, Attendee, attendee)
    else:
        messages.success(request, _("出席者を削除しました。"))
    return redirect("governance:meeting_detail", meeting.pk)


@login_required
@require_POST
def decision_add(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return _post_change(request, meeting, CouncilMeeting, forms.DecisionForm(request.POST),
                        lambda d: actions.do_add_decision(meeting, acting_user=request.user, text=d["text"]),
                        _("決定事項を追加しました。"))


@login_required
@require_POST
def follow_up_add(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    return _post_change(request, meeting, CouncilMeeting, forms.FollowUpForm(request.POST, meeting_id=meeting.pk),
                        lambda d: actions.do_add_follow_up(meeting, acting_user=request.user, text=d["text"],
                                                           owner=d["owner"], due_on=d["due_on"],
                                                           decision=d["decision"]),
                        _("フォローアップを追加しました。"))


@login_required
@require_POST
def follow_up_done(request: AuthedRequest, pk: int) -> HttpResponse:
    follow_up = get_visible(FollowUp.objects.visible_to(request.user).select_related("meeting__agreement"),
                            request.path, pk=pk)
    meeting = follow_up.meeting
    back = request.POST.get("next", "")
    response = _post_change(request, meeting, FollowUp, forms.FollowUpDoneForm(request.POST),
                            lambda d: actions.do_complete_follow_up(follow_up, acting_user=request.user,
                                                                    done_on=d["on"], note=d["note"]),
                            _("完了を記録しました。"))
    # Back to the page it was completed from (a later meeting's, say), if that page is on this site.
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return redirect(back)
    return response


# --- the agenda pack ----------------------------------------------------------------------------------------

def _pack_body(request: AuthedRequest, meeting: CouncilMeeting) -> str:
    return render_to_string("governance/_agenda_pack_body.html",
                            {"pack": agenda_pack(meeting), "today": timezone.localdate()}, request=request)


@login_required
def meeting_pack(request: AuthedRequest, pk: int) -> HttpResponse:
    """The agenda pack as a printable page: as issued, if it was; otherwise from the current figures."""
    meeting = _meeting(request, pk)
    live = request.GET.get("live") == "1" or not meeting.pack_html
    body = _pack_body(request, meeting) if live else meeting.pack_html
    return render(request, "governance/agenda_pack.html", {
        "meeting": meeting, "body": body, "live": live, "can_manage": can(request.user, "agreement.manage", meeting)})


@login_required
@require_POST
def meeting_pack_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        actions.do_issue_agenda_pack(meeting, acting_user=request.user, html=_pack_body(request, meeting))
    except actions.GovernanceError as e:
        _refused(request, e, CouncilMeeting, meeting)
    else:
        messages.success(request, _("会議資料を発行しました。以後はこの内容で表示・印刷されます。"))
    return redirect(reverse("governance:meeting_pack", args=[meeting.pk]))


@login_required
def meeting_pack_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    """The same pack as a PDF (WeasyPrint, Japanese fonts embedded)."""
    from .pdf import render_pdf

    meeting = _meeting(request, pk)
    body = meeting.pack_html or _pack_body(request, meeting)
    html = render_to_string("governance/agenda_pack_pdf.html", {"meeting": meeting, "body": body},
                            request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="council-{meeting.held_on:%Y%m%d}.pdf"'
    return response
