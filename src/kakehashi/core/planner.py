"""The query planner's view of the tables after a bulk load.

PostgreSQL plans each query from statistics that autovacuum refreshes some time after rows arrive. Right after an
import of thousands of rows the tables look empty to it: it chose nested loops over 3,000 seekers where a hash
join was due, and a home page's query took 300 ms instead of 15. So whatever loads rows in bulk asks for fresh
statistics of the tables it wrote once its transaction has committed. SQLite's planner needs none.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models, transaction


def refresh_statistics(models_written: Iterable[type[models.Model]] | None = None) -> None:
    """``ANALYZE`` the tables of ``models_written`` (every table: None) on PostgreSQL, after the current
    transaction commits (at once outside one)."""
    if connection.vendor != "postgresql":
        return
    tables = sorted({m._meta.db_table for m in models_written}) if models_written is not None else []

    def analyse() -> None:
        with connection.cursor() as cursor:
            if models_written is None:
                cursor.execute("ANALYZE")
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

    transaction.on_commit(analyse)
