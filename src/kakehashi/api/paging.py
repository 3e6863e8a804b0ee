"""Cursor pagination: every list is in the order records were added (by id); a page ends with ``next_cursor``,
which the client sends back as ``cursor`` for the following page, until it is null. A cursor stays valid while
records are added or changed: a page never repeats or skips a record that was there when the first page was
read. Clients treat the cursor as opaque."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from ninja import Field, Schema

from kakehashi.engine.text import nfkc

M = TypeVar("M", bound=models.Model)
QS = TypeVar("QS", bound="models.QuerySet[Any]")

CURSOR = r"^[0-9]{1,18}$"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


class PageQuery(Schema):
    cursor: str | None = Field(None, pattern=CURSOR, description="前のページの next_cursor（最初のページでは省略）")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="1ページの件数")


def page(qs: models.QuerySet[M], query: PageQuery) -> tuple[list[M], str | None]:
    """One page of ``qs`` and the cursor of the next (None after the last)."""
    if query.cursor:
        qs = qs.filter(pk__gt=int(query.cursor))
    rows = list(qs.order_by("pk")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, str(rows[-1].pk) if more else None


def words(text: str | None) -> list[str]:
    """Free words as the staff lists read them: full-width folded (NFKC), split at spaces."""
    return nfkc(text or "").split()


def all_words(qs: QS, text: str | None, *fields: str) -> QS:
    """Records in which every word appears in one of ``fields``."""
    for word in words(text):
        match: Any = models.Q()
        for f in fields:
            match |= models.Q(**{f"{f}__icontains": word})
        qs = qs.filter(match)
    return qs
