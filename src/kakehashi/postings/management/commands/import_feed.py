"""``kakehashi import-feed FILE [--mapping FILE] [--full]``: Hello Work's postings feed in, as one transaction."""

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from kakehashi.interchange.errors import ImportRejected
from kakehashi.postings.feed import (
    DEFAULT_MAPPING,
    FeedResult,
    Mapping,
    MappingError,
    do_import_feed,
    site_for,
)

# The interchange import's own words for a failed database or disk (its module is named after a keyword).
failure_message = importlib.import_module("kakehashi.interchange.management.commands.import").failure_message


class Command(BaseCommand):
    help = (
        "ハローワークの管内求人情報（区切り文字で区切ったファイル）を、対応表ファイル（JSON または TOML）の列名で"
        "読み、求人番号をキーに登録・更新します。--full を付けると、ファイルにない求人情報由来の求人を受付終了に"
        "します（この窓口で登録した求人は変えません）。1行でも誤りがあれば何も登録せず、誤りをすべて表示して"
        "終了コード 1 で終わります。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="取り込む求人情報のファイル")
        parser.add_argument(
            "--mapping",
            type=Path,
            default=DEFAULT_MAPPING,
            help="列の対応表（JSON または TOML。省略時は同梱のハローワーク求人情報の対応表）",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="ファイルを求人情報の全件とみなし、ファイルにない求人情報由来の求人を受付終了にする",
        )
        parser.add_argument("--site", help="求人を置く拠点のコード（拠点が1つなら省略可）")
        parser.add_argument("--user", help="取込を行う職員のユーザー名（監査ログに記録。省略時はシステム）")
        parser.add_argument("--json", dest="as_json", action="store_true", help="結果を JSON で出力する")
        parser.add_argument("--no-progress", action="store_true", help="進捗バーを表示しない")

    def handle(
        self,
        *args: Any,
        path: Path,
        mapping: Path,
        full: bool,
        site: str | None,
        user: str | None,
        as_json: bool,
        no_progress: bool,
        **options: Any,
    ) -> None:
        if not path.is_file():
            raise CommandError(_("%(path)s が見つかりません。") % {"path": path})
        try:
            layout = Mapping.load(mapping)
            site_id = site_for(site)
        except MappingError as e:
            raise CommandError(str(e)) from None
        acting_user = None
        if user:
            try:
                acting_user = get_user_model()._default_manager.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("ユーザー「%(user)s」は登録されていません。") % {"user": user}) from None
        try:
            result = do_import_feed(
                path,
                layout,
                site_id=site_id,
                full=full,
                acting_user=acting_user,
                progress=not no_progress and sys.stderr.isatty(),
            )
        except ImportRejected as e:
            for error in e.errors:
                self.stderr.write(str(error))
            raise CommandError(str(e), returncode=1) from None
        except (DatabaseError, OSError) as e:
            raise CommandError(failure_message(e), returncode=1) from None
        for warning in result.warnings:
            self.stderr.write(warning)
        self.report(result, as_json=as_json)

    def report(self, result: FeedResult, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            _(
                "%(file)s（%(encoding)s）%(rows)s 行：新規 %(created)s、更新 %(updated)s、変更なし %(unchanged)s、"
                "受付終了 %(closed)s、事業所の新規登録 %(employers)s（%(seconds).1f 秒）"
            )
            % {
                "file": result.file,
                "encoding": result.encoding,
                "rows": f"{result.rows:,}",
                "created": f"{result.created:,}",
                "updated": f"{result.updated:,}",
                "unchanged": f"{result.unchanged:,}",
                "closed": f"{result.closed:,}",
                "employers": f"{result.employers_created:,}",
                "seconds": result.seconds,
            }
        )
        self.stdout.write(_("取込を完了しました（%(seconds).1f 秒）。") % {"seconds": result.seconds})
