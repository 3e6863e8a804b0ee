"""``/api/v1/``: the API for other systems, its OpenAPI document (``/api/v1/openapi.json``) and reference page
(``/api/v1/docs``, served from the project's own static files). See docs/api.md."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from kakehashi.accounts import policy
from kakehashi.audit import scope
from kakehashi.audit.log import AccessDenied

from . import employers, figures, imports, matches, postings, referrals, seekers
from .guard import REALM, TokenAuth, guarded, scope_of
from .problems import MEDIA_TYPE, not_found, problem, validation_items

log = logging.getLogger(__name__)

DESCRIPTION = """架け橋（Kakehashi）の外部システム連携 API です。

- 認証：管理者が発行した連携用トークンを `Authorization: Bearer kh1.…` で送ります。トークンは1つの機関と
  スコープに結び付いており、各操作に必要なスコープは操作の説明と `x-scope` にあります。
- 見える記録と項目は、その機関の職員と同じです（同意の範囲、項目の制限）。トークンの利用（個人の記録を
  返した応答は示した人とともに、変更、拒否も）は、連携名（`api:<連携名>`）で監査ログに記録されます。
- 1分あたりの回数に上限があり、超えると 429 と `Retry-After` を返します。
- 一覧はカーソルでページを送ります（`next_cursor` を `cursor` に）。GET の応答には ETag が付き、
  `If-None-Match` で 304 を返します。
- 誤りは RFC 9457 の problem details（`application/problem+json`、日本語）で返します。

詳しくは docs/api.md を参照してください。"""


class JapaneseJSON(JSONRenderer):
    """JSON in UTF-8 as written, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class KakehashiAPI(NinjaAPI):
    """ninja's API with the operation ids, error media type and headers this API promises in its document."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        return str(operation.url_name)

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        scopes = {str(op.url_name): scope_of(op.view_func)
                  for bound in self._get_bound_routers() for view in bound.path_operations.values()
                  for op in view.operations}
        for methods in schema["paths"].values():
            for method, op in methods.items():
                needed = scopes[op["operationId"]]
                op["x-scope"] = needed
                op["description"] = (f"スコープ：`{needed}`（{policy.SCOPES[needed].label}）\n\n"
                                     + op.get("description", "")).strip()
                for status, answer in op["responses"].items():
                    _describe(int(status), method, answer)
                _files_not_null(op)
        return schema


def _files_not_null(op: dict[str, Any]) -> None:
    """A part of a multipart body is sent or left out, never null: an optional file is a binary string."""
    form = op.get("requestBody", {}).get("content", {}).get("multipart/form-data", {}).get("schema", {})
    for prop in form.get("properties", {}).values():
        kinds = [k for k in prop.get("anyOf", []) if k.get("type") != "null"]
        if len(kinds) == 1:
            del prop["anyOf"]
            prop.update(kinds[0])


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": {"type": "string"}}


def _describe(status: int, method: str, answer: dict[str, Any]) -> None:
    content = answer.get("content", {})
    if status >= 400 and "application/json" in content:
        answer["content"] = {MEDIA_TYPE: content["application/json"]}
    headers = {}
    if status == 200 and method == "get":
        headers["ETag"] = _header("応答本文の ETag。If-None-Match に送ると、変わっていなければ 304")
    if status == 304:
        headers["ETag"] = _header("変わっていない応答の ETag")
    if status == 401:
        headers["WWW-Authenticate"] = _header(REALM)
    if status == 429:
        headers["Retry-After"] = _header("再試行できるまでの秒数")
    if headers:
        answer["headers"] = headers


api = KakehashiAPI(title="Kakehashi API", version="1", description=DESCRIPTION, urls_namespace="api",
                   auth=TokenAuth(), renderer=JapaneseJSON())

for part in (postings, employers, seekers, referrals, matches, figures, imports):
    part.router.add_decorator(guarded, mode="view")
    api.add_router("", part.router)


# Every error as a problem (problems.py). A validation error names the fields as the client sent them.
@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    items = validation_items(exc.errors, params=("payload", "filters", "query", "options"))
    return problem(request, 422, f"{len(items)} 件の誤りがあります。何も変更していません。", errors=items)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return problem(request, 400, "リクエストの本文を JSON として読めません。")
    if exc.status_code == 401:
        return problem(request, 401, "連携用トークンが必要です。", headers={"WWW-Authenticate": REALM})
    status = exc.status_code if exc.status_code in (403, 404, 409, 429) else 400
    return problem(request, status, str(exc))


@api.exception_handler(AccessDenied)
def on_access_denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    # As the audit middleware does for a page: audited, and the same answer as a record that does not exist.
    scope.denied(exc.model, exc.object_id, purpose=exc.purpose)
    return not_found(request)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found(request)


@api.exception_handler(Exception)
def on_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API %s %s", request.method, request.path)
    return problem(request, 500, "サーバーの内部エラーです。管理者に連絡してください。")

