from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("確認コード"), max_length=32, strip=True,
        help_text=_("認証アプリに表示された6桁の数字。スマートフォンが手元にないときはリカバリーコード。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "size": 12,
                                      "spellcheck": "false", "autocapitalize": "off"}),
    )
