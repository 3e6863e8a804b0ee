"""Agencies, sites and staff: who works where, in which role. Installation data, never code."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_language(japanese: str, english: str) -> str:
    """Installation data as the reader's language shows it: the English the installation file gives, in English,
    where it gives one; the Japanese otherwise (a name without an English form stays as it is written)."""
    return english if english and (get_language() or "").startswith("en") else japanese


class AgencyKind(models.TextChoices):
    """The parties of the integrated operation. The kind, not the name, drives what a party may see."""

    CITY = "city", _("市")
    WELFARE_OFFICE = "welfare_office", _("福祉事務所")
    CENTER = "center", _("勤労者福祉サービスセンター")
    HELLO_WORK = "hello_work", _("ハローワーク")


class Agency(models.Model):
    """One party: the city, its welfare office, the Workers' Welfare Service Center, a Hello Work office."""

    code = models.SlugField(_("機関コード"), max_length=40, unique=True)
    name = models.CharField(_("機関名"), max_length=100)
    name_en = models.CharField(_("機関名（英語）"), max_length=100, blank=True)
    kind = models.CharField(_("種別"), max_length=20, choices=AgencyKind.choices)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("機関")
        verbose_name_plural = _("機関")

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name in the reader's language (``in_language``)."""
        return in_language(self.name, self.name_en)


class Site(models.Model):
    """A desk (拠点) where the parties work together, e.g. Work Plaza Tamashima."""

    code = models.SlugField(_("拠点コード"), max_length=40, unique=True)
    name = models.CharField(_("拠点名"), max_length=100)
    name_en = models.CharField(_("拠点名（英語）"), max_length=100, blank=True)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    opened_on = models.DateField(_("開設日"), null=True, blank=True)
    lat = models.FloatField(_("緯度"), null=True, blank=True)
    lng = models.FloatField(_("経度"), null=True, blank=True)
    programme = models.CharField(_("事業"), max_length=200, blank=True)
    programme_en = models.CharField(_("事業（英語）"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("拠点")
        verbose_name_plural = _("拠点")

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name in the reader's language (``in_language``)."""
        return in_language(self.name, self.name_en)

    @property
    def shown_programme(self) -> str:
        """The programme in the reader's language (``in_language``)."""
        return in_language(self.programme, self.programme_en)


class SiteResource(models.Model):
    """A line of a site's staffing or equipment, as the council report lists it (職業相談員 4名, 端末 8台)."""

    class Category(models.TextChoices):
        STAFFING = "staffing", _("人員")
        EQUIPMENT = "equipment", _("設備")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="resources")
    category = models.CharField(_("区分"), max_length=20, choices=Category.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT)
    label = models.CharField(_("名称"), max_length=100)
    label_en = models.CharField(_("名称（英語）"), max_length=100, blank=True)
    count = models.PositiveIntegerField(_("数"))
    unit = models.CharField(_("単位"), max_length=10, default="名")
    unit_en = models.CharField(_("単位（英語）"), max_length=20, blank=True)

    class Meta:
        ordering = ["site", "category", "id"]
        verbose_name = _("拠点の人員・設備")
        verbose_name_plural = _("拠点の人員・設備")

    def __str__(self) -> str:
        return f"{self.shown_label} {self.count}{self.shown_unit}"

    @property
    def shown_label(self) -> str:
        """The line's name in the reader's language (``in_language``)."""
        return in_language(self.label, self.label_en)

    @property
    def shown_unit(self) -> str:
        """The unit as written after the count: 「名」, or " staff" with its space in English."""
        return in_language(self.unit, f" {self.unit_en}" if self.unit_en else "")


class Role(models.TextChoices):
    JOB_COUNSELOR = "job_counselor", _("職業相談員")
    NAVIGATOR = "navigator", _("就職支援ナビゲーター")
    LIFE_COUNSELOR = "life_counselor", _("住居・生活支援相談員")
    DISTRICT_PROMOTER = "district_promoter", _("地区担当推進員")
    CASEWORKER = "caseworker", _("ケースワーカー")
    MANAGER = "manager", _("管理者")
    ADMINISTRATOR = "administrator", _("システム管理者")


class Staff(AbstractUser):
    """A user of the staff UI: belongs to one agency, usually works at one site, has one role."""

    display_name = models.CharField(_("氏名"), max_length=100, blank=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("役割"), max_length=30, choices=Role.choices, default=Role.JOB_COUNSELOR)

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def agency_kind(self) -> str:
        return self.agency.kind if self.agency else ""

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER


# How long a seeker's personal data is kept after their last activity when the installation file does not say
# (docs/retention.md); each city sets the period its own document rules give for these records.
DEFAULT_RETENTION_YEARS = 5


class InstallationSettings(models.Model):
    """What an installation sets for itself in its file beyond its parties and desks; one row (id 1), written by
    ``installation.load_installation``. A database without the row uses the defaults (``current``).

    ``retention_years``: a seeker's personal data is anonymised this many years after their last activity
    (``kakehashi retention apply``). ``municipalities``: the municipalities the installation serves, its own
    first; their towns' areas are the areas lists and boards offer. ``welfare_desk``: whether the installation
    runs the welfare desk (support requests from welfare offices, the ``welfare`` app); an installation whose
    desks serve other people (young people, say) leaves it off and its menu does not offer the desk."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    retention_years = models.PositiveSmallIntegerField(_("個人データの保存期間（最後の記録からの年数）"),
                                                       default=DEFAULT_RETENTION_YEARS)
    municipalities = models.JSONField(_("市区町村"), default=list, blank=True)
    welfare_desk = models.BooleanField(_("福祉窓口（生活保護受給者等の就労支援）"), default=True)

    class Meta:
        verbose_name = _("設置自治体の設定")
        verbose_name_plural = _("設置自治体の設定")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="installation_settings_is_one_row"),
            models.CheckConstraint(condition=models.Q(retention_years__gte=1), name="retention_at_least_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.retention_years}"

    @classmethod
    def current(cls) -> "InstallationSettings":
        return cls.objects.filter(pk=1).first() or cls()

    @property
    def place_name(self) -> str:
        """The installation's own municipality as titles show it (倉敷市), '' before a file is loaded."""
        return str(self.municipalities[0]) if self.municipalities else ""
