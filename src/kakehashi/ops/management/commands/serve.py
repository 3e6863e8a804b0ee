"""``kakehashi serve``: the production server (granian, ``kakehashi.ops.server``) after the start-up checks, with the scheduled jobs'
runner beside it when ``KAKEHASHI_JOBS_EVERY`` is set (systemd installations leave it unset and use the timer).
"""

from __future__ import annotations

import os
import subprocess  # noqa: S404  # starts this package's own runner with an argument list
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kakehashi.ops.server import granian_args
from kakehashi.ops.serving import NotReady, check_ready


class Command(BaseCommand):
    help = ("本番用のサーバー（granian）を起動します。データベースに未適用の移行があるとき、静的ファイルが集められて"
            "いないときは起動しません。KAKEHASHI_JOBS_EVERY（秒）を設定すると定期処理もその間隔で実行します。")
    requires_migrations_checks = False  # the check is ours, in Japanese, and refuses instead of warning

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="起動前の確認だけをして終わる")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        try:
            check_ready()
        except NotReady as e:
            raise CommandError(str(e)) from None
        if check:
            self.stdout.write("起動できます：データベースは最新の状態で、静的ファイルも揃っています。")
            return
        every = int(os.environ.get("KAKEHASHI_JOBS_EVERY", "0") or 0)
        if every > 0:
            # The runner checks every `every` seconds which jobs are due and ends when this process (the server,
            # after the exec below, with the same process id) ends.
            subprocess.Popen([sys.executable, "-m", "kakehashi.cli", "jobs", "loop", f"--every={every}",  # noqa: S603  # our own command
                              f"--parent={os.getpid()}"])
        from django.db import connections

        for conn in connections.all(initialized_only=True):
            conn.close()
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", "granian", *granian_args()])  # noqa: S606  # replaces this process with the server
