"""``kakehashi demo-logins``: the demo's logins, one per role and agency, and the story to follow."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from kakehashi.demo import generator
from kakehashi.demo.spec import DemoError
from kakehashi.seekers.models import Seeker


def _pad(text: str, width: int) -> str:
    """Pad to a width counted in terminal columns (full-width characters take two)."""
    columns = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(0, width - columns)


class Command(BaseCommand):
    help = "デモ用のログイン（役割・機関ごとに1人）と、たどってみる事例を表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--installation", type=Path, default=generator.INSTALLATION,
                            help="デモを作った設置ファイル（既定 installations/kurashiki.json）")

    def handle(self, *args: Any, installation: Path, **options: Any) -> None:
        try:
            logins = generator.demo_logins(installation)
            if not logins:
                raise CommandError("デモ用のログインがありません。先に `kakehashi demo-data` を実行してください")
            followers = generator.story_logins(installation)
        except DemoError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"デモ用のログイン（データはすべて架空です。パスワードは全員共通：{generator.DEMO_PASSWORD}）")
        self.stdout.write("  " + _pad("ユーザー名", 22) + _pad("パスワード", 16) + _pad("役割", 24) + "機関・拠点")
        for user in logins:
            where = user.agency.name if user.agency else "（全機関）"
            if user.site:
                where += f" / {user.site.name}"
            self.stdout.write("  " + _pad(user.username, 22) + _pad(generator.DEMO_PASSWORD, 16)
                              + _pad(user.get_role_display(), 24) + where)
        story = Seeker.objects.filter(seeker_id=generator.SUCCESS_SEEKER_ID).first()
        if story is not None:
            self.stdout.write("")
            self.stdout.write(f"たどってみる事例：求職者ID {story.seeker_id}（{story.name}さん）")
            self.stdout.write("  福祉事務所からの支援要請 → 市とハローワークの相談 → ナビゲーターの個別求人開拓 → "
                              "開拓求人への紹介 → トライアル雇用で就職")
            self.stdout.write(f"  画面：{reverse('seekers:detail', args=[story.pk])}"
                              f"（{'、'.join(followers)} でログイン）")
