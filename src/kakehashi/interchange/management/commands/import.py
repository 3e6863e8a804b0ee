"""``kakehashi import DIR`` / ``kakehashi import FILE --kind seekers``: interchange files in, as one transaction."""

import errno
import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from kakehashi.interchange.actions import ImportResult, do_import_files, files_in
from kakehashi.interchange.errors import ImportRejected
from kakehashi.interchange.kinds import KINDS, ORDER


class Command(BaseCommand):
    help = ("データ連携ファイル（employers.csv、seekers.csv、postings.csv、visits.csv、referrals.csv、targets.csv）を"
            "取り込みます。ディレクトリを指定するとある分をまとめて、ファイルを指定すると --kind の1種類を取り込みます。"
            "1行でも誤りがあれば何も登録せず、誤りをすべて表示して終了コード 1 で終わります。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="取り込むディレクトリ、またはファイル")
        parser.add_argument("--kind", choices=ORDER,
                            help="ファイルの種類（ファイル名が seekers.csv などの標準名なら省略可）")
        parser.add_argument("--user", help="取込を行う職員のユーザー名（監査ログに記録。省略時はシステム）")
        parser.add_argument("--json", dest="as_json", action="store_true", help="結果を JSON で出力する")
        parser.add_argument("--no-progress", action="store_true", help="進捗バーを表示しない")

    def handle(self, *args: Any, path: Path, kind: str | None, user: str | None, as_json: bool,
               no_progress: bool, **options: Any) -> None:
        files = self.files(path, kind)
        acting_user = None
        if user:
            try:
                acting_user = get_user_model()._default_manager.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("ユーザー「%(user)s」は登録されていません。") % {"user": user}) from None
        try:
            result = do_import_files(files, acting_user=acting_user,
                                     progress=not no_progress and sys.stderr.isatty())
        except ImportRejected as e:
            for error in e.errors:
                self.stderr.write(str(error))
            raise CommandError(str(e), returncode=1) from None
        except (DatabaseError, OSError) as e:
            # The transaction was rolled back (or never committed, when the connection itself failed).
            raise CommandError(failure_message(e), returncode=1) from None
        for warning in result.warnings:
            self.stderr.write(warning)
        self.report(result, as_json=as_json)

    def files(self, path: Path, kind: str | None) -> list[tuple[str, Path]]:
        if path.is_dir():
            if kind:
                target = path / f"{kind}.csv"
                if not target.is_file():
                    raise CommandError(_("%(path)s がありません。") % {"path": target})
                return [(kind, target)]
            found = files_in(path)
            if not found:
                raise CommandError(_("%(dir)s に取り込むファイル（%(names)s）がありません。")
                                   % {"dir": path, "names": "、".join(f"{k}.csv" for k in ORDER)})
            return found
        if not path.is_file():
            raise CommandError(_("%(path)s が見つかりません。") % {"path": path})
        kind = kind or (path.stem if path.suffix.lower() == ".csv" and path.stem in KINDS else None)
        if kind is None:
            raise CommandError(_("ファイルの種類を --kind で指定してください（%(kinds)s）。")
                               % {"kinds": "、".join(ORDER)})
        return [(kind, path)]

    def report(self, result: ImportResult, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"files": [f.as_dict() for f in result.files],
                                          "warnings": result.warnings, "seconds": result.seconds},
                                         ensure_ascii=False))
            return
        for f in result.files:
            self.stdout.write(_(
                "%(file)s（%(label)s、%(encoding)s）%(rows)s 行：新規 %(created)s、更新 %(updated)s、"
                "変更なし %(unchanged)s（%(seconds).1f 秒）") % {
                    "file": f.file, "label": KINDS[f.kind].label, "encoding": f.encoding, "rows": f"{f.rows:,}",
                    "created": f"{f.created:,}", "updated": f"{f.updated:,}", "unchanged": f"{f.unchanged:,}",
                    "seconds": f.seconds})
        self.stdout.write(_("取込を完了しました（%(seconds).1f 秒）。") % {"seconds": result.seconds})


# How SQLite and PostgreSQL say that the disk is full (SQLITE_FULL; PostgreSQL's "could not extend file … No space
# left on device"); when a file size limit stops SQLite, it says "disk I/O error".
DISK_FULL = ("database or disk is full", "no space left on device", "disk i/o error", "file too large")


def failure_message(error: Exception) -> str:
    """What to tell the user when the database or the disk failed during an import (Japanese)."""
    text = str(error).lower()
    if (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EFBIG)) or any(
            s in text for s in DISK_FULL):
        return _("ディスクの空きが足りないため、取込を中止しました。何も登録・更新していません。"
                 "空きを作ってから、もう一度実行してください。")
    return _("データベースのエラーのため、取込を中止しました。何も登録・更新していません（%(error)s）。") % {
        "error": str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}
