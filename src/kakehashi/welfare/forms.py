from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Site
from kakehashi.core.forms import JapaneseDateField, NormalisingModelForm

from .models import BenefitChange, CaseOutcome, SupportPlan

NOTE_WIDGET = forms.Textarea(attrs={"rows": 3})
# What happened is recorded only as chosen: no answer stands selected before anyone chose it.
CHOOSE = ("", _("（選んでください）"))


class SupportRequestForm(forms.Form):
    site = forms.ModelChoiceField(Site.objects.all(), label=_("支援する窓口"), empty_label=None)
    requested_on = JapaneseDateField(label=_("要請日"))
    needs = forms.CharField(label=_("要請の内容・本人の状況"), widget=NOTE_WIDGET, required=False)
    consent_given_on = JapaneseDateField(label=_("同意日"),
                                         help_text=_("ハローワークと就労支援のための情報を共有することへの本人の同意日。"))
    consent_confirmed = forms.BooleanField(
        label=_("本人から、ハローワークとの情報共有について同意を得ました（同意書を受領）"),
        error_messages={"required": _("本人の同意を確認してください。同意がないと支援要請はできません。")})


class AcceptForm(forms.Form):
    accepted_on = JapaneseDateField(label=_("受付日"))


class PlanForm(NormalisingModelForm):
    class Meta:
        model = SupportPlan
        fields = ["goals", "steps", "visit_schedule", "visit_interval_days"]
        widgets = {"goals": NOTE_WIDGET, "steps": NOTE_WIDGET}


class VisitForm(forms.Form):
    on = JapaneseDateField(label=_("来所予定日"))
    attended = forms.TypedChoiceField(label=_("来所"), choices=[CHOOSE, ("1", _("来所した")), ("0", _("来所しなかった"))],
                                      coerce=lambda v: v == "1",
                                      error_messages={"required": _("来所したかどうかを選んでください。")})
    note = forms.CharField(label=_("支援の内容・様子"), widget=NOTE_WIDGET, required=False)


class CloseForm(forms.Form):
    closed_on = JapaneseDateField(label=_("終了日"))
    outcome = forms.ChoiceField(label=_("終了の結果"), choices=[CHOOSE, *CaseOutcome.choices],
                                error_messages={"required": _("終了の結果を選んでください。")})
    benefit_change = forms.ChoiceField(label=_("保護の状況"), choices=[CHOOSE, *BenefitChange.choices],
                                       error_messages={"required": _("保護の状況を選んでください。")})
    note = forms.CharField(label=_("終了時の記録"), widget=NOTE_WIDGET, required=False)
