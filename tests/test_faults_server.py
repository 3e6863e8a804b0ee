"""PostgreSQL restarted while the production server answers requests.

A throwaway PostgreSQL cluster of its own (initdb into a temporary folder, on a free port, trust on loopback; the
shared server on 5432 is never touched) is migrated and given the test world; the production server — granian
with ``kakehashi.ops.server``'s arguments, as ``kakehashi serve`` starts it after its start-up checks — serves it
on a free port. A Hello Work navigator signs in (``KAKEHASHI_2FA=0``) and, while two clients read seeker pages
(each an audited read) and one records referrals (a POST acknowledged by the redirect to the seeker's page),
PostgreSQL is restarted: ``pg_ctl restart -m fast``, and an immediate stop (a crash: recovery from the WAL at the
next start) followed by a start a few seconds later, each repeated.

Counted and required: every response is either what the page answers normally or the Japanese 503 page
(kakehashi.ops.unavailable) — never a 500, a traceback, a dropped connection, or a wait longer than the connect
timeout (``DB_CONNECT_TIMEOUT``) with some slack; the service answers normally again by itself once PostgreSQL is
up, with no failure after that; and every referral whose POST was acknowledged is in the database afterwards.

``KAKEHASHI_FAULT_ROUNDS=N`` repeats each kind of restart N times (default 2); ``pytest -s`` prints the counts.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kakehashi.ops.server import granian_args

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONNECT_TIMEOUT = 2  # DB_CONNECT_TIMEOUT of the server under test
SLACK = 8  # seconds beyond the connect timeout a response may take on a busy 2-core machine
ROUNDS = int(os.environ.get("KAKEHASHI_FAULT_ROUNDS") or 2)
UNAVAILABLE = "ただいま利用できません"  # the 503 page's heading (templates/failure.html)
PASSWORD = "pass-word-123"  # noqa: S105 - the test world's password (tests/world.py)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL with the server programs, or None."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists() and (p / "pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


def _as_postgres() -> list[str] | None:
    """The command prefix that runs a program as the ``postgres`` OS user when we are root (PostgreSQL refuses to
    run as root); [] when we are not root; None when root and there is no such user or no runuser."""
    if os.geteuid() != 0:
        return []
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return None
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--"] if runuser else None


PG_BIN = _postgres_bin()
AS_POSTGRES = _as_postgres()
pytestmark = [
    pytest.mark.skipif(PG_BIN is None, reason="needs the PostgreSQL server programs (/usr/lib/postgresql/*/bin: "
                                              "initdb, pg_ctl), Debian's postgresql package"),
    pytest.mark.skipif(PG_BIN is not None and AS_POSTGRES is None,
                       reason="running as root needs the postgres OS user and runuser to start a cluster"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the throwaway cluster --------------------------------------------------------------------------------------

class Cluster:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:``port`` only (trust)."""

    def __init__(self) -> None:
        assert PG_BIN is not None and AS_POSTGRES is not None
        self.bin, self.prefix = PG_BIN, AS_POSTGRES
        self.dir = Path(tempfile.mkdtemp(prefix="kakehashi-pg-"))
        if self.prefix:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                 "--no-locale")
        self.start()

    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([*self.prefix, str(self.bin / program), *args], capture_output=True, text=True,  # noqa: S603 - fixed programs
                           timeout=120, cwd=self.dir)
        if check and p.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
        return p

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   "-c max_connections=40 -c shared_buffers=32MB")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o",
                 options, "start")

    def stop(self, mode: str) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-m", "fast", "-w", "-t",
                 "60", "restart")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, statement: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname,
                             autocommit=True, connect_timeout=10) as conn:
            cur = conn.execute(statement)  # type: ignore[arg-type]  # the fixed statements of this module
            return cur.fetchall() if cur.description else []

    def remove(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


# What the seed adds to the test world (tests/world.py): Hello Work seekers that the navigator ``naoki`` sees,
# open postings, so that every referral of the run is a new (seeker, posting) pair.
SEED = """
import datetime, json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tests.world import build_world
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker
w = build_world()
since = datetime.date(2025, 4, 1)
for i in range(19):
    Seeker.objects.create(seeker_id=f"S-FAULT-{i:02d}", site=w.tamashima, registered_on=since,
                          registered_by="hello_work", name=f"障害 {i:02d}", postal_code="713-8121", lat=34.54,
                          lng=133.67)
p = w.posting
for i in range(40):
    Posting.objects.create(posting_id=f"33010-9{i:04d}", employer=w.employer, site=w.tamashima, received_on=since,
                           occupation=p.occupation, openings=1, postal_code="713-8121", lat=34.545, lng=133.675,
                           title=f"検査員 {i}")
seekers = Seeker.objects.filter(registered_by="hello_work").order_by("pk")
print(json.dumps({"seekers": {s.seeker_id: s.pk for s in seekers},
                  "postings": sorted(Posting.objects.values_list("posting_id", flat=True))}))
"""


@dataclass
class World:
    port: int
    seekers: dict[str, int]  # seeker_id -> pk
    postings: list[str]
    env: dict[str, str]  # the server's environment, for commands on its database


# -- the production server --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        yield c
    finally:
        c.remove()


@pytest.fixture(scope="module")
def served(cluster: Cluster) -> Iterator[World]:
    cluster.sql('CREATE DATABASE "kakehashi"')
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108  # only a fallback HOME for the child process
           "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "kakehashi.settings",
           "DATABASE_URL": cluster.url("kakehashi"), "SECRET_KEY": "fault-test-" + "k" * 50,
           "KAKEHASHI_FAST_HASHER": os.environ.get("KAKEHASHI_FAST_HASHER", "1")}
    seeded = subprocess.run([PYTHON, "-c", SEED], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)  # noqa: S603  # our own interpreter, fixed arguments
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    world = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    # As ``kakehashi serve`` runs it (it checks first, then execs granian with these arguments); the static files
    # come from the packages (STATIC_ROOT unset: collecting them takes a minute). One worker, four threads.
    server_env = {**env, "ALLOWED_HOSTS": "127.0.0.1", "KAKEHASHI_BIND": f"127.0.0.1:{port}", "KAKEHASHI_2FA": "0",
                  "WEB_CONCURRENCY": "1", "KAKEHASHI_THREADS": "4", "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
                  "KAKEHASHI_LOG_LEVEL": "warning"}
    log = (cluster.dir / "granian.log").open("wb")
    server = subprocess.Popen([PYTHON, "-m", "granian", *granian_args(server_env)], env=server_env, cwd=ROOT,  # noqa: S603  # our own interpreter, fixed arguments
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (cluster.dir / "granian.log").read_text(errors="replace")[-3000:]
            try:
                if Client(port).request("GET", "/login/").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.3)
        yield World(port, world["seekers"], world["postings"], server_env)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


# -- a browser ----------------------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class Client:
    """One signed-in browser: cookies, one connection per request."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = CONNECT_TIMEOUT + SLACK + 5

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            headers = {"Accept-Language": "ja", "Host": f"127.0.0.1:{self.port}"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            text = r.read().decode("utf-8", errors="replace")
            for line in r.headers.get_all("Set-Cookie") or []:
                name, _, rest = line.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, text)
        finally:
            conn.close()

    def sign_in(self, username: str) -> str:
        """Sign in through the real page; returns a CSRF token for later POSTs."""
        page = self.request("GET", "/login/")
        token = TOKEN.search(page.text)
        assert token, "no CSRF token on the sign-in page"
        r = self.request("POST", "/login/", {"csrfmiddlewaretoken": token.group(1), "username": username,
                                             "password": PASSWORD, "next": "/"})
        assert r.status == 302 and r.headers.get("location") == "/", f"sign-in: HTTP {r.status}"
        home = self.request("GET", "/")
        token = TOKEN.search(home.text)
        assert home.status == 200 and token, f"home page: HTTP {home.status}"
        return token.group(1)


# -- the traffic --------------------------------------------------------------------------------------------------

@dataclass
class Result:
    started: float
    ended: float
    what: str  # "read" | "write"
    verdict: str  # "ok" | "unavailable" | "bad"
    note: str = ""


class Traffic:
    """Two readers of seeker pages and one writer of referrals, all as ``naoki``, until stopped."""

    def __init__(self, world: World, client: Client, token: str) -> None:
        self.world, self.client, self.token = world, client, token
        self.results: list[Result] = []
        self.acknowledged: list[tuple[str, str]] = []
        self.attempted: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        pairs = [(s, p) for s in world.seekers for p in world.postings]
        random.Random(10).shuffle(pairs)  # noqa: S311 - test traffic, not secrets
        self.pairs = iter(pairs)
        self.threads = [threading.Thread(target=self._read, args=(i,), daemon=True) for i in range(2)]
        self.threads.append(threading.Thread(target=self._write, daemon=True))

    def __enter__(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(CONNECT_TIMEOUT + SLACK + 10)

    def _one(self, what: str, method: str, path: str, form: dict[str, str] | None, expect: int,
             location: str | None = None) -> bool:
        """One request; whether it was answered normally (``expect``, and a redirect to ``location``)."""
        client = Client(self.world.port, dict(self.client.cookies))  # the same browser session, its own socket
        started = time.monotonic()
        try:
            answer = client.request(method, path, form)
        except (OSError, http.client.HTTPException) as e:
            verdict, note = "bad", f"{method} {path}: {type(e).__name__} {e}"
        else:
            if answer.status == expect and answer.headers.get("location") == location:
                verdict, note = "ok", ""
            elif answer.status == 503 and UNAVAILABLE in answer.text and "Traceback" not in answer.text:
                verdict, note = "unavailable", ""
            else:
                verdict, note = "bad", (f"{method} {path}: HTTP {answer.status} {answer.headers.get('location', '')} "
                                        f"{answer.text[:300]!r}")
        ended = time.monotonic()
        if verdict != "bad" and ended - started > CONNECT_TIMEOUT + SLACK:
            verdict, note = "bad", f"{method} {path}: answered after {ended - started:.1f} s"
        with self.lock:
            self.results.append(Result(started, ended, what, verdict, note))
        return verdict == "ok"

    def _read(self, i: int) -> None:
        rng = random.Random(i)  # noqa: S311  # a reproducible traffic mix, not a secret
        pks = list(self.world.seekers.values())
        while not self.stopping.is_set():
            self._one("read", "GET", f"/seekers/{rng.choice(pks)}/", None, 200)
            time.sleep(0.02)

    def _write(self) -> None:
        today = time.strftime("%Y-%m-%d")
        while not self.stopping.is_set():
            pair = next(self.pairs, None)
            if pair is None:  # every pair referred: enough writes for this run
                return
            seeker, posting = pair
            self.attempted.append((seeker, posting))
            form = {"csrfmiddlewaretoken": self.token, "seeker_id": seeker, "posting_id": posting,
                    "referred_on": today}
            # Acknowledged: the redirect to the seeker's page that follows a recorded referral.
            if self._one("write", "POST", "/referrals/new/", form, 302, f"/seekers/{self.world.seekers[seeker]}/"):
                with self.lock:
                    self.acknowledged.append((seeker, posting))
            time.sleep(0.05)

    def since(self, t: float) -> list[Result]:
        with self.lock:
            return [r for r in self.results if r.started >= t]

    def wait_ok_after(self, t: float, timeout: float) -> float | None:
        """When the first normal answer to a request started at or after ``t`` came, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [r.ended for r in self.since(t) if r.verdict == "ok"]
            if done:
                return min(done)
            time.sleep(0.05)
        return None


@dataclass
class Trial:
    kind: str
    down_s: float
    responses: int = 0
    unavailable: int = 0
    bad: int = 0
    recovered_s: float | None = None
    after_recovery: int = 0
    after_recovery_bad: int = 0


def test_postgresql_restarts_give_the_503_page_then_recover_and_lose_no_acknowledged_write(
        cluster: Cluster, served: World) -> None:
    client = Client(served.port)
    token = client.sign_in("naoki")
    trials: list[Trial] = []
    with Traffic(served, client, token) as traffic:
        assert traffic.wait_ok_after(time.monotonic(), 20) is not None, "no normal answer before any restart"
        for _round in range(ROUNDS):
            for kind in ("pg_ctl restart -m fast", "pg_ctl stop -m immediate; start 3 s later"):
                time.sleep(1.0)  # normal traffic first
                down = time.monotonic()
                if kind.startswith("pg_ctl restart"):
                    cluster.restart()
                else:
                    cluster.stop("immediate")
                    time.sleep(3.0)
                    cluster.start()
                up = time.monotonic()
                trial = Trial(kind, up - down)
                recovered = traffic.wait_ok_after(up, 30)
                if recovered is not None:
                    trial.recovered_s = recovered - up
                    time.sleep(1.5)  # answers after recovery: all must be normal
                    later = traffic.since(recovered)
                    trial.after_recovery = len(later)
                    trial.after_recovery_bad = sum(r.verdict != "ok" for r in later)
                during = [r for r in traffic.since(down) if r.started < (recovered or time.monotonic())]
                trial.responses = len(during)
                trial.unavailable = sum(r.verdict == "unavailable" for r in during)
                trial.bad = sum(r.verdict == "bad" for r in during)
                trials.append(trial)
    results = traffic.results
    bad = [r.note for r in results if r.verdict == "bad"]
    acknowledged = set(traffic.acknowledged)
    present = {(str(s), str(p)) for s, p in cluster.sql(
        "SELECT s.seeker_id, p.posting_id FROM referrals_referral r JOIN seekers_seeker s ON s.id = r.seeker_id "
        "JOIN postings_posting p ON p.id = r.posting_id", "kakehashi")}
    lost = acknowledged - present
    # A POST answered with the 503 page may still have been recorded (the failure came after its commit): the page
    # tells the user to look. Counted, not required.
    unacknowledged_present = len((set(traffic.attempted) - acknowledged) & present)
    verify = subprocess.run([str(Path(PYTHON).parent / "kakehashi"), "audit", "verify"], env=served.env,  # noqa: S603  # the project's own command, fixed arguments
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    slowest = max(r.ended - r.started for r in results)

    print(f"\nPostgreSQL restarted {len(trials)} times under traffic (2 readers, 1 writer; server 1 worker × 4 "
          f"threads, connect timeout {CONNECT_TIMEOUT} s):")
    for i, t in enumerate(trials, 1):
        print(f"  {i}. {t.kind}: down {t.down_s:.1f} s, {t.responses} answers until recovered "
              f"({t.unavailable} × 503 page, {t.bad} other failures), recovered "
              f"{'never' if t.recovered_s is None else f'{t.recovered_s:.2f} s after start'}, then "
              f"{t.after_recovery} answers ({t.after_recovery_bad} not normal)")
    print(f"  in all: {len(results)} answers, {sum(r.verdict == 'ok' for r in results)} normal, "
          f"{sum(r.verdict == 'unavailable' for r in results)} the 503 page, {len(bad)} failures; slowest "
          f"{slowest:.2f} s; referrals acknowledged {len(acknowledged)}, in the database {len(acknowledged & present)}, "
          f"lost {len(lost)}; not acknowledged but recorded {unacknowledged_present}")
    print(f"  kakehashi audit verify: exit {verify.returncode}, {verify.stdout.strip().splitlines()[:1]}")

    assert not bad, bad[:5]
    assert all(t.recovered_s is not None for t in trials), "the service did not recover by itself"
    assert sum(t.after_recovery_bad for t in trials) == 0
    assert sum(t.unavailable for t in trials) > 0, "no request met the outage: the 503 page was not tested"
    assert acknowledged and not lost, sorted(lost)[:5]
    assert slowest <= CONNECT_TIMEOUT + SLACK
    assert verify.returncode == 0, verify.stdout + verify.stderr
