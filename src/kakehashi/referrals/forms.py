from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.core.forms import JapaneseDateField

from .models import Outcome


class ReferralForm(forms.Form):
    seeker_id = forms.CharField(label=_("求職者ID"), max_length=40)
    posting_id = forms.CharField(label=_("求人番号"), max_length=40)
    referred_on = JapaneseDateField(label=_("紹介日"))
    trial_employment = forms.BooleanField(label=_("トライアル雇用として紹介"), required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("結果"), choices=Outcome.choices)
    outcome_on = JapaneseDateField(label=_("結果日"), required=False)
