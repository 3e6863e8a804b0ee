"""How fast is the progress report on ten years of a large installation?

Generates 10 fiscal years × 20 sites (about 10 million referrals, 2 million seekers, half a million postings)
into a PostgreSQL database of its own (``kakehashi_bench`` by default, created if missing), then times the
progress computation through the code ``kakehashi report progress`` uses: one site for one year at an as-of
date, and all sites at once (the progress page's breakdown by site). Prints medians of several runs, cold (a new
process and connection each run) and warm (repeated in one connection), with the date and the machine.

    .venv/bin/python bench/report_bench.py                 # generate once (minutes), then time
    .venv/bin/python bench/report_bench.py --regenerate    # throw the data away and generate again
    .venv/bin/python bench/report_bench.py --referrals 1000000   # a smaller run

``--server`` is the PostgreSQL server (default ``postgres://postgres@127.0.0.1:5432``); the database named by
``--db`` on it is dropped and rebuilt by ``--regenerate``, and never any other.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from machine import describe  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SITES = 20
YEARS = 10
FIRST_FY = 2016
STAFF_PER_SITE = 8
# Busy April, slow August and New Year, a March peak — the shape offices describe.
SEASON = np.array([1.25, 1.1, 1.05, 1.0, 0.8, 1.0, 1.1, 1.0, 0.85, 0.9, 0.95, 1.0])


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--db", default="kakehashi_bench")
    p.add_argument("--referrals", type=int, default=10_000_000)
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--runs", type=int, default=7, help="warm runs (cold runs: half as many, at least 3)")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: one cold run in a fresh process
    return p.parse_args()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakehashi.settings")
    import django

    django.setup()


def ensure_database(server: str, name: str, drop: bool) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            log(f"dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}"')  # noqa: S608 — the name is the bench's own option
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')  # noqa: S608 — the name is the bench's own option


# --- generating -----------------------------------------------------------------------------------------------

def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_model(cursor: Any, model: Any, columns: dict[str, np.ndarray], chunk: int = 250_000,
               label: str = "") -> int:
    """COPY rows into ``model``'s table: the given columns (arrays of equal length), every other column at the
    model's default. Returns the number of rows."""
    from django.utils import timezone

    now = timezone.now()
    fixed: dict[str, str] = {}
    for f in model._meta.concrete_fields:
        if f.column in columns or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fixed[f.column] = _copy_value(now)
        else:
            fixed[f.column] = _copy_value(f.get_default())
    names = list(columns)
    n = len(next(iter(columns.values())))
    suffix = "\t" + "\t".join(fixed.values()) if fixed else ""
    table = model._meta.db_table
    cols = ", ".join(f'"{c}"' for c in [*names, *fixed])
    done = 0
    with cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:  # noqa: S608 — table and columns are the model's
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            parts = [columns[c][lo:hi].astype(str) for c in names]
            buf = io.StringIO()
            for values in zip(*parts, strict=True):
                buf.write("\t".join(values))
                buf.write(suffix)
                buf.write("\n")
            copy.write(buf.getvalue())
            done = hi
            if n >= 1_000_000 and (hi // chunk) % 8 == 0:
                log(f"  {label or table}: {done:,} / {n:,}")
    return n


def _dates(rng: np.random.Generator, n: int, first: np.datetime64, days: int) -> np.ndarray:
    """Dates over ``days`` days from ``first``, weighted by the month's place in the fiscal year."""
    day_ix = np.arange(days)
    months = (first + day_ix).astype("datetime64[M]").astype(int) % 12  # 0 = January
    fiscal_month = (months - 3) % 12  # 0 = April
    weekday = ((first + day_ix).astype("datetime64[D]").astype(int) + 3) % 7  # 0 = Monday
    weights = SEASON[fiscal_month] * np.where(weekday < 5, 1.0, 0.05)
    picks = rng.choice(days, size=n, p=weights / weights.sum())
    return first + picks


def generate(referrals: int) -> None:
    from django.db import connection

    from kakehashi.accounts.models import Agency, Site, Staff
    from kakehashi.employers.models import Employer
    from kakehashi.postings.models import Posting
    from kakehashi.reference.models import Industry, Occupation
    from kakehashi.referrals.models import Referral
    from kakehashi.seekers.models import Seeker

    rng = np.random.default_rng(20131031)
    n_seekers = max(referrals // 5, 1000)
    n_employers = 20_000
    n_postings = max(referrals // 20, 1000)
    first = np.datetime64(f"{FIRST_FY}-04-01")
    days = int((np.datetime64(f"{FIRST_FY + YEARS}-04-01") - first).astype(int))

    with connection.cursor() as c:
        for table in ("referrals_referral", "postings_posting", "employers_employer", "seekers_seeker"):
            c.execute(f'TRUNCATE "{table}" CASCADE')  # noqa: S608 — fixed names
    hw, _ = Agency.objects.get_or_create(code="bench-hw", defaults={"name": "ベンチ職業安定所", "kind": "hello_work"})
    sites = [Site.objects.get_or_create(code=f"site{i:02d}", defaults={"name": f"拠点{i:02d}"})[0]
             for i in range(1, SITES + 1)]
    Staff.objects.filter(username__startswith="bench-").delete()
    staff = Staff.objects.bulk_create([
        Staff(username=f"bench-{s.code}-{k}", display_name=f"{s.name} 職員{k}", agency=hw, site=s, role="job_counselor")
        for s in sites for k in range(STAFF_PER_SITE)
    ])
    site_ids = np.array([s.pk for s in sites])
    staff_ids = np.array([s.pk for s in staff]).reshape(SITES, STAFF_PER_SITE)
    industry = Industry.objects.order_by("code").first()
    occupations = np.array(list(Occupation.objects.values_list("code", flat=True)))
    assert industry is not None and len(occupations)

    # Autocommit during the load; FK checks are skipped (the data is consistent by construction) and the
    # secondary indexes are built once at the end instead of row by row.
    with connection.cursor() as c:
        c.execute("SET session_replication_role = replica")
        dropped = drop_indexes(c, ["seekers_seeker", "postings_posting", "referrals_referral"])
        raw = c.cursor

        log(f"employers: {n_employers:,}")
        copy_model(raw, Employer, {
            "employer_id": np.char.add("E", np.arange(n_employers).astype(str)),
            "name": np.char.add("事業所", np.arange(n_employers).astype(str)),
            "industry_id": np.full(n_employers, industry.pk),
            "postal_code": np.full(n_employers, "710-0001"),
        })
        employer_pk = np.array(Employer.objects.order_by("pk").values_list("pk", flat=True))

        log(f"seekers: {n_seekers:,}")
        seeker_site = rng.integers(0, SITES, n_seekers)
        registered = _dates(rng, n_seekers, first, days)
        copy_model(raw, Seeker, {
            "seeker_id": np.char.add("S", np.arange(n_seekers).astype(str)),
            "site_id": site_ids[seeker_site],
            "registered_on": registered.astype(str),
            "postal_code": np.full(n_seekers, "710-0001"),
            "name": np.char.add("求職者", np.arange(n_seekers).astype(str)),
        }, label="seekers")
        seeker_pk = np.array(Seeker.objects.order_by("pk").values_list("pk", flat=True))

        log(f"postings: {n_postings:,}")
        copy_model(raw, Posting, {
            "posting_id": np.char.add("P", np.arange(n_postings).astype(str)),
            "employer_id": employer_pk[rng.integers(0, len(employer_pk), n_postings)],
            "site_id": site_ids[rng.integers(0, SITES, n_postings)],
            "received_on": _dates(rng, n_postings, first, days).astype(str),
            "occupation_id": occupations[rng.integers(0, len(occupations), n_postings)],
            "openings": rng.integers(1, 4, n_postings),
            "postal_code": np.full(n_postings, "710-0001"),
            "developed": np.where(rng.random(n_postings) < 0.3, "t", "f"),
        }, label="postings")
        posting_pk = np.array(Posting.objects.order_by("pk").values_list("pk", flat=True))

        log(f"referrals: {referrals:,}")
        who = rng.integers(0, n_seekers, referrals)
        referred = registered[who] + rng.integers(0, 240, referrals)
        referred = np.minimum(referred, first + days - 1)
        hired = rng.random(referrals) < 0.18
        decided = hired | (rng.random(referrals) < 0.6)
        outcome = np.where(hired, "hired", np.where(decided, "rejected", "pending"))
        outcome_on = np.where(decided, (referred + rng.integers(3, 45, referrals)).astype(str), "\\N")
        copy_model(raw, Referral, {
            "referral_id": np.char.add("R", np.arange(referrals).astype(str)),
            "seeker_id": seeker_pk[who],
            "posting_id": posting_pk[rng.integers(0, len(posting_pk), referrals)],
            "referred_on": referred.astype(str),
            "outcome": outcome,
            "outcome_on": outcome_on,
            "staff_id": staff_ids[seeker_site[who], rng.integers(0, STAFF_PER_SITE, referrals)],
        }, label="referrals")

        c.execute("SET session_replication_role = DEFAULT")
        log(f"building {len(dropped)} indexes")
        for sql in dropped:
            t = time.perf_counter()
            c.execute(sql)
            log(f"  {time.perf_counter() - t:5.1f}s  {sql}")
    log("VACUUM ANALYZE")
    with connection.cursor() as c:
        for table in ("seekers_seeker", "postings_posting", "referrals_referral"):
            c.execute(f'VACUUM ANALYZE "{table}"')  # noqa: S608 — fixed names


def drop_indexes(cursor: Any, tables: list[str]) -> list[str]:
    """Drop the indexes of ``tables`` that back no constraint; return the statements that rebuild them."""
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [tables],
    )
    rows = cursor.fetchall()
    for name, _sql in rows:
        cursor.execute(f"DROP INDEX {name}")  # noqa: S608 — names from the catalogue
    return [sql for _name, sql in rows]


# --- timing ---------------------------------------------------------------------------------------------------

def one_site(site: str, fy: int, as_of: str) -> Callable[[], Any]:
    from kakehashi.plans.report import progress_for

    return lambda: progress_for(site, str(fy), as_of).as_json()


def all_sites(fy: int, as_of: str) -> Callable[[], Any]:
    from kakehashi.accounts.models import Site
    from kakehashi.plans.periods import parse_day
    from kakehashi.plans.progress import build_progress

    day = parse_day(as_of)
    return lambda: [p.as_json() for p in build_progress(Site.objects.all(), fy, day, by_staff=False)]


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def cold(server: str, db: str, what: str, runs: int) -> list[float]:
    """Each run in a new process with a new connection (PostgreSQL's buffers and the OS cache stay as they are:
    this is a shared machine, so nothing is flushed). The child is told the same server and database."""
    out = []
    for _ in range(runs):
        res = subprocess.run([sys.executable, __file__, "--one", what, "--server", server, "--db", db],  # noqa: S603 — this script, again
                             capture_output=True, text=True, check=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def machine() -> str:
    return describe()


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as c:
        out = {}
        for table in ("seekers_seeker", "postings_posting", "referrals_referral"):
            c.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 — fixed names
            out[table] = c.fetchone()[0]
    return out


def ensure_targets(fy: int) -> None:
    """Targets for every site, this year and last, so that the timed runs do the whole progress arithmetic."""
    from kakehashi.accounts.models import Site
    from kakehashi.plans.models import Indicator, Target

    indicators = {i.key: i for i in Indicator.objects.filter(key__in=["placements", "developed_openings"])}
    for site in Site.objects.filter(code__startswith="site"):
        for year in (fy - 1, fy):
            Target.objects.get_or_create(site=site, fiscal_year=year, indicator=indicators["placements"],
                                         defaults={"target": 9000})
            Target.objects.get_or_create(site=site, fiscal_year=year, indicator=indicators["developed_openings"],
                                         defaults={"target": 1500})


def scenario() -> tuple[str, int, str]:
    """The site, year and as-of date timed: the last full year's autumn council, at the first site."""
    fy = FIRST_FY + YEARS - 1
    return "site01", fy, f"{fy}-10-31"


def main() -> None:
    args = parse_args()
    url = f"{args.server}/{args.db}"
    if args.one:
        setup_django(url)
        site, fy, as_of = scenario()
        fn = one_site(site, fy, as_of) if args.one == "one" else all_sites(fy, as_of)
        print(f"{timed(fn):.6f}")
        return

    ensure_database(args.server, args.db, drop=args.regenerate)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    log("migrate")
    call_command("migrate", verbosity=0)
    have = counts()
    if have["referrals_referral"] != args.referrals:
        t = time.perf_counter()
        generate(args.referrals)
        log(f"generated in {time.perf_counter() - t:.0f}s")
        have = counts()
    else:
        log("data already there (use --regenerate to rebuild)")

    site, fy, as_of = scenario()
    ensure_targets(fy)
    with connection.cursor() as c:
        c.execute("SELECT version()")
        pg_version = c.fetchone()[0].split(",")[0]
    figures = one_site(site, fy, as_of)()

    print()
    print(f"# report_bench — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine:  {machine()}")
    print(f"database: {pg_version}, {args.db}")
    print("rows:     " + ", ".join(f"{t.split('_', 1)[1]} {n:,}" for t, n in have.items()))
    print(f"case:     site {site}, fiscal year {fy}, as of {as_of} ({SITES} sites, FY{FIRST_FY}–FY{FIRST_FY + YEARS - 1})")
    print("figures:  " + json.dumps(figures["indicators"], ensure_ascii=False))
    cold_runs = max(3, args.runs // 2)
    for what, label, fn in (("one", "one site ", one_site(site, fy, as_of)),
                            ("all", f"all {SITES} sites", all_sites(fy, as_of))):
        c_times = cold(args.server, args.db, what, cold_runs)
        fn()  # settle the connection and the caches before the warm runs
        w_times = [timed(fn) for _ in range(args.runs)]
        print(f"{label:>12}: cold median {statistics.median(c_times):.3f}s (n={len(c_times)}, "
              f"min {min(c_times):.3f}, max {max(c_times):.3f}) · warm median {statistics.median(w_times):.3f}s "
              f"(n={len(w_times)}, min {min(w_times):.3f}, max {max(w_times):.3f})")


if __name__ == "__main__":
    main()
