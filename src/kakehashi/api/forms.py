"""The administrator's form for a new integration. It reads what was typed; ``actions`` makes the change."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Agency
from kakehashi.accounts.policy import SCOPES

from .actions import MAX_REQUESTS_PER_MINUTE
from .models import DEFAULT_REQUESTS_PER_MINUTE


class IntegrationForm(forms.Form):
    name = forms.CharField(label=_("連携名"), max_length=60,
                           help_text=_("半角の英小文字・数字・「-」「_」（例：welfare-case-system）。監査ログに api:連携名 と記録されます。"))
    description = forms.CharField(label=_("説明"), max_length=200, required=False)
    agency = forms.ModelChoiceField(label=_("機関"), queryset=Agency.objects.all(),
                                    help_text=_("連携はこの機関の職員と同じ記録・項目だけを見ます。"))
    scopes = forms.MultipleChoiceField(label=_("スコープ"), widget=forms.CheckboxSelectMultiple,
                                       choices=[(key, format_lazy("{}（{}）", key, _(s.label))) for key, s in SCOPES.items()])
    requests_per_minute = forms.IntegerField(label=_("1分あたりの上限"), min_value=1,
                                             max_value=MAX_REQUESTS_PER_MINUTE, initial=DEFAULT_REQUESTS_PER_MINUTE)
