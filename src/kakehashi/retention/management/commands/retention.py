"""``kakehashi retention apply [--dry-run] [--as-of DATE]``: anonymise the personal data of the seekers past the
installation's retention period, keeping every figure (docs/retention.md)."""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kakehashi.engine.calendar import DateFormatError, parse_date
from kakehashi.retention.actions import RetentionRun, apply_retention

# No record of the programme is older; an earlier day is a typing mistake (0226 for 2026).
EARLIEST_AS_OF = datetime.date(1990, 1, 1)


def _day(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _records(run: RetentionRun) -> str:
    return "、".join(f"{apps.get_model(label)._meta.verbose_name} {n:,}件" for label, n in run.records.items())


class Command(BaseCommand):
    help = "保存期間を過ぎた求職者の個人データを匿名化します（集計の数字は変わりません）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, title="subcommand")
        a = sub.add_parser("apply", help="最後の記録から保存期間（設置自治体の設定、既定5年）が過ぎ、支援を終えた"
                                         "求職者の氏名・連絡先・記録の文章を消去し、生年と位置を粗くします。")
        a.add_argument("--dry-run", action="store_true",
                       help="何も変更せず、対象の求職者と変更される記録の件数を表示します。")
        a.add_argument("--as-of", help="基準日（2026-04-01、令和8年4月1日、R8.4.1 など。省略時は今日）。"
                                       "未来の日付は --dry-run のときだけ指定できます。")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        today = timezone.localdate()
        as_of = today
        if options.get("as_of"):
            try:
                as_of = parse_date(options["as_of"])
            except DateFormatError as e:
                raise CommandError(f"--as-of：{e}") from None
            if as_of < EARLIEST_AS_OF:
                raise CommandError(f"--as-of：{_day(EARLIEST_AS_OF)}より前の基準日は指定できません"
                                   f"（入力：{options['as_of']}）。")
            if as_of > today and not options["dry_run"]:
                raise CommandError(f"--as-of：未来の基準日（{_day(as_of)}）は --dry-run のときだけ指定できます。"
                                   "匿名化は元に戻せないため、実際の適用は今日までの日付で行います。")
        verbosity = int(options.get("verbosity", 1))
        run = apply_retention(as_of=as_of, dry_run=options["dry_run"], listed=verbosity >= 2)
        self.report(run, verbosity)

    def report(self, run: RetentionRun, verbosity: int) -> None:
        p = run.period
        self.stdout.write(f"保存期間：最後の記録から{p.years}年（基準日 {_day(p.as_of)}：最後の記録が{_day(p.cutoff)}"
                          f"以前で、支援を終えた求職者が対象）")
        if not run.due:
            self.stdout.write("保存期間を過ぎた求職者はいません。" + ("（--dry-run）" if run.dry_run else ""))
            return
        if run.dry_run:
            self.stdout.write(f"匿名化の対象：{run.due:,}人（--dry-run のため何も変更していません）")
        else:
            self.stdout.write(f"匿名化しました：{run.anonymised:,}人")
        if run.dry_run or verbosity >= 2:
            for _pk, seeker_id, last in run.seekers:
                self.stdout.write(f"  {seeker_id}　最後の記録 {_day(last)}")
        if run.dry_run:
            self.stdout.write(f"変更される記録：{_records(run)}")
        else:
            self.stdout.write(f"変更した記録：{_records(run)}")
            if run.anonymised < run.due:
                self.stdout.write(f"{run.due - run.anonymised:,}人は処理の直前に対象でなくなったため（支援の再開、"
                                  "または同時に行われた別の実行による匿名化）、そのままにしました。")
