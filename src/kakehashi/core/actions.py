"""Saving one record with its audit row: the shared step under the apps' own actions."""

from collections.abc import Callable
from typing import TypeVar

from django.db import models, transaction

from kakehashi.audit.log import record
from kakehashi.audit.models import Action

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def do_save_record(instance: M, *, acting_user: object, purpose: str, changed: list[str] | None = None,
                   subject: models.Model | None = None, save_m2m: Callable[[], None] | None = None) -> M:
    """Create or update ``instance`` (and its many-to-many fields, through a form's ``save_m2m``) and audit it
    in the same transaction."""
    creating = instance._state.adding
    instance.save()
    if save_m2m is not None:
        save_m2m()
    record(acting_user, Action.CREATE if creating else Action.UPDATE, type(instance), instance,
           purpose=purpose, detail={"fields": changed or []}, subject=subject)
    return instance
