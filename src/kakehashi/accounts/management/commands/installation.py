from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kakehashi.accounts.installation import InstallationError, load_installation


class Command(BaseCommand):
    help = "設置自治体の機関・拠点・人員・設備を JSON ファイルから登録・更新します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            counts = load_installation(path)
        except InstallationError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"機関 {counts['agencies']} 件、拠点 {counts['sites']} 件を登録しました。")
