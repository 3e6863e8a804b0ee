"""Postings (求人): the 求人票 fields that matter for matching and counting."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Site
from kakehashi.employers.models import Employer
from kakehashi.reference.models import Occupation, Town
from kakehashi.seekers.models import WageUnit

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("フルタイム")
    PART_TIME = "part_time", _("パートタイム")


class PostingQuerySet(models.QuerySet["Posting"]):
    def visible_to(self, user: Staff) -> PostingQuerySet:
        """Postings are public job offers: every signed-in staff member with an agency sees them."""
        if user.is_authenticated and (getattr(user, "agency_id", None) or user.is_administrator):
            return self.all()
        return self.none()

    def open_on(self, day: datetime.date) -> PostingQuerySet:
        """Received by ``day`` and not closed before it. (Filled postings are dropped by the matcher, which
        counts hires against openings.)"""
        return self.filter(received_on__lte=day).filter(Q(closes_on__isnull=True) | Q(closes_on__gte=day))


class Posting(models.Model):
    """A job posting; ``openings`` is the number of positions (人), one posting is one 件."""

    posting_id = models.CharField(_("求人番号"), max_length=40, unique=True)
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="postings", verbose_name=_("事業所"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="postings", verbose_name=_("拠点"))
    received_on = models.DateField(_("受理日"))
    closes_on = models.DateField(_("紹介期限"), null=True, blank=True)
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("職種"))
    occupation_minor = models.CharField(_("小分類"), max_length=6, blank=True)
    openings = models.PositiveIntegerField(_("求人数"))
    employment = models.CharField(_("雇用形態"), max_length=20, choices=EmploymentType.choices,
                                  default=EmploymentType.FULL_TIME)
    wage_min = models.PositiveIntegerField(_("賃金（下限）"), null=True, blank=True)
    wage_max = models.PositiveIntegerField(_("賃金（上限）"), null=True, blank=True)
    wage_unit = models.CharField(_("賃金の単位"), max_length=10, choices=WageUnit.choices, default=WageUnit.MONTH)
    hours = models.CharField(_("就業時間"), max_length=100, blank=True)
    postal_code = models.CharField(_("就業場所の郵便番号"), max_length=8)
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("町名"))
    lat = models.FloatField(_("緯度"), null=True, blank=True)
    lng = models.FloatField(_("経度"), null=True, blank=True)
    required_qualifications = models.JSONField(_("必要な資格"), default=list, blank=True)
    experience_required = models.BooleanField(_("経験必須"), default=False)
    trial_employment_ok = models.BooleanField(_("トライアル雇用併用"), default=False)
    developed = models.BooleanField(_("開拓求人"), default=False)
    title = models.CharField(_("職種名"), max_length=200, blank=True)
    description = models.TextField(_("仕事の内容"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostingQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "posting_id"]
        verbose_name = _("求人")
        verbose_name_plural = _("求人")
        indexes = [models.Index(fields=["site", "developed", "received_on"])]

    def __str__(self) -> str:
        return f"{self.posting_id} {self.title or self.occupation.name}"

    def is_open_on(self, day: datetime.date) -> bool:
        return self.received_on <= day and (self.closes_on is None or self.closes_on >= day)
