"""Form fields that accept what people type in Japanese offices."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.engine.calendar import DateFormatError, parse_date
from kakehashi.engine.text import nfkc, split_list
from kakehashi.reference.loaders import normalise_postal_code, postal_place

from .reading import said


class JapaneseDateField(forms.DateField):
    """2025-04-01, 2025/4/1, 令和7年4月1日, R7.4.1 — full-width digits too."""

    widget = forms.DateInput(attrs={"placeholder": _("2025-04-01 / 令和7年4月1日")})

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_date(str(value))
        except DateFormatError as e:
            raise forms.ValidationError(said(e), code="invalid") from None


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

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        text = nfkc(text).replace("、", ";").replace(",", ";")
        return split_list(text)


class NormalisingModelForm(forms.ModelForm):  # type: ignore[type-arg]  # generic over each concrete model
    """Numbers typed with full-width digits or thousands separators ('１８０，０００') are read as numbers."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        if data is not None:
            numeric = (forms.IntegerField, forms.FloatField, forms.DecimalField)
            copy = data.copy()
            for name, field in self.fields.items():
                key = self.add_prefix(name)
                if isinstance(field, numeric) and isinstance(copy.get(key), str):
                    copy[key] = nfkc(copy[key]).replace(",", "")
            self.data = copy
