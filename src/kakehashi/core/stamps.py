"""Whether tables have changed: a few figures per table (how many rows, the highest key, the latest change), all
read in one statement.

Results that take a while to compute (the matching index, the needs-gap market, the targeting model) are kept
while the records they are made from stay the same. Each names the tables it reads and the figures that change
with them — a row added, removed or edited — and keeps its result under those figures::

    WISHES = (Stamp(DesiredOccupation, ("COUNT", "pk"), ("MAX", "pk")),)
    read_stamps(WISHES)  # → (412, 1377)

One statement of scalar subqueries, whatever the number of tables: a page asks before anything else, so this is
one round trip, not one per table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


class Stamp:
    """The figures read of one table: ``(function, field)`` pairs such as ``("MAX", "updated_at")``; ``"pk"``
    names the primary key."""

    __slots__ = ("figures", "model")

    def __init__(self, model: type[models.Model], *figures: tuple[str, str]) -> None:
        self.model = model
        self.figures = figures


# Rows that are edited stamp their last change; rows that are only added or removed are counted.
FUNCTIONS = frozenset({"COUNT", "MAX"})


def _subqueries(stamps: Sequence[Stamp]) -> list[str]:
    q = connection.ops.quote_name
    out = []
    for stamp in stamps:
        table = q(stamp.model._meta.db_table)
        for fn, name in stamp.figures:
            if fn not in FUNCTIONS:
                raise ValueError(fn)
            field = stamp.model._meta.pk if name == "pk" else stamp.model._meta.get_field(name)
            column = q(str(field.column))  # type: ignore[union-attr]  # every model has a primary key; names are columns
            out.append(f"(SELECT {fn}({column}) FROM {table})")  # noqa: S608  # names from the models, quoted
    return out


def read_stamps(stamps: Sequence[Stamp]) -> tuple[Any, ...]:
    """Every figure of ``stamps``, in order, read in one statement."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(_subqueries(stamps)))
        row = cursor.fetchone()
    return tuple(row)


def digest(values: Sequence[Any], length: int = 24) -> str:
    """A short text that changes when any of ``values`` does (for cache keys and stored copies)."""
    return hashlib.sha256("|".join(str(v) for v in values).encode()).hexdigest()[:length]
