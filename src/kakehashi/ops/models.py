"""The record of the scheduled jobs' runs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRunQuerySet(models.QuerySet["JobRun"]):
    def of(self, name: str) -> JobRunQuerySet:
        return self.filter(job=name)

    def succeeded(self) -> JobRunQuerySet:
        return self.filter(ok=True)


class JobRun(models.Model):
    """One run of a scheduled job (``kakehashi.ops.jobs``): when it started and finished, whether it succeeded,
    what it counted, and — when it failed — why, in Japanese. A run still in progress has no ``finished_at``.

    Rows hold counts and dates only, never a person's data: ``/healthz`` and ``kakehashi jobs status`` read them
    without any sign-in."""

    job = models.CharField(_("処理"), max_length=40)
    started_at = models.DateTimeField(_("開始"), default=timezone.now)
    finished_at = models.DateTimeField(_("終了"), null=True, blank=True)
    ok = models.BooleanField(_("成功"), null=True)
    counts = models.JSONField(_("件数"), default=dict, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    trigger = models.CharField(_("起動"), max_length=20, default="schedule")

    objects = JobRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["job", "ok", "started_at"])]
        verbose_name = _("定期処理の実行")
        verbose_name_plural = _("定期処理の実行")

    def __str__(self) -> str:
        state = "実行中" if self.ok is None else ("成功" if self.ok else "失敗")
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {state}"
