from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.core.forms import JapaneseDateField, ListField, NormalisingModelForm, PostalCodeField
from kakehashi.engine.text import reading
from kakehashi.reference.forms import CodeChoiceField

from .models import Consent, Consultation, Seeker

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def occupation_choice(label: "StrOrPromise", required: bool = False) -> CodeChoiceField:
    return CodeChoiceField("occupation", label=label, required=required)


class SeekerForm(NormalisingModelForm):
    """Intake and edit: the profile, the needs (up to three desired occupations) and up to two experiences."""

    registered_on = JapaneseDateField(label=_("登録日"))
    postal_code = PostalCodeField(label=_("郵便番号"))
    qualifications = ListField(label=_("資格・免許"), required=False,
                               help_text=_("複数あるときは「、」で区切ってください。"))
    desired_1 = occupation_choice(_("第1希望職種"), required=True)
    desired_2 = occupation_choice(_("第2希望職種"))
    desired_3 = occupation_choice(_("第3希望職種"))
    experience_1 = occupation_choice(_("経験職種1"))
    experience_1_years = forms.FloatField(label=_("経験年数1"), required=False, min_value=0, max_value=60)
    experience_2 = occupation_choice(_("経験職種2"))
    experience_2_years = forms.FloatField(label=_("経験年数2"), required=False, min_value=0, max_value=60)

    class Meta:
        model = Seeker
        fields = ["name", "name_kana", "site", "registered_on", "birth_year", "phone", "postal_code",
                  "desired_employment", "min_wage", "wage_unit", "max_commute_km", "desired_hours",
                  "qualifications", "gap_years", "welfare_recipient", "barriers", "referred_by", "note", "status"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3}), "barriers": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, hidden: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        """``hidden``: the fields the user may not see (``policy.hidden_by_viewer``), left out of the form."""
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        if self.instance.pk:
            desired = list(self.instance.desired_occupations.all())
            for i, d in enumerate(desired[:3], start=1):
                self.initial[f"desired_{i}"] = d.occupation_id
            for i, e in enumerate(list(self.instance.experiences.all())[:2], start=1):
                self.initial[f"experience_{i}"] = e.occupation_id
                self.initial[f"experience_{i}_years"] = e.years
            self.initial["qualifications"] = "、".join(self.instance.qualifications)
        for name in hidden & set(self.fields):
            del self.fields[name]

    def clean_name_kana(self) -> str:
        """Kana only, kept in katakana: 「みほん　さちこ」 and 「ﾐﾎﾝ ｻﾁｺ」 are stored as 「ミホン サチコ」."""
        try:
            return reading(self.cleaned_data.get("name_kana") or "")
        except ValueError:
            raise forms.ValidationError(
                _("ふりがなはひらがなかカタカナで入力してください（例：みほん さちこ）。")) from None

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and not 1900 <= year <= 2015:
            raise forms.ValidationError(_("生年は西暦4桁で入力してください（例：1972）。"))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        desired = [data.get(f"desired_{i}") for i in (1, 2, 3)]
        chosen = [d for d in desired if d]
        if len({d.pk for d in chosen}) != len(chosen):
            self.add_error("desired_2", _("同じ職種が重複しています。"))
        for i in (1, 2):
            occ, years = data.get(f"experience_{i}"), data.get(f"experience_{i}_years")
            if occ and years is None:
                self.add_error(f"experience_{i}_years", _("経験年数を入力してください。"))
            if years is not None and not occ:
                self.add_error(f"experience_{i}", _("経験職種を選んでください。"))
        if data.get("min_wage") is not None and data.get("wage_unit") == "hour" and data["min_wage"] > 10000:
            self.add_error("min_wage", _("時給としては高すぎます。月給なら単位を「月給」にしてください。"))
        return data

    def desired_codes(self) -> list[str]:
        return [d.pk for d in (self.cleaned_data.get(f"desired_{i}") for i in (1, 2, 3)) if d]

    def experiences(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for i in (1, 2):
            occ = self.cleaned_data.get(f"experience_{i}")
            if occ:
                out[occ.pk] = self.cleaned_data[f"experience_{i}_years"]
        return out


class ConsentForm(NormalisingModelForm):
    given_on = JapaneseDateField(label=_("同意日"))

    class Meta:
        model = Consent
        fields = ["party", "purpose", "given_on"]


class ConsultationForm(NormalisingModelForm):
    held_on = JapaneseDateField(label=_("相談日"))

    class Meta:
        model = Consultation
        fields = ["held_on", "kind", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
