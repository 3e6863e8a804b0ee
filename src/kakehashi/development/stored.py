"""Results that take seconds to compute, kept in the database for as long as the records they come from stay the
same: who fits what on a day (``gap.market``, about 1.5 s on the demo year) and the targeting model's fitted
coefficients (``targets.forecast_for``, about 1 s).

Why a table, and not only the cache: the process cache (Django's local-memory cache) is empty after every restart
and in every new server worker, and each holds its own copy, so the first view of the board, the targets, the
visit plan or the postings nobody fits after a restart paid for the whole computation (2–4 s on two cores). A row
per kind and day, with the version of the records it was computed from (``kakehashi.core.stamps``), is read by
every worker and survives a restart; a result is computed once per version of the records, by whichever comes
first: the scheduled job (``ops.jobs``, ``development_refresh``, early each morning, the day being part of the
question) or a page that finds no copy of the current version. A copy of another version is never used: the
records changed since, and the page computes afresh (and stores that).

Why not a faster computation instead: checking the hard conditions with arrays, outside the matching engine,
would be a second statement of the engine's rules that must agree with it on every posting and seeker, and would
still cost every worker the computation after each restart. A stored copy is the engine's own answer, computed
once.

Payloads are JSON in a text column (plain values only, and key order kept as written, which ``jsonb`` would
not). ``FORMAT`` is part of every version: change it whenever what is computed changes, so that copies written by
the previous code are not read.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from kakehashi.core.stamps import digest

from .models import StoredResult

FORMAT = 1
# Copies for days this far back are removed when a new copy is written: a page asks about today, the monthly
# snapshot about month ends it keeps in its own table.
KEEP_DAYS = 7

log = logging.getLogger(__name__)
T = TypeVar("T")


def version_of(kind: str, stamps: Sequence[Any]) -> str:
    """The version a copy of ``kind`` is kept under: the records' figures and ``FORMAT``."""
    return digest([kind, FORMAT, *stamps], length=40)


def load(kind: str, day: datetime.date, version: str) -> Any | None:
    """The stored payload of ``kind`` for ``day`` if it was computed from records of ``version``; else None."""
    row = (
        StoredResult.objects.filter(kind=kind, day=day, version=version)
        .values_list("payload", flat=True)
        .first()
    )
    return None if row is None else json.loads(row)


def save(kind: str, day: datetime.date, version: str, payload: Any) -> None:
    """Keep ``payload`` as the copy of ``kind`` for ``day`` (replacing an older version). Two processes computing
    the same thing at once both write the same payload; a failure to write is logged and the page goes on."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        with transaction.atomic():
            StoredResult.objects.update_or_create(
                kind=kind,
                day=day,
                defaults={"version": version, "payload": text, "computed_at": timezone.now()},
            )
            StoredResult.objects.filter(
                kind=kind, day__lt=timezone.localdate() - datetime.timedelta(days=KEEP_DAYS)
            ).exclude(day=day).delete()
    except IntegrityError:
        pass  # another process wrote this kind and day between our read and our write: its copy is as good
    except DatabaseError:
        log.warning("stored result %s %s not written", kind, day, exc_info=True)


def get_or_compute(
    kind: str,
    day: datetime.date,
    version: str,
    compute: Callable[[], T],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
    *,
    refresh: bool = False,
) -> T:
    """The copy of ``kind`` for ``day`` at ``version`` if one is stored (and ``refresh`` is false); else computed,
    stored and returned."""
    if not refresh:
        found = load(kind, day, version)
        if found is not None:
            return decode(found)
    result = compute()
    save(kind, day, version, encode(result))
    return result


def is_fresh(kind: str, day: datetime.date, version: str) -> bool:
    return StoredResult.objects.filter(kind=kind, day=day, version=version).exists()
