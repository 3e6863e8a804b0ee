"""Loading one record for a user: visible → the record; exists but not visible → AccessDenied (a 404 that
is audited); does not exist → a plain 404. Both 404s look the same to the user."""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

from kakehashi.audit.log import AccessDenied

M = TypeVar("M", bound=models.Model)


def get_visible(visible: "models.QuerySet[M]", purpose: str = "", **lookup: Any) -> M:
    try:
        found = visible.filter(**lookup).first()
        exists = found is not None or visible.model._default_manager.filter(**lookup).exists()
    except (ValueError, ValidationError):  # '?seeker=abc': no such record, not a server error
        raise Http404 from None
    if found is not None:
        return found
    if exists:
        raise AccessDenied(visible.model._meta.label, next(iter(lookup.values())), purpose)
    raise Http404
