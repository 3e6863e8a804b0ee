"""Postings (求人): the 求人票 fields that matter for matching and counting."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Site
from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet
from kakehashi.employers.models import Employer, Source
from kakehashi.reference.models import Occupation, Town
from kakehashi.seekers.models import WageUnit

if TYPE_CHECKING:
    pass


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("フルタイム")
    PART_TIME = "part_time", _("パートタイム")


class PostingQuerySet(ViewerQuerySet["Posting"]):
    """Postings are public job offers: every signed-in staff member sees them (the default rule)."""

    def open_on(self, day: datetime.date) -> PostingQuerySet:
        """Received by ``day`` and not closed before it (``Posting.is_open_on`` for one posting in memory).
        Whether it is still unfilled is ``unfilled_on``."""
        return self.filter(received_on__lte=day).filter(Q(closes_on__isnull=True) | Q(closes_on__gte=day))

    def unfilled_on(self, day: datetime.date) -> PostingQuerySet:
        """Fewer placements by ``day`` than openings (annotated as ``hires``). A posting the desk can refer
        someone to on ``day`` is ``open_on(day).unfilled_on(day)``: what matching and the needs gap read."""
        from kakehashi.referrals.models import placed  # referrals import postings: import when asked

        hires = Count("referrals", filter=placed(None, day, via="referrals__"))
        return self.annotate(hires=hires).filter(hires__lt=F("openings"))

    def developed_between(self, start: datetime.date, end: datetime.date, *,
                          site_ids: Iterable[int] | None = None) -> PostingQuerySet:
        """Developed postings (開拓求人) received in [``start``, ``end``] at the sites ``site_ids`` (None: every
        site): INTERCHANGE.md's 開拓求人件数 of that period, and its 開拓求人数 as the sum of ``openings``."""
        qs = self.filter(developed=True, source=Source.LOCAL, received_on__range=(start, end))
        return qs if site_ids is None else qs.filter(site_id__in=list(site_ids))


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
    # Hello Work's area postings read from its feed are searched and matched like any posting, but they were
    # not developed or opened here: no count of developed postings takes them (the constraint below).
    source = models.CharField(_("登録元"), max_length=10, choices=Source.choices, default=Source.LOCAL)
    title = models.CharField(_("職種名"), max_length=200, blank=True)
    description = models.TextField(_("仕事の内容"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ViewerManager.from_queryset(PostingQuerySet)()

    class Meta:
        ordering = ["-received_on", "posting_id"]
        verbose_name = _("求人")
        verbose_name_plural = _("求人")
        indexes = [models.Index(fields=["site", "developed", "received_on"])]
        constraints = [models.CheckConstraint(
            condition=Q(source=Source.LOCAL) | Q(developed=False), name="feed_posting_never_developed")]

    def __str__(self) -> str:
        return f"{self.posting_id} {self.title or self.occupation.name}"

    def is_open_on(self, day: datetime.date) -> bool:
        """``PostingQuerySet.open_on`` for this posting, without a query (tests/test_one_home.py checks that
        the two agree on every boundary)."""
        return self.received_on <= day and (self.closes_on is None or self.closes_on >= day)
