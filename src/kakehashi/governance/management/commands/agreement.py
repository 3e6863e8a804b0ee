from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kakehashi.governance.seed import KURASHIKI, SeedError, load_agreement


class Command(BaseCommand):
    help = "協定（当事者・署名者・条項）を JSON ファイルから登録・更新します。省略時は installations/kurashiki-agreement.json です。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, nargs="?", default=KURASHIKI)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            agreement = load_agreement(path)
        except SeedError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"協定「{agreement}」を登録しました（条項 {agreement.clauses.count()} 件）。")
