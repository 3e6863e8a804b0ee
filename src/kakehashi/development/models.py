"""Job-development contacts and the monthly figures of the needs gap.

A development contact *is* an ``EmployerVisit`` (a visit or a call: by whom, when, for which seeker, the posting
it produced). ``DevelopmentContact`` adds what the visit does not hold: the need it was for (an occupation and an
area, or the earlier visit that recorded the need) and how it ended. Imported visits have no such row;
attribution (``attribution.py``) works from the visit alone and uses the contact where there is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Site
from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet
from kakehashi.employers.models import EmployerVisit
from kakehashi.reference.models import Occupation

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


class Source(models.TextChoices):
    """What drove a developed posting (the rows of 開拓求人 by source in the council report)."""

    CENTER_VISIT = "center_visit", _("センターの事業所訪問")
    CITY_NEED = "city_need", _("市が把握した求人ニーズ")
    INDIVIDUAL = "individual", _("ナビゲーターの個別求人開拓")
    HELLO_WORK = "hello_work", _("ハローワークの求人開拓")
    UNRECORDED = "unrecorded", _("開拓の記録なし")


class ContactOutcome(models.TextChoices):
    POSTING = "posting", _("求人を受理")
    PROMISED = "promised", _("求人提出の見込み")
    NEED_HEARD = "need_heard", _("採用ニーズを聴取")
    NO_NEED = "no_need", _("当面採用予定なし")
    DECLINED = "declined", _("依頼を断られた")
    NOT_REACHED = "not_reached", _("担当者不在・連絡つかず")


class DevelopmentContactQuerySet(ViewerQuerySet["DevelopmentContact"]):
    def restrict(self, user: Staff) -> DevelopmentContactQuerySet:
        """Contacts are business records, visible with their visit (every staff member with an agency)."""
        return self.filter(visit__in=EmployerVisit.objects.restrict(user))


class DevelopmentContact(models.Model):
    """What a job-development contact was for and how it ended; one per ``EmployerVisit``."""

    visit = models.OneToOneField(EmployerVisit, on_delete=models.CASCADE, related_name="development",
                                 verbose_name=_("訪問・連絡"))
    occupation = models.ForeignKey(Occupation, null=True, blank=True, on_delete=models.PROTECT,
                                   verbose_name=_("開拓する職種"))
    area = models.CharField(_("対象の地区"), max_length=40, blank=True)
    follows = models.ForeignKey(EmployerVisit, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="follow_ups", verbose_name=_("対応した求人ニーズ（訪問記録）"))
    outcome = models.CharField(_("結果"), max_length=20, choices=ContactOutcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ViewerManager.from_queryset(DevelopmentContactQuerySet)()

    class Meta:
        ordering = ["-visit__visited_on", "-visit_id"]
        verbose_name = _("求人開拓の記録")
        verbose_name_plural = _("求人開拓の記録")

    def __str__(self) -> str:
        return f"{self.visit} {self.get_outcome_display()}"


class Level(models.TextChoices):
    MIDDLE = "middle", _("中分類")
    MAJOR = "major", _("大分類")


class GapSnapshotQuerySet(ViewerQuerySet["GapSnapshot"]):
    """Counts, not personal records: every staff member reads them (the default rule)."""


class GapSnapshot(models.Model):
    """The needs gap at one month end for one occupation and area: the figures of the board, kept because who
    was looking for work on a past date cannot be rebuilt exactly from today's records."""

    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("拠点"))
    month = models.DateField(_("月末"))
    level = models.CharField(_("職業分類の階層"), max_length=10, choices=Level.choices)
    occupation = models.CharField(_("職業コード"), max_length=3)
    area = models.CharField(_("地区"), max_length=40)
    demand = models.PositiveIntegerField(_("希望する求職者"))
    no_fit = models.PositiveIntegerField(_("適合求人のない求職者"))
    postings = models.PositiveIntegerField(_("適合求人（件）"))
    openings = models.PositiveIntegerField(_("適合求人（人）"))
    computed_at = models.DateTimeField(_("集計日時"), default=timezone.now)

    objects = ViewerManager.from_queryset(GapSnapshotQuerySet)()

    class Meta:
        ordering = ["site", "month", "level", "occupation", "area"]
        indexes = [models.Index(fields=["site", "month", "level"])]
        verbose_name = _("需給ギャップの月次集計")
        verbose_name_plural = _("需給ギャップの月次集計")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.occupation} {self.area}: {self.demand}/{self.openings}"

    @property
    def unmet(self) -> int:
        return max(0, self.demand - self.openings)


class StoredResult(models.Model):
    """A result that takes seconds to compute (who fits what on a day, the targeting model's coefficients), kept
    with the version of the records it was computed from (``kakehashi.core.stamps``), so that a page — or a
    server just restarted — reads it instead of computing it again while the records stay the same. One row per
    kind and day; ``development.stored`` reads and writes them."""

    kind = models.CharField(_("種類"), max_length=40)
    day = models.DateField(_("基準日"))
    version = models.CharField(_("元データの版"), max_length=64)
    payload = models.TextField(_("内容（JSON）"))
    computed_at = models.DateTimeField(_("計算日時"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="development_stored_kind_day")]
        verbose_name = _("計算結果の保存")
        verbose_name_plural = _("計算結果の保存")

    def __str__(self) -> str:
        return f"{self.kind} {self.day:%Y-%m-%d} {self.version}"
