"""Forms of the governance pages. They read and check what was typed; the changes are made by ``actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Agency, Site, Staff
from kakehashi.core.dates import fiscal_year_label
from kakehashi.core.forms import JapaneseDateField
from kakehashi.core.reading import said
from kakehashi.engine.text import nfkc, parse_int
from kakehashi.plans.periods import PeriodError, parse_fiscal_year

from .models import OPEN_STATUSES, Agreement, Decision, RequestStatus


class FiscalYearField(forms.CharField):
    """A fiscal year as people write it: 2026, 令和8年度, R8; stored as the Western year it starts in."""

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text or not nfkc(text):
            return None
        try:
            return parse_fiscal_year(text)
        except PeriodError as e:
            raise forms.ValidationError(str(e)) from None


def staff_choices() -> QuerySet[Staff]:
    return Staff.objects.filter(is_active=True, agency__isnull=False).select_related("agency").order_by(
        "agency__kind", "agency__code", "display_name", "username")


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # not subscriptable at runtime
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}（{obj.agency}）"


# --- agreements ---------------------------------------------------------------------------------------------

class AgreementForm(forms.Form):
    title = forms.CharField(label=_("協定名"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))
    signed_on = JapaneseDateField(label=_("締結日"))
    effective_on = JapaneseDateField(label=_("発効日"))
    ends_on = JapaneseDateField(label=_("終了日"), required=False, help_text=_("空欄は期限の定めなし"))
    parties = forms.ModelMultipleChoiceField(label=_("当事者"), queryset=Agency.objects.all(),
                                             widget=forms.CheckboxSelectMultiple)
    sites = forms.ModelMultipleChoiceField(label=_("対象拠点"), queryset=Site.objects.all(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    plan_fiscal_year = FiscalYearField(label=_("事業計画の年度"), required=False)
    notes = forms.CharField(label=_("備考"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The example as the reader writes a fiscal year: 令和8年度 / FY2026 (Reiwa 8); both are read back.
        self.fields["plan_fiscal_year"].help_text = (gettext("例：%(year)s。空欄は各年度の事業計画")
                                                     % {"year": fiscal_year_label(2026)})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ends_on") and data.get("effective_on") and data["ends_on"] < data["effective_on"]:
            self.add_error("ends_on", _("終了日が発効日より前になっています。"))
        return data

    @classmethod
    def initial_from(cls, agreement: Agreement) -> dict[str, Any]:
        return {"title": agreement.title, "signed_on": agreement.signed_on, "effective_on": agreement.effective_on,
                "ends_on": agreement.ends_on, "parties": list(agreement.parties.all()),
                "sites": list(agreement.sites.all()), "notes": agreement.notes,
                "plan_fiscal_year": str(agreement.plan_fiscal_year or "")}


class SignatoryForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("機関"), queryset=Agency.objects.all())
    title = forms.CharField(label=_("職名"), max_length=100)
    name = forms.CharField(label=_("氏名"), max_length=100, required=False)


class ClauseForm(forms.Form):
    number = forms.CharField(label=_("条"), max_length=4, widget=forms.TextInput(attrs={"size": 3}))
    heading = forms.CharField(label=_("見出し"), max_length=100, required=False)
    text = forms.CharField(label=_("本文"), widget=forms.Textarea(attrs={"rows": 3, "cols": 70}))

    def clean_number(self) -> int:
        try:
            number = parse_int(self.cleaned_data["number"].replace("第", "").replace("条", ""))
        except ValueError as e:
            raise forms.ValidationError(said(e)) from None
        if number < 1:
            raise forms.ValidationError(_("条番号は1以上で入力してください。"))
        return number


SignatoryFormSet = forms.formset_factory(SignatoryForm, extra=1, can_delete=True)
ClauseFormSet = forms.formset_factory(ClauseForm, extra=2, can_delete=True)


def filled(formset: forms.BaseFormSet[Any]) -> list[dict[str, Any]]:
    """The rows of a valid formset that were filled in and not marked for deletion."""
    return [f.cleaned_data for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]


# --- requests -----------------------------------------------------------------------------------------------

class RequestForm(forms.Form):
    agreement = forms.ModelChoiceField(label=_("協定"), queryset=Agreement.objects.none())
    to_agency = forms.ModelChoiceField(label=_("要望先"), queryset=Agency.objects.none())
    subject = forms.CharField(label=_("件名"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))
    body = forms.CharField(label=_("要望内容"), widget=forms.Textarea(attrs={"rows": 6, "cols": 70}))
    requested_on = JapaneseDateField(label=_("要望日"))
    due_on = JapaneseDateField(label=_("回答期限"))

    def __init__(self, *args: Any, user: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agreements = Agreement.objects.visible_to(user).prefetch_related("parties")
        self.fields["agreement"].queryset = agreements  # type: ignore[attr-defined]  # set per user
        parties = Agency.objects.filter(agreements__in=agreements).distinct()
        if user.agency_id is not None:
            parties = parties.exclude(pk=user.agency_id)
        self.fields["to_agency"].queryset = parties  # type: ignore[attr-defined]  # set per user
        if agreements.count() == 1:
            self.fields["agreement"].initial = agreements.first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("requested_on") and data.get("due_on") and data["due_on"] < data["requested_on"]:
            self.add_error("due_on", _("回答期限が要望日より前になっています。"))
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("回答"), required=False, widget=forms.Textarea(attrs={"rows": 5, "cols": 70}))
    on = JapaneseDateField(label=_("回答日"), required=False, help_text=_("空欄は今日"))


class CloseForm(forms.Form):
    on = JapaneseDateField(label=_("完了日"), required=False, help_text=_("空欄は今日"))


class RequestFilterForm(forms.Form):
    """The request log's filters; every field is optional."""

    status = forms.ChoiceField(label=_("状況"), required=False,
                               choices=[("", _("すべて")), ("open", _("未回答（受付・対応中）")),
                                        *RequestStatus.choices])
    to_agency = forms.ModelChoiceField(label=_("要望先"), queryset=Agency.objects.all(), required=False,
                                       empty_label=_("すべて"))
    from_agency = forms.ModelChoiceField(label=_("要望元"), queryset=Agency.objects.all(), required=False,
                                         empty_label=_("すべて"))
    overdue = forms.BooleanField(label=_("期限超過のみ"), required=False)

    def statuses(self) -> tuple[str, ...] | None:
        value = self.cleaned_data.get("status") if self.is_valid() else ""
        if value == "open":
            return tuple(OPEN_STATUSES)
        return (value,) if value else None


# --- council meetings ---------------------------------------------------------------------------------------

class MeetingForm(forms.Form):
    agreement = forms.ModelChoiceField(label=_("協定"), queryset=Agreement.objects.none())
    title = forms.CharField(label=_("会議名"), max_length=200, widget=forms.TextInput(attrs={"size": 50}),
                            help_text=_("例：令和8年度第2回運営協議会"))
    held_on = JapaneseDateField(label=_("開催日"))
    venue = forms.CharField(label=_("会場"), max_length=200, required=False)
    notes = forms.CharField(label=_("議事の概要"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, agreements: QuerySet[Agreement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements  # type: ignore[attr-defined]  # those the user manages
        if agreements.count() == 1:
            self.fields["agreement"].initial = agreements.first()


class AttendeeForm(forms.Form):
    staff = StaffChoiceField(label=_("職員"), queryset=Staff.objects.none(), required=False,
                             empty_label=_("（職員以外）"))
    name = forms.CharField(label=_("氏名"), max_length=100, required=False, help_text=_("職員以外の出席者"))
    agency = forms.ModelChoiceField(label=_("機関"), queryset=Agency.objects.all(), required=False)
    organisation = forms.CharField(label=_("所属（機関外）"), max_length=100, required=False)
    title = forms.CharField(label=_("職名"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_choices()  # type: ignore[attr-defined]  # evaluated per request

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("staff") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("出席者の職員を選ぶか、氏名を入力してください。"))
        return data


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("決定事項"), widget=forms.Textarea(attrs={"rows": 3, "cols": 70}))


class FollowUpForm(forms.Form):
    text = forms.CharField(label=_("対応事項"), widget=forms.Textarea(attrs={"rows": 2, "cols": 70}))
    owner = StaffChoiceField(label=_("担当者"), queryset=Staff.objects.none())
    due_on = JapaneseDateField(label=_("期限"))
    decision = forms.ModelChoiceField(label=_("関連する決定事項"), queryset=Decision.objects.none(),
                                      required=False)

    def __init__(self, *args: Any, meeting_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices()  # type: ignore[attr-defined]  # evaluated per request
        self.fields["decision"].queryset = Decision.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            meeting_id=meeting_id)


class FollowUpDoneForm(forms.Form):
    on = JapaneseDateField(label=_("完了日"), required=False, help_text=_("空欄は今日"))
    note = forms.CharField(label=_("完了報告"), required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("完了報告（任意）"), "size": 24}))
