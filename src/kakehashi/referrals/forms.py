from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Agency
from kakehashi.core.forms import JapaneseDateField, NormalisingModelForm

from .models import REASONS_FOR, Milestone, Outcome, ReferralSettings, TrialOutcome

NOTE_WIDGET = forms.Textarea(attrs={"rows": 2})
# An outcome is recorded only as chosen: no answer stands selected before anyone chose it.
CHOOSE = ("", _("（選んでください）"))


def _reason_choices() -> list[tuple[Any, Any]]:
    groups: list[tuple[Any, Any]] = [("", _("（なし）"))]
    for outcome, reasons in REASONS_FOR.items():
        groups.append((Outcome(outcome).label, [(r.value, r.label) for r in reasons]))
    return groups


class ReferralForm(forms.Form):
    seeker_id = forms.CharField(label=_("求職者ID"), max_length=40)
    posting_id = forms.CharField(label=_("求人番号"), max_length=40)
    referred_on = JapaneseDateField(label=_("紹介日"))
    trial_employment = forms.BooleanField(label=_("トライアル雇用として紹介"), required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("結果"), choices=Outcome.choices)
    outcome_on = JapaneseDateField(label=_("結果日"), required=False)
    reason = forms.ChoiceField(label=_("理由（不採用・辞退・取消のとき）"), choices=_reason_choices, required=False)
    employer_note = forms.CharField(label=_("事業所からの評価・連絡"), required=False, widget=NOTE_WIDGET,
                                    help_text=_("福祉事務所とセンターには表示されません。"))


class InterviewForm(forms.Form):
    interview_on = JapaneseDateField(label=_("面接日"))
    note = forms.CharField(label=_("事業所からの連絡"), required=False, widget=NOTE_WIDGET)


class TrialStartForm(forms.Form):
    started_on = JapaneseDateField(label=_("トライアル開始日"))
    planned_end_on = JapaneseDateField(label=_("終了予定日"), required=False,
                                       help_text=_("空欄なら開始日から3か月（例：8月1日開始なら10月31日）。"))


class TrialEndForm(forms.Form):
    outcome = forms.ChoiceField(label=_("結果"), choices=[CHOOSE, *(c for c in TrialOutcome.choices
                                                                if c[0] != TrialOutcome.ONGOING)],
                                error_messages={"required": _("トライアル雇用の結果を選んでください。")})
    ended_on = JapaneseDateField(label=_("終了日・移行日"))
    note = forms.CharField(label=_("事業所からの評価・連絡"), required=False, widget=NOTE_WIDGET)


YES_NO = [("1", _("はい")), ("0", _("いいえ"))]


class FollowUpForm(forms.Form):
    milestone = forms.TypedChoiceField(label=_("時期"), choices=Milestone.choices, coerce=int)
    checked_on = JapaneseDateField(label=_("確認日"))
    still_employed = forms.TypedChoiceField(label=_("就労を継続している"), choices=[CHOOSE, *YES_NO],
                                            coerce=lambda v: v == "1",
                                            error_messages={"required": _("就労を継続しているかを選んでください。")})
    same_employer = forms.TypedChoiceField(label=_("同じ事業所で"), choices=[("", _("不明")), *YES_NO],
                                           coerce=lambda v: v == "1", empty_value=None, required=False)
    note = forms.CharField(label=_("メモ"), required=False, widget=NOTE_WIDGET)


class ContributorForm(forms.Form):
    agency = forms.ModelChoiceField(Agency.objects.all(), label=_("関与した機関"), empty_label=_("（選択してください）"))


class ReferralSettingsForm(NormalisingModelForm):
    class Meta:
        model = ReferralSettings
        fields = ["reminder_days", "expiry_days", "trial_notice_days"]
