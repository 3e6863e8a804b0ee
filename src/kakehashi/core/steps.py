"""One recorded step from a small form on a record's page: the form is checked, the action runs, and what
happened comes back as a message on the same page. Refused input changes nothing."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .errors import ActionError


def post_step(request: HttpRequest, form: forms.BaseForm, step: Callable[[dict[str, Any]], object], *,
              done: str, back: HttpResponse) -> HttpResponse:
    """Run ``step`` with the form's cleaned data; ``back`` is where the user returns either way."""
    if not form.is_valid():
        messages.error(request, _("記録できませんでした：") + " ".join(
            str(e) for errors in form.errors.values() for e in errors))
        return back
    try:
        step(form.cleaned_data)
    except ActionError as e:
        messages.error(request, _("記録できませんでした：") + str(e))
    else:
        messages.success(request, done)
    return back
