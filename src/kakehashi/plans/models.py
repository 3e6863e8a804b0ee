"""Business plans (事業計画): indicators and their numeric targets per site and fiscal year."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Site, in_language


class Section(models.TextChoices):
    """The rows of the council report's table group indicators by what the desk does."""

    PLACEMENT = "placement", _("求職者への職業紹介")
    DEVELOPMENT = "development", _("求人開拓")
    OTHER = "other", _("その他")


class Indicator(models.Model):
    """An indicator the installation tracks. The four of INTERCHANGE.md are built in; others can be added,
    counted by hand (``rule`` empty, monthly figures in ``ManualCount``) until a counting rule exists for them."""

    key = models.SlugField(_("指標キー"), max_length=40, unique=True)
    label = models.CharField(_("指標名"), max_length=100)
    label_en = models.CharField(_("指標名（英語）"), max_length=100, blank=True)
    unit = models.CharField(_("単位"), max_length=10)
    unit_en = models.CharField(_("単位（英語）"), max_length=20, blank=True)
    rule = models.CharField(_("集計方法"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("表示順"), default=100)
    section = models.CharField(_("区分"), max_length=20, choices=Section.choices, default=Section.OTHER)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("指標")
        verbose_name_plural = _("指標")

    def __str__(self) -> str:
        return self.shown_label

    @property
    def shown_label(self) -> str:
        """The indicator's name in the reader's language (``accounts.models.in_language``)."""
        return in_language(self.label, self.label_en)

    @property
    def shown_unit(self) -> str:
        """The unit as written after a figure: 「人」, or " people" with its space in English."""
        return in_language(self.unit, f" {self.unit_en}" if self.unit_en else "")


class Target(models.Model):
    """The numeric target of one indicator at one site for one fiscal year (the Western year it starts in)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="targets", verbose_name=_("拠点"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, verbose_name=_("指標"))
    target = models.PositiveIntegerField(_("目標値"))

    class Meta:
        ordering = ["site", "-fiscal_year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["site", "fiscal_year", "indicator"], name="one_target_per_indicator")
        ]
        verbose_name = _("数値目標")
        verbose_name_plural = _("数値目標")

    def __str__(self) -> str:
        return f"{self.site} {self.fiscal_year} {self.indicator}: {self.target}"


class ManualCount(models.Model):
    """The count of a hand-counted indicator (one without a counting rule) at one site in one month."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="manual_counts", verbose_name=_("拠点"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, verbose_name=_("指標"))
    month = models.DateField(_("月"), help_text=_("その月の1日"))
    count = models.PositiveIntegerField(_("実績"))

    class Meta:
        ordering = ["site", "indicator", "month"]
        constraints = [
            models.UniqueConstraint(fields=["site", "indicator", "month"], name="one_manual_count_per_month")
        ]
        verbose_name = _("手入力の実績")
        verbose_name_plural = _("手入力の実績")

    def __str__(self) -> str:
        return f"{self.site} {self.indicator} {self.month:%Y-%m}: {self.count}"
