"""Finding people and employers by what a desk types: a name in any kana or spacing, a phone number, an id.

The folding is ``engine.text`` (one place for both sides); this module keeps the folded key on the record and turns
a query into a condition on it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, migrations, models, transaction
from django.db.models import Q
from django.db.models.lookups import Contains

from kakehashi.engine.text import nfkc, search_key, search_needles

logger = logging.getLogger(__name__)


class SearchKeyField(models.CharField):  # type: ignore[type-arg]  # a CharField holding str, like its parent
    """The record's texts (name, reading) folded and its phone's digits (``engine.text.search_key``), set from the
    record's own fields whenever Django writes the row: ``save()`` and ``bulk_create`` (``pre_save``). A path that
    writes the source fields in SQL of its own (``QuerySet.update``, ``interchange.writing``) sets the key itself;
    ``save(update_fields=…)`` naming a source field needs ``with_key``."""

    def __init__(self, *args: Any, texts: tuple[str, ...] = (), phone: str = "", **kwargs: Any) -> None:
        self.texts = tuple(texts)
        self.phone = phone
        kwargs.setdefault("max_length", 600)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["texts"] = self.texts
        kwargs["phone"] = self.phone
        return name, path, args, kwargs

    def key_of(self, instance: models.Model) -> str:
        return search_key(*(getattr(instance, t) or "" for t in self.texts),
                          phone=getattr(instance, self.phone) or "" if self.phone else "")[:self.max_length or None]

    def key_of_values(self, values: dict[str, Any]) -> str:
        """The key of a row given as field values (an import's row)."""
        return search_key(*(values.get(t) or "" for t in self.texts),
                          phone=values.get(self.phone) or "" if self.phone else "")[:self.max_length or None]

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.key_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value

    def sources(self) -> set[str]:
        return {*self.texts, *([self.phone] if self.phone else [])}


@SearchKeyField.register_lookup
class KeyContains(Contains):
    """``search_key__contains``: on SQLite ``instr``, since the key is folded already and SQLite's LIKE would fold
    letters and look for escapes again on every row; elsewhere ``LIKE '%…%'``, which PostgreSQL's trigram index
    answers."""

    def as_sqlite(self, compiler: Any, connection: Any) -> Any:
        if not isinstance(self.rhs, str):
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"instr({lhs}, %s) > 0", (*lhs_params, self.rhs)


def search_key_of(model: type[models.Model], values: dict[str, Any], key_field: str = "search_key") -> str:
    """The search key of a row of ``model`` given as field values (an import's row, written without ``save``)."""
    field = model._meta.get_field(key_field)
    assert isinstance(field, SearchKeyField)  # noqa: S101 — a programming error, never the user's input
    return field.key_of_values(values)


def with_key(model: type[models.Model], update_fields: Any) -> Any:
    """``update_fields`` for ``save``, with the search key added when a field it is made of is saved."""
    if update_fields is None:
        return None
    fields = set(update_fields)
    for field in model._meta.concrete_fields:
        if isinstance(field, SearchKeyField) and fields & field.sources():
            fields.add(field.name)
    return fields


def matching(model: type[models.Model], query: str, *, id_field: str, key_field: str = "search_key") -> Q:
    """The records of ``model`` a desk means by ``query``: those whose search key contains the folded query (or,
    for a phone number, its digits), and, for what could be an id, the one whose id is exactly what was typed (an
    anonymised record keeps its id but no key). As ``pk IN (…)``: the key is searched on its own, on PostgreSQL
    through its index (``search_index``), before the list's other conditions are checked on the few rows
    found."""
    typed = nfkc(query)
    condition = Q(**{id_field: typed}) if typed and typed.isascii() else Q(pk__in=[])
    for needle in search_needles(query):
        condition |= Q(**{f"{key_field}__contains": needle})
    return Q(pk__in=model._default_manager.filter(condition).values("pk"))


def search_index(app_label: str, model_name: str, index_name: str, *, id_field: str,
                 key_field: str = "search_key") -> migrations.RunPython:
    """A migration step: the index that serves the search of the key, per database.

    - PostgreSQL: a trigram index (``pg_trgm``), which answers ``LIKE '%ミホン%'`` without reading the table (a
      query of three characters or more). Where the extension cannot be created (a role without the right), the
      search still works, reading the whole column; a warning says so.
    - SQLite: no index answers ``instr`` (``KeyContains``), but a plain one on the key and the id (the two
      columns ``matching`` reads) is read instead of the table: two short columns rather than every row's notes.
    """

    def forward(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        model = apps.get_model(app_label, model_name)
        quote = connection.ops.quote_name
        table, column = quote(model._meta.db_table), quote(model._meta.get_field(key_field).column)
        if connection.vendor == "sqlite":
            id_column = quote(model._meta.get_field(id_field).column)
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {quote(index_name)} ON {table} ({column}, {id_column})")
            return
        if connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as e:
            logger.warning("pg_trgm is not available (%s): %s.%s is searched without an index", e, app_label,
                           model_name)
            return
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {quote(index_name)} ON {table} USING gin ({column} gin_trgm_ops)")

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor in ("postgresql", "sqlite"):
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX IF EXISTS {schema_editor.connection.ops.quote_name(index_name)}")

    return migrations.RunPython(forward, backward)


def fill_search_keys(app_label: str, model_name: str, *, id_field: str) -> Any:
    """A migration step's function: set the search key of every row stored before the key existed (later saves
    keep it), a batch of 2,000 at a time, from the id, name, reading and phone."""

    def fill(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        table = schema_editor.connection.ops.quote_name(model._meta.db_table)
        pk_column = schema_editor.connection.ops.quote_name(model._meta.pk.column)
        sql = f"UPDATE {table} SET search_key = %s WHERE {pk_column} = %s"  # noqa: S608 — the model's own names
        rows = model.objects.order_by("pk").values_list("pk", id_field, "name", "name_kana", "phone")
        last = 0
        with schema_editor.connection.cursor() as cursor:
            while batch := list(rows.filter(pk__gt=last)[:2000]):
                cursor.executemany(sql, [(search_key(key, name, kana, phone=phone), pk)
                                         for pk, key, name, kana, phone in batch])
                last = batch[-1][0]

    return fill
