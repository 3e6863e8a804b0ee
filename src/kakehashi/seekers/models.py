"""Job seekers (求職者): their needs, home, qualifications, experience, consents and consultations.

Who may see a seeker is decided in one place, ``SeekerQuerySet.visible_to``; every view, form, export and
command loads seekers through it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts import policy
from kakehashi.accounts.models import Agency, AgencyKind, Site
from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet
from kakehashi.core.search import SearchKeyField, matching, with_key
from kakehashi.core.units import years_label
from kakehashi.reference.models import Occupation, Town

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


class EmploymentWish(models.TextChoices):
    FULL_TIME = "full_time", _("フルタイム")
    PART_TIME = "part_time", _("パートタイム")
    ANY = "any", _("問わない")


class WageUnit(models.TextChoices):
    MONTH = "month", _("月給")
    HOUR = "hour", _("時給")


class ReferredBy(models.TextChoices):
    SELF = "self", _("本人来所")
    CITY = "city", _("市の相談窓口")
    WELFARE_OFFICE = "welfare_office", _("福祉事務所")
    HELLO_WORK = "hello_work", _("ハローワーク")


class SeekerStatus(models.TextChoices):
    ACTIVE = "active", _("支援中")
    EMPLOYED = "employed", _("就職")
    INACTIVE = "inactive", _("支援終了")


class ConsentPurpose(models.TextChoices):
    SHARE = "share", _("就労支援のための情報共有")
    DEVELOPMENT_PROFILE = "development_profile", _("求人開拓での匿名プロフィールの提示")


def today() -> datetime.date:
    return timezone.localdate()


class SeekerQuerySet(ViewerQuerySet["Seeker"]):
    def restrict(self, user: Staff) -> SeekerQuerySet:
        """The seekers whose identity and details ``user`` may see (which of their fields: ``policy.FIELDS``).

        - a seeker is held by the agency that registered them (the city or Hello Work);
        - another party sees them only while the seeker's consent to share with that party stands;
        - a welfare caseworker sees the seekers their own office referred;
        - a manager sees what the staff of their own agency see; the administrator sees all.
        """
        if not user.is_authenticated or not getattr(user, "agency_id", None):
            return self.none() if not getattr(user, "is_administrator", False) else self.all()
        if user.is_administrator:
            return self.all()
        kind = user.agency_kind
        if kind == AgencyKind.WELFARE_OFFICE:
            return self.filter(referring_agency_id=user.agency_id)
        consented = Exists(Consent.objects.standing().filter(seeker=OuterRef("pk"), party=kind,
                                                             purpose=ConsentPurpose.SHARE))
        if kind in (AgencyKind.CITY, AgencyKind.HELLO_WORK):
            return self.filter(Q(registered_by=kind) | consented)
        return self.filter(consented)

    def active(self) -> SeekerQuerySet:
        return self.filter(status=SeekerStatus.ACTIVE)

    def search(self, query: str) -> SeekerQuerySet:
        """The seekers a desk means by ``query``: the name or reading in any kana and spacing (「みほん」
        「ﾐﾎﾝ」「見本　幸子」), the phone number with or without hyphens, or part of the seeker id."""
        return self.filter(matching(self.model, query, id_field="seeker_id"))


class Seeker(models.Model):
    """A person looking for work, registered at one site."""

    seeker_id = models.CharField(_("求職者ID"), max_length=40, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="seekers", verbose_name=_("拠点"))
    registered_on = models.DateField(_("登録日"))
    registered_by = models.CharField(
        _("登録機関"), max_length=20, default=AgencyKind.HELLO_WORK,
        choices=[(AgencyKind.CITY, AgencyKind.CITY.label), (AgencyKind.HELLO_WORK, AgencyKind.HELLO_WORK.label)],
    )
    status = models.CharField(_("状況"), max_length=20, choices=SeekerStatus.choices, default=SeekerStatus.ACTIVE)
    name = models.CharField(_("氏名"), max_length=100, blank=True)
    name_kana = models.CharField(_("ふりがな"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("生年"), null=True, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8)
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("町名"))
    lat = models.FloatField(_("緯度"), null=True, blank=True)
    lng = models.FloatField(_("経度"), null=True, blank=True)

    desired_employment = models.CharField(
        _("希望雇用形態"), max_length=20, choices=EmploymentWish.choices, default=EmploymentWish.ANY
    )
    min_wage = models.PositiveIntegerField(_("希望賃金（下限）"), null=True, blank=True)
    wage_unit = models.CharField(_("賃金の単位"), max_length=10, choices=WageUnit.choices, default=WageUnit.MONTH)
    max_commute_km = models.FloatField(_("通勤距離の上限（km）"), null=True, blank=True)
    desired_hours = models.CharField(_("希望勤務時間"), max_length=100, blank=True)
    qualifications = models.JSONField(_("資格・免許"), default=list, blank=True)
    gap_years = models.PositiveSmallIntegerField(_("離職期間（年）"), null=True, blank=True)

    welfare_recipient = models.BooleanField(_("生活保護受給"), default=False)
    barriers = models.TextField(_("抱える課題"), blank=True)
    referred_by = models.CharField(_("紹介元"), max_length=20, choices=ReferredBy.choices, default=ReferredBy.SELF)
    referring_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="referred_seekers",
        verbose_name=_("紹介元機関"),
    )
    note = models.TextField(_("本人の希望・経歴メモ"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the retention period passed and the person's data was anonymised (kakehashi.retention): the
    # record stays for the figures, with what identified or described the person erased or made coarser.
    anonymised_on = models.DateField(_("匿名化日"), null=True, blank=True)
    # id, name, reading and phone as search compares them (``core.search``), kept on every save
    search_key = SearchKeyField(_("検索キー"), texts=("seeker_id", "name", "name_kana"), phone="phone")

    objects = ViewerManager.from_queryset(SeekerQuerySet)()

    # Out of work this long or longer counts as a long gap, for which trial employment (トライアル雇用) helps:
    # matching ranks trial postings up for such seekers, and job development looks for employers open to them.
    LONG_GAP_YEARS = 2

    class Meta:
        ordering = ["-registered_on", "seeker_id"]
        verbose_name = _("求職者")
        verbose_name_plural = _("求職者")
        indexes = [models.Index(fields=["site", "registered_on"]),
                   models.Index(fields=["site", "id"], name="seeker_site_cover")]  # "the seekers of a site"

    def __str__(self) -> str:
        return self.name or self.seeker_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        kwargs["update_fields"] = with_key(Seeker, kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def age_on(self, day: datetime.date) -> int | None:
        """None when unknown, and once anonymised: ``birth_year`` then holds only the decade."""
        return day.year - self.birth_year if self.birth_year and self.anonymised_on is None else None

    @property
    def has_long_gap(self) -> bool:
        return (self.gap_years or 0) >= self.LONG_GAP_YEARS

    def desired_occupation_codes(self) -> list[str]:
        return [d.occupation_id for d in self.desired_occupations.all()]


class DesiredOccupation(models.Model):
    """One desired occupation; rank 1 is the first choice."""

    seeker = models.ForeignKey(Seeker, on_delete=models.CASCADE, related_name="desired_occupations")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("希望職種"))
    rank = models.PositiveSmallIntegerField(_("順位"))

    class Meta:
        ordering = ["seeker", "rank"]
        constraints = [models.UniqueConstraint(fields=["seeker", "occupation"], name="desired_once")]
        verbose_name = _("希望職種")
        verbose_name_plural = _("希望職種")

    def __str__(self) -> str:
        return f"第{self.rank}希望 {self.occupation_id}"


class Experience(models.Model):
    """Years of experience in an occupation."""

    seeker = models.ForeignKey(Seeker, on_delete=models.CASCADE, related_name="experiences")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("職種"))
    years = models.FloatField(_("経験年数"))

    class Meta:
        ordering = ["seeker", "-years"]
        constraints = [models.UniqueConstraint(fields=["seeker", "occupation"], name="experience_once")]
        verbose_name = _("職歴")
        verbose_name_plural = _("職歴")

    def __str__(self) -> str:
        return f"{self.occupation_id} {years_label(self.years)}"


class ConsentQuerySet(ViewerQuerySet["Consent"]):
    def restrict(self, user: Staff) -> ConsentQuerySet:
        """A consent is part of its seeker's record; one given to a welfare office says the person deals with
        one, so only those who may know welfare status see it."""
        qs = self.filter(seeker__in=Seeker.objects.restrict(user))
        return qs if policy.sees_welfare(user) else qs.exclude(party=AgencyKind.WELFARE_OFFICE)

    def standing(self, on: datetime.date | None = None) -> ConsentQuerySet:
        day = on or today()
        return self.filter(given_on__lte=day).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))


class Consent(models.Model):
    """A seeker's consent that one party may see their record for a purpose, from a date until withdrawn."""

    seeker = models.ForeignKey(Seeker, on_delete=models.CASCADE, related_name="consents")
    party = models.CharField(_("共有先"), max_length=20, choices=AgencyKind.choices)
    purpose = models.CharField(_("目的"), max_length=30, choices=ConsentPurpose.choices, default=ConsentPurpose.SHARE)
    given_on = models.DateField(_("同意日"))
    withdrawn_on = models.DateField(_("撤回日"), null=True, blank=True)

    objects = ViewerManager.from_queryset(ConsentQuerySet)()

    class Meta:
        ordering = ["seeker", "party", "-given_on"]
        verbose_name = _("同意")
        verbose_name_plural = _("同意")

    def __str__(self) -> str:
        return f"{self.get_party_display()} / {self.get_purpose_display()}"

    @property
    def is_standing(self) -> bool:
        day = today()
        return self.given_on <= day and (self.withdrawn_on is None or self.withdrawn_on > day)


class ConsultationKind(models.TextChoices):
    LIFE = "life", _("生活相談")
    EMPLOYMENT = "employment", _("就労相談")
    JOB = "job", _("職業相談")


class ConsultationQuerySet(ViewerQuerySet["Consultation"]):
    def restrict(self, user: Staff) -> ConsultationQuerySet:
        """Notes follow the seeker's visibility; the Center never sees them; life consultations stay with the
        city and its welfare office."""
        if getattr(user, "is_administrator", False):
            return self.all()
        if not policy.sees_welfare(user):
            return self.none()
        qs = self.filter(seeker__in=Seeker.objects.restrict(user))
        if user.agency_kind == AgencyKind.HELLO_WORK:
            qs = qs.exclude(kind=ConsultationKind.LIFE)
        return qs


class Consultation(models.Model):
    """A consultation: the city's life and employment consultations, Hello Work's job consultations."""

    seeker = models.ForeignKey(Seeker, on_delete=models.CASCADE, related_name="consultations")
    held_on = models.DateField(_("相談日"))
    kind = models.CharField(_("種別"), max_length=20, choices=ConsultationKind.choices)
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("担当"))
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("機関"))
    notes = models.TextField(_("記録"), blank=True)

    objects = ViewerManager.from_queryset(ConsultationQuerySet)()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("相談")
        verbose_name_plural = _("相談")

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}"
