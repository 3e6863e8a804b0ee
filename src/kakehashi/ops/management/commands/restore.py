"""``kakehashi restore BACKUP [--force]`` (see ``kakehashi.ops.backup``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kakehashi.ops.backup import BackupError, audit_key_matches, describe, restore_backup


class Command(BaseCommand):
    help = ("バックアップをデータベースに復元します。先にチェックサムを検査し、空でないデータベースには --force を"
            "付けたときだけ復元します（今のデータは消えます）。PostgreSQL では所有者ロールで実行します。")
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="バックアップのフォルダか、その manifest.json")
        parser.add_argument("--force", action="store_true", help="空でないデータベースの中身を消してから復元する")

    def handle(self, *args: Any, backup: Path, force: bool, **options: Any) -> None:
        try:
            manifest = restore_backup(backup, force=force)
        except BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"復元しました：{describe(manifest)}")
        if audit_key_matches(manifest) is False:
            self.stdout.write("注意：この設置の監査ログの鍵は、バックアップを作った設置の鍵と違います。kakehashi audit verify が"
                              "通るよう、当時の AUDIT_HMAC_KEY（未設定なら SECRET_KEY）を設定してください。")
        self.stdout.write("古い版のバックアップなら、続けて kakehashi migrate を実行してください。")
