"""The audit of what one request showed: one row per response that carried personal data, one per refusal.

A request opens a scope (``audit.middleware.AuditScopeMiddleware``). While the view runs, every record that
names a person and is loaded for the user (``accounts.viewing.present``) adds that person with ``shown``; a
view that shows people from a flat query (a matching panel) says so with ``shown`` itself. Refusals — a record
the user may not see (``core.access``), a capability they lack, a form naming a hidden record — add a
``Denial``. When the response is ready the scope is written: the refusals one row each, then, if the response
carried content (not a redirect, not an error), one row naming every person it showed with the ground on which
the user's party held each (``accounts.policy.basis_for``) and the page's purpose.

The rows are written after the view's own transactions have ended, so a refusal whose request rolled back is
still recorded. Outside a request (a command, a test calling a function) there is no scope and ``shown`` and
``denied`` do nothing: those callers write their own rows with ``audit.log.record``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from .log import SEEKER, record, record_denied
from .models import Action


@dataclass(frozen=True)
class Denial:
    model: str
    object_id: Any
    purpose: str
    detail: dict[str, Any]


@dataclass
class Scope:
    user: Any
    purpose: str
    export: bool = False
    persons: set[int] = field(default_factory=set)
    denials: list[Denial] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    # Which seekers the user may see, as decided during this request (``accounts.viewing``): each is asked of the
    # database once per request. Emptied whenever a record that decides it changes (``forget_decisions``).
    decided: dict[int, bool] = field(default_factory=dict)


_current: ContextVar[Scope | None] = ContextVar("kakehashi_audit_scope", default=None)


def current() -> Scope | None:
    return _current.get()


@contextmanager
def opened(user: Any, purpose: str, *, export: bool = False) -> Iterator[Scope]:
    s = Scope(user=user, purpose=purpose, export=export)
    token = _current.set(s)
    try:
        yield s
    finally:
        _current.reset(token)


def shown(seeker_ids: Iterable[int]) -> None:
    """The response will show these seekers' data."""
    s = _current.get()
    if s is not None:
        s.persons.update(seeker_ids)


def denied(model: str, object_id: Any = None, *, purpose: str = "", detail: dict[str, Any] | None = None) -> None:
    """The user was refused ``model`` ``object_id`` (or, without an id, a page or action)."""
    s = _current.get()
    if s is not None:
        s.denials.append(Denial(model, object_id, purpose or s.purpose, detail or {}))


def add_detail(**detail: Any) -> None:
    """Something about the request the audit row should keep (the search words a list was filtered by)."""
    s = _current.get()
    if s is not None:
        s.detail.update(detail)


def write(s: Scope, *, path: str, method: str, carried_content: bool, export: bool = False) -> None:
    """Write the scope's rows (see the module docstring); each in its own transaction."""
    from kakehashi.accounts.policy import basis_for

    for d in s.denials:
        with transaction.atomic():
            record_denied(s.user, d.model, [d.object_id] if d.object_id is not None else None,
                          purpose=d.purpose or path, detail={"method": method, "path": path, **d.detail},
                          subject=_stand_in(d.model, d.object_id))
    if carried_content and s.persons:
        persons = basis_for(s.user, s.persons)
        only = next(iter(persons)) if len(persons) == 1 else None
        with transaction.atomic():
            record(s.user, Action.EXPORT if (export or s.export) else Action.VIEW, SEEKER, sorted(persons),
                   purpose=s.purpose or path, detail={"path": path, **s.detail}, persons=persons,
                   subject=_stand_in(SEEKER, only))


def _stand_in(label: str, pk: Any) -> Any:
    """An unsaved instance carrying the label and pk ``record`` needs to name a record as the subject (a URL
    name, for a refused page, names none)."""
    from django.apps import apps

    if pk is None or "." not in label:
        return None
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    try:
        return model(pk=model._meta.pk.to_python(pk))
    except Exception:  # a malformed id in a URL or a form: the row keeps it in object_ids, without a subject
        return None


def decisions(user: Any) -> dict[int, bool] | None:
    """The request's memo of which seekers ``user`` may see; None outside a request or for another user."""
    s = _current.get()
    if s is None or getattr(s.user, "pk", None) is None or getattr(s.user, "pk", None) != getattr(user, "pk", None):
        return None
    return s.decided


def forget_decisions(**_signal: Any) -> None:
    """A record that decides who may see whom changed during the request: decide again from the database."""
    s = _current.get()
    if s is not None:
        s.decided.clear()
