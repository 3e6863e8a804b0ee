"""Integrations: other systems that use the API (``/api/v1/``), each with one token, bound to one agency and to
scopes (``accounts.policy.SCOPES``).

An integration acts through a staff account of its own (``IntegrationAccount``): the audit rows, referrals and
events it writes name that account (``api:<name>``), which can never sign in to the staff interface. The token
is shown once when it is made; only its SHA-256 is kept, found again by the short id at its head (``tokens``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Agency, Staff

# Requests one token may make in a minute unless its integration says otherwise.
DEFAULT_REQUESTS_PER_MINUTE = 120
RATE_WINDOW = datetime.timedelta(minutes=1)


class Integration(models.Model):
    """Another system that reads or writes through the API for one agency (福祉事務所のケース管理システム,
    市のポータル, 県の統計). ``scopes`` are keys of ``accounts.policy.SCOPES``. A revoked integration's token is
    refused for good; its name stays taken, so the audit trail never names two systems alike."""

    name = models.SlugField(_("連携名"), max_length=60, unique=True)
    description = models.CharField(_("説明"), max_length=200, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="integrations",
                               verbose_name=_("機関"))
    scopes = models.JSONField(_("スコープ"), default=list)
    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration",
                                   verbose_name=_("連携用アカウント"))
    token_prefix = models.CharField(_("トークンの識別子"), max_length=16, unique=True)
    token_hash = models.CharField(_("トークンのハッシュ"), max_length=64)
    requests_per_minute = models.PositiveIntegerField(_("1分あたりの上限"), default=DEFAULT_REQUESTS_PER_MINUTE)
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登録者"))
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最終利用"), null=True, blank=True)
    # The rate limit's current window: when it began and the requests counted in it (see ``count_request``).
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("外部システム連携")
        verbose_name_plural = _("外部システム連携")

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def count_request(self, now: datetime.datetime | None = None) -> tuple[bool, int]:
        """Count one request against the token's rate limit and note the use. Returns whether it is allowed
        and, when it is not, the seconds until the window ends (for ``Retry-After``).

        One UPDATE in the database, so every server process counts against the same limit: a window lasts
        ``RATE_WINDOW`` from its first request; a request after it starts a new one."""
        now = now or timezone.now()
        fresh = models.Q(window_started_at__gt=now - RATE_WINDOW)
        Integration.objects.filter(pk=self.pk).update(
            window_count=Case(When(fresh, then=F("window_count") + 1), default=Value(1)),
            window_started_at=Case(When(fresh, then=F("window_started_at")), default=Value(now)),
            last_used_at=now,
        )
        count, started = Integration.objects.filter(pk=self.pk).values_list(
            "window_count", "window_started_at").get()
        if count <= self.requests_per_minute or started is None:
            return True, 0
        remaining = (started + RATE_WINDOW - now).total_seconds()
        return False, max(1, int(remaining + 0.999))


class IntegrationAccount(Staff):
    """The staff account an integration acts through, as the policy sees it: the agency's kind decides what it
    sees (``visible_to``, ``FIELDS``); its ``scopes`` decide what it may do (``policy.can`` asks
    ``policy.scope_grants`` for a user that carries them). It is never an administrator or a manager, and its
    password is unusable. ``scopes`` is filled from the integration when a token is accepted; an account loaded
    any other way holds none."""

    scopes: frozenset[str] = frozenset()

    class Meta:
        proxy = True
        verbose_name = _("連携用アカウント")
        verbose_name_plural = _("連携用アカウント")

    @property
    def display(self) -> str:
        return self.display_name or self.get_username()


def account_username(name: str) -> str:
    """The username an integration's audit rows carry."""
    return f"api:{name}"
