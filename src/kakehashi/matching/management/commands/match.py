"""``kakehashi match``: matches from the command line, one seeker or posting, or all of them.

    kakehashi match --seeker S-0001 [--top 10] --format json
    kakehashi match --posting 33010-00001 [--top 10] --format json
    kakehashi match --all-seekers --top 10 --format jsonl  > matches.jsonl
    kakehashi match --all-postings --top 10 --format jsonl > candidates.jsonl

An operator tool: it reads the database named by ``DATABASE_URL``, all of it unless ``--user`` names a staff
member, whose visibility rules then apply. Ids are the business ids (``seeker_id``, ``posting_id``). Batches
write one JSON object a line to stdout and a progress bar to stderr; every run is audited.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from kakehashi.accounts.models import Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.engine.matching import Match, RecordId
from kakehashi.engine.text import nfkc
from kakehashi.plans.periods import PeriodError, parse_day
from kakehashi.seekers.models import Seeker

from ... import loading


class Command(BaseCommand):
    help = (
        "求職者におすすめの求人、求人に合う求職者を、理由と満たさない条件つきで出力します。"
        "DATABASE_URL のデータベースを直接読みます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--seeker", metavar="ID", help="求職者ID：この人におすすめの求人")
        which.add_argument("--posting", metavar="ID", help="求人番号：この求人に合う求職者")
        which.add_argument("--all-seekers", action="store_true", help="支援中の全求職者について（1行に1人）")
        which.add_argument("--all-postings", action="store_true", help="受付中の全求人について（1行に1件）")
        parser.add_argument("--top", type=int, default=10, help="1件あたりの件数（既定 10）")
        parser.add_argument("--format", choices=["json", "jsonl", "text"], help="既定：1件は json、一括は jsonl")
        parser.add_argument("--flagged", action="store_true", help="条件を満たさない相手も、満たさない条件を示して含める")
        parser.add_argument("--user", help="この職員の閲覧範囲で探す（省略時は運用者として全件）")
        parser.add_argument("--as-of", help="基準日（受付中の判定と、同点の並びの種。既定：今日）")
        parser.add_argument("--workers", type=int, default=0, help="一括のときのプロセス数（既定 0：CPU の数）")
        parser.add_argument("--no-progress", action="store_true", help="進み具合を表示しない")

    def handle(self, *args: Any, **o: Any) -> None:
        staff = self._staff(o["user"])
        day = self._day(o["as_of"])
        top = max(1, o["top"])
        batch = o["all_seekers"] or o["all_postings"]
        fmt = o["format"] or ("jsonl" if batch else "json")
        if batch and fmt == "json":
            raise CommandError("一括（--all-seekers / --all-postings）の出力は jsonl か text です")
        seeker_side = bool(o["seeker"] or o["all_seekers"])
        index = loading.build(staff, day)
        key, other_key = ("seeker_id", "posting_id") if seeker_side else ("posting_id", "seeker_id")
        own = index.seekers if seeker_side else index.postings
        other = index.postings if seeker_side else index.seekers

        def name(info: Any, k: str) -> str:
            return str(getattr(info, k))

        def obj(rid: RecordId, matches: list[Match]) -> dict[str, Any]:
            return {
                key: name(own[int(rid)], key),
                "matches": [{**m.as_dict(other_key), other_key: name(other[int(m.id)], other_key)} for m in matches],
            }

        if not batch:
            pk = self._one(staff, seeker_side, o["seeker"] or o["posting"], own, key)
            engine = index.engine
            matches = (engine.match_seeker if seeker_side else engine.match_posting)(pk, top=top, flagged=o["flagged"])
            self._audit(staff, Action.VIEW, seeker_side, [pk], matches)
            self._write(fmt, obj(pk, matches), index, seeker_side)
            return

        results = (index.engine.match_all_seekers if seeker_side else index.engine.match_all_postings)(
            top=top, flagged=o["flagged"], workers=o["workers"]
        )
        total = index.engine.seeker_count if seeker_side else index.engine.posting_count
        shown: list[Any] = []
        for rid, matches in self._progress(results, total, o["no_progress"]):
            self._write(fmt, obj(rid, matches), index, seeker_side)
            shown += [rid] if seeker_side else [m.id for m in matches]
        self._audit(staff, Action.EXPORT, True, sorted(set(shown)), [])

    # -- helpers -----------------------------------------------------------------------------------------------

    def _staff(self, username: str | None) -> Staff | None:
        if not username:
            return None
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"職員「{username}」はいません")
        return staff

    def _day(self, text: str | None) -> datetime.date:
        if not text:
            return timezone.localdate()
        try:
            return parse_day(text)
        except PeriodError as e:
            raise CommandError(str(e)) from None

    def _one(self, staff: Staff | None, seeker_side: bool, given: str, own: dict[int, Any], key: str) -> int:
        """The primary key of the seeker or posting named by its business id, if it is in the index."""
        qs = loading.visible_seekers(staff) if seeker_side else loading.visible_postings(staff)
        pk = qs.filter(**{key: nfkc(given)}).values_list("pk", flat=True).first()
        if pk is None:
            # An unknown id and one the user may not see read the same.
            raise CommandError(f"{'求職者' if seeker_side else '求人'}「{given}」は見つかりません")
        if pk not in own:
            what = "支援中ではありません" if seeker_side else "受付中ではありません（締切・充足・受理前）"
            raise CommandError(f"{'求職者' if seeker_side else '求人'}「{given}」は{what}")
        return int(pk)

    def _progress(self, results: Iterator[Any], total: int, quiet: bool) -> Iterator[Any]:
        # The bar goes to stderr, so that stdout stays one JSON object a line.
        return iter(tqdm(results, total=total, file=sys.stderr, disable=quiet, unit="件", dynamic_ncols=True))

    def _audit(self, staff: Staff | None, action: str, seeker_side: bool, ids: list[Any], matches: list[Match]) -> None:
        # Seekers are the personal records read: the one asked about, or those put forward as candidates.
        seekers = ids if seeker_side else [m.id for m in matches]
        if seekers:
            record(staff, action, Seeker, seekers, purpose="マッチング（kakehashi match）")

    def _write(self, fmt: str, data: dict[str, Any], index: loading.Index, seeker_side: bool) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        elif fmt == "jsonl":
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            own_key = "seeker_id" if seeker_side else "posting_id"
            lines = [str(data[own_key])]
            for i, m in enumerate(data["matches"], 1):
                other_id = m["posting_id"] if seeker_side else m["seeker_id"]
                lines.append(f"{i:>3}. {other_id}  {m['score']}点")
                lines += [f"       {r}" for r in m["reasons"]]
                lines += [f"       ✗ {u}" for u in m["unmet"]]
            self.stdout.write("\n".join(lines))
