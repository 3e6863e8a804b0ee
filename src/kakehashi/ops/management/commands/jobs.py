"""``kakehashi jobs``: the scheduled jobs — run one or those due, show how each stands, or keep running the due
ones at an interval (the runner beside ``kakehashi serve`` where systemd's timer is not used)."""

from __future__ import annotations

import os
import subprocess  # noqa: S404  # each round of the loop is this command again, with an argument list
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kakehashi.engine.calendar import DateFormatError, parse_date
from kakehashi.ops import jobs
from kakehashi.ops.models import JobRun


def _at(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


class Command(BaseCommand):
    help = ("定期処理（バックアップ、保存期間の整理、需給ギャップの月次集計、回答期限切れの取消、トライアル雇用・定着確認の"
            "お知らせ）を実行し、その状況を表示します。")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("run", help="処理を実行する：名前を指定するとその処理を今すぐ、--due で予定の来たものすべて")
        r.add_argument("name", nargs="?", help=f"処理の名前（{'、'.join(jobs.JOBS)}）")
        r.add_argument("--due", action="store_true", help="予定時刻を過ぎてまだ成功していない処理をすべて実行する")
        r.add_argument("--on", help="処理の基準日（名前を指定したときだけ。省略時は今日）")
        sub.add_parser("status", help="処理ごとの予定、最後の成功、最後の実行結果")
        loop = sub.add_parser("loop", help="--every 秒ごとに run --due を実行し続ける（systemd のタイマーを使わないとき）")
        loop.add_argument("--every", type=int, default=900, help="間隔（秒、既定 900）")
        loop.add_argument("--parent", type=int, help="このプロセスが終わったら止まる（kakehashi serve が指定）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _run(self, *, name: str | None, due: bool, on: str | None, **_: Any) -> None:
        if bool(name) == due:
            raise CommandError("処理の名前か --due のどちらか一方を指定してください。")
        if due:
            if on:
                raise CommandError("--on は処理の名前を指定したときだけ使えます。")
            ran = jobs.run_due()
            if not ran:
                self.stdout.write("予定の来た処理はありません。")
        else:
            job = jobs.JOBS.get(str(name).strip().replace("-", "_"))
            if job is None:
                raise CommandError(f"処理「{name}」はありません。処理の名前：{'、'.join(jobs.JOBS)}")
            reason = job.unavailable()
            if reason:
                raise CommandError(f"{job.label}（{job.name}）は実行できません：{reason}")
            try:
                day = parse_date(on) if on else None
            except DateFormatError as e:
                raise CommandError(str(e)) from None
            ran = [(job, jobs.run_job(job, day=day, trigger="manual"))]
        failed = []
        for job, run in ran:
            if run is None:
                self.stdout.write(f"{job.label}（{job.name}）：ほかで実行中のため飛ばしました。")
            elif run.ok:
                counts = "、".join(f"{k} {v}" for k, v in run.counts.items() if not isinstance(v, dict))
                self.stdout.write(f"{job.label}（{job.name}）：成功 {counts}".rstrip())
            else:
                failed.append(job.name)
                self.stdout.write(f"{job.label}（{job.name}）：失敗 {run.error}")
        if failed:
            raise CommandError(f"{len(failed)} 件の処理が失敗しました（{'、'.join(failed)}）。")

    def _status(self, **_: Any) -> None:
        now = timezone.now()
        standing = jobs.health(now)
        for h in standing:
            words = {"ok": "正常", "late": "遅れ", "never": "未成功", "waiting": "初回待ち", "disabled": "停止中"}
            state = words[h.status] + (f"（{h.reason}）" if h.reason else "")
            self.stdout.write(f"{h.job.name:<17} {h.job.schedule.label():<14} {state}")
            self.stdout.write(f"{'':<17} 最後の成功 {_at(h.last_success)}　最後の実行 {_at(h.last_run.started_at if h.last_run else None)}"
                              f" {jobs.run_state(h.last_run, now)}")
            if h.last_run is not None and h.last_run.ok is False:
                self.stdout.write(f"{'':<17} {h.last_run.error}")
        if not all(h.healthy for h in standing):
            raise CommandError("遅れているか、一度も成功していない処理があります。")
        if not JobRun.objects.exists():
            self.stdout.write("まだ一度も実行されていません。")

    def _loop(self, *, every: int, parent: int | None, **_: Any) -> None:
        every = max(60, every)
        while True:
            # Each round is a process of its own, as under systemd's timer: a round's memory and database
            # connections end with it.
            subprocess.run([sys.executable, "-m", "kakehashi.cli", "jobs", "run", "--due"], check=False)  # noqa: S603  # our own command
            for _second in range(every):
                if parent is not None and os.getppid() != parent:
                    return
                time.sleep(1)
