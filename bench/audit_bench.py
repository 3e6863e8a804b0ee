"""How long one audit row takes to write, sealed into the chain, and how fast `kakehashi audit verify` walks it.

    .venv/bin/python bench/audit_bench.py                       # SQLite and PostgreSQL, 1,000,000 rows each
    .venv/bin/python bench/audit_bench.py --db sqlite --rows 100000

For each database: a fresh one (SQLite: a temporary file with the project's settings, WAL included;
PostgreSQL: the scratch database ``kakehashi_audit_bench`` on ``--server``, created and dropped by the
script), migrated; then

1. ``record()`` called ``--records`` times, each in a transaction of its own as a view's read audit is, with one
   person named (chain lock, seal, row, person, head): median and 99th percentile;
2. the chain filled to ``--rows`` rows (sealed in Python and bulk-inserted, one person each: the rows are what
   ``record`` writes, written faster);
3. ``chain.verify()`` over all of it, as ``kakehashi audit verify`` runs it: seconds and rows per second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from machine import describe, run_in_scratch, scratch_parser  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
SCRATCH = "kakehashi_audit_bench"


def parse_args() -> argparse.Namespace:
    p = scratch_parser(__doc__)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--records", type=int, default=2_000)
    return p.parse_args()


def measure(rows: int, records: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from kakehashi.audit import chain
    from kakehashi.audit.log import record
    from kakehashi.audit.models import AuditEvent, AuditHead, AuditPerson

    call_command("migrate", verbosity=0)
    times = []
    for i in range(records):
        t = time.perf_counter()
        record(None, "view", "seekers.Seeker", [i], purpose="求職者詳細", persons={i: "holder"},
               detail={"path": f"/seekers/{i}/"})
        times.append(time.perf_counter() - t)
    times.sort()

    started = time.perf_counter()
    sealer = chain.Sealer()
    head = AuditHead.objects.get()
    seq, prev = head.seq, head.digest
    batch = 5000
    while seq < rows:
        events, persons = [], []
        for _ in range(min(batch, rows - seq)):
            seq += 1
            e = AuditEvent(seq=seq, at=timezone.now(), username="hana", agency="hw-kurashiki-chuo",
                           role="job_counselor", action="view", model="seekers.Seeker", object_ids=[str(seq)],
                           purpose="求職者詳細", detail={"path": f"/seekers/{seq}/"})
            p = [(seq, "holder")]
            e.digest = prev = sealer.seal(seq, prev, chain.content_of(e), p)
            events.append(e)
            persons.append(p)
        with transaction.atomic():
            AuditEvent.objects.bulk_create(events)
            AuditPerson.objects.bulk_create([AuditPerson(event=e, seeker_id=pk, basis=basis)
                                             for e, p in zip(events, persons, strict=True) for pk, basis in p])
            AuditHead.objects.filter(pk=chain.HEAD_ID).update(seq=seq, digest=prev)
    filled = time.perf_counter() - started

    started = time.perf_counter()
    result = chain.verify()
    walked = time.perf_counter() - started
    assert result.ok, result
    return {"vendor": connection.vendor, "records": records,
            "record_median_ms": 1000 * statistics.median(times),
            "record_p99_ms": 1000 * times[int(0.99 * (len(times) - 1))],
            "rows": result.rows, "fill_s": filled, "verify_s": walked, "verify_rows_per_s": result.rows / walked}


def run_one(vendor: str, args: argparse.Namespace) -> dict[str, Any] | str:
    # A fixed key for the run, so that no key file is read or needed (the data is thrown away).
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kakehashi.settings",
               SECRET_KEY="audit-bench-" + "0123456789" * 5)
    return run_in_scratch(vendor, args.server, SCRATCH, env,
                          [__file__, "--one", vendor, "--rows", str(args.rows), "--records", str(args.records)])


def main() -> None:
    args = parse_args()
    if args.one:
        print(json.dumps(measure(args.rows, args.records)))
        return
    print(f"# audit chain: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {describe()}")
    print()
    print("| database | record() median | record() p99 | rows | verify | rows/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for vendor in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        r = run_one(vendor, args)
        if isinstance(r, str):
            print(f"| {vendor} | {r} | | | | |")
            continue
        print(f"| {vendor} | {r['record_median_ms']:.2f} ms | {r['record_p99_ms']:.2f} ms | {r['rows']:,} | "
              f"{r['verify_s']:.1f} s | {r['verify_rows_per_s']:,.0f} |")


if __name__ == "__main__":
    main()
