"""``kakehashi audit verify`` and ``kakehashi audit export``: check the audit chain; the audit log as tables.

``verify`` exits 0 and prints the chain's head (to be written down elsewhere: docs/audit.md) when every row is
intact, and exits 1 naming the first row edited, deleted, inserted or moved otherwise.
"""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.audit import chain
from kakehashi.audit.export import LANGUAGES, RECORDS, Query, export
from kakehashi.audit.log import record
from kakehashi.audit.models import Action, AuditEvent
from kakehashi.engine.calendar import DateFormatError, parse_date

FORMATS = ("csv", "xlsx")


class _Unwrapped:
    """The command's stdout without the line ending Django's wrapper adds to each write (CSV ends its own)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")


class Command(BaseCommand):
    help = "監査ログ：封印の連鎖を検証します（verify）。期間の操作記録と第三者提供記録を出力します（export）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, title="subcommand")
        v = sub.add_parser("verify", help="監査ログの全行を順にたどり、書き換え・削除・挿入・順序の入れ替えを調べます。"
                                          "異常がなければ末尾（連番と封印）を表示します。")
        v.add_argument("--anchor", action="append", default=[], metavar="連番:封印",
                       help="以前の verify が表示し、別の場所に控えておいた末尾（例：1204518:5c7b…）。監査ログが"
                            "その行まで同じ封印で続いているかを確かめます。複数指定できます。")
        e = sub.add_parser("export", help="期間の操作記録（誰が何を見た・変えた）と第三者提供記録（同意に基づく"
                                          "機関間の提供）を CSV または Excel で出力します。")
        e.add_argument("--from", dest="date_from", required=True,
                       help="期間の初日（2026-04-01、令和8年4月1日、R8.4.1 など）")
        e.add_argument("--to", dest="date_to", required=True, help="期間の末日（この日を含む）")
        e.add_argument("--seeker", help="この求職者ID の方の記録だけ（本人からの開示請求に）")
        e.add_argument("--format", dest="fmt", choices=FORMATS, required=True,
                       help="csv（表を1つ、UTF-8 BOM 付き）か xlsx（2つの表をシート別に）")
        e.add_argument("--records", choices=tuple(RECORDS), default="events",
                       help="CSV に出す表：events＝操作記録（既定）、provisions＝第三者提供記録")
        e.add_argument("--output", help="出力先のファイル（省略時：csv は標準出力、xlsx は "
                                        "audit-初日-末日.xlsx）")
        e.add_argument("--user", help="出力する職員のユーザー名（監査ログに記録。省略時はシステム）")
        e.add_argument("--language", choices=LANGUAGES, default="ja",
                       help="表の見出し・ラベル・目的の言語：ja（既定）か en（英語）。記録された内容はそのまま")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            self.verify(options["anchor"])
        else:
            self.export(**options)

    def verify(self, anchor: list[str]) -> None:
        anchors = {}
        for text in anchor:
            seq, _, digest = text.strip().partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError(f"--anchor「{text}」は「連番:封印」（封印は16進64文字）の形で指定してください。")
            anchors[int(seq)] = digest.lower()
        result = chain.verify(anchors=anchors)
        if result.problem is not None:
            lines = [f"監査ログの連鎖に異常があります（{result.rows:,} 行目まで正常）：", result.problem.message]
            if not result.key_matches:
                lines.append("検証に使った鍵が、監査ログを封印した鍵と異なります。AUDIT_HMAC_KEY（未設定なら "
                             "SECRET_KEY）が記録したときと同じか確かめてください。")
            if result.missing_triggers:
                lines.append(f"追記専用のトリガーもありません：{', '.join(result.missing_triggers)}")
            raise CommandError("\n".join(lines), returncode=1)
        if result.missing_triggers:
            raise CommandError("監査ログの連鎖は正常ですが、更新と削除を拒むトリガーがありません："
                               f"{', '.join(result.missing_triggers)}（kakehashi migrate の後に作り直されます。"
                               "docs/audit.md）", returncode=1)
        self.stdout.write(f"監査ログの連鎖は正常です（{result.rows:,} 行）。")
        self.stdout.write(f"末尾の連番：{result.head_seq}")
        self.stdout.write(f"末尾の封印：{result.head_digest or '（なし）'}")
        self.stdout.write("この2行を監査ログとは別の場所に控えておくと、後の verify で末尾が削除されていないか"
                          "照合できます。")

    def export(self, *, date_from: str, date_to: str, seeker: str | None, fmt: str, records: str,
               output: str | None, user: str | None, language: str = "ja", **options: Any) -> None:
        try:
            start = parse_date(date_from)
        except DateFormatError as e:
            raise CommandError(f"--from：{e}") from None
        try:
            end = parse_date(date_to)
        except DateFormatError as e:
            raise CommandError(f"--to：{e}") from None
        if start > end:
            raise CommandError(f"期間の初日（{start.isoformat()}）が末日（{end.isoformat()}）より後になっています。")
        acting_user = None
        if user:
            try:
                acting_user = get_user_model()._default_manager.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"ユーザー「{user}」は登録されていません。") from None
        person = None
        if seeker:
            from kakehashi.seekers.models import Seeker

            person = Seeker.objects.filter(seeker_id=seeker.strip()).first()
            if person is None:
                raise CommandError(f"求職者ID「{seeker}」の求職者は登録されていません。")
        query = Query(start, end, person.pk if person is not None else None)
        if fmt == "xlsx" and not output:
            output = f"audit-{start.isoformat()}-{end.isoformat()}" + (f"-{seeker}" if seeker else "") + ".xlsx"
        path = Path(output) if output else None
        if path is not None and not path.parent.is_dir():
            raise CommandError(f"「{path.parent}」というフォルダはありません。")
        try:
            if path is None:
                counts, seen = export(_Unwrapped(self.stdout), fmt, records, query, language)
            elif fmt == "csv":
                with path.open("w", encoding="utf-8", newline="") as text:
                    counts, seen = export(text, fmt, records, query, language)
            else:
                with path.open("wb") as binary:
                    counts, seen = export(binary, fmt, records, query, language)
        except OSError as e:
            raise CommandError(f"「{output}」に書き込めません：{e.strerror}") from None
        # The export shows who saw whom: it is itself a read of every person it names.
        with transaction.atomic():
            record(acting_user, Action.EXPORT, AuditEvent, [], purpose=N_("監査ログの出力"), subject=person,
                   detail={"from": start.isoformat(), "to": end.isoformat(), "seeker": seeker or "",
                           "format": fmt, "records": sorted(counts), "rows": counts},
                   persons={pk: "administrator" for pk in seen})
        if path is not None:
            sheets = "、".join(f"{RECORDS[r]} {n:,} 行" for r, n in counts.items())
            self.stderr.write(f"{path}（{start.isoformat()}〜{end.isoformat()}：{sheets}）")
