"""Forms of job development: a contact with an employer, and the posting a contact produced."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts import installation
from kakehashi.accounts.models import Staff
from kakehashi.core.access import find_visible
from kakehashi.core.forms import JapaneseDateField
from kakehashi.employers.models import Employer, EmployerVisit, Source, VisitMethod
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import Posting
from kakehashi.reference.forms import CodeChoiceField, CodeMultipleChoiceField
from kakehashi.seekers.models import Seeker

from .actions import ContactInput
from .models import ContactOutcome

YES_NO = [("", _("不明")), ("true", _("はい")), ("false", _("いいえ"))]


def _flag(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


def areas() -> list[tuple[str, str]]:
    """The installation's areas to choose from, and no area."""
    return [("", str(_("指定なし")))] + [(a, a) for a in installation.areas()]


class ContactForm(forms.Form):
    """A visit or call to one employer for job development: what it was for, what was heard, how it ended."""

    visited_on = JapaneseDateField(label=_("訪問・連絡の日"))
    method = forms.ChoiceField(label=_("方法"), choices=VisitMethod.choices)
    outcome = forms.ChoiceField(label=_("結果"), choices=ContactOutcome.choices)
    occupation = CodeChoiceField("occupation", required=False, label=_("開拓する職種"))
    area = forms.ChoiceField(label=_("対象の地区"), required=False, choices=())
    seeker_id = forms.CharField(label=_("個別求人開拓の対象者（求職者ID）"), required=False, max_length=40,
                                help_text=_("特定の求職者のための開拓のときだけ入力します。"))
    follows = forms.ModelChoiceField(EmployerVisit.objects.none(), required=False,
                                     label=_("対応した求人ニーズ（この事業所の訪問記録）"))
    hiring_need_occupations = CodeMultipleChoiceField("occupation", required=False, label=_("聴取した求人ニーズの職種"))
    hiring_need_openings = forms.IntegerField(label=_("求人ニーズの人数"), required=False, min_value=0)
    hiring_timing = forms.CharField(label=_("採用時期"), required=False, max_length=100)
    open_to_trial = forms.ChoiceField(label=_("トライアル雇用可"), choices=YES_NO, required=False)
    open_to_long_gap = forms.ChoiceField(label=_("ブランクのある方可"), choices=YES_NO, required=False)
    open_to_older = forms.ChoiceField(label=_("中高年可"), choices=YES_NO, required=False)
    posting = forms.ModelChoiceField(Posting.objects.none(), required=False, label=_("受理した求人"),
                                     help_text=_("この連絡から受理した求人。開拓求人として集計されます。"))
    note = forms.CharField(label=_("記録"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, employer: Employer, user: Staff, may_link: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area"].choices = areas()  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["follows"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField; Form.fields types every field as Field
            EmployerVisit.objects.visible_to(user).filter(employer=employer, hiring_need_occupations__isnull=False)
            .distinct().order_by("-visited_on"))
        if may_link:
            self.fields["posting"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField; Form.fields types every field as Field
                Posting.objects.visible_to(user).filter(employer=employer, source=Source.LOCAL).order_by("-received_on"))
        else:
            del self.fields["posting"]
        self.seeker: Seeker | None = None

    def clean_seeker_id(self) -> str:
        value = nfkc(self.cleaned_data.get("seeker_id") or "")
        if value:
            # Only a seeker this user may see can be named; an unknown and a hidden one read the same.
            self.seeker = find_visible(Seeker.objects.visible_to(self.user), seeker_id=value)
            if self.seeker is None:
                raise forms.ValidationError(_("求職者ID「%(id)s」の求職者は見つかりません。"), params={"id": value})
        return value

    def contact_input(self) -> ContactInput:
        d = self.cleaned_data
        return ContactInput(
            visited_on=d["visited_on"], method=d["method"], outcome=d["outcome"], occupation=d.get("occupation"),
            area=d.get("area") or "", for_seeker=self.seeker, follows=d.get("follows"),
            hiring_need_occupations=list(d.get("hiring_need_occupations") or []),
            hiring_need_openings=d.get("hiring_need_openings"), hiring_timing=d.get("hiring_timing") or "",
            open_to_trial=_flag(d.get("open_to_trial") or ""), open_to_long_gap=_flag(d.get("open_to_long_gap") or ""),
            open_to_older=_flag(d.get("open_to_older") or ""), note=d.get("note") or "",
        )


class LinkPostingForm(forms.Form):
    posting = forms.ModelChoiceField(Posting.objects.none(), label=_("受理した求人"))

    def __init__(self, *args: Any, visit: EmployerVisit, user: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["posting"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField; Form.fields types every field as Field
            Posting.objects.visible_to(user).filter(employer=visit.employer, received_on__gte=visit.visited_on,
                                                    source=Source.LOCAL)
            .order_by("-received_on"))
