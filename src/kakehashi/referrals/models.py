"""Referrals (職業紹介) and their outcomes. A placement (就職) is a referral that ended in a hire."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


class Outcome(models.TextChoices):
    PENDING = "pending", _("選考中")
    HIRED = "hired", _("採用")
    REJECTED = "rejected", _("不採用")
    DECLINED = "declined", _("辞退")
    WITHDRAWN = "withdrawn", _("取消")


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: Staff) -> ReferralQuerySet:
        """A referral is a personal record: visible with its seeker."""
        return self.filter(seeker__in=Seeker.objects.visible_to(user))

    def placements(self) -> ReferralQuerySet:
        return self.filter(outcome=Outcome.HIRED)


class Referral(models.Model):
    """A seeker referred to a posting."""

    referral_id = models.CharField(_("紹介ID"), max_length=40, unique=True)
    seeker = models.ForeignKey(Seeker, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("求職者"))
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("求人"))
    referred_on = models.DateField(_("紹介日"))
    outcome = models.CharField(_("結果"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_on = models.DateField(_("結果日"), null=True, blank=True)
    trial_employment = models.BooleanField(_("トライアル雇用"), default=False)
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("担当"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("職業紹介")
        verbose_name_plural = _("職業紹介")
        indexes = [
            models.Index(fields=["referred_on"]),
            models.Index(fields=["outcome", "outcome_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}"

    def clean_outcome(self) -> list[str]:
        """The rules one referral must keep; returns the Japanese messages of what is broken."""
        errors = []
        if self.outcome != Outcome.PENDING and self.outcome_on is None:
            errors.append(str(_("結果を入力するときは結果日も入力してください。")))
        if self.outcome == Outcome.PENDING and self.outcome_on is not None:
            errors.append(str(_("選考中の紹介には結果日を入力できません。")))
        if self.outcome_on and self.outcome_on < self.referred_on:
            errors.append(str(_("結果日が紹介日より前になっています。")))
        return errors
