"""Making and revoking integrations. Each is one transaction with its audit row."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Agency
from kakehashi.accounts.policy import SCOPES, can
from kakehashi.audit.log import Refused, record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError

from . import tokens
from .models import DEFAULT_REQUESTS_PER_MINUTE, Integration, IntegrationAccount, account_username

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MAX_REQUESTS_PER_MINUTE = 100_000


def _require_administrator(acting_user: Any, pk: Any = None) -> None:
    """From the staff interface, the administrator alone; from the command line (``acting_user`` None) whoever
    runs the installation's commands."""
    if acting_user is not None and not can(acting_user, "staff.administer"):
        raise Refused("api.Integration", pk, purpose=N_("外部システム連携"))


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ActionError(_("スコープ「%(scopes)s」はありません。使えるスコープ：%(known)s") % {
            "scopes": "、".join(unknown), "known": "、".join(SCOPES)})
    if not chosen:
        raise ActionError(_("スコープを1つ以上選んでください。"))
    return chosen


@transaction.atomic
def do_create_integration(*, name: str, agency: Agency, scopes: Iterable[str], acting_user: Any,
                          description: str = "",
                          requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE) -> tuple[Integration, str]:
    """Register another system for ``agency`` with ``scopes``, and its account. Returns the integration and its
    token, which is stored only as a hash: the caller shows it once."""
    _require_administrator(acting_user)
    if not NAME.match(name):
        raise ActionError(_("連携名は半角の英小文字・数字・「-」「_」で、60文字以内にしてください（例：welfare-case-system）。"))
    if Integration.objects.filter(name=name).exists() or \
            IntegrationAccount.objects.filter(username=account_username(name)).exists():
        raise ActionError(_("連携名「%(name)s」はすでに使われています（失効した連携の名前も使えません）。") % {"name": name})
    if not 1 <= requests_per_minute <= MAX_REQUESTS_PER_MINUTE:
        raise ActionError(_("1分あたりの上限は1から%(max)sまでにしてください。") % {"max": f"{MAX_REQUESTS_PER_MINUTE:,}"})
    chosen = clean_scopes(scopes)
    account = IntegrationAccount(username=account_username(name), display_name=_("連携：%(name)s") % {"name": name},
                                 agency=agency, role="", is_active=False)
    account.set_unusable_password()
    account.save()
    token = tokens.new_token()
    integration = Integration.objects.create(
        name=name, description=description.strip(), agency=agency, scopes=chosen, account=account,
        token_prefix=token.prefix, token_hash=token.digest, requests_per_minute=requests_per_minute,
        created_by=acting_user)
    record(acting_user, Action.CREATE, Integration, integration, purpose=N_("外部システム連携の登録"),
           detail={"name": name, "agency": agency.code, "scopes": chosen, "requests_per_minute": requests_per_minute,
                   "token_prefix": token.prefix})
    return integration, token.token


@transaction.atomic
def do_revoke_integration(integration: Integration, *, acting_user: Any) -> Integration:
    """Refuse the integration's token from now on. Revoking twice changes nothing."""
    _require_administrator(acting_user, integration.pk)
    if integration.revoked_at is not None:
        return integration
    integration.revoked_at = timezone.now()
    integration.save(update_fields=["revoked_at"])
    record(acting_user, Action.UPDATE, Integration, integration, purpose=N_("外部システム連携の失効"),
           detail={"name": integration.name, "revoked": True})
    return integration
