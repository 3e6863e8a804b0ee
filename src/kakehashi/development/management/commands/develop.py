"""``kakehashi develop``: job development from the command line — employers to approach, individual job
development for a seeker, the month's needs-gap figures, developed postings by source.

An operator tool: it reads the database named by ``DATABASE_URL`` directly. Seekers are looked up without
visibility rules unless ``--user`` names a staff member, whose rules then apply; every seeker read is audited.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kakehashi.accounts.models import Site, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.engine.calendar import fiscal_year_bounds, month_end
from kakehashi.engine.text import nfkc
from kakehashi.plans.periods import PeriodError, parse_day, parse_fiscal_year
from kakehashi.reference.models import Occupation
from kakehashi.seekers.models import Seeker

from ...actions import do_save_gap_snapshot
from ...attribution import developed_by_source
from ...targets import targets_for, targets_for_seeker


def _site(code: str | None) -> Site | None:
    if not code:
        return None
    site = Site.objects.filter(code=nfkc(code).lower()).first()
    if site is None:
        known = "、".join(Site.objects.values_list("code", flat=True)) or "（なし）"
        raise CommandError(f"拠点「{code}」はありません。登録されている拠点コード：{known}")
    return site


def _day(text: str | None, default: datetime.date) -> datetime.date:
    if not text:
        return default
    try:
        return parse_day(text)
    except PeriodError as e:
        raise CommandError(str(e)) from None


class Command(BaseCommand):
    help = ("求人開拓：開拓先の候補（targets）、個別求人開拓（for-seeker）、需給ギャップの月次集計（snapshot）、"
            "開拓求人のきっかけ別集計（sources）。DATABASE_URL のデータベースを直接読みます。")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        t = sub.add_parser("targets", help="職種（と地区）の開拓先の候補を、求人を出す確率の高い順に")
        t.add_argument("--site", required=True, help="拠点コード（例：tamashima）")
        t.add_argument("--occupation", default="", help="職業コード（中分類 073 / 大分類 12）。省略時は不足全体")
        t.add_argument("--area", default="", help="求職者の住む地区（設置ファイルの municipalities の areas で決めた地区）")
        t.add_argument("--as-of", help="基準日（既定：今日）")
        t.add_argument("--top", type=int, default=20)
        t.add_argument("--format", choices=["json", "text"], default="text")
        f = sub.add_parser("for-seeker", help="求職者ひとりのための個別求人開拓の候補")
        f.add_argument("seeker_id", help="求職者ID")
        f.add_argument("--user", help="この職員の閲覧範囲で探す（省略時は運用者として全件）")
        f.add_argument("--as-of", help="基準日（既定：今日）")
        f.add_argument("--top", type=int, default=10)
        f.add_argument("--format", choices=["json", "text"], default="text")
        s = sub.add_parser("snapshot", help="需給ギャップを月末時点で集計して保存（月次の推移に使う）")
        s.add_argument("--site", help="拠点コード（省略時は各拠点と全拠点計）")
        s.add_argument("--month", help="集計する月（例：2026-10）。省略時は直近の月末")
        s.add_argument("--since", help="この日以降の各月末をさかのぼって集計")
        o = sub.add_parser("sources", help="開拓求人件数・開拓求人数をきっかけ別に")
        o.add_argument("--site", required=True)
        o.add_argument("--fiscal-year", required=True, help="年度（例：2026、令和8年度）")
        o.add_argument("--as-of", help="基準日（既定：年度末か今日の早い方）")
        o.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, "_" + action.replace("-", "_"))(**options)

    def _emit(self, fmt: str, data: dict[str, Any], lines: list[str]) -> None:
        if fmt == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(lines))

    def _targets(self, *, site: str, occupation: str, area: str, as_of: str | None, top: int, format: str,
                 **_: Any) -> None:
        found = _site(site)
        code = nfkc(occupation)
        if code and not (Occupation.objects.filter(code=code).exists()
                         or Occupation.objects.filter(major_code=code).exists()):
            raise CommandError(f"職業コード「{occupation}」は厚生労働省編職業分類（令和4年改定）にありません")
        day = _day(as_of, timezone.localdate())
        result = targets_for(site=found, occupation=code, area=area, as_of=day, top=max(1, top))
        data = {"site": found.code if found else "", "occupation": code, "area": area, "as_of": day.isoformat(),
                "seekers_in_need": len(result.need), "targets": [t.as_dict() for t in result.targets]}
        lines = [f"{result.occupation_label} {area}（{day:%Y-%m-%d}、対象の求職者 {len(result.need)}人）"]
        for i, t in enumerate(result.targets, 1):
            # The expected postings, not the probability: the leading employers' probabilities all read near 100 %
            # (see ``development.targets``).
            lines.append(f"{i:>3}. {t.employer.name}（{t.employer.employer_id}） この半年の求人の見込み {t.expected_text}")
            lines += [f"       {r}" for r in t.reasons]
        self._emit(format, data, lines)

    def _for_seeker(self, *, seeker_id: str, user: str | None, as_of: str | None, top: int, format: str,
                    **_: Any) -> None:
        staff = None
        qs = Seeker.objects.all()
        if user:
            staff = Staff.objects.filter(username=user, is_active=True).first()
            if staff is None:
                raise CommandError(f"職員「{user}」はいません")
            qs = Seeker.objects.visible_to(staff)
        seeker = qs.filter(seeker_id=nfkc(seeker_id)).select_related("town").first()
        if seeker is None:
            # An unknown seeker and one the user may not see read the same.
            raise CommandError(f"求職者「{seeker_id}」は見つかりません")
        record(staff, Action.VIEW, Seeker, seeker, purpose="個別求人開拓（コマンド）")
        day = _day(as_of, timezone.localdate())
        result = targets_for_seeker(seeker, as_of=day, top=max(1, top))
        data = {
            "seeker_id": seeker.seeker_id, "as_of": day.isoformat(), "fitting_postings": len(result.fitting),
            "related_occupations": [{"occupation": r.code, "weight": round(r.weight, 2), "why": r.why}
                                    for r in result.related[:10]],
            "employers": [{**t.as_dict(), "value": round(t.value, 4)} for t in result.targets],
        }
        lines = [f"{seeker.seeker_id}：今の適合求人 {len(result.fitting)}件、通勤 {result.limit_km:g}km 以内の開拓先の候補"]
        for i, t in enumerate(result.targets, 1):
            lines.append(f"{i:>3}. {t.employer.name}（{t.employer.employer_id}） 見込み {t.value:.2f}")
            lines += [f"       {r}" for r in t.reasons]
        self._emit(format, data, lines)

    def _snapshot(self, *, site: str | None, month: str | None, since: str | None, **_: Any) -> None:
        today = timezone.localdate()
        latest = today if month_end(today) == today else today.replace(day=1) - datetime.timedelta(days=1)
        if month:
            try:
                first = parse_day(f"{nfkc(month)}-01" if nfkc(month).count("-") == 1 else month)
            except PeriodError as e:
                raise CommandError(str(e)) from None
            days = [month_end(first)]
        elif since:
            day = month_end(_day(since, latest))
            days = []
            while day <= latest:
                days.append(day)
                day = month_end(day + datetime.timedelta(days=1))
        else:
            days = [latest]
        if any(d > today for d in days):
            raise CommandError("まだ来ていない月末は集計できません")
        sites: list[Site | None] = [_site(site)] if site else [*Site.objects.order_by("code"), None]
        for day in days:
            for s in sites:
                n = do_save_gap_snapshot(acting_user=None, site=s, day=day)
                self.stdout.write(f"{day:%Y-%m-%d} {s.code if s else '全拠点'}：{n}行")

    def _sources(self, *, site: str, fiscal_year: str, as_of: str | None, format: str, **_: Any) -> None:
        found = _site(site)
        try:
            fy = parse_fiscal_year(fiscal_year)
        except PeriodError as e:
            raise CommandError(str(e)) from None
        start, end = fiscal_year_bounds(fy)
        day = _day(as_of, min(end, timezone.localdate()))
        rows = developed_by_source(found, start, min(day, end))
        data = {"site": found.code if found else "", "fiscal_year": fy, "as_of": day.isoformat(),
                "sources": {r.source: {"postings": r.postings, "openings": r.openings} for r in rows}}
        lines = [f"{r.label}：{r.postings}件・{r.openings}人" for r in rows]
        self._emit(format, data, lines)
