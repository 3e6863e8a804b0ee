"""``kakehashi report progress``: a site's progress against its targets, as JSON, HTML, PDF or Excel."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.files import failure_message, write_whole
from kakehashi.plans.report import (
    FORMATS,
    ReportError,
    progress_for,
    render_html,
    render_json,
    render_pdf,
    render_xlsx,
)


class Command(BaseCommand):
    help = "事業目標の取組状況を出力します（例：kakehashi report progress --site tamashima --fiscal-year 2013 --as-of 2013-10-31）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True, title="report")
        p = sub.add_parser("progress", help="拠点・年度・基準日の取組状況（目標と実績、前年度の目標と実績）")
        p.add_argument("--site", required=True, help="拠点コード（例：tamashima）")
        p.add_argument("--fiscal-year", required=True, help="年度（2013、平成25年度、H25 など）")
        p.add_argument("--as-of", help="基準日（2013-10-31、平成25年10月31日、H25.10.31 など。省略時は今日か年度末）")
        p.add_argument("--format", choices=FORMATS, default="json", help="出力形式（json・html・pdf・xlsx）")
        p.add_argument("--out", help="出力先のファイル（省略時：json・html は標準出力、pdf・xlsx は progress-拠点-年度-基準日.拡張子）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sp = progress_for(options["site"], options["fiscal_year"], options.get("as_of"))
        except ReportError as e:
            raise CommandError(str(e)) from None
        fmt = options["format"]
        out = options.get("out")
        if fmt in ("pdf", "xlsx") and not out:
            out = f"progress-{sp.site.code}-{sp.fiscal_year}-{sp.as_of.isoformat()}.{fmt}"

        def audit() -> None:
            record(None, Action.EXPORT, "plans.Target", [], purpose="kakehashi report progress",
                   detail={"site": sp.site.code, "fiscal_year": sp.fiscal_year, "as_of": sp.as_of.isoformat(),
                           "format": fmt})

        content: str | bytes
        if fmt == "json":
            content = render_json(sp) + "\n"
        elif fmt == "html":
            content = render_html(sp)
        elif fmt == "pdf":
            content = render_pdf(sp)
        else:
            content = render_xlsx(sp)
        if not out:
            with transaction.atomic():
                audit()
            if isinstance(content, str):
                self.stdout.write(content, ending="")
            return
        # The file appears whole or not at all (a full disk leaves no partial file and no earlier file changed),
        # and its audit row commits with it: a write that fails leaves neither.
        path = Path(out)
        try:
            with transaction.atomic():
                audit()
                write_whole(path, content)
        except OSError as e:
            raise CommandError(failure_message(out, e)) from None
        print(f"{path}（{sp.site.name}・{sp.label}・{sp.as_of_label}）", file=sys.stderr)
