"""How the policy is applied: records loaded for a user come out already cut to what that user may see.

``Model.objects.visible_to(user)`` (``ViewerQuerySet``) does two things. It keeps the rows the model's own
``restrict(user)`` allows, and it binds the queryset to the user, so that every record it loads is *presented*
(``present``): the fields ``policy.FIELDS`` hides from that user are emptied, and the persons the records name
are noted in the request's audit scope (``audit.scope``), which writes one audit row per response.

The binding travels with the records: related records reached from a presented one — through ``select_related``,
``prefetch_related``, a foreign key read later in a template (``referral.seeker``), or a reverse relation
(``seeker.consents.all``) — are restricted and presented for the same user. A template, a PDF, a spreadsheet or
a command that renders records loaded this way cannot show what the policy hides, and needs no ``{% if %}`` to
hide it.

A presented record that had fields emptied refuses to be saved (``PolicyError``): writing it back would erase
what the user was not shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Self, TypeVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.expressions import Combinable
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.db.models.query import ModelIterable
from django.db.models.signals import post_delete, post_save, pre_save

from kakehashi.audit import scope

from . import policy

M = TypeVar("M", bound=models.Model)


class PolicyError(RuntimeError):
    """A programming error: a record cut for one user was about to be written back."""


class ViewerQuerySet(models.QuerySet[M]):
    """A queryset that knows whom it loads records for (see the module docstring)."""

    _viewer: Any = None
    # Every row passed ``restrict(_viewer)``: a seeker loaded so is one the viewer may see (``_note_visible``).
    # Combining with another queryset by OR, or a set operation, could add rows that did not, and drops the mark.
    _restricted = False

    def restrict(self, user: Any) -> Self:
        """The rows ``user`` may see. Each model states its own rule; the default is every row, to any signed-in
        staff member."""
        return self.all() if policy.is_staff_member(user) else self.none()

    def visible_to(self, user: Any) -> Self:
        """The records ``user`` may see, presented for them as they load."""
        qs = self.restrict(user).for_viewer(user)
        qs._restricted = True
        return qs

    def for_viewer(self, user: Any) -> Self:
        qs: Self = self._chain()  # type: ignore[attr-defined]  # Django's private copy step, not in the stubs
        qs._viewer = user
        return qs

    def _clone(self) -> Self:
        c: Self = super()._clone()  # type: ignore[misc]  # the private copy step every chained call goes through
        c._viewer = self._viewer
        c._restricted = self._restricted
        return c

    def __or__(self, other: Any) -> Self:
        combined: Self = super().__or__(other)
        combined._restricted = False
        return combined

    def __xor__(self, other: Any) -> Self:
        combined: Self = super().__xor__(other)
        combined._restricted = False
        return combined

    def _combinator_query(self, *args: Any, **kwargs: Any) -> Self:
        combined: Self = super()._combinator_query(*args, **kwargs)  # type: ignore[misc]  # union and its kin
        combined._restricted = False
        return combined

    def values(self, *fields: str | Combinable, **expressions: Any) -> models.QuerySet[M, dict[str, Any]]:
        self._refuse_hidden(fields)
        return super().values(*fields, **expressions)

    def values_list(self, *fields: str | Combinable, flat: bool = False,
                    named: bool = False) -> models.QuerySet[M, Any]:
        self._refuse_hidden(fields)
        return super().values_list(*fields, flat=flat, named=named)

    def _refuse_hidden(self, fields: Iterable[str | Combinable]) -> None:
        """A flat read bypasses ``present``: asking one for a field the policy governs, on a queryset bound to a
        user, is refused (load the records instead, which are cut for the user)."""
        if self._viewer is None:
            return
        governed = policy.FIELDS.get(self.model._meta.label, {})
        asked = ({f.split("__", 1)[0] for f in fields if isinstance(f, str)}
                 or {f.name for f in self.model._meta.concrete_fields})
        clash = sorted(n for n in asked & set(governed) if not governed[n].viewer(self._viewer) or governed[n].person)
        if clash:
            raise PolicyError(f"{self.model._meta.label}: {clash} are governed by accounts.policy.FIELDS")

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._viewer is not None and self._iterable_class is ModelIterable and self._result_cache:
            if self._restricted:
                _note_visible(self._viewer, self.model, self._result_cache)
            present(self._viewer, self._result_cache)

    def iterator(self, chunk_size: int | None = None) -> Iterator[M]:
        rows = super().iterator(chunk_size) if chunk_size is not None else super().iterator()
        if self._viewer is None or self._iterable_class is not ModelIterable:
            yield from rows
            return
        batch: list[M] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= (chunk_size or 2000):
                present(self._viewer, batch)
                yield from batch
                batch = []
        present(self._viewer, batch)
        yield from batch


class ViewerManager(models.Manager[M]):
    """Binds querysets opened from a presented record to that record's user: a reverse relation
    (``seeker.consents``) and a foreign key read lazily (``referral.seeker``). A model declares it as
    ``objects = ViewerManager.from_queryset(SomeQuerySet)()``; ``install`` refuses a ``ViewerQuerySet`` behind any
    other manager, since its records' relations would not follow the user."""

    def get_queryset(self) -> models.QuerySet[M]:
        qs = super().get_queryset()
        origin = getattr(self, "instance", None) or getattr(self, "_hints", {}).get("instance")
        viewer = getattr(origin, "_viewer", None)
        if viewer is None or not isinstance(qs, ViewerQuerySet):
            return qs
        return qs.visible_to(viewer)


def _empty_value(f: Any) -> Any:
    if f.null or isinstance(f, models.BooleanField | models.ForeignKey):
        return None
    return ""


def _note_visible(viewer: Any, model: type[models.Model], rows: Iterable[models.Model]) -> None:
    """Seekers just loaded through ``restrict(viewer)`` are ones the viewer may see: note it for the request."""
    memo = scope.decisions(viewer)
    if memo is not None and model._meta.label == "seekers.Seeker":
        memo.update((int(row.pk), True) for row in rows)


def person_ids_visible(viewer: Any, ids: set[int]) -> set[int]:
    """Which of the seekers ``ids`` ``viewer`` may see (``Seeker.objects.restrict``), each asked of the database
    at most once per request."""
    if not ids:
        return set()
    seeker_model = apps.get_model("seekers", "Seeker")
    memo = scope.decisions(viewer)
    if memo is None:
        return set(seeker_model.objects.restrict(viewer).filter(pk__in=ids).values_list("pk", flat=True))
    if unknown := ids - memo.keys():
        found = set(seeker_model.objects.restrict(viewer).filter(pk__in=unknown).values_list("pk", flat=True))
        memo.update((pid, pid in found) for pid in unknown)
    return {pid for pid in ids if memo[pid]}


def _hide(instance: models.Model, names: Iterable[str]) -> None:
    meta = instance._meta
    for name in names:
        f = meta.get_field(name)
        setattr(instance, f.attname, _empty_value(f))  # type: ignore[union-attr]  # FIELDS names concrete fields
        if f.is_relation:
            instance._state.fields_cache.pop(name, None)


def present(viewer: Any, instances: Iterable[models.Model]) -> None:
    """Cut ``instances`` (and the related records loaded with them) to what ``viewer`` may see, and note the
    persons they name in the request's audit scope."""
    by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    stack = list(instances)
    while stack:
        instance = stack.pop()
        if getattr(instance, "_viewer", None) is viewer:
            continue
        instance._viewer = viewer  # type: ignore[attr-defined]  # the binding travels with the record
        by_model[type(instance)].append(instance)
        stack.extend(o for o in instance._state.fields_cache.values() if isinstance(o, models.Model))
        for cached in getattr(instance, "_prefetched_objects_cache", {}).values():
            stack.extend(o for o in cached if isinstance(o, models.Model))
    for model, batch in by_model.items():
        _present_batch(viewer, model, batch)


def _present_batch(viewer: Any, model: type[models.Model], batch: list[models.Model]) -> None:
    label = model._meta.label
    rules = policy.FIELDS.get(label, {})
    about: dict[str, set[int]] = {}
    for rule in {r for r in rules.values() if r.person}:
        wanted = {int(pid) for i in batch if (pid := getattr(i, rule.person, None)) is not None}
        about[rule.person] = person_ids_visible(viewer, wanted)
    for instance in batch:
        hidden = set()
        for name, rule in rules.items():
            if not rule.viewer(viewer):
                hidden.add(name)
            elif rule.person:
                pid = getattr(instance, rule.person, None)
                if pid is not None and int(pid) not in about[rule.person]:
                    hidden.add(name)
        if hidden:
            _hide(instance, hidden)
            instance._policy_hidden = frozenset(hidden) | getattr(  # type: ignore[attr-defined]  # a marker set on any model instance
                instance, "_policy_hidden", frozenset())
    path = policy.PERSON_OF.get(label)
    if path:
        scope.shown(int(pid) for i in batch if (pid := getattr(i, path, None)) is not None)


def refuse_writing_cut_records(sender: type[models.Model], instance: models.Model, update_fields: Any = None,
                               **kwargs: Any) -> None:
    """Connected to ``pre_save`` (see ``AccountsConfig.ready``): a guard against a programming error, not a rule
    of the domain."""
    hidden = getattr(instance, "_policy_hidden", None)
    if hidden and (update_fields is None or hidden & set(update_fields)):
        raise PolicyError(f"{sender._meta.label}: {sorted(hidden)} were hidden from the user who loaded it")


_PRESENTING: dict[type, type] = {}


def _presenting(descriptor_class: type) -> type:
    """A foreign-key descriptor that loads the related record for the user its owner was presented to."""
    if descriptor_class not in _PRESENTING:
        def get_queryset(self: Any, **hints: Any) -> Any:
            if getattr(hints.get("instance"), "_viewer", None) is None:
                return descriptor_class.get_queryset(self, **hints)  # type: ignore[attr-defined]  # a descriptor
            return self.field.remote_field.model._default_manager.db_manager(hints=hints).all()

        _PRESENTING[descriptor_class] = type(f"Presenting{descriptor_class.__name__}", (descriptor_class,),
                                             {"get_queryset": get_queryset})
    return _PRESENTING[descriptor_class]


def install() -> None:
    """Make foreign keys to records loaded through ``visible_to`` follow their owner's user, and guard against
    writing back a cut record. Called once, from ``AccountsConfig.ready``."""
    for model in apps.get_models():
        manager = model._default_manager
        if issubclass(getattr(manager, "_queryset_class", object), ViewerQuerySet) and not isinstance(manager, ViewerManager):
            raise ImproperlyConfigured(f"{model._meta.label}: declare objects = ViewerManager.from_queryset(...)()")
        for f in model._meta.get_fields():
            if not (f.many_to_one or f.one_to_one) or f.auto_created or f.related_model is None:
                continue
            descriptor = model.__dict__.get(f.name)
            target = f.related_model._default_manager
            if isinstance(descriptor, ForwardManyToOneDescriptor) and isinstance(target, ViewerManager):
                descriptor.__class__ = _presenting(type(descriptor))
    pre_save.connect(refuse_writing_cut_records, dispatch_uid="kakehashi.viewing.refuse_writing_cut_records")
    # What decides who may see a seeker (``Seeker.objects.restrict``): the seeker's own record and their consents.
    for label in ("seekers.Seeker", "seekers.Consent"):
        for signal in (post_save, post_delete):
            signal.connect(scope.forget_decisions, sender=apps.get_model(label),
                           dispatch_uid=f"kakehashi.viewing.forget_decisions.{label}.{id(signal)}")
