"""The scheduled jobs: when each is due, that each run is recorded (counts, or a Japanese error that stops no
other job), that each job is idempotent, that two runners never run one job at once, and the commands."""

from __future__ import annotations

import datetime
import io
import zoneinfo
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from kakehashi.development.models import GapSnapshot
from kakehashi.ops import jobs
from kakehashi.ops.models import JobRun
from kakehashi.referrals import actions
from kakehashi.referrals.models import FollowUp, Referral, ReferralSettings, TrialEmployment
from tests.world import World, client_for

D = datetime.date
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _locks_in_tmp(settings: Any, tmp_path: Any) -> None:
    """The SQLite job locks are files under VAR_DIR: the tests keep theirs out of the checkout's var/."""
    settings.VAR_DIR = tmp_path


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


def test_a_schedule_knows_its_latest_moment() -> None:
    daily, monthly = jobs.Schedule(6, 0), jobs.Schedule(4, 0, day=1)
    assert daily.latest(at(2026, 12, 2, 6, 0)) == at(2026, 12, 2, 6, 0)
    assert daily.latest(at(2026, 12, 2, 5, 59)) == at(2026, 12, 1, 6, 0)
    assert monthly.latest(at(2026, 12, 15, 12, 0)) == at(2026, 12, 1, 4, 0)
    assert monthly.latest(at(2026, 1, 1, 3, 0)) == at(2025, 12, 1, 4, 0)
    assert (daily.label(), monthly.label()) == ("毎日 6時00分", "毎月1日 4時00分")


def recorded(job: str, started: datetime.datetime, ok: bool | None) -> JobRun:
    return JobRun.objects.create(job=job, started_at=started, ok=ok,
                                 finished_at=started + datetime.timedelta(seconds=5) if ok is not None else None)


def test_a_job_is_due_until_it_succeeds_after_its_scheduled_time(db: None) -> None:
    job = jobs.JOBS["expire_referrals"]
    assert jobs.is_due(job, at(2026, 12, 2, 7, 0))  # never ran
    recorded(job.name, at(2026, 12, 2, 6, 0, 30), ok=True)
    assert not jobs.is_due(job, at(2026, 12, 2, 23, 0))
    assert jobs.is_due(job, at(2026, 12, 3, 6, 0))


def test_a_failed_job_is_tried_again_an_hour_later(db: None) -> None:
    job = jobs.JOBS["expire_referrals"]
    recorded(job.name, at(2026, 12, 2, 6, 0), ok=False)
    assert not jobs.is_due(job, at(2026, 12, 2, 6, 30))
    assert jobs.is_due(job, at(2026, 12, 2, 7, 1))


def test_a_job_switched_off_here_is_never_due(db: None, settings: Any) -> None:
    settings.KAKEHASHI_BACKUP_DIR = ""
    assert jobs.JOBS["backup"].unavailable() == "KAKEHASHI_BACKUP_DIR が設定されていません"
    assert not jobs.is_due(jobs.JOBS["backup"], at(2026, 12, 2, 7, 0))


def failing(day: datetime.date) -> dict[str, Any]:
    raise RuntimeError("見本 幸子 の行で失敗")


def test_a_failure_is_recorded_in_japanese_and_the_next_job_still_runs(
        db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = jobs.Job("expire_referrals", "回答期限切れの紹介の取消", jobs.Schedule(6, 0), jobs.DAILY, failing)
    monkeypatch.setitem(jobs.JOBS, "expire_referrals", broken)
    ran = dict((job.name, run) for job, run in jobs.run_due(at(2026, 12, 2, 7, 0)))
    failed, after = ran["expire_referrals"], ran["trial_reminders"]
    assert failed is not None and after is not None
    assert (failed.ok, failed.finished_at is not None) == (False, True)
    assert failed.error == "処理中にエラーが発生しました（RuntimeError）。詳しくはサーバーのログを見てください。"
    assert after.ok is True and after.counts["trials_ending"] == 0


def test_expiry_runs_once_however_often_the_job_is_run(world: World) -> None:
    stale = Referral.objects.create(referral_id="R-OLD", seeker=world.seekers["s_hw"], posting=world.posting,
                                    referred_on=D(2025, 6, 2))
    ReferralSettings.objects.create(site=world.tamashima, reminder_days=7, expiry_days=30)
    first = jobs.run_job(jobs.JOBS["expire_referrals"], day=D(2025, 7, 2))
    again = jobs.run_job(jobs.JOBS["expire_referrals"], day=D(2025, 7, 2))
    assert first is not None and again is not None
    assert (first.counts, again.counts) == ({"expired": 2}, {"expired": 0})  # R-1 of the world, and R-OLD
    stale.refresh_from_db()
    assert (stale.outcome, stale.reason) == ("withdrawn", "expired")


def test_the_trial_notices_count_each_site_and_change_nothing(world: World) -> None:
    referral = world.referral
    actions.do_start_trial(referral, started_on=D(2025, 8, 1), acting_user=world.hana)
    late = Referral.objects.create(referral_id="R-LATE", seeker=world.seekers["s_hw"], posting=world.posting,
                                   referred_on=D(2025, 3, 1))
    actions.do_start_trial(late, started_on=D(2025, 4, 1), acting_user=world.hana)
    trials = list(TrialEmployment.objects.values_list("pk", "outcome", "planned_end_on"))
    run = jobs.run_job(jobs.JOBS["trial_reminders"], day=D(2025, 10, 25))
    assert run is not None and run.ok
    # R-1's trial ends 10/31, within the default 14 days; R-LATE's ended 6/30 and is still recorded as ongoing.
    # Follow-ups: R-1's hire (8/1) one month on, due 9/1; R-LATE's (4/1) six months on, due 10/1 — its
    # one-month one (5/1) is more than 60 days past and has dropped off the list.
    assert (run.counts["trials_ending"], run.counts["trials_overdue"], run.counts["follow_ups_due"]) == (1, 1, 2)
    assert run.counts["sites"] == {"tamashima": {"trials_ending": 1, "trials_overdue": 1, "follow_ups_due": 2}}
    FollowUp.objects.create(referral=world.referral, milestone=1, checked_on=D(2025, 9, 2), still_employed=True)
    again = jobs.run_job(jobs.JOBS["trial_reminders"], day=D(2025, 10, 25))
    assert again is not None and again.counts["follow_ups_due"] == 1
    assert list(TrialEmployment.objects.values_list("pk", "outcome", "planned_end_on")) == trials


def test_the_gap_snapshot_takes_each_missing_month_once_and_keeps_what_it_took(world: World) -> None:
    job = jobs.JOBS["gap_snapshot"]
    first = jobs.run_job(job, day=D(2025, 7, 1))
    assert first is not None and first.counts["months"] == 1
    months = set(GapSnapshot.objects.values_list("month", flat=True))
    assert months == {D(2025, 6, 30)}
    # Each site and all sites together (Mizushima has no seekers in the world, so no rows of its own).
    assert set(GapSnapshot.objects.filter(month=D(2025, 6, 30)).values_list("site__code", flat=True)) == {
        "tamashima", None}
    taken = list(GapSnapshot.objects.values_list("pk", "computed_at"))
    again = jobs.run_job(job, day=D(2025, 7, 1))
    assert again is not None and again.counts == {"months": 0, "rows": 0}
    assert list(GapSnapshot.objects.values_list("pk", "computed_at")) == taken
    # The runs of August, September and October were missed: the one on 10/3 takes the three month ends.
    late = jobs.run_job(job, day=D(2025, 10, 3))
    assert late is not None and late.counts["months"] == 3
    assert set(GapSnapshot.objects.values_list("month", flat=True)) == {
        D(2025, 6, 30), D(2025, 7, 31), D(2025, 8, 31), D(2025, 9, 30)}


def test_retention_records_its_counts_and_no_ones_data(db: None) -> None:
    run = jobs.run_job(jobs.JOBS["retention"], day=D(2026, 12, 2))
    assert run is not None and run.ok
    assert run.counts["as_of"] == "2026-12-02" and run.counts["due"] == 0 and run.counts["dry_run"] is False


def test_a_job_another_process_is_running_is_skipped(db: None, tmp_path: Any) -> None:
    job = jobs.JOBS["trial_reminders"]
    if connection.vendor == "postgresql":
        # Another session holds the job's advisory lock.
        other = connection.get_new_connection(connection.get_connection_params())
        other.autocommit = True
        other.execute("SELECT pg_advisory_lock(%s)", [jobs._lock_key(job.name)])
        try:
            assert jobs.run_job(job) is None
        finally:
            other.close()
    else:
        import fcntl

        with (tmp_path / f"job-{job.name}.lock").open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            assert jobs.run_job(job) is None
    assert not JobRun.objects.exists()
    assert jobs.run_job(job) is not None


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_a_job_by_name_and_shows_the_status(world: World, settings: Any) -> None:
    settings.KAKEHASHI_BACKUP_DIR = ""
    assert "回答期限切れの紹介の取消（expire_referrals）：成功 expired 1" in run(
        "run", "expire-referrals", "--on", "令和7年7月2日")
    assert JobRun.objects.get().trigger == "manual"
    status = run("status")
    assert "expire_referrals" in status and "毎日 6時00分" in status and "初回待ち" in status
    assert "停止中（KAKEHASHI_BACKUP_DIR が設定されていません）" in status


@pytest.mark.parametrize(("args", "message"), [
    (("run",), "どちらか一方"),
    (("run", "nothing"), "処理「nothing」はありません"),
    (("run", "--due", "--on", "2026-12-01"), "--on は処理の名前"),
    (("run", "expire_referrals", "--on", "7月2日"), "日付"),
    (("run", "backup"), "KAKEHASHI_BACKUP_DIR が設定されていません"),
])
def test_the_command_refuses_in_japanese(db: None, settings: Any, args: tuple[str, ...], message: str) -> None:
    settings.KAKEHASHI_BACKUP_DIR = ""
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not JobRun.objects.exists()


def test_a_failed_job_makes_the_command_fail(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = jobs.Job("trial_reminders", "お知らせ", jobs.Schedule(6, 10), jobs.DAILY, failing)
    monkeypatch.setitem(jobs.JOBS, "trial_reminders", broken)
    with pytest.raises(CommandError, match="1 件の処理が失敗しました（trial_reminders）"):
        run("run", "trial_reminders")


def test_the_gap_board_says_the_snapshot_runs_on_its_own(world: World) -> None:
    page = client_for("sen").get(reverse("development:board"), {"site": "tamashima"}).content.decode()
    assert "kakehashi develop snapshot" not in page
    assert "月次の集計は毎月1日に自動で行われます。最初の集計はまだ行われていません。" in page
    JobRun.objects.create(job="gap_snapshot", started_at=at(2026, 12, 1, 4, 0), ok=True)
    page = client_for("sen").get(reverse("development:board"), {"site": "tamashima"}).content.decode()
    assert "月次の集計は毎月1日に自動で行われます（最終実行：2026年12月1日 04:00）。" in page
