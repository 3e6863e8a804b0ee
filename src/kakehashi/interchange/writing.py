"""Writing many rows at once: one prepared statement executed over batches of rows.

Django's ``bulk_create`` and ``bulk_update`` build the SQL of every batch in Python, and on SQLite the
999-variable limit cuts a 25-column table into batches of 39 rows (``bulk_update``: a few dozen rows, one CASE
expression per field). Profiling an import of 73,000 rows, building the SQL took 19.5 of ``bulk_create``'s
22.7 seconds; a prepared ``INSERT`` run with ``executemany`` has neither the limit nor the cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Lookup, Q
from django.utils import timezone
from tqdm import tqdm

BATCH = 2000
# Keys per ``IN (…)`` query: SQLite's default limit is 999 variables per statement.
CHUNK = 900
# PostgreSQL takes a chunk's keys as one array parameter (``among``), so a chunk may be larger.
PG_CHUNK = 10_000


def chunk_size() -> int:
    """How many keys one query looks up (and how many rows are compared at a time)."""
    return PG_CHUNK if connection.vendor == "postgresql" else CHUNK


def chunks(items: list[Any], size: int | None = None) -> Iterator[list[Any]]:
    size = size or chunk_size()
    for i in range(0, len(items), size):
        yield items[i:i + size]


class AnyOf(Lookup):
    """``field = ANY(%s)`` with the keys as one array parameter (PostgreSQL). ``field__in`` writes one
    placeholder per key, which the driver parses on every query: 10,000 keys cost more to send than to find."""

    lookup_name = "interchange_any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


# Related fields keep lookups of their own; a foreign key's column takes the same condition.
models.Field.register_lookup(AnyOf)
models.ForeignObject.register_lookup(AnyOf)


def among(field: str, keys: list[Any]) -> Q:
    """The condition "``field`` is one of ``keys``", for a chunk of keys (see ``chunks``)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__{AnyOf.lookup_name}": keys})
    return Q(**{f"{field}__in": keys})


def field_of(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def _quoted(name: str | None) -> str:
    return connection.ops.quote_name(cast(str, name))


def _execute_many(sql: str, params: Iterable[list[Any]], bar: tqdm[Any] | None) -> None:
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in params:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                if bar is not None:
                    bar.update(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            if bar is not None:
                bar.update(len(batch))


# Values of these field types go to both database drivers as they are; others (dates, JSON) are prepared by
# the field, as Django would.
_AS_IS = {"CharField", "TextField", "SlugField", "IntegerField", "BigIntegerField", "SmallIntegerField",
          "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField", "BooleanField",
          "FloatField", "AutoField", "BigAutoField"}


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    # A foreign key's values are those of the key it points at.
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if target.get_internal_type() in _AS_IS:
        return None
    # The connection itself, not the ``connection`` proxy, which costs a thread-local lookup per value.
    return partial(field.get_db_prep_save, connection=connections[DEFAULT_DB_ALIAS])


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], bar: tqdm[Any] | None = None) -> None:
    """Insert rows given as field values by attname; a field a row lacks gets its default, ``auto_now``
    fields the current time."""
    meta = model._meta
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    plan: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            plan.append((f.attname, f.get_db_prep_save(now, connection), None))
        else:
            plan.append((f.attname, f.get_default(), _preparer(f)))
    # Table and column names come from the model, quoted by the backend; values go as parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  # names from the model, quoted; values are parameters
        _quoted(meta.db_table), ", ".join(_quoted(f.column) for f in fields), ", ".join(["%s"] * len(fields)))

    def params() -> Iterator[list[Any]]:
        for row in rows:
            values = []
            for name, default, prepare in plan:
                value = row.get(name, default)
                values.append(prepare(value) if prepare is not None and value is not None else value)
            yield values

    if connection.vendor == "postgresql":
        _copy(meta.db_table, [cast(str, f.column) for f in fields], params(), bar)
    else:
        _execute_many(sql, params(), bar)


def _copy(table: str, columns: list[str], params: Iterable[list[Any]], bar: tqdm[Any] | None) -> None:
    """PostgreSQL: the rows streamed in with ``COPY … FROM STDIN``, inside the import's transaction. One
    ``INSERT`` a row, even pipelined by ``executemany``, is parsed, planned and acknowledged row by row; COPY
    sends the rows as one stream, which makes a fresh import of 300,000 rows about twice as fast."""
    sql = "COPY {} ({}) FROM STDIN".format(_quoted(table), ", ".join(_quoted(c) for c in columns))
    with connection.cursor() as cursor:
        # The driver's own cursor (psycopg 3): Django's wrapper does not expose ``copy``.
        with cursor.cursor.copy(sql) as copy:
            n = 0
            for row in params:
                copy.write_row(row)
                n += 1
                if bar is not None and n == BATCH:
                    bar.update(n)
                    n = 0
        if bar is not None and n:
            bar.update(n)


def update_rows(model: type[models.Model], rows: list[tuple[int, dict[str, Any]]],
                bar: tqdm[Any] | None = None) -> None:
    """Set the given fields of rows given as (primary key, values by attname). ``updated_at`` moves only for
    these rows: the caller passes only the rows that changed."""
    if not rows:
        return
    meta = model._meta
    now = timezone.now()
    has_updated_at = any(f.name == "updated_at" for f in meta.concrete_fields)
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for pk, values in rows:
        groups.setdefault(tuple(values), []).append((pk, values))
    for names, group in groups.items():
        fields = [field_of(model, n) for n in names]
        plan = [(f.attname, _preparer(f)) for f in fields]
        columns = [_quoted(f.column) for f in fields]
        extra = []
        if has_updated_at:
            updated_at = field_of(model, "updated_at")
            columns.append(_quoted(updated_at.column))
            extra.append(updated_at.get_db_prep_save(now, connection))
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model, as above)
            _quoted(meta.db_table), ", ".join(f"{c} = %s" for c in columns), _quoted(meta.pk.column))
        params = (
            [prepare(values[name]) if prepare is not None and values[name] is not None else values[name]
             for name, prepare in plan] + extra + [pk]
            for pk, values in group
        )
        _execute_many(sql, params, bar)
