"""``kakehashi import`` under faults and bad input, each repeated and counted; prints its figures.

    .venv/bin/python bench/fault_import.py                  # SQLite and (when a server answers) PostgreSQL
    .venv/bin/python bench/fault_import.py --db sqlite --trials 5 --mutations 0    # a quick look

1. kill -9 at a random moment: the import of a generated set of files (the import benchmark's generator, a small
   scale) is started and killed with SIGKILL after a random part of its usual duration, ``--trials`` times per
   database, each from the same fresh database. Counted: imports left partial (row counts neither those before nor
   those of the whole import, counted in one snapshot once the server has ended the killed client's backend) —
   must be 0 — and re-runs that succeed afterwards — must be all.
2. disk full (SQLite): the database on a small tmpfs mounted for the run (root; otherwise the import runs under
   RLIMIT_FSIZE, the limit on the size of any file it writes, and the table says which). Counted: a clean
   Japanese message, no traceback, nothing written, the database intact. Then ``kakehashi report progress``
   writing its PDF or workbook to such a disk, with room for part of it (over an earlier file every other time).
   Counted: a clean Japanese message, no file left behind, the earlier file unchanged, no audit row written.
3. a corrupted upload: the files truncated at random bytes, binary garbage, a ZIP given as CSV, UTF-16. Counted:
   clean errors (exit status 1, a message, no traceback), nothing written.
4. bad input: every cell of the test fixtures (tests/fixtures/interchange/utf8) replaced by each of a list of
   values that once broke an import (integers past 2^31 and 2^63, NUL bytes, dates in 9999, …), one file at a
   time, on each database. Counted: tracebacks (must be 0), partial imports (must be 0), and cases whose verdict
   (imported / refused, and the errors' lines and columns) differs between the databases (must be 0).

The PostgreSQL server is the one ``DATABASE_URL`` names when it is a PostgreSQL URL, else 127.0.0.1:5432, as in
bench/import_bench.py; scratch databases are created and dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from import_bench import DEFAULT_POSTGRES, generate, postgres_answers  # bench/, beside this script
from machine import describe

ROOT = Path(__file__).resolve().parent.parent
KAKEHASHI = ROOT / ".venv" / "bin" / "kakehashi"
FIXTURES = ROOT / "tests" / "fixtures" / "interchange" / "utf8"
sys.path.insert(0, str(ROOT / "src"))

# Values that once broke an import on one database or the other, and their neighbours.
BAD_VALUES = [
    "9223372036854775808", "9223372036854775807", "2147483648", "2147483647", "-1", "1" * 40, "1e400", "nan",
    "a\x00b", "\x00", "\x1b[2J", "\x7f", "9999-12-31", "0001-01-01", "1899-12-31", "平成32年4月1日", "平成元年1月7日",
    "2025-02-30", "x" * 201, "あ" * 41, "", " ", "=cmd|' /C calc'!A0", "\"", "１，２００",
]
MODELS = ["employers.Employer", "seekers.Seeker", "seekers.DesiredOccupation", "seekers.Experience",
          "seekers.Consent", "postings.Posting", "employers.EmployerVisit", "referrals.Referral", "plans.Target",
          "audit.AuditEvent"]


# -- databases -----------------------------------------------------------------------------------------------

class Database:
    """A fresh database of one kind, migrated and with the installation loaded once; ``fresh()`` gives a copy
    of it for each trial."""

    def __init__(self, vendor: str, work: Path) -> None:
        self.vendor = vendor
        self.work = work
        self.copies = 0
        if vendor == "sqlite":
            self.pristine = work / "pristine.sqlite3"
            self.url = f"sqlite:///{self.pristine}"
        else:
            import dj_database_url

            given = os.environ.get("DATABASE_URL", "")
            server = given if given.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES
            self.cfg = dj_database_url.parse(server)
            self.base = server.rsplit("/", 1)[0]
            self.name = f"{self.cfg['NAME'] or 'kakehashi'}_fault_bench"
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._sql(f'CREATE DATABASE "{self.name}"')
            self.url = f"{self.base}/{self.name}"
        env = self.env(self.url)
        for command in (["migrate", "--noinput", "-v", "0"], ["installation", str(ROOT / "installations" / "kurashiki.json")]):
            subprocess.run([str(KAKEHASHI), *command, "--skip-checks"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603  # the project's own command, fixed arguments
        self.tables = json.loads(subprocess.run(  # noqa: S603  # this script itself, fixed arguments
            [sys.executable, __file__, "--tables"], env=env, check=True, capture_output=True, text=True).stdout)

    def _sql(self, statement: str, dbname: str = "postgres") -> list[Any]:
        import psycopg

        params = {"host": self.cfg["HOST"] or "127.0.0.1", "port": self.cfg["PORT"] or 5432,
                  "user": self.cfg["USER"] or None, "password": self.cfg["PASSWORD"] or None, "dbname": dbname}
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    @staticmethod
    def env(url: str) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "kakehashi.settings"}

    def fresh(self, directory: Path | None = None) -> str:
        """A copy of the pristine database (in ``directory`` for SQLite); its URL."""
        self.copies += 1
        if self.vendor == "sqlite":
            target = (directory or self.work) / f"trial{self.copies}.sqlite3"
            src = sqlite3.connect(self.pristine)
            dst = sqlite3.connect(target)
            src.backup(dst)
            src.close()
            dst.close()
            return f"sqlite:///{target}"
        name = f"{self.name}_{self.copies}"
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        return f"{self.base}/{name}"

    def counts(self, url: str) -> dict[str, int]:
        """Rows in every table an import writes (read directly, no Django start-up), in one statement: one
        snapshot, so that a commit landing while they are counted is seen whole or not at all."""
        statement = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in self.tables.values())  # noqa: S608  # table names from the models, quoted
        if self.vendor == "sqlite":
            conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            try:
                row = conn.execute(statement).fetchone()
            finally:
                conn.close()
        else:
            row = self._sql(statement, url.rsplit("/", 1)[1])[0]
        return dict(zip(self.tables, row, strict=True))

    def settled(self, url: str, timeout: float = 10) -> None:
        """PostgreSQL: wait until the server has ended the backend of a killed client (it rolls back the open
        transaction, or completes a COMMIT the client had already sent, once it sees the connection closed)."""
        if self.vendor != "postgresql":
            return
        name = url.rsplit("/", 1)[1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._sql(
                f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'")[0][0]:  # noqa: S608  # our own database name
            time.sleep(0.05)

    def drop(self, url: str) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        else:
            self._sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def close(self) -> None:
        if self.vendor == "postgresql":
            self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def tables() -> dict[str, str]:
    """Run in a child (``--tables``): each counted model's table name."""
    import django

    django.setup()
    from django.apps import apps

    return {label: apps.get_model(label)._meta.db_table for label in MODELS}


def run(url: str, path: Path, *extra: str, preexec: Any = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KAKEHASHI), "import", str(path), "--no-progress", "--skip-checks", *extra],  # noqa: S603  # the project's own command, fixed arguments
                          env={**Database.env(url), **({"PYTHONDONTWRITEBYTECODE": "1"} if preexec else {})},
                          capture_output=True, text=True, preexec_fn=preexec,
                          timeout=timeout)


def clean_failure(p: subprocess.CompletedProcess[str]) -> bool:
    """Exit status 1, a message, and no Python traceback."""
    return p.returncode == 1 and "Traceback" not in p.stderr and bool(p.stderr.strip())


# -- 1. kill -9 ----------------------------------------------------------------------------------------------

def kill_trials(db: Database, files: Path, trials: int, rng: random.Random) -> dict[str, Any]:
    url = db.fresh()
    before = db.counts(url)
    started = time.perf_counter()
    p = run(url, files)
    duration = time.perf_counter() - started
    if p.returncode != 0:
        sys.exit(f"the import itself failed:\n{p.stderr[-3000:]}")
    whole = db.counts(url)
    db.drop(url)
    outcome = {"nothing": 0, "whole": 0, "partial": 0}
    reruns_ok = 0
    for _ in range(trials):
        url = db.fresh()
        proc = subprocess.Popen([str(KAKEHASHI), "import", str(files), "--no-progress", "--skip-checks"],  # noqa: S603  # the project's own command, fixed arguments
                                env=Database.env(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.02, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        db.settled(url)
        after = db.counts(url)
        outcome["nothing" if after == before else "whole" if after == whole else "partial"] += 1
        again = run(url, files)
        reruns_ok += again.returncode == 0 and {k: v for k, v in db.counts(url).items() if k != "audit.AuditEvent"} == {
            k: v for k, v in whole.items() if k != "audit.AuditEvent"}
        db.drop(url)
    return {"duration": duration, "trials": trials, **outcome, "reruns_ok": reruns_ok}


# -- 2. disk full ------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def small_disk(size_bytes: int) -> Iterator[Path | None]:
    """A tmpfs of ``size_bytes`` mounted for the run, or None when mounting is not possible here."""
    mount = Path(tempfile.mkdtemp(prefix="kakehashi-full-"))
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount"):
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(mount)],  # noqa: S603, S607
                                 capture_output=True).returncode == 0
    try:
        yield mount if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", str(mount)], check=False)  # noqa: S603, S607
        shutil.rmtree(mount, ignore_errors=True)


def file_size_limit(limit: int) -> Any:
    """Run with ``run(..., preexec=…)``, which then writes no bytecode: a .pyc cut at the limit would stay."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def disk_full(db: Database, files: Path, trials: int) -> dict[str, Any]:
    """SQLite only: the import's database on a disk too small for it."""
    pristine = db.pristine.stat().st_size
    url = db.fresh()
    run(url, files)
    grown = Path(url.removeprefix("sqlite:///")).stat().st_size - pristine
    db.drop(url)
    clean = intact = nothing = 0
    method = "tmpfs"
    messages = set()
    for i in range(trials):
        room = int(grown * (i + 1) / (trials + 1))  # the disk fills at a different point each time
        with small_disk(pristine + 2 * grown + 64 * 1024 * 1024) as mount:
            if mount is None:
                method = "RLIMIT_FSIZE"
                url = db.fresh()
                before = db.counts(url)
                # The import writes into the WAL file; the limit stops it there.
                p = run(url, files, preexec=file_size_limit(room))
            else:
                url = db.fresh(mount)
                before = db.counts(url)
                # Leave ``room`` bytes free: the rest of the small disk is taken.
                (mount / "filler").write_bytes(b"\0" * max(0, shutil.disk_usage(mount).free - room))
                p = run(url, files)
            clean += clean_failure(p) and "ディスク" in p.stderr
            messages.add(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"(exit {p.returncode})")
            nothing += db.counts(url) == before
            conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            intact += conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.close()
            db.drop(url)
    return {"method": method, "trials": trials, "clean": clean, "nothing_written": nothing, "intact": intact,
            "messages": sorted(messages)}


# -- 2b. disk full during a report -----------------------------------------------------------------------------------

REPORT = ["report", "progress", "--site", "tamashima", "--fiscal-year", "2025", "--as-of", "2026-03-31"]


def report(url: str, fmt: str, out: Path, preexec: Any = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KAKEHASHI), *REPORT, "--format", fmt, "--out", str(out)],  # noqa: S603  # the project's own command, fixed arguments
                          env={**Database.env(url), **({"PYTHONDONTWRITEBYTECODE": "1"} if preexec else {})},
                          capture_output=True, text=True, preexec_fn=preexec, timeout=600)


def report_disk_full(db: Database, trials: int) -> dict[str, Any]:
    """``kakehashi report progress`` writing its PDF or workbook (in turn) to a disk with room for part of it, a
    different part each time; every other trial over an earlier file of the same name. Counted: a clean Japanese
    message, no file left behind, the earlier file unchanged, no audit row for the export that did not happen."""
    url = db.fresh()
    work = Path(tempfile.mkdtemp(prefix="kakehashi-report-"))
    size = {}
    for fmt in ("pdf", "xlsx"):
        p = report(url, fmt, work / f"whole.{fmt}")
        if p.returncode != 0:
            sys.exit(f"the report itself failed:\n{p.stderr[-3000:]}")
        size[fmt] = (work / f"whole.{fmt}").stat().st_size
    before = db.counts(url)["audit.AuditEvent"]
    method = "tmpfs"
    clean = no_file_left = no_audit = earlier_kept = earlier_trials = 0
    messages = set()
    for i in range(trials):
        fmt = "pdf" if i % 2 == 0 else "xlsx"
        with small_disk(2 * size[fmt] + 1024 * 1024) as mount:
            folder = mount or work / f"trial{i}"
            folder.mkdir(exist_ok=True)
            target = folder / f"progress.{fmt}"
            earlier = b"the earlier report" if i % 4 >= 2 else None
            if earlier is not None:
                target.write_bytes(earlier)
                earlier_trials += 1
            if mount is None:
                # Without a tmpfs: a file size limit, above SQLite's 32 KiB shared-memory file, below the PDF.
                method = "RLIMIT_FSIZE"
                fmt = "pdf"
                target = target.with_suffix(".pdf")
                room = 64 * 1024 + int((size["pdf"] - 64 * 1024) * i / trials)
                p = report(url, fmt, target, preexec=file_size_limit(room))
                expected = {target.name} if earlier is not None else set()
            else:
                room = int(size[fmt] * (i + 1) / (trials + 1))
                (mount / "filler").write_bytes(b"\0" * max(0, shutil.disk_usage(mount).free - room))
                p = report(url, fmt, target)
                expected = {"filler"} | ({target.name} if earlier is not None else set())
            clean += clean_failure(p) and "ディスク" in p.stderr
            last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"(exit {p.returncode})"
            messages.add(re.sub(r"「[^」]*」", "「…」", last))
            no_file_left += {x.name for x in folder.iterdir()} == expected
            if earlier is not None:
                earlier_kept += target.exists() and target.read_bytes() == earlier
            no_audit += db.counts(url)["audit.AuditEvent"] == before
    db.drop(url)
    shutil.rmtree(work, ignore_errors=True)
    return {"method": method, "trials": trials, "clean": clean, "no_file_left": no_file_left, "no_audit": no_audit,
            "earlier": earlier_trials, "earlier_kept": earlier_kept, "sizes": size, "messages": sorted(messages)}


# -- 3. corrupted uploads --------------------------------------------------------------------------------------

def corrupted(db: Database, files: Path, rng: random.Random, trials: int) -> dict[str, Any]:
    cases: list[tuple[str, bytes]] = []
    data = (files / "postings.csv").read_bytes()
    for _ in range(trials):
        cases.append(("truncated", data[:rng.randrange(1, len(data))]))
    for _ in range(max(1, trials // 4)):
        cases.append(("binary garbage", rng.randbytes(rng.randrange(1, 20000))))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("postings.csv", data[:5000])
    cases.append(("ZIP as CSV", buf.getvalue()))
    cases.append(("UTF-16", data[:5000].decode("utf-8-sig").encode("utf-16")))
    upload = Path(tempfile.mkdtemp()) / "postings.csv"
    url = db.fresh()
    run(url, files / "employers.csv")
    before = db.counts(url)
    clean = nothing = accepted = 0
    for _kind, content in cases:
        upload.write_bytes(content)
        p = run(url, upload)
        if p.returncode == 0:
            # A file cut exactly at the end of a row is a shorter, valid file: imported whole, then put back.
            accepted += 1
            db.drop(url)
            url = db.fresh()
            run(url, files / "employers.csv")
            continue
        clean += clean_failure(p)
        nothing += db.counts(url) == before
    db.drop(url)
    shutil.rmtree(upload.parent, ignore_errors=True)
    refused = len(cases) - accepted
    return {"cases": len(cases), "refused": refused, "clean": clean, "nothing_written": nothing,
            "accepted_whole": accepted}


# -- 4. bad input ------------------------------------------------------------------------------------------------

def mutated_cases(limit: int) -> list[tuple[str, str, int, str, str]]:
    """(kind, file text, line, column, value): one cell of one fixture file replaced."""
    cases = []
    for kind in ("employers", "seekers", "postings", "visits", "referrals", "targets"):
        text = (FIXTURES / f"{kind}.csv").read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        for r in range(1, len(rows)):
            for c, column in enumerate(rows[0]):
                for value in BAD_VALUES:
                    changed = [list(row) for row in rows]
                    changed[r][c] = value
                    out = io.StringIO()
                    csv.writer(out, lineterminator="\r\n").writerows(changed)
                    cases.append((kind, out.getvalue(), r + 1, column, value))
    return cases[:limit] if limit >= 0 else cases


def mutate_worker(count: int) -> list[dict[str, Any]]:
    """Run in a child (``--mutate-worker N``) on the database ``DATABASE_URL`` names, which holds the fixtures:
    import each mutated file in a transaction rolled back afterwards; the verdict of each."""
    import django

    django.setup()
    from django.apps import apps
    from django.db import transaction

    from kakehashi.interchange.actions import do_import_files
    from kakehashi.interchange.errors import ImportRejected

    def counts() -> list[int]:
        return [apps.get_model(m).objects.count() for m in MODELS]

    class Undo(Exception):
        pass

    work = Path(tempfile.mkdtemp())
    out = []
    for kind, text, _line, _column, _value in mutated_cases(count):
        path = work / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        before = counts()
        verdict: dict[str, Any] = {}
        try:
            with transaction.atomic():
                try:
                    do_import_files([(kind, path)], acting_user=None)
                    verdict = {"verdict": "imported"}
                except ImportRejected as e:
                    verdict = {"verdict": "refused", "errors": sorted({(err.line, err.column) for err in e.errors}),
                               "partial": counts() != before}
                raise Undo
        except Undo:
            pass
        except Exception as e:  # counted: what this benchmark exists to find
            verdict = {"verdict": "traceback", "error": f"{type(e).__name__}: {str(e)[:200]}"}
        out.append(verdict)
    shutil.rmtree(work, ignore_errors=True)
    return out


def bad_input(db: Database, limit: int) -> list[dict[str, Any]]:
    url = db.fresh()
    p = run(url, FIXTURES)
    if p.returncode != 0:
        sys.exit(f"the fixtures did not import:\n{p.stderr[-3000:]}")
    proc = subprocess.run([sys.executable, __file__, "--mutate-worker", str(limit)], env=Database.env(url),  # noqa: S603  # this script itself, fixed arguments
                          capture_output=True, text=True, check=True)
    db.drop(url)
    return list(json.loads(proc.stdout))


# -- the table ---------------------------------------------------------------------------------------------------

def main() -> None:
    if sys.argv[1:] == ["--tables"]:
        print(json.dumps(tables()))
        return
    if sys.argv[1:2] == ["--mutate-worker"]:
        print(json.dumps(mutate_worker(int(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--trials", type=int, default=20, help="kill -9 trials per database (default 20)")
    parser.add_argument("--scale", type=float, default=0.02, help="size of the generated files, as in import_bench")
    parser.add_argument("--mutations", type=int, default=-1, help="bad-input cases (default: all; 0: none)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = {"employers": 5_000, "seekers": 100_000, "postings": 200_000, "visits": 10_000, "referrals": 50_000}
    sizes = {k: max(10, int(v * args.scale)) for k, v in base.items()}

    print("kakehashi import under faults")
    print(f"  date      {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"  machine   {describe()}")
    print("  files     " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) + f" (import_bench, scale {args.scale})")
    vendors = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in vendors and not postgres_answers():
        print("  postgresql: no server answers — skipped")
        vendors.remove("postgresql")
    ok = True
    verdicts: dict[str, list[dict[str, Any]]] = {}
    for vendor in vendors:
        work = Path(tempfile.mkdtemp(prefix=f"kakehashi-fault-{vendor}-"))
        files = work / "files"
        files.mkdir()
        generate(files, sizes)
        db = Database(vendor, work)
        try:
            print(f"\n  {vendor}")
            k = kill_trials(db, files, args.trials, rng)
            print(f"    kill -9 at a random moment    {k['trials']} trials (import alone {k['duration']:.1f} s): "
                  f"nothing written {k['nothing']}, whole import {k['whole']}, partial {k['partial']}; "
                  f"re-run succeeded {k['reruns_ok']}/{k['trials']}")
            ok = ok and k["partial"] == 0 and k["reruns_ok"] == k["trials"]
            if vendor == "sqlite":
                d = disk_full(db, files, 3)
                print(f"    disk full ({d['method']})          {d['trials']} trials: clean Japanese error {d['clean']}, "
                      f"nothing written {d['nothing_written']}, database intact {d['intact']}")
                for m in d["messages"]:
                    print(f"      {m}")
                ok = ok and d["clean"] == d["nothing_written"] == d["intact"] == d["trials"]
                r = report_disk_full(db, 6)
                print(f"    disk full, report ({r['method']})   {r['trials']} trials (PDF {r['sizes']['pdf']:,} bytes, "
                      f"workbook {r['sizes']['xlsx']:,} bytes; {r['earlier']} over an earlier file): clean Japanese "
                      f"error {r['clean']}, no file left {r['no_file_left']}, earlier file unchanged "
                      f"{r['earlier_kept']}/{r['earlier']}, no audit row {r['no_audit']}")
                for m in r["messages"]:
                    print(f"      {m}")
                ok = ok and r["clean"] == r["no_file_left"] == r["no_audit"] == r["trials"] and (
                    r["earlier_kept"] == r["earlier"])
            c = corrupted(db, files, rng, 12)
            print(f"    corrupted upload              {c['cases']} cases: refused {c['refused']} (clean error "
                  f"{c['clean']}, nothing written {c['nothing_written']}); a cut at a row's end imported whole "
                  f"{c['accepted_whole']}")
            ok = ok and c["clean"] == c["nothing_written"] == c["refused"]
            if args.mutations:
                v = verdicts[vendor] = bad_input(db, args.mutations)
                tracebacks = [x for x in v if x["verdict"] == "traceback"]
                partial = sum(1 for x in v if x.get("partial"))
                print(f"    bad input                     {len(v):,} mutated files: imported "
                      f"{sum(x['verdict'] == 'imported' for x in v):,}, refused "
                      f"{sum(x['verdict'] == 'refused' for x in v):,}, tracebacks {len(tracebacks)}, partial {partial}")
                for x in tracebacks[:5]:
                    print(f"      {x['error']}")
                ok = ok and not tracebacks and not partial
        finally:
            db.close()
            shutil.rmtree(work, ignore_errors=True)
    if len(verdicts) == 2:
        a, b = verdicts["sqlite"], verdicts["postgresql"]
        differ = sum(1 for x, y in zip(a, b, strict=True) if x != y)
        print(f"\n  bad input, same verdict on both databases: {len(a) - differ:,} of {len(a):,} (differ: {differ})")
        ok = ok and differ == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
