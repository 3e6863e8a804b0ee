"""Time ``kakehashi import`` on a large, realistic set of interchange files, on SQLite and on PostgreSQL.

    .venv/bin/python bench/import_bench.py                 # both databases, one table each
    .venv/bin/python bench/import_bench.py --db sqlite     # one of them (sqlite, postgresql)
    .venv/bin/python bench/import_bench.py --scale 0.1     # a tenth of the rows, for a quick look

SQLite uses a temporary database file. PostgreSQL uses a scratch database, created and dropped by the script, on
the server ``DATABASE_URL`` names when it names a PostgreSQL one, else on ``postgres://postgres@127.0.0.1:5432``
(the server ``make test`` uses); when that server does not answer, the PostgreSQL table says so and is skipped.

It generates the files (deterministic: the same seed gives the same bytes; addresses are real Kurashiki postal
codes; dates partly in 和暦 and full-width digits; seekers.csv in CP932, the others in UTF-8 with BOM), migrates
a fresh database, then runs the command three times, each in its own process so that its peak RSS is its own:

1. a fresh import;
2. the same files again, which must change nothing (checked: row counts and the latest ``updated_at``);
3. the files with a tenth of the postings changed, which must update exactly those.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from machine import describe  # bench/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
KAKEHASHI = ROOT / ".venv" / "bin" / "kakehashi"
sys.path.insert(0, str(ROOT / "src"))

SITES = ["tamashima", "mizushima"]
ERAS = [("令和", 2019), ("平成", 1989)]
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def written_date(rng: random.Random, day: datetime.date) -> str:
    """A date as offices write it: mostly ISO, some YYYY/MM/DD, some 和暦, a few in full-width digits."""
    r = rng.random()
    if r < 0.6:
        text = day.isoformat()
    elif r < 0.8:
        text = f"{day:%Y/%m/%d}"
    else:
        name, start = ERAS[0] if day >= datetime.date(2019, 5, 1) else ERAS[1]
        text = f"{name}{day.year - start + 1}年{day.month}月{day.day}日"
    return text.translate(FULL_WIDTH) if rng.random() < 0.05 else text


def generate(directory: Path, sizes: dict[str, int], seed: int = 2013, changed: float = 0.0) -> int:
    """Write the six files; ``changed``: the share of postings whose openings differ from the seed's. Returns
    how many postings were changed."""
    import csv

    from kakehashi.reference.loaders import industry_rows, occupation_rows, postal_codes_of

    rng = random.Random(seed)
    postal = [code for code, _town in postal_codes_of("倉敷市")]
    occupations = [r["middle_code"] for r in occupation_rows()]
    industries = [r["code"] for r in industry_rows() if r["level"] in (2, 3)]
    fy_start = datetime.date(2024, 4, 1)

    def day() -> datetime.date:
        return fy_start + datetime.timedelta(days=rng.randrange(730))

    def write(name: str, header: list[str], rows: Any, encoding: str = "utf-8-sig") -> None:
        with (directory / name).open("w", encoding=encoding, newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(header)
            w.writerows(rows)

    n_emp = sizes["employers"]
    write("employers.csv", ["employer_id", "name", "industry", "postal_code", "employees", "center_member", "phone"],
          ([f"E{i:06d}", f"事業所{i:06d}株式会社", rng.choice(industries), rng.choice(postal),
            rng.randrange(1, 300), rng.randrange(2), f"086-{rng.randrange(100, 999)}-{rng.randrange(10000):04d}"]
           for i in range(n_emp)))

    def seeker(i: int) -> list[Any]:
        desired = rng.sample(occupations, rng.randrange(1, 4))
        exp = ";".join(f"{c}:{rng.randrange(1, 20)}" for c in rng.sample(occupations, rng.randrange(0, 3)))
        referred = rng.choices(["self", "city", "welfare_office", "hello_work"], [5, 2, 1, 4])[0]
        full = rng.random() < 0.6
        return [f"S{i:07d}", rng.choice(SITES), written_date(rng, day()), rng.choice(postal), ";".join(desired),
                rng.randrange(1950, 2006), "full_time" if full else rng.choice(["part_time", "any"]),
                rng.randrange(160, 300) * 1000 if full else rng.randrange(950, 1400),
                "month" if full else "hour", rng.choice(["", "5", "10", "15.5"]),
                rng.choice(["", "普通自動車免許", "普通自動車免許;フォークリフト運転技能者", "介護職員初任者研修"]),
                exp, int(referred == "welfare_office"), referred, rng.randrange(2), ""]

    write("seekers.csv", ["seeker_id", "site", "registered_on", "postal_code", "desired_occupations", "birth_year",
                          "desired_employment", "min_wage", "wage_unit", "max_commute_km", "qualifications",
                          "experience", "welfare_recipient", "referred_by", "consent_share", "note"],
          (seeker(i) for i in range(sizes["seekers"])), encoding="cp932")

    change = random.Random(seed + 1)
    n_changed = 0

    def posting(i: int) -> list[Any]:
        nonlocal n_changed
        full = rng.random() < 0.6
        low = rng.randrange(160, 300) * 1000 if full else rng.randrange(950, 1400)
        received = day()
        openings = rng.randrange(1, 6)
        if changed and change.random() < changed:
            openings += 1
            n_changed += 1
        occupation = rng.choice(occupations)
        return [f"33010-{i:07d}", f"E{rng.randrange(n_emp):06d}", rng.choice(SITES), written_date(rng, received),
                occupation if rng.random() < 0.7 else f"{occupation}-{rng.randrange(1, 10):02d}", openings,
                rng.choice(postal), f"求人{i}", "full_time" if full else "part_time", low,
                low + (rng.randrange(0, 50) * 1000 if full else rng.randrange(0, 300)), "month" if full else "hour",
                rng.choice(["", "", "普通自動車免許"]), rng.randrange(2), rng.randrange(2),
                int(rng.random() < 0.2), (received + datetime.timedelta(days=90)).isoformat()]

    write("postings.csv", ["posting_id", "employer_id", "site", "received_on", "occupation", "openings",
                           "postal_code", "title", "employment", "wage_min", "wage_max", "wage_unit",
                           "required_qualifications", "experience_required", "trial_employment_ok", "developed",
                           "closes_on"],
          (posting(i) for i in range(sizes["postings"])))

    write("visits.csv", ["visit_id", "employer_id", "visited_on", "by", "method", "hiring_need_occupations",
                         "hiring_need_openings", "for_seeker_id", "note"],
          ([f"V{i:06d}", f"E{rng.randrange(n_emp):06d}", written_date(rng, day()),
            rng.choice(["center", "hello_work", "city"]), rng.choice(["visit", "phone"]),
            ";".join(rng.sample(occupations, rng.randrange(0, 3))), rng.randrange(0, 4),
            f"S{rng.randrange(sizes['seekers']):07d}" if rng.random() < 0.1 else "", ""]
           for i in range(sizes["visits"])))

    def referral(i: int) -> list[Any]:
        referred = day()
        outcome = rng.choices(["pending", "hired", "rejected", "declined"], [3, 2, 4, 1])[0]
        outcome_on = "" if outcome == "pending" else (referred + datetime.timedelta(days=rng.randrange(5, 40))).isoformat()
        return [f"R{i:07d}", f"S{rng.randrange(sizes['seekers']):07d}", f"33010-{rng.randrange(sizes['postings']):07d}",
                written_date(rng, referred), outcome, outcome_on, int(outcome == "hired" and rng.random() < 0.1)]

    write("referrals.csv", ["referral_id", "seeker_id", "posting_id", "referred_on", "outcome", "outcome_on",
                            "trial_employment"], (referral(i) for i in range(sizes["referrals"])))
    write("targets.csv", ["fiscal_year", "site", "indicator", "target"],
          ([fy, site, key, rng.randrange(100, 1500)] for fy in (2024, 2025) for site in SITES
           for key in ("placements", "developed_openings")))
    return n_changed


def machine() -> str:
    return describe()


def run_import(env: dict[str, str], directory: Path) -> tuple[float, float, int, dict[str, Any]]:
    """Wall seconds, CPU seconds, peak RSS in KiB, and the command's JSON report."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([str(KAKEHASHI), "import", str(directory), "--json", "--no-progress", "--skip-checks"],  # noqa: S603  # the project's own command, fixed arguments
                                env=env, stdout=out, stderr=err, text=True)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would keep the largest child's peak so far).
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"import failed ({proc.returncode}):\n{err.read()[-4000:]}")
        return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, json.loads(out.read().strip().splitlines()[-1])


def snapshot() -> dict[str, Any]:
    """Run in a child process (``--snapshot``), on the database ``DATABASE_URL`` names: the database's version,
    and the row count and latest updated_at of every model the import writes."""
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max

    from kakehashi.employers.models import Employer, EmployerVisit
    from kakehashi.plans.models import Target
    from kakehashi.postings.models import Posting
    from kakehashi.referrals.models import Referral
    from kakehashi.seekers.models import Consent, DesiredOccupation, Experience, Seeker

    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        version = f"{connection.vendor} {cursor.fetchone()[0]}"
    out: dict[str, Any] = {}
    for model in (Employer, Seeker, DesiredOccupation, Experience, Consent, Posting, EmployerVisit, Referral, Target):
        has_updated = any(f.name == "updated_at" for f in model._meta.fields)
        latest = model.objects.aggregate(m=Max("updated_at"))["m"] if has_updated else None
        out[model._meta.label] = [model.objects.count(), latest.isoformat() if latest else None]
    return {"database": version, "tables": out}


def take_snapshot(env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--snapshot"], env=env, check=True, capture_output=True,  # noqa: S603  # this script itself, fixed arguments
                          text=True)
    return cast(dict[str, Any], json.loads(proc.stdout))


DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/kakehashi"


def scratch_postgres(url: str) -> tuple[str, Any]:
    """A fresh database on the server ``url`` names; returns its URL and a function that drops it. Created from
    the ``postgres`` maintenance database, so the database ``url`` names need not exist."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = f"{cfg['NAME'] or 'kakehashi'}_import_bench"
    conninfo = {"host": cfg["HOST"] or None, "port": cfg["PORT"] or None, "user": cfg["USER"] or None,
                "password": cfg["PASSWORD"] or None, "dbname": "postgres"}

    def sql(statement: str) -> None:
        with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
            conn.execute(statement)

    sql(f'DROP DATABASE IF EXISTS "{name}"')
    sql(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name, lambda: sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Result:
    """One database's runs."""

    database: str
    sizes: dict[str, int]
    generated: float
    runs: list[tuple[str, float, float, int, dict[str, Any]]]
    noop: bool
    expected: int
    exact: bool


def bench(vendor: str, sizes: dict[str, int], work: Path) -> Result:
    """Migrate a fresh database of ``vendor``, load the installation, and time the three imports."""
    drop = None
    if vendor == "postgresql":
        given = os.environ.get("DATABASE_URL", "")
        url, drop = scratch_postgres(given if given.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES)
    else:
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "kakehashi.settings"}
    try:
        for command in (["migrate", "--noinput", "-v", "0"],
                        ["installation", str(ROOT / "installations" / "kurashiki.json")]):
            # System checks import every URL module: they test the web app, not the import.
            subprocess.run([str(KAKEHASHI), *command, "--skip-checks"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603  # the project's own command, fixed arguments

        files = work / "files"
        files.mkdir(exist_ok=True)
        t = time.perf_counter()
        generate(files, sizes)
        generated = time.perf_counter() - t

        runs = []
        runs.append(("fresh import", *run_import(env, files)))
        before = take_snapshot(env)
        runs.append(("re-import, same files", *run_import(env, files)))
        after = take_snapshot(env)
        noop = before == after and all(f["created"] == f["updated"] == 0 for f in runs[-1][4]["files"])

        expected = generate(files, sizes, changed=0.1)
        runs.append(("re-import, 10% of postings changed", *run_import(env, files)))
        updated = {f["kind"]: f["updated"] for f in runs[-1][4]["files"]}
        exact = updated.pop("postings", 0) == expected and not any(updated.values())
    finally:
        if drop is not None:
            drop()
    database = before["database"] + (" (temporary file)" if vendor == "sqlite" else " (scratch database)")
    return Result(database, sizes, generated, runs, noop, expected, exact)


def print_result(r: Result) -> None:
    total_rows = sum(r.sizes.values()) + 8
    print(f"  database  {r.database}")
    print("  files     " + ", ".join(f"{k} {v:,}" for k, v in r.sizes.items()) + ", targets 8"
          + f" — {total_rows:,} rows, generated in {r.generated:.1f} s")
    print()
    print(f"  {'run':<36} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'CPU s':>7} {'peak RSS':>9}")
    for name, seconds, cpu, peak, _report in r.runs:
        print(f"  {name:<36} {total_rows:>9,} {seconds:>8.1f} {total_rows / seconds:>8,.0f} {cpu:>7.1f}"
              f" {peak / 1024:>5.0f} MiB")
    print()
    print(f"  {'file (fresh import)':<22} {'rows':>9} {'seconds':>8} {'rows/s':>8}")
    for f in r.runs[0][4]["files"]:
        rate = f["rows"] / f["seconds"] if f["seconds"] else 0
        print(f"  {f['file']:<22} {f['rows']:>9,} {f['seconds']:>8.1f} {rate:>8,.0f}")
    print()
    print(f"  re-import changed nothing (row counts, latest updated_at): {'yes' if r.noop else 'NO'}")
    print(f"  10% changed: {r.expected:,} postings changed in the file, exactly those updated: "
          f"{'yes' if r.exact else 'NO'}")


def postgres_answers() -> bool:
    given = os.environ.get("DATABASE_URL", "")
    url = given if given.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES
    try:
        import dj_database_url
        import psycopg

        cfg = dj_database_url.parse(url)
        psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or None,
                        password=cfg["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
    except Exception:  # any failure to connect means: no server to measure on
        return False
    return True


def main() -> None:
    if sys.argv[1:] == ["--snapshot"]:
        print(json.dumps(snapshot()))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every file's row count")
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both",
                        help="the database(s) to measure on (default: both)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and SQLite database")
    args = parser.parse_args()
    base = {"employers": 5_000, "seekers": 100_000, "postings": 200_000, "visits": 10_000, "referrals": 50_000}
    sizes = {k: max(10, int(v * args.scale)) for k, v in base.items()}

    print("kakehashi import benchmark")
    print(f"  date      {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"  machine   {machine()}")
    print(f"  python    {platform.python_version()}")
    ok = True
    for vendor in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        print()
        if vendor == "postgresql" and not postgres_answers():
            print("  database  postgresql: no server answers (DATABASE_URL or 127.0.0.1:5432) — skipped")
            ok = ok and args.db == "both"
            continue
        work = Path(tempfile.mkdtemp(prefix=f"kakehashi-bench-{vendor}-"))
        result = bench(vendor, sizes, work)
        sys.stdout.flush()
        print_result(result)
        ok = ok and result.noop and result.exact
        if args.keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        sys.stdout.flush()
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
