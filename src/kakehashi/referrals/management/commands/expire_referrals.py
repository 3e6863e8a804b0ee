"""``kakehashi expire-referrals``: withdraw the referrals employers left unanswered past their site's limit.

Meant for a daily cron; running it twice on the same day changes nothing."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kakehashi.engine.calendar import DateFormatError, parse_date
from kakehashi.referrals.actions import do_expire_referrals


class Command(BaseCommand):
    help = "回答期限を過ぎた選考中の紹介を「取消（回答期限切れ）」にします。毎日 cron で実行します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="基準日（省略時は今日）。例：2025-06-30、令和7年6月30日")

    def handle(self, *args: Any, on: str | None = None, **options: Any) -> None:
        try:
            day = parse_date(on) if on else timezone.localdate()
        except DateFormatError as e:
            raise CommandError(str(e)) from None
        expired = do_expire_referrals(on=day)
        self.stdout.write(f"{day.isoformat()}：{len(expired)} 件の紹介を回答期限切れで取消にしました。")
        for r in expired:
            self.stdout.write(f"  {r.referral_id}（紹介日 {r.referred_on.isoformat()}）")
