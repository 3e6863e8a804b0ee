"""The answers each kind of operation declares, so that the OpenAPI document lists every status it can give:
the problems every operation may answer (no or a bad token, a scope it lacks, input it cannot take, too many
requests), and those of its kind."""

from __future__ import annotations

from typing import Any

from .problems import Problem

EVERY = (401, 403, 422, 429)


def _with(ok: dict[int, Any], *more: int) -> dict[int, Any]:
    return {**ok, **dict.fromkeys(sorted({*EVERY, *more}), Problem)}


def for_list(schema: Any) -> dict[int, Any]:
    """A list: 200, or 304 when ``If-None-Match`` names the ETag it would have."""
    return _with({200: schema, 304: None})


def for_detail(schema: Any) -> dict[int, Any]:
    return _with({200: schema, 304: None}, 404)


def for_change(status: int, schema: Any) -> dict[int, Any]:
    """A change: ``status`` with the record; 400 for a body that is not JSON, 404 for a record it names by its
    path that the integration cannot see, 409 where a rule of the domain refuses it."""
    return _with({status: schema}, 400, 404, 409)
