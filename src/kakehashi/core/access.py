"""Loading one record for a user: visible → the record; exists but not visible → refused and audited; does not
exist → not found. A refusal and a missing record look the same to the user."""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

from kakehashi.audit import scope
from kakehashi.audit.log import AccessDenied

M = TypeVar("M", bound=models.Model)


def _lookup(visible: "models.QuerySet[M]", lookup: dict[str, Any]) -> tuple[M | None, bool]:
    found = visible.filter(**lookup).first()
    exists = found is not None or visible.model._default_manager.filter(**lookup).exists()
    return found, exists


def get_visible(visible: "models.QuerySet[M]", purpose: str = "", **lookup: Any) -> M:
    """The record ``lookup`` names among ``visible``; a 404 (audited when the record exists) otherwise."""
    try:
        found, exists = _lookup(visible, lookup)
    except (ValueError, ValidationError):  # '?seeker=abc': no such record, not a server error
        raise Http404 from None
    if found is not None:
        return found
    if exists:
        raise AccessDenied(visible.model._meta.label, next(iter(lookup.values())), purpose)
    raise Http404


def find_visible(visible: "models.QuerySet[M]", purpose: str = "", **lookup: Any) -> M | None:
    """For a form that names a record by its id: the record, or None — audited as refused when it exists but the
    user may not see it (the form then says "not found or not allowed", the same for both)."""
    try:
        found, exists = _lookup(visible, lookup)
    except (ValueError, ValidationError):
        return None
    if found is None and exists:
        scope.denied(visible.model._meta.label, next(iter(lookup.values())), purpose=purpose)
    return found
