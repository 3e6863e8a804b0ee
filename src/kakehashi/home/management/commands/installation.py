from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kakehashi.home.installation import LOAD_ERRORS, load


class Command(BaseCommand):
    help = ("設置自治体の機関・拠点・人員・設備・市区町村と地区・独自の指標・協定を JSON ファイルから登録・更新します"
            "（例：installations/kurashiki.json）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            loaded = load(path)
        except LOAD_ERRORS as e:
            raise CommandError(str(e)) from None
        agreement = f"、協定「{loaded.agreement}」" if loaded.agreement is not None else ""
        self.stdout.write(f"機関 {loaded.agencies} 件、拠点 {loaded.sites} 件、独自の指標 {loaded.indicators} 件"
                          f"{agreement}を登録しました。")
