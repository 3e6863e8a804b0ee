"""Every sign-in, sign-out and failed sign-in goes into the audit log, whichever view or client caused it.

A failed sign-in names the username that was tried in ``detail`` (never the password) and whether it started or
met a lockout. django-axes handles the same signal first (its app is installed before this one) and leaves what
it decided on the request: ``axes_locked_out``, and ``axes_failures_since_start`` only when it counted the
attempt (a password was checked). A locked-out attempt is refused before any password is checked.
"""

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from kakehashi.audit.log import record
from kakehashi.audit.models import Action

from . import sessions
from .lockout import client_ip

STAFF = "accounts.Staff"


@receiver(user_logged_in, dispatch_uid="kakehashi.signin.logged_in")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    sessions.start(request.session, time.time())
    record(user, Action.LOGIN, STAFF, user, purpose="ログイン",
           detail={"factor": "password", "ip": client_ip(request)})


@receiver(user_logged_out, dispatch_uid="kakehashi.signin.logged_out")
def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or request is None:
        return
    reason = getattr(request, "kakehashi_signout_reason", "sign_out")
    record(user, Action.LOGOUT, STAFF, user, purpose="ログアウト", detail={"reason": reason, "ip": client_ip(request)})


@receiver(user_login_failed, dispatch_uid="kakehashi.signin.login_failed")
def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    detail: dict[str, Any] = {"username": str(credentials.get("username") or "")[:150], "factor": "password"}
    if request is not None:
        detail["ip"] = client_ip(request)
        if getattr(request, "axes_locked_out", False):
            counted = getattr(request, "axes_failures_since_start", None) is not None
            detail["lockout"] = "started" if counted else "refused"
    record(None, Action.LOGIN_FAILED, STAFF, purpose="ログイン失敗", detail=detail)
