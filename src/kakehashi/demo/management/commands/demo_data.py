"""``kakehashi demo-data``: the demo year (see ``kakehashi.demo.generator``)."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from kakehashi.accounts.models import Site
from kakehashi.core.planner import refresh_statistics
from kakehashi.demo import generator
from kakehashi.demo.spec import DemoError, read_spec
from kakehashi.engine.calendar import fiscal_year_label
from kakehashi.plans.periods import PeriodError, parse_day, parse_fiscal_year
from kakehashi.plans.progress import as_of_label, site_progress

LABELS = [
    ("seekers.Seeker", "求職者", "人"), ("employers.Employer", "事業所", "社"), ("postings.Posting", "求人", "件"),
    ("employers.EmployerVisit", "事業所訪問・求人開拓", "件"), ("referrals.Referral", "職業紹介", "件"),
    ("seekers.Consultation", "相談", "件"), ("welfare.SupportRequest", "支援要請", "件"),
    ("plans.ManualCount", "手入力の実績", "件"),
]


class Command(BaseCommand):
    help = ("デモ用の1年分（前年度の全体と今年度の基準日まで）の架空データと、役割ごとのデモ用ログインを作ります。"
            "同じ指定なら毎回同じデータになります。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true",
                            help="求職者・事業所・求人がすでにあれば何もしない（make demo を何度実行しても安全）")
        parser.add_argument("--replace", action="store_true", help="登録済みのデモデータを消してから作り直す")
        parser.add_argument("--fiscal-year", help="今年度として作る年度（例：2026、令和8年度）。既定は基準日の年度")
        parser.add_argument("--as-of", help="基準日（例：2026-11-27、令和8年11月27日）。既定は今日")
        parser.add_argument("--scale", type=float, default=1.0, help="件数の倍率（既定 1.0、試験では 0.1 など）")
        parser.add_argument("--seed", type=int, default=2026, help="乱数の種（既定 2026）")
        parser.add_argument("--installation", type=Path, default=generator.INSTALLATION,
                            help="読み込む設置ファイル。拠点・ログイン・件数などのデモの設定もこのファイルから読みます"
                                 "（既定 installations/kurashiki.json）")

    def handle(self, *args: Any, if_empty: bool, replace: bool, fiscal_year: str | None, as_of: str | None,
               scale: float, seed: int, installation: Path, **options: Any) -> None:
        if if_empty and generator.has_records():
            self.stdout.write("データが登録済みのため、デモデータは作りません。")
            return
        try:
            fy = parse_fiscal_year(fiscal_year) if fiscal_year else None
            day = parse_day(as_of) if as_of else None
            plan = generator.plan_for(fy, day, timezone.localdate(), scale=scale, seed=seed)
        except (PeriodError, DemoError) as e:
            raise CommandError(str(e)) from None
        try:
            sites = list(read_spec(installation).sites)
        except DemoError as e:
            raise CommandError(str(e)) from None
        started = time.perf_counter()
        try:
            with transaction.atomic():
                if replace:
                    generator.remove_demo_data()
                counts = generator.generate(plan, installation)
                refresh_statistics()
        except DemoError as e:
            raise CommandError(str(e)) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"デモデータを作りました（{fiscal_year_label(plan.fiscal_year)}と前年度、{as_of_label(plan.as_of)}、"
            f"倍率 {plan.scale:g}、{elapsed:.1f} 秒）。"
        )
        self.stdout.write("  " + "、".join(f"{label} {counts.get(key, 0):,}{unit}" for key, label, unit in LABELS))
        found = {s.code: s for s in Site.objects.filter(code__in=sites)}
        for site in (found[code] for code in sites):
            rows = {r.key: r for r in site_progress(site, plan.fiscal_year, plan.as_of).rows}
            self.stdout.write(site.name)
            self.stdout.write(f"  {fiscal_year_label(plan.fiscal_year - 1)}（年間）：{figures(rows, 'prior_actual')}")
            self.stdout.write(f"  {fiscal_year_label(plan.fiscal_year)}（{as_of_label(plan.as_of)}）："
                              f"{figures(rows, 'actual')}")


def figures(rows: dict[str, Any], attribute: str) -> str:
    """The four counted indicators of one year, as the progress report counts them."""
    def n(key: str) -> str:
        value = getattr(rows[key], attribute) if key in rows else None
        return f"{value:,}" if value is not None else "-"

    return (f"紹介 {n('referrals')}件、就職 {n('placements')}人、"
            f"開拓求人 {n('developed_postings')}件・{n('developed_openings')}人")
