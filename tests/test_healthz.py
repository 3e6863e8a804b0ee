"""``/healthz`` tells the database and each scheduled job's last success apart, fails (503) when a job is late
or never succeeded, needs no sign-in and shows nothing about a person."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import DatabaseError
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from kakehashi.ops import jobs, views
from kakehashi.ops.models import JobRun

NOW = timezone.now()


def succeeded(name: str, ago: datetime.timedelta) -> JobRun:
    return JobRun.objects.create(job=name, started_at=NOW - ago, finished_at=NOW - ago, ok=True)


def every_job_succeeded(ago: datetime.timedelta = datetime.timedelta(hours=3)) -> None:
    for name in jobs.JOBS:
        succeeded(name, ago)


@pytest.fixture
def jobs_installed_long_ago(db: None) -> None:
    MigrationRecorder.Migration.objects.filter(app="ops").update(applied=NOW - datetime.timedelta(days=90))


@pytest.fixture
def every_job_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, job in jobs.JOBS.items():
        monkeypatch.setitem(jobs.JOBS, name, jobs.Job(job.name, job.label, job.schedule, job.late_after, job.run))


def healthz() -> tuple[int, dict[str, Any]]:
    r = Client().get("/healthz")
    assert r["Content-Type"] == "application/json"
    assert {"no-cache", "no-store"} & {w.strip() for w in r["Cache-Control"].split(",")}  # a monitor sees it live
    return r.status_code, r.json()


def test_it_answers_ok_with_the_database_and_every_job(jobs_installed_long_ago: None,
                                                       every_job_enabled: None) -> None:
    every_job_succeeded()
    status, body = healthz()
    assert status == 200 and (body["status"], body["database"]) == ("ok", "ok")
    assert list(body["jobs"]) == list(jobs.JOBS)
    expire = body["jobs"]["expire_referrals"]
    assert expire["status"] == "ok" and expire["last_run_ok"] is True
    assert datetime.datetime.fromisoformat(expire["last_success"]) == (NOW - datetime.timedelta(hours=3)).replace(
        microsecond=0)


def test_a_daily_job_without_success_for_two_days_fails_the_check(jobs_installed_long_ago: None,
                                                                  every_job_enabled: None) -> None:
    every_job_succeeded()
    JobRun.objects.filter(job="expire_referrals").delete()
    succeeded("expire_referrals", datetime.timedelta(days=2, hours=1))
    JobRun.objects.create(job="expire_referrals", started_at=NOW - datetime.timedelta(hours=1), ok=False,
                          error="処理中にエラーが発生しました（OperationalError）。")
    status, body = healthz()
    assert status == 503 and body["status"] == "error" and body["database"] == "ok"
    assert body["jobs"]["expire_referrals"]["status"] == "late"
    assert body["jobs"]["expire_referrals"]["last_run_ok"] is False
    assert body["jobs"]["trial_reminders"]["status"] == "ok"


def test_the_monthly_snapshot_is_late_only_after_its_own_period(jobs_installed_long_ago: None,
                                                                 every_job_enabled: None) -> None:
    every_job_succeeded()
    JobRun.objects.filter(job="gap_snapshot").update(started_at=NOW - datetime.timedelta(days=30))
    assert healthz()[0] == 200
    JobRun.objects.filter(job="gap_snapshot").update(started_at=NOW - datetime.timedelta(days=34))
    status, body = healthz()
    assert status == 503 and body["jobs"]["gap_snapshot"]["status"] == "late"


def test_a_job_that_never_succeeded_fails_once_it_had_its_period(db: None, every_job_enabled: None) -> None:
    status, body = healthz()
    assert status == 200 and {j["status"] for j in body["jobs"].values()} == {"waiting"}
    MigrationRecorder.Migration.objects.filter(app="ops").update(applied=NOW - datetime.timedelta(days=3))
    status, body = healthz()
    assert status == 503
    assert body["jobs"]["expire_referrals"]["status"] == "never"
    assert body["jobs"]["gap_snapshot"]["status"] == "waiting"  # a month has not passed yet


def test_a_job_switched_off_here_is_reported_and_does_not_fail_the_check(jobs_installed_long_ago: None,
                                                                        settings: Any) -> None:
    settings.KAKEHASHI_BACKUP_DIR = ""
    every_job_succeeded()
    JobRun.objects.filter(job="backup").delete()
    status, body = healthz()
    assert status == 200 and body["jobs"]["backup"]["status"] == "disabled"


def test_a_database_that_does_not_answer_is_told_apart(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def cursor(self) -> None:
            raise DatabaseError("connection refused")

    monkeypatch.setattr(views, "connection", Down())
    status, body = healthz()
    assert status == 503 and (body["status"], body["database"]) == ("error", "error")
    assert {j["status"] for j in body["jobs"].values()} == {"unknown"}


def test_it_shows_no_error_text_and_nothing_about_a_person(jobs_installed_long_ago: None) -> None:
    JobRun.objects.create(job="expire_referrals", ok=False, finished_at=NOW,
                          error="紹介 R-1（見本 幸子）の取消に失敗しました", counts={"seeker": "見本 幸子"})
    r = Client().get("/healthz")
    assert "見本" not in r.content.decode() and "R-1" not in r.content.decode()


def test_it_needs_no_sign_in_and_answers_only_get(db: None) -> None:
    assert Client().get("/healthz").status_code in (200, 503)
    assert Client().post("/healthz").status_code == 405


def test_a_failure_answers_a_page_in_the_users_language_and_a_lost_database_a_503() -> None:
    from django.db import OperationalError
    from django.test import RequestFactory
    from django.utils import translation

    from kakehashi.ops.unavailable import server_error

    request = RequestFactory().get("/seekers/")
    for exc, status, heading in ((OperationalError("connection refused"), 503, "ただいま利用できません"),
                                 (ValueError("a fault"), 500, "エラーが発生しました")):
        try:
            raise exc
        except Exception:
            r = server_error(request)
        body = r.content.decode()
        assert r.status_code == status and f"<h1>{heading}</h1>" in body and "Traceback" not in body
        assert ("Retry-After" in r) == (status == 503)
    with translation.override("en"):
        try:
            raise OperationalError("gone")
        except OperationalError:
            body = server_error(request).content.decode()
    assert "<h1>Temporarily unavailable</h1>" in body and 'lang="en"' in body
