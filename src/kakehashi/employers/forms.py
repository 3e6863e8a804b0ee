from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.core.forms import JapaneseDateField, NormalisingModelForm, PostalCodeField
from kakehashi.reference.models import Industry, Occupation

from .models import Employer, EmployerVisit


class EmployerForm(NormalisingModelForm):
    postal_code = PostalCodeField(label=_("郵便番号"))
    industry = forms.ModelChoiceField(Industry.objects.filter(level__lte=2), label=_("産業（中分類）"))

    class Meta:
        model = Employer
        fields = ["employer_id", "name", "name_kana", "industry", "postal_code", "employees", "center_member",
                  "phone"]


class VisitForm(NormalisingModelForm):
    visited_on = JapaneseDateField(label=_("訪問日"))
    hiring_need_occupations = forms.ModelMultipleChoiceField(
        Occupation.objects.all(), required=False, label=_("求人ニーズの職種"),
        widget=forms.SelectMultiple(attrs={"size": 6}))

    class Meta:
        model = EmployerVisit
        fields = ["visited_on", "method", "hiring_need_occupations", "hiring_need_openings", "hiring_timing",
                  "open_to_trial", "open_to_long_gap", "open_to_older", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
