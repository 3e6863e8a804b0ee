"""The code picker: a search box for occupation, industry and town codes in staff forms.

What it sends is what a select would (the field's name with each chosen code), so the views and the forms' rules
are those of ``ModelChoiceField`` and ``ModelMultipleChoiceField``. The choices already made are checkboxes (untick
one to drop it); the search box asks ``reference:codes`` as one types (``static/kakehashi/picker.js``). Without the
script, or when Enter is pressed before choosing, the words typed are read on the server (``pickers.resolve``): one
code is taken, several or none come back as a message that names them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _

from . import pickers

# The search box's own name: the field's name with this after it.
TYPED = "__typed"


class Unresolved(str):
    """Words typed in a picker that stand for no code or for several: the field refuses them with ``message``."""

    message: str

    def __new__(cls, typed: str, message: str) -> Unresolved:
        obj = super().__new__(cls, typed)
        obj.message = message
        return obj


def _unresolved(kind: pickers.Kind, typed: str, found: list[pickers.Choice]) -> Unresolved:
    noun = str(kind.noun)
    if not found:
        return Unresolved(typed, _("「%(typed)s」に当てはまる%(noun)sはありません。別の言葉か、コードで入力してください。")
                          % {"typed": typed, "noun": noun})
    named = "、".join(c.label for c in found[:5]) + ("…" if len(found) > 5 else "")
    return Unresolved(typed, _("「%(typed)s」に当てはまる%(noun)sが%(n)d件あります（%(named)s）。一覧から選ぶか、コードで入力して"
                               "ください。") % {"typed": typed, "noun": noun, "n": len(found), "named": named})


class CodePicker(forms.Widget):
    """A search box with the chosen codes above it; ``multiple``: any number of codes, else one."""

    template_name = "reference/code_picker.html"

    class Media:
        css = {"all": ["kakehashi/picker.css"]}
        js = ["kakehashi/picker.js"]

    def __init__(self, kind: str, *, multiple: bool = False, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = pickers.KINDS[kind]
        self.multiple = multiple

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multiple:
            chosen: list[Any] = list(data.getlist(name)) if hasattr(data, "getlist") else list(data.get(name) or [])
        else:
            chosen = [data.get(name)] if data.get(name) not in (None, "") else []
        typed = str(data.get(name + TYPED) or "").strip()
        if typed:
            found = pickers.resolve(self.kind, typed)
            picked: Any = found[0].code if len(found) == 1 else _unresolved(self.kind, typed, found)
            chosen = [*chosen, picked] if self.multiple else [picked]
        if self.multiple:
            return chosen
        return chosen[-1] if chosen else None

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        # Every box unticked sends nothing under the field's name; the search box is always sent.
        return name not in data and name + TYPED not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        values = value if isinstance(value, list | tuple) else [value]
        codes = [getattr(v, "pk", v) for v in values if v not in (None, "") and not isinstance(v, Unresolved)]
        known = pickers.labels(self.kind, codes)
        typed = next((str(v) for v in values if isinstance(v, Unresolved)), "")
        widget = context["widget"]
        widget.update({
            "chosen": [(str(c), known[str(c)]) for c in dict.fromkeys(codes) if str(c) in known],
            "typed": typed,
            "typed_name": name + TYPED,
            "url": f"{reverse('reference:codes')}?kind={self.kind.name}",
            "multiple": self.multiple,
            "noun": self.kind.noun,
        })
        return context

    def id_for_label(self, id_: str) -> str:
        return id_


class CodeChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic over the kind's model
    """One code, picked by searching (occupation, industry or town)."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", pickers.KINDS[kind].records())
        kwargs.setdefault("widget", CodePicker(kind))
        super().__init__(empty_label=None, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, Unresolved):
            raise forms.ValidationError(value.message, code="invalid_choice")
        return super().to_python(value)


class CodeMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # as above
    """Any number of codes, picked by searching."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", pickers.KINDS[kind].records())
        kwargs.setdefault("widget", CodePicker(kind, multiple=True))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        for v in value or []:
            if isinstance(v, Unresolved):
                raise forms.ValidationError(v.message, code="invalid_choice")
        return super().clean(value)


class CodeFilter(forms.Form):
    """A list's filter by one code, picked as the forms pick codes (a search box, never a list of hundreds of
    options): the code chosen, or the words typed, read as one code. Words that stand for no code or for several
    filter nothing and the field says why."""

    def __init__(self, data: Any, *, kind: str, name: str, label: Any) -> None:
        super().__init__(data)
        self.name = name
        self.fields[name] = CodeChoiceField(kind, required=False, label=label)

    @property
    def field(self) -> forms.BoundField:
        return self[self.name]

    @property
    def code(self) -> str:
        """The code to filter by, '' for none."""
        chosen = self.cleaned_data.get(self.name) if self.is_valid() else None
        return str(chosen.pk) if chosen is not None else ""
