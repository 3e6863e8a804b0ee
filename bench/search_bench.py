"""How long the seeker search of the staff list takes over 100,000 seekers, on SQLite and on PostgreSQL.

    .venv/bin/python bench/search_bench.py                        # both databases, 100,000 seekers
    .venv/bin/python bench/search_bench.py --db sqlite --seekers 20000

For each database: a fresh one (SQLite: a temporary file with the project's settings, WAL included; PostgreSQL:
the scratch database ``kakehashi_search_bench`` on ``--server``, created and dropped by the script), migrated, the
installation loaded, then ``--seekers`` seekers with Japanese names, readings and phone numbers written through
``bulk_create`` (which sets their search keys), a third of them held by the city with the person's consent to
Hello Work, and the demo's 見本 幸子 (ミホン サチコ, 086-422-0000) among them.

Each query is what the seeker list runs for a Hello Work counselor (``Seeker.objects.visible_to`` then ``search``,
ordered, counted, its first page of 50 read), repeated ``--runs`` times; the table gives the median, fastest and
slowest run in milliseconds (the fastest is the query's own cost on a machine busy with other work), and how many
seekers each spelling finds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from machine import describe, run_in_scratch, scratch_parser  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
SCRATCH = "kakehashi_search_bench"
INSTALLATION = ROOT / "installations" / "kurashiki.json"

SURNAMES = [("田中", "タナカ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("藤原", "フジワラ"),
            ("三宅", "ミヤケ"), ("岡本", "オカモト"), ("高橋", "タカハシ"), ("佐藤", "サトウ"), ("渡辺", "ワタナベ"),
            ("大森", "オオモリ"), ("難波", "ナンバ"), ("守屋", "モリヤ"), ("小野", "オノ"), ("石井", "イシイ"),
            ("原田", "ハラダ"), ("森", "モリ"), ("西村", "ニシムラ"), ("松本", "マツモト"), ("井上", "イノウエ")]
GIVEN = [("一郎", "イチロウ"), ("花子", "ハナコ"), ("健太", "ケンタ"), ("美咲", "ミサキ"), ("大輔", "ダイスケ"),
         ("由美", "ユミ"), ("翔", "ショウ"), ("陽子", "ヨウコ"), ("誠", "マコト"), ("恵", "メグミ"),
         ("直樹", "ナオキ"), ("真理", "マリ"), ("拓也", "タクヤ"), ("千尋", "チヒロ"), ("和夫", "カズオ")]
# What a desk types, and what the seeker list's search box received.
QUERIES = [("ミホン", "reading, katakana"), ("ﾐﾎﾝ", "reading, half-width"), ("みほん", "reading, hiragana"),
           ("見本幸子", "name, no space"), ("見本　幸子", "name, full-width space"),
           ("086-422-0000", "phone with hyphens"), ("0864220000", "phone, digits"),
           ("田中", "a common surname"), ("S-0012345", "seeker id")]


def parse_args() -> argparse.Namespace:
    p = scratch_parser(__doc__)
    p.add_argument("--seekers", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=15)
    return p.parse_args()


def fill(n: int) -> Any:
    """The installation, one Hello Work counselor, ``n`` seekers; returns the counselor."""
    import datetime

    from django.db import transaction

    from kakehashi.accounts.installation import load_installation
    from kakehashi.accounts.models import Agency, Role, Site, Staff
    from kakehashi.seekers.models import Consent, Seeker

    load_installation(INSTALLATION)
    sites = list(Site.objects.all())
    hw = Agency.objects.get(code="hw-kurashiki-chuo")
    # No password: the bench never signs in, it asks the querysets as this counselor.
    user = Staff.objects.create_user("bench", display_name="検索 計測", role=Role.JOB_COUNSELOR, agency=hw,
                                     site=sites[0])
    rng = random.Random(2026)
    first = datetime.date(2016, 4, 1)
    with transaction.atomic():
        batch: list[Seeker] = []
        for i in range(n):
            (sn, sk), (gn, gk) = rng.choice(SURNAMES), rng.choice(GIVEN)
            if i == n // 2:
                (sn, sk), (gn, gk) = ("見本", "ミホン"), ("幸子", "サチコ")
            phone = (f"0{rng.randrange(70, 90)}-{rng.randrange(100, 999)}-{i % 10000:04d}" if i != n // 2
                     else "086-422-0000")
            batch.append(Seeker(seeker_id=f"S-{i:07d}", site=sites[i % len(sites)],
                                registered_on=first + datetime.timedelta(days=rng.randrange(3650)),
                                registered_by="city" if i % 3 == 0 else "hello_work",
                                name=f"{sn} {gn}", name_kana=f"{sk} {gk}", phone=phone, postal_code="713-8121"))
            if len(batch) == 5000:
                Seeker.objects.bulk_create(batch)
                batch = []
        Seeker.objects.bulk_create(batch)
        city = Seeker.objects.filter(registered_by="city").values_list("pk", flat=True)
        Consent.objects.bulk_create([Consent(seeker_id=pk, party="hello_work", given_on=first) for pk in city])
    return user


def measure(n: int, runs: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kakehashi.seekers.models import Seeker

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    user = fill(n)
    filled = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")

    rows = []
    for query, what in QUERIES:
        times = []
        found = 0
        for _ in range(runs):
            t = time.perf_counter()
            qs = Seeker.objects.visible_to(user).search(query).distinct().order_by("-registered_on", "seeker_id")
            found = qs.count()
            list(qs.select_related("site", "town")[:50])
            times.append(1000 * (time.perf_counter() - t))
        rows.append({"query": query, "what": what, "found": found, "median_ms": statistics.median(times),
                     "min_ms": min(times), "max_ms": max(times)})
    return {"vendor": connection.vendor, "seekers": Seeker.objects.count(), "fill_s": filled, "rows": rows}


def run_one(vendor: str, args: argparse.Namespace) -> dict[str, Any] | str:
    # A fixed key for the run, so that no key file is read or needed (the data is thrown away).
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kakehashi.settings",
               SECRET_KEY="search-bench-" + "0123456789" * 5, KAKEHASHI_FAST_HASHER="1")
    return run_in_scratch(vendor, args.server, SCRATCH, env,
                          [__file__, "--one", vendor, "--seekers", str(args.seekers), "--runs", str(args.runs)])


def main() -> None:
    args = parse_args()
    if args.one:
        print(json.dumps(measure(args.seekers, args.runs), ensure_ascii=False))
        return
    print(f"# seeker search: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {describe()}")
    for vendor in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        result = run_one(vendor, args)
        print()
        if isinstance(result, str):
            print(f"{vendor}: {result}")
            continue
        print(f"## {result['vendor']}: {result['seekers']:,} seekers (written in {result['fill_s']:.1f} s), "
              f"{args.runs} runs a query; count + first page of 50, as the list runs it")
        print()
        print("| typed | what | found | median ms | fastest ms | slowest ms |")
        print("| --- | --- | --- | --- | --- | --- |")
        for r in result["rows"]:
            print(f"| {r['query']} | {r['what']} | {r['found']:,} | {r['median_ms']:.1f} | {r['min_ms']:.1f} "
                  f"| {r['max_ms']:.1f} |")


if __name__ == "__main__":
    main()
