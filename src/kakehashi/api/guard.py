"""What every API operation goes through, in order: the token, the rate limit, the scope, the audit scope, and
the answer's ETag.

``guarded`` wraps each operation (a ninja "view" decorator, so it runs before ninja reads the parameters):

1. ``Authorization: Bearer kh1.…`` names an integration whose token matches and is not revoked, else 401. A
   wrong secret for a known integration and any use of a revoked token are audited as refusals under the
   integration's account.
2. The request counts against the token's rate limit (``Integration.count_request``, in the database); over it,
   429 with ``Retry-After``.
3. An audit scope opens for the integration's account with the operation's purpose (``policy.ROUTES``), as
   ``audit.middleware.AuditScopeMiddleware`` does for a signed-in user: records loaded through ``visible_to``
   note the persons they show, refusals (a record the integration may not see, a scope it lacks) note a denial,
   and when the answer is ready the scope writes one row for the persons shown and one per refusal. A read that
   showed no person writes one row naming the operation, so that every use of a token is in the audit log.
4. The operation needs its scope (``requires``): granted to the integration, and where the scope lends
   capabilities (``policy.SCOPES``), one of them held by the integration's agency (``policy.can``); else 403.
5. A GET answered 200 carries an ETag (a hash of the body); ``If-None-Match`` with it gives 304, which shows
   nothing and writes no read row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils import translation
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese
from ninja.security import HttpBearer

from kakehashi.accounts import policy
from kakehashi.audit import scope
from kakehashi.audit.log import record, record_denied
from kakehashi.audit.models import Action

from . import tokens
from .models import IntegrationAccount
from .problems import not_found, problem

F = TypeVar("F", bound=Callable[..., Any])

REALM = 'Bearer realm="kakehashi"'


def requires(scope_name: str) -> Callable[[F], F]:
    """The scope an operation needs (a key of ``policy.SCOPES``)."""
    if scope_name not in policy.SCOPES:
        raise KeyError(scope_name)

    def mark(view: F) -> F:
        view._api_scope = scope_name  # type: ignore[attr-defined]  # read by ``guarded``
        return view

    return mark


def scope_of(view: Callable[..., Any]) -> str:
    return str(view._api_scope)  # type: ignore[attr-defined]  # set by ``requires`` on every operation


def principal(request: HttpRequest) -> IntegrationAccount:
    """The integration's account the request acts as (set by ``guarded`` before the operation runs)."""
    account: IntegrationAccount = request.api_principal  # type: ignore[attr-defined]  # see ``guarded``
    return account


def may_use(account: IntegrationAccount, scope_name: str) -> bool:
    lends = policy.SCOPES[scope_name].capabilities
    return scope_name in account.scopes and (not lends or any(policy.can(account, c) for c in lends))


class TokenAuth(HttpBearer):
    """The security scheme the OpenAPI document declares. ``guarded`` has checked the token before ninja asks."""

    def authenticate(self, request: HttpRequest, token: str) -> IntegrationAccount | None:
        return getattr(request, "api_principal", None)


def _unauthorized(request: HttpRequest, detail: str) -> HttpResponse:
    return problem(request, 401, detail, headers={"WWW-Authenticate": REALM})


def _refuse_account(request: HttpRequest, account: IntegrationAccount, reason: str) -> None:
    with transaction.atomic():
        record_denied(account, "api.Integration", [account.integration.pk], purpose=N_("API の認証"),
                      detail={"reason": reason, "path": request.path, "method": request.method or ""})


def authenticate(request: HttpRequest) -> IntegrationAccount | HttpResponse:
    """The integration's account for the request's token, with its scopes; or the 401/429 answer."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _unauthorized(request, "Authorization ヘッダーで連携用トークンを送ってください（Authorization: Bearer kh1.…）。")
    prefix = tokens.prefix_of(token)
    account = None
    if prefix is not None:
        account = (IntegrationAccount.objects.select_related("agency", "integration")
                   .filter(integration__token_prefix=prefix).first())
    if account is None:
        return _unauthorized(request, "トークンが正しくありません。")
    integration = account.integration
    if not tokens.matches(token, integration.token_hash):
        _refuse_account(request, account, "wrong_secret")
        return _unauthorized(request, "トークンが正しくありません。")
    if integration.is_revoked:
        _refuse_account(request, account, "revoked")
        return _unauthorized(request, "このトークンは失効しています。管理者に新しい連携の登録を依頼してください。")
    allowed, retry_after = integration.count_request()
    if not allowed:
        return problem(request, 429, f"1分あたりの上限（{integration.requests_per_minute} 回）を超えました。"
                                     f"{retry_after} 秒後に再試行してください。",
                       headers={"Retry-After": str(retry_after)})
    account.scopes = frozenset(integration.scopes)
    return account


def _record_use(request: HttpRequest, account: IntegrationAccount, name: str, purpose: str,
                detail: dict[str, Any]) -> None:
    """A read that showed no person (postings, employers, figures) is audited too, as one row naming the
    operation: every use of a token is in the audit log under the integration's name."""
    query = {_storable(k): [_storable(v) for v in vs] if len(vs) > 1 else _storable(vs[0])
             for k, vs in request.GET.lists()}
    with transaction.atomic():
        record(account, Action.VIEW, name, [], purpose=purpose,
               detail={"path": request.path, "method": "GET", "query": query, **detail})


def _storable(text: str) -> str:
    """A query's name or value as the audit row keeps it: 200 characters say what was asked (a parameter the
    operation ignores may carry anything)."""
    return text[:200]


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def _matches(header: str, etag: str) -> bool:
    wanted = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in wanted or etag in wanted


def conditional(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if request.method != "GET" or response.status_code != 200 or not isinstance(response, HttpResponse):
        return response
    etag = etag_of(response.content)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    response["ETag"] = etag
    return response


def guarded(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """See the module docstring. ``run`` is a ninja operation's bound ``run``."""
    operation = run.__self__  # type: ignore[attr-defined]  # a bound method of ninja's Operation
    name = f"api:{operation.url_name}"
    purpose = policy.ROUTES[name].purpose
    needed = scope_of(operation.view_func)

    @wraps(run)
    def call(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        with translation.override(settings.LANGUAGE_CODE):
            account = authenticate(request)
            if isinstance(account, HttpResponse):
                return account
            request.api_principal = account  # type: ignore[attr-defined]  # read by ``principal`` and TokenAuth
            response: HttpResponseBase
            with scope.opened(account, purpose) as s:
                if "\x00" in request.path:
                    # no record is named with NUL, and PostgreSQL could not even be asked for one
                    response = not_found(request)
                elif may_use(account, needed):
                    response = conditional(request, run(request, **kwargs))
                else:
                    scope.denied(name, None, detail={"reason": "scope", "scope": needed})
                    response = problem(request, 403, f"この連携には「{needed}」（{policy.SCOPES[needed].label}）の"
                                                     f"権限がありません（{account.agency}）。")
            answered = 200 <= response.status_code < 300
            scope.write(s, path=request.path, method=request.method or "", carried_content=answered)
            if answered and request.method == "GET" and not s.persons:
                _record_use(request, account, name, purpose, s.detail)
            return response

    return call
