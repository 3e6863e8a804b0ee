"""Terminals, the tickets they issue for the desk, and their daily figures.

Nothing here names a person: a search at a terminal is anonymous, a ticket carries its number and the postings the
person chose, and the figures are counts per terminal per day. The one exception is ``TerminalPin``: the hash of the
PIN staff set for a seeker who signs in at a terminal to see their own recommended postings (``signin``).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Site, Staff
from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker

# How long a manager's enrolment code may be typed at the terminal.
CODE_MINUTES = 15


class TerminalQuerySet(ViewerQuerySet["Terminal"]):
    """Terminals name no one: every staff member may see them (the default rule); managing them is a capability."""


class Terminal(models.Model):
    """A device at a site that seekers search on. A manager registers it with a name and gets a one-time code;
    the terminal's browser types the code and keeps a signed cookie naming the terminal and its ``secret``
    (``devices``). Revoking it, or enrolling it again, makes every earlier cookie worthless."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="terminals", verbose_name=_("拠点"))
    name = models.CharField(_("端末名"), max_length=60)
    code = models.CharField(_("登録コード"), max_length=12, blank=True)
    code_expires_at = models.DateTimeField(_("登録コードの期限"), null=True, blank=True)
    secret = models.CharField(max_length=64, blank=True, editable=False)
    enrolled_at = models.DateTimeField(_("登録日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停止日時"), null=True, blank=True)
    created_by = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ViewerManager.from_queryset(TerminalQuerySet)()

    class Meta:
        ordering = ["site", "name", "pk"]
        verbose_name = _("求人検索端末")
        verbose_name_plural = _("求人検索端末")

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.enrolled_at is not None and self.revoked_at is None

    def code_open(self, now: datetime.datetime) -> bool:
        """Whether the enrolment code may still be typed."""
        return (
            bool(self.code)
            and self.revoked_at is None
            and self.code_expires_at is not None
            and now <= self.code_expires_at
        )


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("お待ち")
    CALLED = "called", _("呼出中")
    IN_PROGRESS = "in_progress", _("相談中")
    DONE = "done", _("終了")
    NO_SHOW = "no_show", _("不在")


# What the desk may do to a ticket in each state, and the state it leads to.
TRANSITIONS: dict[str, dict[str, str]] = {
    "call": {TicketStatus.WAITING: TicketStatus.CALLED, TicketStatus.CALLED: TicketStatus.CALLED},
    "start": {TicketStatus.WAITING: TicketStatus.IN_PROGRESS, TicketStatus.CALLED: TicketStatus.IN_PROGRESS},
    "finish": {TicketStatus.IN_PROGRESS: TicketStatus.DONE},
    "no_show": {TicketStatus.WAITING: TicketStatus.NO_SHOW, TicketStatus.CALLED: TicketStatus.NO_SHOW},
}


class TicketQuerySet(ViewerQuerySet["Ticket"]):
    def of_site_on(self, site: Site, day: datetime.date) -> TicketQuerySet:
        return self.filter(site=site, issued_on=day)


class Ticket(models.Model):
    """A numbered ticket (受付番号) a terminal issues for the desk: numbered per site per day from 1, carrying the
    postings the person chose. The referrals a counselor records from it are kept with it."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("拠点"))
    terminal = models.ForeignKey(
        Terminal, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("求人検索端末")
    )
    issued_on = models.DateField(_("受付日"))
    number = models.PositiveIntegerField(_("受付番号"))
    issued_at = models.DateTimeField(_("発券日時"), default=timezone.now)
    status = models.CharField(
        _("状況"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("担当")
    )
    called_at = models.DateTimeField(_("呼出日時"), null=True, blank=True)
    started_at = models.DateTimeField(_("相談開始"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    postings = models.ManyToManyField(Posting, blank=True, related_name="+", verbose_name=_("選んだ求人"))
    referrals = models.ManyToManyField(Referral, blank=True, related_name="+", verbose_name=_("紹介"))

    objects = ViewerManager.from_queryset(TicketQuerySet)()

    class Meta:
        ordering = ["site", "issued_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "issued_on", "number"], name="ticket_number_per_day")
        ]
        verbose_name = _("受付票")
        verbose_name_plural = _("受付票")

    def __str__(self) -> str:
        return f"{self.number}"


class DailyCount(models.Model):
    """One terminal's figures for one day. Counted as they happen (``count``); a month's figures are the sum."""

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="counts")
    day = models.DateField(_("日付"))
    sessions = models.PositiveIntegerField(_("利用"), default=0)
    searches = models.PositiveIntegerField(_("検索"), default=0)
    views = models.PositiveIntegerField(_("求人の閲覧"), default=0)
    prints = models.PositiveIntegerField(_("印刷"), default=0)
    tickets = models.PositiveIntegerField(_("受付票"), default=0)
    referred = models.PositiveIntegerField(_("紹介に至った受付"), default=0)

    class Meta:
        ordering = ["day", "terminal"]
        constraints = [models.UniqueConstraint(fields=["terminal", "day"], name="terminal_count_per_day")]
        verbose_name = _("端末の利用実績")
        verbose_name_plural = _("端末の利用実績")

    def __str__(self) -> str:
        return f"{self.terminal_id} {self.day}"


FIGURES = ("sessions", "searches", "views", "prints", "tickets", "referred")


def count(terminal: Terminal, what: str, day: datetime.date | None = None) -> None:
    """Add one to ``terminal``'s ``what`` for ``day`` (today): one UPDATE, the row created the first time."""
    assert what in FIGURES  # noqa: S101 — a programming error, never the user's input
    day = day or timezone.localdate()
    if not DailyCount.objects.filter(terminal=terminal, day=day).update(**{what: F(what) + 1}):
        row, created = DailyCount.objects.get_or_create(terminal=terminal, day=day, defaults={what: 1})
        if not created:
            DailyCount.objects.filter(pk=row.pk).update(**{what: F(what) + 1})


class TerminalPin(models.Model):
    """The PIN a seeker types at a terminal with their 求職者ID, set by staff on the seeker's behalf: only its hash
    (``make_password``). Wrong tries are counted per seeker; enough of them lock the seeker's terminal sign-in for
    a while (``signin``)."""

    seeker = models.OneToOneField(
        Seeker, on_delete=models.CASCADE, related_name="terminal_pin", verbose_name=_("求職者")
    )
    pin_hash = models.CharField(max_length=200, editable=False)
    failures = models.PositiveSmallIntegerField(_("誤入力の回数"), default=0)
    locked_until = models.DateTimeField(_("ロックの期限"), null=True, blank=True)
    set_at = models.DateTimeField(_("設定日時"), default=timezone.now)
    set_by = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("端末のPIN")
        verbose_name_plural = _("端末のPIN")

    def __str__(self) -> str:
        return f"{self.seeker_id}"
