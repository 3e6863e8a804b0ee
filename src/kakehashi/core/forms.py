"""Form fields that accept what people type in Japanese offices."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.engine.calendar import DateFormatError, parse_date
from kakehashi.engine.text import nfkc, split_list
from kakehashi.reference.loaders import normalise_postal_code, postal_place


class JapaneseDateField(forms.DateField):
    """2025-04-01, 2025/4/1, 令和7年4月1日, R7.4.1 — full-width digits too."""

    widget = forms.DateInput(attrs={"placeholder": "2025-04-01 / 令和7年4月1日"})

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_date(str(value))
        except DateFormatError as e:
            raise forms.ValidationError(str(e), code="invalid") from None


class PostalCodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "713-8121", "size": 10}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        code = normalise_postal_code(value)
        if not code:
            raise forms.ValidationError(_("郵便番号は7桁の数字で入力してください（例：713-8121）。"))
        if postal_place(code) is None:
            raise forms.ValidationError(_("郵便番号「%(code)s」は存在しません。"), params={"code": code})
        return code


class ListField(forms.CharField):
    """'フォークリフト；介護職員初任者研修' → a list; ';', '、' and ',' all separate."""

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]  # a list, not a str, is the point
        text = super().clean(value) or ""
        text = nfkc(text).replace("、", ";").replace(",", ";")
        return split_list(text)


class NormalisingModelForm(forms.ModelForm):  # type: ignore[type-arg]  # generic over each concrete model
    """NFKC on every text input before validation, so full-width digits and letters are accepted."""

    def _clean_fields(self) -> None:
        if self.data and hasattr(self.data, "_mutable"):
            data = self.data.copy()
            for key in list(data.keys()):
                field = self.fields.get(key.removeprefix(f"{self.prefix}-") if self.prefix else key)
                if isinstance(field, (forms.IntegerField, forms.FloatField, forms.DecimalField)):
                    data[key] = nfkc(data.get(key, "")).replace(",", "")
            self.data = data
        super()._clean_fields()
