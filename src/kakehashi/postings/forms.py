from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.core.forms import JapaneseDateField, ListField, NormalisingModelForm, PostalCodeField
from kakehashi.employers.models import Source
from kakehashi.reference.forms import CodeChoiceField

from .models import Posting


class PostingForm(NormalisingModelForm):
    received_on = JapaneseDateField(label=_("受理日"))
    closes_on = JapaneseDateField(label=_("紹介期限"), required=False)
    postal_code = PostalCodeField(label=_("就業場所の郵便番号"))
    occupation = CodeChoiceField("occupation", label=_("職種"))
    required_qualifications = ListField(label=_("必要な資格"), required=False,
                                        help_text=_("複数あるときは「、」で区切ってください。"))

    class Meta:
        model = Posting
        fields = ["posting_id", "employer", "site", "received_on", "closes_on", "occupation", "title", "openings",
                  "employment", "wage_min", "wage_max", "wage_unit", "hours", "postal_code",
                  "required_qualifications", "experience_required", "trial_employment_ok", "developed",
                  "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["required_qualifications"] = "、".join(self.instance.required_qualifications)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("openings") is not None and data["openings"] < 1:
            self.add_error("openings", _("求人数は1以上で入力してください。"))
        lo, hi = data.get("wage_min"), data.get("wage_max")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("wage_max", _("賃金の上限が下限より低くなっています。"))
        if data.get("developed") and self.instance.source == Source.FEED:
            self.add_error("developed", _("ハローワーク求人情報から取り込んだ求人は開拓求人にできません。"))
        received, closes = data.get("received_on"), data.get("closes_on")
        if received and closes and closes < received:
            self.add_error("closes_on", _("紹介期限が受理日より前になっています。"))
        return data
