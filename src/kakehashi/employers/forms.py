from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.core.forms import JapaneseDateField, NormalisingModelForm, PostalCodeField
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import Posting
from kakehashi.reference.forms import CodeChoiceField, CodeMultipleChoiceField
from kakehashi.seekers.models import Seeker

from .models import Employer, EmployerVisit


class EmployerForm(NormalisingModelForm):
    postal_code = PostalCodeField(label=_("郵便番号"))
    industry = CodeChoiceField("industry", label=_("産業（中分類）"))

    class Meta:
        model = Employer
        fields = ["employer_id", "name", "name_kana", "industry", "postal_code", "employees", "center_member",
                  "phone"]


class SeekerIdField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic over the seeker queryset
    """A seeker typed by ID (full-width accepted), found only among the seekers the user may see."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(nfkc(value).strip() if isinstance(value, str) else value)


class VisitForm(NormalisingModelForm):
    visited_on = JapaneseDateField(label=_("訪問日"))
    hiring_need_occupations = CodeMultipleChoiceField("occupation", required=False, label=_("求人ニーズの職種"))
    for_seeker = SeekerIdField(
        Seeker.objects.none(), to_field_name="seeker_id", required=False, widget=forms.TextInput(),
        label=_("個別求人開拓の対象者（求職者ID）"),
        error_messages={"invalid_choice": _("この求職者IDは見つからないか、閲覧する権限がありません。")})
    resulting_posting = forms.ModelChoiceField(
        Posting.objects.none(), required=False, label=_("この訪問で受理した求人"), empty_label=_("（なし）"))

    class Meta:
        model = EmployerVisit
        fields = ["visited_on", "method", "hiring_need_occupations", "hiring_need_openings", "hiring_timing",
                  "open_to_trial", "open_to_long_gap", "open_to_older", "for_seeker", "resulting_posting", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any = None, employer: Employer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only records the user may see can be named: a seeker by their visibility, a posting of this employer.
        if user is not None:
            self.fields["for_seeker"].queryset = Seeker.objects.visible_to(user)  # type: ignore[attr-defined]  # a ModelChoiceField; Form.fields types every field as Field
            postings = Posting.objects.visible_to(user)
            if employer is not None:
                postings = postings.filter(employer=employer)
            self.fields["resulting_posting"].queryset = postings  # type: ignore[attr-defined]  # a ModelChoiceField; Form.fields types every field as Field
