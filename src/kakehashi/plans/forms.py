"""Forms of the business plan pages. Numbers and years may be typed full-width; years in 和暦."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.core.forms import NormalisingModelForm
from kakehashi.core.reading import said
from kakehashi.engine.text import nfkc, parse_int

from .models import Indicator, Section
from .periods import PeriodError, parse_month

MAX_TARGET = 10_000_000


class CountField(forms.Field):
    """A count of people or postings: '１，２００' reads as 1200; empty means none."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "size": 10})

    def to_python(self, value: Any) -> int | None:
        text = nfkc(str(value or ""))
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError(_("数が長すぎます"))
        try:
            number = parse_int(text)
        except ValueError as e:
            raise forms.ValidationError(said(e)) from None
        if number < 0:
            raise forms.ValidationError(_("0以上の数を入力してください"))
        if number > MAX_TARGET:
            raise forms.ValidationError(_("大きすぎる数です"))
        return number


class TargetsForm(forms.Form):
    """One field per indicator: the year's target at the site."""

    def __init__(self, *args: Any, indicators: list[Indicator], initial_targets: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for ind in indicators:
            self.fields[f"target_{ind.key}"] = CountField(
                label=_("%(indicator)s（%(unit)s）") % {"indicator": ind.shown_label, "unit": ind.shown_unit.strip()},
                required=False, initial=initial_targets.get(ind.pk))

    def targets(self) -> dict[Indicator, int | None]:
        return {ind: self.cleaned_data[f"target_{ind.key}"] for ind in self.indicators}


class IndicatorForm(NormalisingModelForm):
    """An indicator of the installation's own."""

    class Meta:
        model = Indicator
        fields = ["key", "label", "unit", "section"]
        help_texts = {"key": _("半角の英小文字・数字・「_」「-」（例：trial_employments）")}

    def clean_key(self) -> str:
        return nfkc(self.cleaned_data["key"]).lower()

    def clean_section(self) -> str:
        return self.cleaned_data.get("section") or Section.OTHER


class ManualCountForm(forms.Form):
    """A month's count of a hand-counted indicator at the site."""

    indicator = forms.ModelChoiceField(queryset=Indicator.objects.filter(rule=""), label=_("指標"))
    month = forms.CharField(label=_("月"), max_length=20, help_text=_("例：2025-10、令和7年10月"))
    count = CountField(label=_("実績"), required=False)

    def __init__(self, *args: Any, fiscal_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fiscal_year = fiscal_year

    def clean_month(self) -> datetime.date:
        try:
            return parse_month(self.cleaned_data["month"], self.fiscal_year)
        except PeriodError as e:
            raise forms.ValidationError(str(e)) from None
