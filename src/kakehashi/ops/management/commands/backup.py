"""``kakehashi backup DIR`` and ``kakehashi backup --verify BACKUP`` (see ``kakehashi.ops.backup``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kakehashi.ops.backup import BackupError, create_backup, describe, verify_backup


class Command(BaseCommand):
    help = ("データベース全体をバックアップします（SQLite はオンラインバックアップ、PostgreSQL は pg_dump）。"
            "DIR の下に kakehashi-日時 のフォルダを作り、マニフェストとチェックサムを添えます。"
            "--verify BACKUP は、復元せずにバックアップを検査します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", type=Path, help="バックアップを置くフォルダ")
        parser.add_argument("--verify", metavar="BACKUP", help="検査するバックアップ（フォルダか manifest.json）")

    def handle(self, *args: Any, directory: Path | None, verify: str | None, **options: Any) -> None:
        if (directory is None) == (verify is None):
            raise CommandError("バックアップ先のフォルダか、--verify で検査するバックアップのどちらか一方を指定してください。")
        try:
            if verify is not None:
                manifest = verify_backup(Path(verify))
                self.stdout.write(f"問題ありません：{describe(manifest)}")
                return
            assert directory is not None  # noqa: S101  # checked above
            made = create_backup(directory)
            manifest = verify_backup(made)
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"{made}\n{describe(manifest)}")
