"""Errors as problem details (RFC 9457, ``application/problem+json``), in Japanese, one shape for every status.

``type`` names the kind of problem (``urn:kakehashi:problem:<slug>``, listed in docs/api.md), ``title`` says it
in a few words, ``detail`` says what happened to this request, ``instance`` is the path asked for. A problem
with the input lists each field or each row in ``errors``. Validation errors are said in Japanese from
pydantic's error types; a rule of the domain gives its own message. The API answers in Japanese whatever the
client's language (``guard.guarded`` renders every message in the installation's language).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Schema

from kakehashi.engine.text import shown

MEDIA_TYPE = "application/problem+json"


class ProblemItem(Schema):
    """One thing wrong with the input: a field (``field``) or a row of an uploaded file (``file``, ``line``,
    ``column``)."""

    field: str | None = None
    file: str | None = None
    line: int | None = None
    column: str | None = None
    message: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemItem] = []


TITLES = {
    400: ("bad-request", "リクエストを読めません"),
    401: ("unauthorized", "認証が必要です"),
    403: ("forbidden", "権限がありません"),
    404: ("not-found", "見つかりません"),
    405: ("method-not-allowed", "このメソッドは使えません"),
    409: ("conflict", "記録の状態と合いません"),
    422: ("validation", "入力に誤りがあります"),
    429: ("rate-limited", "リクエストが多すぎます"),
    500: ("server-error", "サーバーの内部エラー"),
    503: ("unavailable", "処理できませんでした"),
}


def problem(request: HttpRequest, status: int, detail: str, *, errors: Sequence[Mapping[str, Any]] = (),
            headers: Mapping[str, str] | None = None) -> HttpResponse:
    slug, title = TITLES[status]
    body = {"type": f"urn:kakehashi:problem:{slug}", "title": title, "status": status, "detail": detail,
            "instance": request.path, "errors": [dict(e) for e in errors]}
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type=f"{MEDIA_TYPE}; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    """The same answer for a record that does not exist and one the integration may not see."""
    return problem(request, 404, "指定された記録は見つからないか、参照する権限がありません。")


def invalid(request: HttpRequest, errors: Sequence[Mapping[str, Any]]) -> HttpResponse:
    return problem(request, 422, f"{len(errors)} 件の誤りがあります。何も変更していません。",
                   errors=errors)


# pydantic's error types, said in Japanese; ``{…}`` are filled from the error's context.
MESSAGES = {
    "missing": "必須の項目です。",
    "int_type": "整数で指定してください。",
    "int_parsing": "整数で指定してください。",
    "int_from_float": "整数で指定してください。",
    "float_type": "数値で指定してください。",
    "float_parsing": "数値で指定してください。",
    "finite_number": "有限の数値で指定してください。",
    "bool_type": "true か false で指定してください。",
    "bool_parsing": "true か false で指定してください。",
    "string_type": "文字列で指定してください。",
    "string_too_short": "{min_length} 文字以上で指定してください。",
    "string_too_long": "{max_length} 文字以内で指定してください。",
    "string_pattern_mismatch": "形式が正しくありません。",
    "date_type": "日付を YYYY-MM-DD の文字列で指定してください。",
    "date_parsing": "日付を YYYY-MM-DD で指定してください。",
    "date_from_datetime_parsing": "日付を YYYY-MM-DD で指定してください。",
    "date_from_datetime_inexact": "日付を YYYY-MM-DD で指定してください（時刻は付けません）。",
    "datetime_type": "日時を ISO 8601（例：2026-04-01T09:00:00+09:00）で指定してください。",
    "datetime_parsing": "日時を ISO 8601（例：2026-04-01T09:00:00+09:00）で指定してください。",
    "datetime_from_date_parsing": "日時を ISO 8601（例：2026-04-01T09:00:00+09:00）で指定してください。",
    "greater_than_equal": "{ge} 以上にしてください。",
    "greater_than": "{gt} より大きくしてください。",
    "less_than_equal": "{le} 以下にしてください。",
    "less_than": "{lt} より小さくしてください。",
    "literal_error": "次のいずれかにしてください：{expected}",
    "enum": "次のいずれかにしてください：{expected}",
    "extra_forbidden": "この項目は受け付けていません。",
    "model_type": "オブジェクト（JSON）で指定してください。",
    "model_attributes_type": "オブジェクト（JSON）で指定してください。",
    "dict_type": "オブジェクト（JSON）で指定してください。",
    "list_type": "配列で指定してください。",
    "json_invalid": "JSON として読めません。",
    "json_type": "JSON として読めません。",
    "none_required": "指定できません。",
}
# Where a parameter came from, which the field name leaves out.
SOURCES = ("body", "query", "path", "header", "cookie", "form", "file")


def field_name(loc: Iterable[Any], params: Iterable[str] = ()) -> str:
    """``('body', 'payload', 'seeker_id')`` → ``seeker_id``: the source and the name of the body parameter are
    not part of the field the client sent."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in params:
        parts = parts[1:]
    return ".".join(parts) or "body"


def message_of(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    template = MESSAGES.get(kind)
    if template is None:
        return "値が正しくありません。"
    try:
        return template.format(**{k: shown(str(v), 80) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("：") or "値が正しくありません。"


def validation_items(errors: Iterable[Mapping[str, Any]], params: Iterable[str] = ()) -> list[dict[str, Any]]:
    names = list(params)
    return [{"field": field_name(e.get("loc", ()), names), "message": message_of(e)} for e in errors]
