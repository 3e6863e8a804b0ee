"""The welfare desk (生活保護受給者等就労自立促進事業): a welfare caseworker's support request (支援要請) for a
recipient, the joint support plan the desk and the caseworker keep, the recipient's visits, and the outcome.

Who may see a case is decided once, in ``SupportRequestQuerySet.visible_to``; plans and visits follow their case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts import policy
from kakehashi.accounts.models import Agency, AgencyKind, Site
from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet
from kakehashi.seekers.models import Consent, Seeker

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("受付待ち")
    ACCEPTED = "accepted", _("支援中")
    CLOSED = "closed", _("支援終了")


OPEN_STATUSES = (RequestStatus.REQUESTED, RequestStatus.ACCEPTED)


class CaseOutcome(models.TextChoices):
    EMPLOYED = "employed", _("就職")
    OTHER = "other", _("その他（就職以外で終了）")


class BenefitChange(models.TextChoices):
    UNCHANGED = "unchanged", _("変更なし")
    REDUCED = "reduced", _("保護費の減額")
    ENDED = "ended", _("保護の廃止")


class SupportRequestQuerySet(ViewerQuerySet["SupportRequest"]):
    def restrict(self, user: Staff) -> SupportRequestQuerySet:
        """A case reveals that a person receives welfare:

        - the welfare office that filed it sees it (its caseworkers and manager);
        - the desk (Hello Work, the city) sees it while it may see the person — for Hello Work, while the
          consent recorded with the request stands;
        - the Center never sees it; the administrator sees all."""
        if getattr(user, "is_administrator", False):
            return self.all()
        if not policy.sees_welfare(user) or not getattr(user, "agency_id", None):
            return self.none()
        if user.agency_kind == AgencyKind.WELFARE_OFFICE:
            return self.filter(welfare_office_id=user.agency_id)
        return self.filter(seeker__in=Seeker.objects.restrict(user))

    def open(self) -> SupportRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class SupportRequest(models.Model):
    """A welfare office's request that the desk support one recipient into work, and the case that follows."""

    seeker = models.ForeignKey(Seeker, on_delete=models.PROTECT, related_name="support_requests",
                               verbose_name=_("対象者"))
    welfare_office = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="support_requests",
                                       verbose_name=_("福祉事務所"))
    caseworker = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="support_requests", verbose_name=_("ケースワーカー"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="support_requests",
                             verbose_name=_("支援する窓口"))
    requested_on = models.DateField(_("要請日"))
    needs = models.TextField(_("要請の内容・本人の状況"), blank=True)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("ハローワークとの情報共有への同意"))
    status = models.CharField(_("状況"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.REQUESTED)
    accepted_on = models.DateField(_("受付日"), null=True, blank=True)
    accepted_by = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("受付担当"))
    closed_on = models.DateField(_("終了日"), null=True, blank=True)
    outcome = models.CharField(_("終了の結果"), max_length=20, choices=CaseOutcome.choices, blank=True)
    benefit_change = models.CharField(_("保護の状況"), max_length=20, choices=BenefitChange.choices, blank=True)
    closing_note = models.TextField(_("終了時の記録"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ViewerManager.from_queryset(SupportRequestQuerySet)()

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("支援要請")
        verbose_name_plural = _("支援要請")
        constraints = [
            models.UniqueConstraint(fields=["seeker"], condition=Q(status__in=["requested", "accepted"]),
                                    name="one_open_support_request_per_seeker"),
        ]
        indexes = [models.Index(fields=["requested_on"]), models.Index(fields=["status", "site"])]

    def __str__(self) -> str:
        return f"{self.seeker} {self.requested_on}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class SupportPlan(models.Model):
    """The joint support plan (支援プラン) of a case: goals, steps and the agreed regular visits. Both the desk
    and the caseworker keep it; each change is audited."""

    request = models.OneToOneField(SupportRequest, on_delete=models.CASCADE, related_name="plan")
    goals = models.TextField(_("目標"), blank=True)
    steps = models.TextField(_("支援の内容・段取り"), blank=True)
    visit_schedule = models.CharField(_("定期来所の約束"), max_length=200, blank=True,
                                      help_text=_("例：毎週火曜 10時"))
    visit_interval_days = models.PositiveSmallIntegerField(_("来所の間隔（日）"), null=True, blank=True)
    updated_by = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("最終更新者"))
    updated_at = models.DateTimeField(_("最終更新"), auto_now=True)

    class Meta:
        verbose_name = _("支援プラン")
        verbose_name_plural = _("支援プラン")

    def __str__(self) -> str:
        return f"{self.request}"


class SupportVisit(models.Model):
    """A planned visit of the recipient to the desk: attended (with what was done) or a no-show."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="visits")
    on = models.DateField(_("来所予定日"))
    attended = models.BooleanField(_("来所"))
    note = models.TextField(_("支援の内容・様子"), blank=True)
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("担当"))
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("機関"))

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("来所記録")
        verbose_name_plural = _("来所記録")

    def __str__(self) -> str:
        return f"{self.request} {self.on}"
