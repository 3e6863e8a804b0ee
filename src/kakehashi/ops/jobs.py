"""The scheduled jobs an installation runs without anyone typing a command, and the record of their runs.

Each job is a function of the day it runs for that returns what it counted; each is idempotent, so running it
twice, or again after a failure, or late after a power cut, gives the same database as running it once. One
command runs whichever are due: ``kakehashi jobs run --due``. In production a systemd timer starts it every
15 minutes (deploy/systemd/kakehashi-jobs.timer); under ``kakehashi serve`` without systemd, the server's own
runner starts the same command (``KAKEHASHI_JOBS_EVERY``). A job is due when it has not succeeded since its
latest scheduled time; a failed job is tried again an hour later.

Every run is a ``JobRun`` row. ``/healthz`` reports a job as late when its last success is older than its
``late_after`` (two days for a daily job, a month and two days for the monthly one).
"""

from __future__ import annotations

import datetime
import fcntl
import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Max
from django.utils import timezone

from .models import JobRun

logger = logging.getLogger(__name__)

RETRY_AFTER = datetime.timedelta(hours=1)
# A run with no end this long after its start was cut off (the machine stopped, the process was killed).
INTERRUPTED_AFTER = datetime.timedelta(hours=6)


class JobError(Exception):
    """A job could not do its work; the message, in Japanese, says why and goes into the run's record."""


@dataclass(frozen=True)
class Schedule:
    """Daily at ``hour:minute`` local time, or monthly on ``day`` at that time."""

    hour: int
    minute: int = 0
    day: int | None = None

    def latest(self, now: datetime.datetime) -> datetime.datetime:
        """The latest scheduled moment at or before ``now`` (aware, in the installation's time zone)."""
        local = timezone.localtime(now)
        at = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if self.day is None:
            return at if at <= local else at - datetime.timedelta(days=1)
        at = at.replace(day=self.day)
        if at > local:
            previous = at.replace(day=1) - datetime.timedelta(days=1)
            at = at.replace(year=previous.year, month=previous.month)
        return at

    def label(self) -> str:
        when = f"{self.hour}時{self.minute:02d}分"
        return f"毎日 {when}" if self.day is None else f"毎月{self.day}日 {when}"


@dataclass(frozen=True)
class Job:
    """A job of the registry: ``run(day)`` does the work for ``day`` and returns its counts; ``unavailable()``
    says, in Japanese, why the job is switched off on this installation ("" when it runs)."""

    name: str
    label: str
    schedule: Schedule
    late_after: datetime.timedelta
    run: Callable[[datetime.date], dict[str, Any]]
    unavailable: Callable[[], str] = lambda: ""


# --- the jobs ---------------------------------------------------------------------------------------------

def _expire_referrals(day: datetime.date) -> dict[str, Any]:
    """Referral reminders and expiry: withdraw the referrals employers left unanswered past their site's limit
    (the reminders themselves are the home page's list, computed as it is shown)."""
    from kakehashi.referrals.actions import do_expire_referrals

    return {"expired": len(do_expire_referrals(on=day))}


def _trial_reminders(day: datetime.date) -> dict[str, Any]:
    """The day's trial-employment and retention follow-up notices, counted for each site and in all: trials
    ending within their site's notice days, trials past their planned end still recorded as ongoing, and
    one- and six-month follow-ups due and unrecorded (the home page lists each counselor's own, as it is shown;
    this tally is the installation-wide record of what was outstanding that day). It changes no record."""
    from kakehashi.referrals.models import (
        FollowUp,
        Milestone,
        Referral,
        ReferralSettings,
        TrialEmployment,
        TrialOutcome,
        months_after,
    )
    from kakehashi.referrals.reminders import FOLLOW_UP_GRACE_DAYS

    limits = ReferralSettings.by_site()
    default = ReferralSettings()
    counts: dict[str, Any] = {"trials_ending": 0, "trials_overdue": 0, "follow_ups_due": 0}
    by_site: dict[str, dict[str, int]] = {}

    def add(site_code: str, key: str) -> None:
        counts[key] += 1
        site = by_site.setdefault(site_code, {"trials_ending": 0, "trials_overdue": 0, "follow_ups_due": 0})
        site[key] += 1

    trials = (TrialEmployment.objects.filter(outcome=TrialOutcome.ONGOING)
              .values_list("planned_end_on", "referral__seeker__site_id", "referral__seeker__site__code"))
    for planned_end, site_id, code in trials:
        notice = (limits.get(site_id) or default).trial_notice_days
        if planned_end < day:
            add(code or "", "trials_overdue")
        elif planned_end <= day + datetime.timedelta(days=notice):
            add(code or "", "trials_ending")

    earliest = months_after(day - datetime.timedelta(days=FOLLOW_UP_GRACE_DAYS), -max(Milestone.values))
    hires = (Referral.objects.placements_between(earliest - datetime.timedelta(days=3), day)
             .select_related("seeker__site").prefetch_related("follow_ups"))
    for r in hires:
        if r.outcome_on is None:  # a hire always has its date; this narrows the type
            continue
        done = {f.milestone for f in r.follow_ups.all()}
        for m in Milestone.values:
            due = FollowUp.due_on(r.outcome_on, m)
            if m not in done and due <= day and (day - due).days <= FOLLOW_UP_GRACE_DAYS:
                add(r.seeker.site.code if r.seeker.site else "", "follow_ups_due")
    counts["sites"] = dict(sorted(by_site.items()))
    return counts


def _gap_snapshot(day: datetime.date) -> dict[str, Any]:
    """The monthly needs-gap snapshot: each month end since the last one stored, up to the last month end
    before ``day`` (at most twelve), for every site and for all sites together, one month in one transaction.
    A month already stored is left as it is: who was looking for work on a past date cannot be rebuilt from
    today's records, so a late run must not overwrite a snapshot taken on time."""
    from kakehashi.accounts.models import Site
    from kakehashi.development.actions import do_save_gap_snapshot
    from kakehashi.development.models import GapSnapshot
    from kakehashi.engine.calendar import month_end

    latest = day.replace(day=1) - datetime.timedelta(days=1)
    done = GapSnapshot.objects.filter(site=None).aggregate(last=Max("month"))["last"]
    months: list[datetime.date] = []
    at = month_end(done + datetime.timedelta(days=1)) if done else latest
    while at <= latest:
        months.append(at)
        at = month_end(at + datetime.timedelta(days=1))
    months = months[-12:]
    rows = 0
    sites: list[Site | None] = [*Site.objects.order_by("code"), None]
    for month in months:
        with transaction.atomic():
            for site in sites:
                rows += do_save_gap_snapshot(acting_user=None, site=site, day=month)
    return {"months": len(months), "rows": rows}


def _development_refresh(day: datetime.date) -> dict[str, Any]:
    """The day's needs-gap market and targeting coefficients, computed before anyone opens the pages that show
    them and kept in the database (``development.refresh``); what is already fresh is left as it is."""
    from kakehashi.development.refresh import refresh

    return refresh(day)


def _retention(day: datetime.date) -> dict[str, Any]:
    """Retention: anonymise the personal data past the installation's retention period (what ``kakehashi
    retention apply`` does, keeping every figure); the run's record keeps its counts, no one's data."""
    from kakehashi.retention.actions import apply_retention

    return apply_retention(as_of=day).counts()


def _backup_dir() -> str:
    return "" if getattr(settings, "KAKEHASHI_BACKUP_DIR", "") else "KAKEHASHI_BACKUP_DIR が設定されていません"


def _backup(day: datetime.date) -> dict[str, Any]:
    """The daily backup into ``KAKEHASHI_BACKUP_DIR``, verified once written; then the backups beyond the
    newest ``KAKEHASHI_BACKUP_KEEP`` are removed."""
    from . import backup

    made = backup.create_backup(Path(settings.KAKEHASHI_BACKUP_DIR))
    manifest = backup.verify_backup(made)
    removed = backup.prune_backups(Path(settings.KAKEHASHI_BACKUP_DIR), keep=settings.KAKEHASHI_BACKUP_KEEP)
    return {"backup": made.name, "bytes": sum(f["bytes"] for f in manifest["files"]),
            "tables": len(manifest["rows"]), "rows": sum(manifest["rows"].values()), "removed": len(removed)}


DAILY = datetime.timedelta(days=2)
MONTHLY = datetime.timedelta(days=33)

JOBS: dict[str, Job] = {j.name: j for j in [
    Job("backup", "バックアップ", Schedule(2, 0), DAILY, _backup, _backup_dir),
    Job("retention", "保存期間を過ぎた個人データの整理", Schedule(3, 0), DAILY, _retention),
    Job("gap_snapshot", "需給ギャップの月次集計", Schedule(4, 0, day=1), MONTHLY, _gap_snapshot),
    Job("expire_referrals", "回答期限切れの紹介の取消", Schedule(6, 0), DAILY, _expire_referrals),
    Job("trial_reminders", "トライアル雇用・定着確認のお知らせ", Schedule(6, 10), DAILY, _trial_reminders),
    # After the night's jobs that change records (retention, expiry), so that what it computes stays fresh.
    Job("development_refresh", "求人開拓の集計の事前計算", Schedule(6, 20), DAILY, _development_refresh),
]}


# --- running ----------------------------------------------------------------------------------------------

def _lock_key(name: str) -> int:
    return zlib.crc32(f"kakehashi.ops.jobs:{name}".encode())


@contextmanager
def _exclusive(name: str) -> Iterator[bool]:
    """Whether this process may run ``name`` now: false while another process runs it (the timer and a manual
    run, or two machines on one database). The lock dies with its process or connection, so a killed run
    never leaves it held."""
    if connection.vendor == "postgresql":
        key = _lock_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    path = Path(settings.VAR_DIR) / f"job-{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _error_text(error: BaseException) -> str:
    from django.core.management.base import CommandError

    from .backup import BackupError

    if isinstance(error, JobError | CommandError | BackupError):
        return str(error)
    if isinstance(error, OSError) and error.errno is not None:
        return f"ファイルまたはディスクの操作に失敗しました（{type(error).__name__}：{error.strerror}）"
    return f"処理中にエラーが発生しました（{type(error).__name__}）。詳しくはサーバーのログを見てください。"


def run_job(job: Job, *, day: datetime.date | None = None, trigger: str = "schedule") -> JobRun | None:
    """Run ``job`` for ``day`` (today by default) and record the run. Returns None without running when
    another process is running the same job. A failure is recorded with its Japanese message and logged with
    its traceback; it is not raised."""
    day = day or timezone.localdate()
    with _exclusive(job.name) as mine:
        if not mine:
            return None
        run = JobRun.objects.create(job=job.name, trigger=trigger)
        try:
            counts = job.run(day)
        except Exception as e:  # any failure is the job's result; it is recorded, and the next job still runs
            logger.exception("job %s failed", job.name)
            run.ok, run.error = False, _error_text(e)
        else:
            run.ok, run.counts = True, counts
        run.finished_at = timezone.now()
        run.save(update_fields=["ok", "error", "counts", "finished_at"])
        return run


def is_due(job: Job, now: datetime.datetime) -> bool:
    """Whether ``job`` has not succeeded since its latest scheduled moment and was not tried in the last hour."""
    if job.unavailable():
        return False
    runs = JobRun.objects.of(job.name)
    if runs.succeeded().filter(started_at__gte=job.schedule.latest(now)).exists():
        return False
    return not runs.filter(started_at__gt=now - RETRY_AFTER).exclude(ok=True).exists()


def run_due(now: datetime.datetime | None = None) -> list[tuple[Job, JobRun | None]]:
    """Run, in the registry's order, every job that is due."""
    now = now or timezone.now()
    return [(job, run_job(job, day=timezone.localdate(now))) for job in JOBS.values() if is_due(job, now)]


# --- health -----------------------------------------------------------------------------------------------

@dataclass
class JobHealth:
    """How one job stands: ``ok``; ``late`` (no success within ``late_after``); ``never`` (no success since
    the jobs were installed more than ``late_after`` ago); ``waiting`` (installed less than that ago and not yet
    succeeded); ``disabled`` (switched off on this installation, with the reason)."""

    job: Job
    status: str
    last_success: datetime.datetime | None
    last_run: JobRun | None
    reason: str = ""

    @property
    def healthy(self) -> bool:
        return self.status in ("ok", "waiting", "disabled")

    def as_dict(self) -> dict[str, Any]:
        """For ``/healthz``: dates and a status word, never the error text (it may quote a record)."""
        def iso(at: datetime.datetime | None) -> str | None:
            return timezone.localtime(at).isoformat(timespec="seconds") if at else None

        return {"status": self.status, "last_success": iso(self.last_success),
                "last_run": iso(self.last_run.started_at) if self.last_run else None,
                "last_run_ok": self.last_run.ok if self.last_run else None}


def _installed_at() -> datetime.datetime | None:
    """When the jobs' table was created: a job has had its own period since then to succeed once."""
    return (MigrationRecorder.Migration.objects.filter(app="ops").order_by("applied")
            .values_list("applied", flat=True).first())


def health(now: datetime.datetime | None = None) -> list[JobHealth]:
    """Each job's standing at ``now``, in the registry's order, from three queries."""
    now = now or timezone.now()
    last_ok = dict(JobRun.objects.succeeded().order_by().values("job").annotate(at=Max("started_at"))
                   .values_list("job", "at"))
    latest = {r.job: r for r in JobRun.objects.filter(
        pk__in=JobRun.objects.order_by().values("job").annotate(last=Max("pk")).values("last"))}
    installed = _installed_at()
    out = []
    for job in JOBS.values():
        success, run = last_ok.get(job.name), latest.get(job.name)
        reason = job.unavailable()
        if reason:
            status = "disabled"
        elif success is not None:
            status = "ok" if now - success <= job.late_after else "late"
        elif installed is not None and now - installed <= job.late_after:
            status = "waiting"
        else:
            status = "never"
        out.append(JobHealth(job, status, success, run, reason))
    return out


def run_state(run: JobRun | None, now: datetime.datetime) -> str:
    """A run's result in words for ``kakehashi jobs status``."""
    if run is None:
        return "未実行"
    if run.ok is None:
        return "中断" if now - run.started_at > INTERRUPTED_AFTER else "実行中"
    return "成功" if run.ok else "失敗"
