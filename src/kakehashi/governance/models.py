"""Governance of the integrated operation: the agreement (協定) between the parties, the requests (要望) they
make of one another under it, and the operating council (運営協議会) that reviews progress.

None of this is personal data: every staff member may read all of it (``visible_to``). Who may change what is
decided in ``accounts.policy`` (``agreement.manage``, ``request.answer``, ``request.close``,
``follow_up.complete``) and enforced in ``actions``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Agency, Site
from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet

if TYPE_CHECKING:
    from kakehashi.plans.models import Target


_M = TypeVar("_M", bound=models.Model)


class GovernanceQuerySet(ViewerQuerySet[_M]):
    """Governance records are shared by all parties: every staff member reads them (the default rule)."""


class Agreement(models.Model):
    """The agreement (協定) that founds the integrated operation, e.g. between the mayor of Kurashiki, the chair
    of the city's Workers' Welfare Service Center and the head of Hello Work Kurashiki-Chuo.

    It names its parties and signatories, holds its numbered clauses, and refers to the business plan: the
    numeric targets of its sites for ``plan_fiscal_year`` (or of each fiscal year, when that is empty)."""

    title = models.CharField(_("協定名"), max_length=200)
    signed_on = models.DateField(_("締結日"))
    effective_on = models.DateField(_("発効日"))
    ends_on = models.DateField(_("終了日"), null=True, blank=True,
                               help_text=_("空欄は期限の定めなし（自動更新）"))
    parties = models.ManyToManyField(Agency, related_name="agreements", verbose_name=_("当事者"))
    sites = models.ManyToManyField(Site, related_name="agreements", blank=True, verbose_name=_("対象拠点"))
    plan_fiscal_year = models.PositiveSmallIntegerField(
        _("事業計画の年度"), null=True, blank=True, help_text=_("空欄は各年度の事業計画"))
    notes = models.TextField(_("備考"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ViewerManager.from_queryset(GovernanceQuerySet)()

    class Meta:
        ordering = ["-effective_on", "-id"]
        verbose_name = _("協定")
        verbose_name_plural = _("協定")
        constraints = [
            # No rule ties effective_on to signed_on: agreements are sometimes signed to apply retroactively.
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("effective_on")),
                                   name="agreement_ends_after_effective"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_in_force(self, day: datetime.date) -> bool:
        return self.effective_on <= day and (self.ends_on is None or day <= self.ends_on)

    def is_party(self, agency_id: int | None) -> bool:
        return agency_id is not None and self.parties.filter(pk=agency_id).exists()

    def plan_targets(self, fiscal_year: int) -> models.QuerySet[Target]:
        """The business plan's numeric targets this agreement refers to: its sites' targets for
        ``plan_fiscal_year``, or for ``fiscal_year`` when the agreement covers every year's plan."""
        from kakehashi.plans.models import Target

        year = self.plan_fiscal_year or fiscal_year
        return (Target.objects.filter(site__in=self.sites.all(), fiscal_year=year)
                .select_related("site", "indicator").order_by("site__code", "indicator__order"))


class Signatory(models.Model):
    """Who signed the agreement for a party: a title (倉敷市長) and, where recorded, the person's name."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatories")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("機関"))
    title = models.CharField(_("職名"), max_length=100)
    name = models.CharField(_("氏名"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("順"), default=1)

    objects = ViewerManager.from_queryset(GovernanceQuerySet)()

    class Meta:
        ordering = ["agreement", "order", "id"]
        verbose_name = _("署名者")
        verbose_name_plural = _("署名者")

    def __str__(self) -> str:
        return f"{self.title} {self.name}".strip()


class Clause(models.Model):
    """One numbered article (第N条) of an agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="clauses")
    number = models.PositiveSmallIntegerField(_("条"))
    heading = models.CharField(_("見出し"), max_length=100, blank=True)
    text = models.TextField(_("本文"))

    objects = ViewerManager.from_queryset(GovernanceQuerySet)()

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [models.UniqueConstraint(fields=["agreement", "number"], name="one_clause_per_number")]
        verbose_name = _("条項")
        verbose_name_plural = _("条項")

    def __str__(self) -> str:
        if self.heading:
            return gettext("第%(number)s条（%(heading)s）") % {"number": self.number, "heading": self.heading}
        return gettext("第%(number)s条") % {"number": self.number}


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("受付")
    ANSWERING = "answering", _("対応中")
    ANSWERED = "answered", _("回答済")
    CLOSED = "closed", _("完了")


#: The statuses a request waits for an answer in.
OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.ANSWERING)

#: Where each status may go. Closing an unanswered request is the asking party withdrawing it.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RequestStatus.RECEIVED: (RequestStatus.ANSWERING, RequestStatus.ANSWERED, RequestStatus.CLOSED),
    RequestStatus.ANSWERING: (RequestStatus.ANSWERED, RequestStatus.CLOSED),
    RequestStatus.ANSWERED: (RequestStatus.CLOSED,),
    RequestStatus.CLOSED: (),
}


class RequestQuerySet(GovernanceQuerySet["Request"]):
    def open(self) -> RequestQuerySet:
        """Waiting for an answer."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, day: datetime.date) -> RequestQuerySet:
        """Waiting for an answer past the due date (the due date itself is still on time)."""
        return self.open().filter(due_on__lt=day)

    def addressed_to(self, agency_id: int | None) -> RequestQuerySet:
        return self.filter(to_agency_id=agency_id)

    def open_as_of(self, day: datetime.date) -> RequestQuerySet:
        """Those that were waiting for an answer at the end of ``day``, read from their dates, so that a past
        council's agenda pack can be produced again as it stood."""
        return self.filter(requested_on__lte=day).exclude(answered_on__lte=day).exclude(closed_on__lte=day)


class Request(models.Model):
    """A request (要望) one party makes of another under the agreement, which promises it a good-faith answer
    (誠実に対応). Status changes go through ``actions``: received → answering → answered → closed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="requests",
                                  verbose_name=_("協定"))
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="requests_made",
                                    verbose_name=_("要望元"))
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="requests_received",
                                  verbose_name=_("要望先"))
    subject = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("要望内容"))
    requested_on = models.DateField(_("要望日"))
    due_on = models.DateField(_("回答期限"))
    status = models.CharField(_("状況"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.RECEIVED)
    answer = models.TextField(_("回答"), blank=True)
    answered_on = models.DateField(_("回答日"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("回答者"))
    closed_on = models.DateField(_("完了日"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("完了処理者"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("登録者"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ViewerManager.from_queryset(RequestQuerySet)()

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("要望")
        verbose_name_plural = _("要望")
        indexes = [models.Index(fields=["to_agency", "status", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=~Q(from_agency=models.F("to_agency")), name="request_between_parties"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("requested_on")), name="request_due_after_made"),
            # An answered request carries its answer and its date; the actions keep this, the database insists.
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.ANSWERED) | (~Q(answer="") & Q(answered_on__isnull=False)),
                name="request_answered_has_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.from_agency} → {self.to_agency}: {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, day: datetime.date) -> bool:
        return self.is_open and self.due_on < day

    def days_to_answer(self) -> int | None:
        return (self.answered_on - self.requested_on).days if self.answered_on else None

    def answered_on_time(self) -> bool | None:
        return self.answered_on <= self.due_on if self.answered_on else None

    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]


class CouncilMeeting(models.Model):
    """A meeting of the operating council (運営協議会) of the parties to an agreement.

    Its agenda pack shows each site's progress as of the month end before the meeting, the requests still
    open on the meeting day, and the follow-up actions of earlier meetings not yet done. Once issued, the pack is
    kept as it was handed out (``pack_html``)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="meetings",
                                  verbose_name=_("協定"))
    title = models.CharField(_("会議名"), max_length=200)
    held_on = models.DateField(_("開催日"))
    venue = models.CharField(_("会場"), max_length=200, blank=True)
    notes = models.TextField(_("議事の概要"), blank=True)
    pack_html = models.TextField(_("発行済み会議資料"), blank=True)
    pack_issued_at = models.DateTimeField(_("資料発行日時"), null=True, blank=True)
    pack_issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("資料発行者"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ViewerManager.from_queryset(GovernanceQuerySet)()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("運営協議会")
        verbose_name_plural = _("運営協議会")

    def __str__(self) -> str:
        return self.title

    def earlier_meetings(self) -> models.QuerySet[CouncilMeeting]:
        return CouncilMeeting.objects.filter(agreement_id=self.agreement_id).filter(
            Q(held_on__lt=self.held_on) | Q(held_on=self.held_on, pk__lt=self.pk))

    def previous_meeting(self) -> CouncilMeeting | None:
        return self.earlier_meetings().order_by("-held_on", "-id").first()

    def carried_follow_ups(self) -> models.QuerySet[FollowUp]:
        """Follow-up actions of earlier meetings still open on this meeting's day: the council sees them again
        until they are done."""
        return (FollowUp.objects.filter(meeting__in=self.earlier_meetings())
                .exclude(done_on__lte=self.held_on)
                .select_related("meeting", "owner", "owner__agency").order_by("due_on", "id"))


class Attendee(models.Model):
    """Someone at a council meeting: a staff member, or a named person of an agency (or of an organisation
    outside the installation, e.g. the prefectural labour bureau)."""

    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.CASCADE, related_name="attendees")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("職員"))
    name = models.CharField(_("氏名"), max_length=100, blank=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("機関"))
    organisation = models.CharField(_("所属（機関外）"), max_length=100, blank=True)
    title = models.CharField(_("職名"), max_length=100, blank=True)

    objects = ViewerManager.from_queryset(GovernanceQuerySet)()

    class Meta:
        ordering = ["meeting", "agency", "id"]
        verbose_name = _("出席者")
        verbose_name_plural = _("出席者")
        constraints = [
            models.CheckConstraint(condition=Q(staff__isnull=False) | ~Q(name=""), name="attendee_is_someone"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or (str(self.staff) if self.staff else "")

    @property
    def affiliation(self) -> str:
        if self.agency:
            return str(self.agency)
        return self.organisation


class Decision(models.Model):
    """A numbered decision the council took."""

    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("番号"))
    text = models.TextField(_("決定事項"))

    objects = ViewerManager.from_queryset(GovernanceQuerySet)()

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="one_decision_per_number")]
        verbose_name = _("決定事項")
        verbose_name_plural = _("決定事項")

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:40]}"


class FollowUp(models.Model):
    """A follow-up action (宿題) the council gave a staff member, with a due date. Open until ``done_on``."""

    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.CASCADE, related_name="follow_ups")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="follow_ups", verbose_name=_("関連する決定事項"))
    text = models.TextField(_("対応事項"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("担当者"))
    due_on = models.DateField(_("期限"))
    done_on = models.DateField(_("完了日"), null=True, blank=True)
    done_note = models.TextField(_("完了報告"), blank=True)

    objects = ViewerManager.from_queryset(GovernanceQuerySet)()

    class Meta:
        ordering = ["meeting", "due_on", "id"]
        verbose_name = _("フォローアップ")
        verbose_name_plural = _("フォローアップ")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_open(self) -> bool:
        return self.done_on is None

    def is_overdue(self, day: datetime.date) -> bool:
        return self.is_open and self.due_on < day

