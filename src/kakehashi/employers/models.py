"""Employers (事業所) and employer visits (事業所訪問) with the hiring needs recorded on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet
from kakehashi.core.search import SearchKeyField, matching, with_key
from kakehashi.reference.models import Industry, Occupation, Town

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


class Source(models.TextChoices):
    """Where a record came from: entered or developed here, or read from Hello Work's postings feed
    (``kakehashi import-feed``, docs/interchange.md)."""

    LOCAL = "local", _("この窓口")
    FEED = "feed", _("ハローワーク求人情報")


class EmployerQuerySet(ViewerQuerySet["Employer"]):
    """Employers are business records every party works with: any signed-in staff member (the default rule)."""

    def search(self, query: str) -> EmployerQuerySet:
        """The employers a desk means by ``query``: the name or reading in any kana, width and spacing, the phone
        number with or without hyphens, or part of the employer id."""
        return self.filter(matching(self.model, query, id_field="employer_id"))


class Employer(models.Model):
    """An establishment that hires."""

    employer_id = models.CharField(_("事業所ID"), max_length=40, unique=True)
    name = models.CharField(_("事業所名"), max_length=200)
    name_kana = models.CharField(_("ふりがな"), max_length=200, blank=True)
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, verbose_name=_("産業"))
    postal_code = models.CharField(_("郵便番号"), max_length=8)
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("町名"))
    lat = models.FloatField(_("緯度"), null=True, blank=True)
    lng = models.FloatField(_("経度"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("従業員数"), null=True, blank=True)
    center_member = models.BooleanField(_("センター会員"), default=False)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    # An employer the feed named by its 事業所番号 before anyone here registered it: a minimal record (the number,
    # the name and trade the feed gives) until the desk completes it.
    source = models.CharField(_("登録元"), max_length=10, choices=Source.choices, default=Source.LOCAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # id, name, reading and phone as search compares them (``core.search``), kept on every save
    search_key = SearchKeyField(_("検索キー"), texts=("employer_id", "name", "name_kana"), phone="phone")

    objects = ViewerManager.from_queryset(EmployerQuerySet)()

    class Meta:
        ordering = ["name_kana", "name"]
        verbose_name = _("事業所")
        verbose_name_plural = _("事業所")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        kwargs["update_fields"] = with_key(Employer, kwargs.get("update_fields"))
        super().save(*args, **kwargs)


class VisitParty(models.TextChoices):
    CENTER = "center", _("センター")
    HELLO_WORK = "hello_work", _("ハローワーク")
    CITY = "city", _("市")

    @classmethod
    def of(cls, agency_kind: str, default: VisitParty) -> VisitParty:
        """The party a staff member of an agency of ``agency_kind`` visits for; ``default`` for a kind that makes
        no visits of its own (a welfare office)."""
        return {cls.CENTER.value: cls.CENTER, cls.HELLO_WORK.value: cls.HELLO_WORK,
                cls.CITY.value: cls.CITY}.get(agency_kind, default)


class VisitMethod(models.TextChoices):
    VISIT = "visit", _("訪問")
    PHONE = "phone", _("電話")
    OTHER = "other", _("その他")


class EmployerVisitQuerySet(ViewerQuerySet["EmployerVisit"]):
    def restrict(self, user: Staff) -> EmployerVisitQuerySet:
        """Visible with the employer; a visit for one seeker shows that seeker and its note only to those who may
        see the seeker (``policy.FIELDS``)."""
        return self.filter(employer__in=Employer.objects.restrict(user))


class EmployerVisit(models.Model):
    """A visit or call to an employer — the Center's 事業所訪問 or a job-development contact — and the hiring
    needs it found."""

    visit_id = models.CharField(_("訪問ID"), max_length=40, unique=True)
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="visits", verbose_name=_("事業所"))
    visited_on = models.DateField(_("訪問日"))
    by = models.CharField(_("実施機関"), max_length=20, choices=VisitParty.choices)
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("担当"))
    method = models.CharField(_("方法"), max_length=10, choices=VisitMethod.choices, default=VisitMethod.VISIT)
    hiring_need_occupations = models.ManyToManyField(Occupation, blank=True, verbose_name=_("求人ニーズの職種"))
    hiring_need_openings = models.PositiveIntegerField(_("求人ニーズの人数"), null=True, blank=True)
    hiring_timing = models.CharField(_("採用時期"), max_length=100, blank=True)
    open_to_trial = models.BooleanField(_("トライアル雇用可"), null=True, blank=True)
    open_to_long_gap = models.BooleanField(_("ブランクのある方可"), null=True, blank=True)
    open_to_older = models.BooleanField(_("中高年可"), null=True, blank=True)
    for_seeker = models.ForeignKey("seekers.Seeker", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="development_visits", verbose_name=_("個別求人開拓の対象者"))
    resulting_posting = models.ForeignKey("postings.Posting", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="source_visits", verbose_name=_("受理した求人"))
    note = models.TextField(_("記録"), blank=True)

    objects = ViewerManager.from_queryset(EmployerVisitQuerySet)()

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("事業所訪問")
        verbose_name_plural = _("事業所訪問")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.employer}"
