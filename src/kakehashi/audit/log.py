"""Writing audit rows. Call these from the action or view that reads or changes records.

``record`` writes in the caller's transaction, so a change and its audit row commit or roll back together;
outside one it is a transaction of its own. Each row is sealed into the audit chain (``chain``).
``record_denied`` is called after the request's work has been rolled back (see ``middleware``), outside any
transaction, so nothing can erase it.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import translation

from . import chain
from .models import Action, AuditEvent


def _ids(objects: Iterable[Any] | models.Model | None) -> list[str]:
    if objects is None:
        return []
    if isinstance(objects, models.Model):
        objects = [objects]
    return [str(o.pk if isinstance(o, models.Model) else o) for o in objects]


def _in_japanese(text: str) -> str:
    """The log is read by auditors in Japanese whatever language the user chose: lazy strings are rendered
    in the installation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def subject_of(instance: models.Model) -> str:
    return f"{instance._meta.label}:{instance.pk}"


SEEKER = "seekers.Seeker"


def _persons_named(label: str, objects: Any, subject: models.Model | None) -> dict[int, str]:
    """The seekers an event names without saying so: its subject, or its objects when they are seekers."""
    found: dict[int, str] = {}
    if subject is not None and subject._meta.label == SEEKER:
        found[int(subject.pk)] = ""
    if label == SEEKER:
        found.update({int(pk): "" for pk in _ids(objects) if pk.isdigit()})
    return found


def _storable(value: Any) -> Any:
    """``value`` with every NUL in its texts replaced by U+FFFD: PostgreSQL's JSON cannot hold NUL, and a detail
    may carry what a request sent (a query's names and values), which can be anything."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def record(user: Any, action: str, model: str | type[models.Model], objects: Any = None, *,
           purpose: str = "", detail: dict[str, Any] | None = None,
           subject: models.Model | None = None, persons: Mapping[int, str] | None = None) -> AuditEvent:
    """Write one audit row for ``user`` doing ``action`` on ``objects`` of ``model``.

    ``subject`` is the record whose trail the event belongs to; a single instance is its own subject.
    ``persons`` maps the pk of each seeker whose data the event showed or changed to the ground the acting
    party held it on (see ``AuditPerson``); seekers named as the subject or the objects are added to it."""
    label = model if isinstance(model, str) else model._meta.label
    if subject is None and isinstance(objects, models.Model):
        subject = objects
    authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
    agency = getattr(user, "agency", None) if authenticated else None
    named = _persons_named(label, objects, subject)
    named.update(persons or {})
    event = AuditEvent(
        staff=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        agency=agency.code if agency else "",
        role=str(getattr(user, "role", "")) if authenticated else "",
        action=str(action),
        model=label,
        object_ids=_ids(objects),
        purpose=_in_japanese(purpose)[:200],
        # As the database gives it back (tuples as lists, keys as strings): the chain seals what is stored.
        detail=_storable(json.loads(json.dumps(detail or {}))),
        subject=subject_of(subject) if subject is not None else "",
    )
    chain.append(event, sorted(named.items()))
    return event


def record_denied(user: Any, model: str, objects: Any = None, *, purpose: str = "",
                  detail: dict[str, Any] | None = None, subject: models.Model | None = None) -> AuditEvent:
    return record(user, Action.DENIED, model, objects, purpose=purpose, detail=detail, subject=subject)


class Refused(PermissionDenied):
    """Raised where a user may see a record but may not make the change they asked for (403). The audit
    middleware records it with the record it was about."""

    def __init__(self, model: str, object_id: Any = None, purpose: str = "") -> None:
        super().__init__(f"{model} {object_id}")
        self.model = model
        self.object_id = object_id
        self.purpose = purpose


class AccessDenied(Exception):
    """Raised where a user asks for a record they may not see. The middleware turns it into a 404 that says
    nothing about the record, and records the attempt once the request's own transaction is gone."""

    def __init__(self, model: str, object_id: Any, purpose: str = "") -> None:
        super().__init__(f"{model} {object_id}")
        self.model = model
        self.object_id = object_id
        self.purpose = purpose
