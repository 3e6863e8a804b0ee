"""The production server under a mixed staff workload: throughput, latency per page, server time, queries per page,
and the audit log kept exactly (one row per response that showed persons, the chain still sealed).

    .venv/bin/python bench/load_bench.py                       # scratch database with the demo year, 3 × 30 s
    .venv/bin/python bench/load_bench.py --runs 1 --seconds 10 --connections 4     # a quick look
    set -a; . var/serve.env; set +a; .venv/bin/python bench/load_bench.py --database-url "$DATABASE_URL"

What it does, in order:

1. A scratch PostgreSQL database (created, migrated, the demo year loaded with ``kakehashi demo-data``, dropped at
   the end) on the server ``--postgres`` names — or the database ``--database-url`` names, which must hold the demo
   year; the run records referrals there. The static files are collected into a folder of its own.
2. The server as production runs it: ``kakehashi serve`` (granian, ``kakehashi.ops.server``: 2 workers × 4
   threads), DEBUG off, the second factor on. Each staff member of the pool gets an authenticator (a TOTP device)
   and signs in through the real pages: password, then the code the authenticator shows. (``--no-2fa`` uses the
   demo's switch, ``KAKEHASHI_2FA=0``, instead.) The scheduled jobs' runner is not started.
3. Queries per page, counted in-process with Django's test client for each page and each user of the pool: the
   most and the largest number of times one statement (literals aside) ran in one request — an N+1 shows there.
4. A pass over every page of the plan, one request at a time, which also warms the server: each page must answer
   200, and it notes whether the page wrote an audit row (it showed persons) or not.
5. ``--runs`` timed runs of ``--seconds``, each after a few seconds' warm-up: ``--connections`` keep-alive
   connections (a closed loop, like wrk; ``--rate`` for a fixed arrival rate instead, latency counted from the
   moment each request was due), each a staff member's browser doing the mix below. The generator is a small
   asyncio HTTP/1.1 client in this process; its CPU is printed beside the figures, with the server's, PostgreSQL's
   and the machine's, and the load average before and after.
6. Checks after the runs: audit rows written during the runs against the responses that showed persons (per user
   and page, must be equal), every referral whose POST was answered with the success redirect present in the
   database, and ``kakehashi audit verify``.

The mix (per action of a staff member; a seeker page and a posting page each load their matching panel as htmx
does, a manager's home page its progress card): home page 15, seeker search by family name 15, seeker page 25,
postings list 10, posting page 10, recording a referral 5 (only Hello Work's counselors and navigators, who may:
the form with the seeker and the posting, then its POST with the CSRF token; the redirect is not followed).

Server time per page is granian's own duration of each request, from its access log.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import datetime
import os
import random
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from machine import describe  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
KAKEHASHI = ROOT / ".venv" / "bin" / "kakehashi"
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the published password of the demo accounts (kakehashi demo-logins)
POOL = ["hw_counselor", "hw_navigator", "mizushima_navigator", "city_counselor", "center_promoter",
        "welfare_caseworker", "mizushima_caseworker", "hw_manager"]
REFERRERS = {"hw_counselor", "hw_navigator", "mizushima_navigator"}  # referral.edit (accounts.policy)
MANAGERS = {"hw_manager", "city_manager", "center_manager", "welfare_manager"}
DEVICE_NAME = "load_bench"
ACTIONS = {"home": 15, "search": 15, "seeker": 25, "postings": 10, "posting": 10, "referral": 5}
# Each request's page, by method and path (the access log has no query string).
KINDS = [
    ("home page", "GET", re.compile(r"^/$")),
    ("home card (htmx)", "GET", re.compile(r"^/plans/home-card/$")),
    ("seeker search", "GET", re.compile(r"^/seekers/$")),
    ("seeker page", "GET", re.compile(r"^/seekers/\d+/$")),
    ("seeker panel (htmx)", "GET", re.compile(r"^/matching/seeker/\d+/$")),
    ("postings list", "GET", re.compile(r"^/postings/$")),
    ("posting page", "GET", re.compile(r"^/postings/\d+/$")),
    ("posting panel (htmx)", "GET", re.compile(r"^/matching/posting/\d+/$")),
    ("referral form", "GET", re.compile(r"^/referrals/new/$")),
    ("referral POST", "POST", re.compile(r"^/referrals/new/$")),
]
KIND_NAMES = [k for k, _m, _p in KINDS]
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCESS = re.compile(r'"(GET|POST|HEAD|PUT|DELETE) (\S+) HTTP/[\d.]+" (\d+) ([\d.]+)ms')


def kind_of(method: str, target: str) -> str:
    path = target.split("?", 1)[0]
    for name, m, pattern in KINDS:
        if m == method and pattern.match(path):
            return name
    return "other"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


_DB = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")


async def db(fn: Callable[..., Any], *args: Any) -> Any:
    """Run Django ORM work off the event loop, always in the same thread (its connection is that thread's)."""
    return await asyncio.get_running_loop().run_in_executor(_DB, fn, *args)


# -- the HTTP client -----------------------------------------------------------------------------------------------

@dataclass
class Session:
    """One staff member's browser: cookies and the CSRF token of the signed-in session."""

    username: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def take_cookies(self, set_cookies: list[str]) -> None:
        for line in set_cookies:
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in rest.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """A keep-alive HTTP/1.1 connection to the server: as little client work per request as possible."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(self, session: Session, method: str, target: str, *, form: dict[str, str] | None = None,
                      htmx: bool = False) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept-Language: ja"]
        if session.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in session.cookies.items()))
        if htmx:
            lines.append("HX-Request: true")
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        set_cookies: list[str] = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "set-cookie":
                set_cookies.append(value.strip())
            headers[name] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            content = b"".join(chunks)
        elif "content-length" in headers:
            content = await self.reader.readexactly(int(headers["content-length"]))
        else:
            content = await self.reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        session.take_cookies(set_cookies)
        return Response(status, headers, content)


# -- the database, the server --------------------------------------------------------------------------------------

def conninfo(url: str, dbname: str | None = None) -> dict[str, Any]:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    return {"host": cfg["HOST"] or "127.0.0.1", "port": cfg["PORT"] or 5432, "user": cfg["USER"] or None,
            "password": cfg["PASSWORD"] or None, "dbname": dbname or cfg["NAME"] or "postgres"}


def with_name(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def run(cmd: list[str], env: dict[str, str], what: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603  # our own command line
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


@contextmanager
def scratch_database(server_url: str, env: dict[str, str], keep: bool) -> Iterator[str]:
    """A fresh database holding the demo year on the server ``server_url`` names; dropped afterwards."""
    import psycopg

    name = f"kakehashi_load_{os.getpid()}"
    with psycopg.connect(**conninfo(server_url, "postgres"), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = with_name(server_url, name)
    try:
        env = {**env, "DATABASE_URL": url}
        t = run([str(KAKEHASHI), "migrate", "--noinput", "-v", "0"], env, "kakehashi migrate")
        t += run([str(KAKEHASHI), "demo-data", "--if-empty"], env, "kakehashi demo-data")
        print(f"scratch database {name}: migrated and the demo year loaded in {t:.0f} s", flush=True)
        yield url
    finally:
        if keep:
            print(f"kept the scratch database {name}")
        else:
            from django.apps import apps

            if apps.ready:
                from django.db import connections

                connections.close_all()
            with psycopg.connect(**conninfo(server_url, "postgres"), autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def collect_static(env: dict[str, str]) -> None:
    t = run([str(KAKEHASHI), "collectstatic", "--noinput", "-v", "0"], env, "kakehashi collectstatic")
    print(f"static files collected into {env['STATIC_ROOT']} in {t:.0f} s", flush=True)


class Server:
    """``kakehashi serve`` in a process group of its own, its output (granian's access log) in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self.log = log.open("wb")
        self.process = subprocess.Popen([str(KAKEHASHI), "serve"], env=env, stdout=self.log,  # noqa: S603  # ours
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_up(self, port: int, timeout: float = 90) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("kakehashi serve stopped:\n" + self.log_path.read_text(errors="replace")[-3000:])
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)  # noqa: S310  # loopback
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"the server did not answer on port {port} within {timeout:.0f} s")

    def pids(self) -> set[int]:
        """The server's processes: granian's main process and its workers."""
        tree = {self.process.pid}
        for _ in range(3):
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) in tree:
                    tree.add(int(stat.parent.name))
        return tree

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def cpu_seconds(pids: Callable[[], set[int]]) -> dict[int, float]:
    """CPU seconds (user and system) so far of each process ``pids`` names."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two ``cpu_seconds``: by the processes alive at the end (those started meanwhile
    from zero); a process that ended meanwhile is left out rather than counted negative."""
    return sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in after.items())


def postgres_pids() -> set[int]:
    found = set()
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip().startswith("postgres"):
                found.add(int(comm.parent.name))
        except OSError:
            continue
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# -- the plan: who does what to which records ----------------------------------------------------------------------

@dataclass
class Plan:
    """One staff member's records to work on (sampled from what they may see)."""

    username: str
    seekers: list[int]
    postings: list[int]
    searches: list[str]
    referrer: bool
    manager: bool


def make_plans(pool: list[str], seed: int, per_user: int) -> list[Plan]:
    from django.utils import timezone

    from kakehashi.accounts.models import Staff
    from kakehashi.postings.models import Posting
    from kakehashi.seekers.models import Seeker

    rng = random.Random(seed)
    today = timezone.localdate()
    plans = []
    for username in pool:
        user = Staff.objects.get(username=username)
        seekers = list(Seeker.objects.restrict(user).values_list("pk", flat=True))
        postings = list(Posting.objects.restrict(user).open_on(today).values_list("pk", flat=True))
        chosen = rng.sample(seekers, min(per_user, len(seekers)))
        names = Seeker.objects.filter(pk__in=chosen).values_list("name", flat=True)
        families = sorted({n.replace("\u3000", " ").split(" ")[0] for n in names if n.strip()})
        plans.append(Plan(username, chosen, rng.sample(postings, min(per_user // 2, len(postings))),
                          rng.sample(families, min(8, len(families))), username in REFERRERS,
                          username in MANAGERS))
    return plans


class Pairs:
    """Seeker-posting pairs to refer, each used once: an open posting, a seeker registered by today, no pending
    referral between them (``referrals.actions.do_refer`` refuses those). The postings whose pages the plans read
    (``avoid``) are never referred to: a referral would make such a page show a person it did not show when the
    pass over the pages counted its audit rows."""

    def __init__(self, seed: int, avoid: set[int] | None = None) -> None:
        from django.utils import timezone

        from kakehashi.postings.models import Posting
        from kakehashi.referrals.models import Outcome, Referral
        from kakehashi.seekers.models import Seeker

        today = timezone.localdate()
        self.rng = random.Random(seed)
        # Seekers Hello Work holds or may see by consent: restrict() for a Hello Work counselor.
        from kakehashi.accounts.models import Staff

        user = Staff.objects.get(username="hw_navigator")
        self.seekers = list(Seeker.objects.restrict(user).filter(registered_on__lte=today)
                            .values_list("pk", flat=True))
        self.postings = list(Posting.objects.restrict(user).open_on(today).filter(received_on__lte=today)
                             .exclude(pk__in=avoid or set()).values_list("pk", flat=True))
        self.taken = set(Referral.objects.filter(outcome=Outcome.PENDING).values_list("seeker_id", "posting_id"))

        self.prepared: collections.deque[tuple[int, int]] = collections.deque()
        self.forms: dict[tuple[int, int], dict[str, str]] = {}

    def take(self) -> tuple[int, int]:
        """A pair not handed out before: a prepared one while there are any."""
        if self.prepared:
            return self.prepared.popleft()
        while True:
            pair = (self.rng.choice(self.seekers), self.rng.choice(self.postings))
            if pair not in self.taken:
                self.taken.add(pair)
                return pair

    def prepare(self, n: int) -> None:
        """``n`` pairs with their form data (the seeker's and the posting's numbers), so that no request of a
        timed run waits on this process's own database queries."""
        from django.utils import timezone

        from kakehashi.postings.models import Posting
        from kakehashi.seekers.models import Seeker

        pairs = [self.take() for _ in range(n)]
        seekers = dict(Seeker.objects.filter(pk__in={s for s, _p in pairs}).values_list("pk", "seeker_id"))
        postings = dict(Posting.objects.filter(pk__in={p for _s, p in pairs}).values_list("pk", "posting_id"))
        today = timezone.localdate().isoformat()
        for s, p in pairs:
            self.forms[(s, p)] = {"seeker_id": seekers[s], "posting_id": postings[p], "referred_on": today}
        self.prepared.extend(pairs)


# -- in-process: TOTP devices, codes, queries per page, audit rows -------------------------------------------------

def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakehashi.settings")
    import django

    django.setup()


def ensure_authenticators(pool: list[str]) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kakehashi.accounts.models import Staff

    for username in pool:
        user = Staff.objects.get(username=username)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


def remove_authenticators() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(name=DEVICE_NAME).delete()


def totp_code(username: str) -> str:
    """The code the user's authenticator shows now (the next one when this one was used: one step of tolerance)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    assert device is not None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time = device.t0 + (device.last_t + 1) * device.step
    return f"{totp.token():0{device.digits}d}"


def normalised(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", sql)


def queries_per_page(plans: list[Plan], pairs: Pairs, second_factor: bool) -> dict[str, list[tuple[int, int]]]:
    """For each page and user: (queries, most repeats of one statement) in one request, after a first one."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kakehashi.accounts.models import Staff

    found: dict[str, list[tuple[int, int]]] = collections.defaultdict(list)
    for plan in plans:
        user = Staff.objects.get(username=plan.username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        if second_factor:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user).first().persistent_id  # type: ignore[union-attr]  # ensure_authenticators enrolled every login first
            session.save()
        for kind, method, target, htmx in page_requests(plan, pairs):
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            if method == "POST":
                pairs.prepare(1)
                form = pairs.forms[pairs.take()]
                with CaptureQueriesContext(connection) as q:
                    response = client.post(target, form)
            else:
                client.get(target, **headers)
                with CaptureQueriesContext(connection) as q:
                    response = client.get(target, **headers)
            if response.status_code not in (200, 302):
                continue
            repeats = collections.Counter(normalised(x["sql"]) for x in q.captured_queries)
            found[kind].append((len(q.captured_queries), max(repeats.values(), default=0)))
    return found


def page_requests(plan: Plan, pairs: Pairs) -> list[tuple[str, str, str, bool]]:
    """One request of each page of the plan: (kind, method, target, htmx)."""
    out = [("home page", "GET", "/", False)]
    if plan.manager:
        out.append(("home card (htmx)", "GET", "/plans/home-card/", True))
    if plan.searches:
        out.append(("seeker search", "GET", "/seekers/?" + urllib.parse.urlencode({"q": plan.searches[0]}), False))
    if plan.seekers:
        out += [("seeker page", "GET", f"/seekers/{plan.seekers[0]}/", False),
                ("seeker panel (htmx)", "GET", f"/matching/seeker/{plan.seekers[0]}/", True)]
    out.append(("postings list", "GET", "/postings/", False))
    if plan.postings:
        out += [("posting page", "GET", f"/postings/{plan.postings[0]}/", False),
                ("posting panel (htmx)", "GET", f"/matching/posting/{plan.postings[0]}/", True)]
    if plan.referrer:
        seeker, posting = pairs.take()
        out += [("referral form", "GET", f"/referrals/new/?seeker={seeker}&posting={posting}", False),
                ("referral POST", "POST", "/referrals/new/", False)]
    return out


def audit_head() -> int:
    from django.db.models import Max

    from kakehashi.audit.models import AuditEvent

    return AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0


def read_rows_since(seq: int) -> collections.Counter[tuple[str, str]]:
    """Read rows (閲覧・出力) after ``seq``, counted by (username, path)."""
    from kakehashi.audit.models import Action, AuditEvent

    rows = AuditEvent.objects.filter(seq__gt=seq, action__in=[Action.VIEW, Action.EXPORT])
    return collections.Counter((u, (d or {}).get("path", "")) for u, d in rows.values_list("username", "detail"))


def change_rows_since(seq: int) -> int:
    from kakehashi.audit.models import Action, AuditEvent

    return AuditEvent.objects.filter(seq__gt=seq, action=Action.CREATE, model="referrals.Referral").count()


# -- the workload --------------------------------------------------------------------------------------------------

@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    error_samples: list[str] = field(default_factory=list)
    # responses that may carry persons, by (username, path, full target); acknowledged referrals
    reads: collections.Counter[tuple[str, str, str]] = field(default_factory=collections.Counter)
    acknowledged: list[tuple[str, int, int]] = field(default_factory=list)
    requests: int = 0


class Worker:
    """One connection: a staff member's browser going through the mix."""

    def __init__(self, plan: Plan, session: Session, port: int, pairs: Pairs, seed: int) -> None:
        self.plan, self.session, self.pairs = plan, session, pairs
        self.conn = Connection("127.0.0.1", port)
        self.rng = random.Random(seed)
        actions = {a: w for a, w in ACTIONS.items() if a != "referral" or plan.referrer}
        self.actions, self.weights = list(actions), list(actions.values())

    async def one(self, tally: Tally | None, method: str, target: str, *, due: float, htmx: bool = False,
                  form: dict[str, str] | None = None, expect: int = 200) -> Response | None:
        kind = kind_of(method, target)
        try:
            response = await asyncio.wait_for(self.conn.request(self.session, method, target, form=form, htmx=htmx),
                                              timeout=30)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as e:
            await self.conn.close()
            if tally is not None:
                tally.errors[kind] += 1
                tally.requests += 1
                if len(tally.error_samples) < 5:
                    tally.error_samples.append(f"{method} {target}: {type(e).__name__} {e}")
            return None
        if tally is not None:
            tally.requests += 1
            tally.latencies[kind].append((time.perf_counter() - due) * 1000)
            if response.status != expect:
                tally.errors[kind] += 1
                if len(tally.error_samples) < 5:
                    tally.error_samples.append(f"{method} {target}: HTTP {response.status}")
            elif method == "GET":
                tally.reads[(self.plan.username, target.split("?", 1)[0], target)] += 1
        return response

    async def action(self, tally: Tally | None, due: float) -> None:
        plan, rng = self.plan, self.rng
        what = rng.choices(self.actions, self.weights)[0]
        if what == "home":
            await self.one(tally, "GET", "/", due=due)
            if plan.manager:
                await self.one(tally, "GET", "/plans/home-card/", due=time.perf_counter(), htmx=True)
        elif what == "search":
            q = urllib.parse.urlencode({"q": rng.choice(plan.searches)})
            await self.one(tally, "GET", f"/seekers/?{q}", due=due)
        elif what == "seeker":
            pk = rng.choice(plan.seekers)
            await self.one(tally, "GET", f"/seekers/{pk}/", due=due)
            await self.one(tally, "GET", f"/matching/seeker/{pk}/", due=time.perf_counter(), htmx=True)
        elif what == "postings":
            await self.one(tally, "GET", "/postings/", due=due)
        elif what == "posting":
            pk = rng.choice(plan.postings)
            await self.one(tally, "GET", f"/postings/{pk}/", due=due)
            await self.one(tally, "GET", f"/matching/posting/{pk}/", due=time.perf_counter(), htmx=True)
        else:
            seeker, posting = self.pairs.take()
            page = await self.one(tally, "GET", f"/referrals/new/?seeker={seeker}&posting={posting}", due=due)
            token = TOKEN.search(page.body) if page is not None else None
            if token is None:
                return
            form = {"csrfmiddlewaretoken": token.group(1).decode(), **self.pairs.forms[(seeker, posting)]}
            done = await self.one(tally, "POST", "/referrals/new/", due=time.perf_counter(), form=form, expect=302)
            if done is not None and done.status == 302 and done.headers.get("location") == f"/seekers/{seeker}/":
                if tally is not None:
                    tally.acknowledged.append((plan.username, seeker, posting))

    async def loop(self, tally: Tally | None, until: float, interval: float | None) -> None:
        due = time.perf_counter() + (self.rng.random() * interval if interval else 0)
        while True:
            if interval:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            else:
                due = time.perf_counter()
            if due >= until:
                break
            await self.action(tally, due)
            if interval:
                due += interval


async def sign_in(session: Session, port: int, second_factor: bool) -> None:
    """The real pages: the password, then the authenticator's code."""
    conn = Connection("127.0.0.1", port)
    page = await conn.request(session, "GET", "/login/")
    token = TOKEN.search(page.body)
    assert token, "no CSRF token on the sign-in page"
    r = await conn.request(session, "POST", "/login/", form={
        "csrfmiddlewaretoken": token.group(1).decode(), "username": session.username, "password": PASSWORD,
        "next": "/"})
    assert r.status == 302, f"sign-in of {session.username}: HTTP {r.status}"
    if second_factor:
        step = r.headers["location"]
        assert step.startswith("/account/2fa/"), f"sign-in of {session.username} went to {step}"
        page = await conn.request(session, "GET", step)
        token = TOKEN.search(page.body)
        assert token
        code = await db(totp_code, session.username)
        r = await conn.request(session, "POST", step, form={
            "csrfmiddlewaretoken": token.group(1).decode(), "code": code, "next": "/"})
        assert r.status == 302 and r.headers["location"] == "/", f"second factor of {session.username}: {r.status}"
    home = await conn.request(session, "GET", "/")
    assert home.status == 200, f"home page of {session.username}: HTTP {home.status}"
    token = TOKEN.search(home.body)
    session.csrf = token.group(1).decode() if token else ""
    await conn.close()


# -- calibration: which pages show persons -------------------------------------------------------------------------

async def calibrate(plans: list[Plan], sessions: dict[str, Session], port: int,
                    pairs: Pairs) -> tuple[dict[str, int], list[str]]:
    """Each page of every plan once, one request at a time: {"user target": audit read rows it wrote}, and the
    pages that did not answer 200. The referral form, whose pair changes each time, is tried once per referrer."""
    shows: dict[str, int] = {}
    bad: list[str] = []
    for plan in plans:
        conn = Connection("127.0.0.1", port)
        session = sessions[plan.username]
        targets = [("/", False)]
        if plan.manager:
            targets.append(("/plans/home-card/", True))
        targets += [(f"/seekers/?{urllib.parse.urlencode({'q': q})}", False) for q in plan.searches]
        for pk in plan.seekers:
            targets += [(f"/seekers/{pk}/", False), (f"/matching/seeker/{pk}/", True)]
        targets.append(("/postings/", False))
        for pk in plan.postings:
            targets += [(f"/postings/{pk}/", False), (f"/matching/posting/{pk}/", True)]
        if plan.referrer:
            seeker, posting = pairs.take()
            targets.append((f"/referrals/new/?seeker={seeker}&posting={posting}", False))
        for target, htmx in targets:
            before = await db(audit_head)
            r = await conn.request(session, "GET", target, htmx=htmx)
            rows = sum((await db(read_rows_since, before)).values())
            if r.status != 200:
                bad.append(f"{plan.username} GET {target}: HTTP {r.status}")
            shows[read_key(plan.username, target)] = rows
        await conn.close()
    return shows, bad


def read_key(username: str, target: str) -> str:
    return f"{username} referral form" if target.startswith("/referrals/new/") else f"{username} {target}"


def expected_rows(tally: Tally, shows: dict[str, int]) -> collections.Counter[tuple[str, str]]:
    expected: collections.Counter[tuple[str, str]] = collections.Counter()
    for (username, path, target), n in tally.reads.items():
        expected[(username, path)] += n * shows.get(read_key(username, target), 1)
    return expected


# -- one timed run -------------------------------------------------------------------------------------------------

@dataclass
class RunResult:
    seconds: float
    tally: Tally
    server_ms: dict[str, list[float]]
    cpu: dict[str, float]
    load_before: str
    load_after: str
    audit_expected: int
    audit_written: int
    audit_mismatches: list[str]
    referrals_ok: int
    referrals_found: int
    referral_rows: int


def server_times(log: Path, start: int, end: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = collections.defaultdict(list)
    with log.open("rb") as f:
        f.seek(start)
        text = f.read(end - start).decode(errors="replace")
    for m in ACCESS.finditer(text):
        out[kind_of(m.group(1), m.group(2))].append(float(m.group(4)))
    return out


async def timed_run(workers: list[Worker], server: Server, seconds: float, warmup: float, rate: float | None,
                    shows: dict[str, int]) -> RunResult:
    interval = len(workers) / rate if rate else None
    until = time.perf_counter() + warmup
    await asyncio.gather(*(w.loop(None, until, interval) for w in workers))
    from django.db import connections

    seq = await db(audit_head)
    await db(connections.close_all)  # the bench's own connection is idle during the run
    tally = Tally()
    load_before = loadavg()
    log_start = server.log_path.stat().st_size
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    srv0, pg0, (busy0, total0) = cpu_seconds(server.pids), cpu_seconds(postgres_pids), machine_busy()
    start = time.perf_counter()
    await asyncio.gather(*(w.loop(tally, start + seconds, interval) for w in workers))
    wall = time.perf_counter() - start
    own1 = resource.getrusage(resource.RUSAGE_SELF)
    srv1, pg1, (busy1, total1) = cpu_seconds(server.pids), cpu_seconds(postgres_pids), machine_busy()
    time.sleep(0.5)  # the last access-log lines
    log_end = server.log_path.stat().st_size
    cpu = {"generator": (own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime) / wall * 100,
           "server": cpu_between(srv0, srv1) / wall * 100, "postgres": cpu_between(pg0, pg1) / wall * 100,
           "machine": (busy1 - busy0) / max(1, total1 - total0) * 100 * (os.cpu_count() or 1)}
    written = await db(read_rows_since, seq)
    expected = expected_rows(tally, shows)
    mismatches = [f"{u} {p}: {written.get((u, p), 0)} rows for {n} responses"
                  for (u, p), n in sorted(expected.items()) if written.get((u, p), 0) != n]
    mismatches += [f"{u} {p}: {n} rows, no response" for (u, p), n in sorted(written.items()) if (u, p) not in expected]
    found = await db(referrals_present, tally.acknowledged)
    rows = await db(change_rows_since, seq)
    return RunResult(wall, tally, server_times(server.log_path, log_start, log_end), cpu, load_before, loadavg(),
                     sum(expected.values()), sum(written.values()), mismatches, len(tally.acknowledged), found, rows)


def referrals_present(acknowledged: list[tuple[str, int, int]]) -> int:
    from kakehashi.referrals.models import Referral

    return sum(Referral.objects.filter(staff__username=u, seeker_id=s, posting_id=p).exists()
               for u, s, p in acknowledged)


def print_run(i: int, r: RunResult) -> None:
    t = r.tally
    every = [x for v in t.latencies.values() for x in v]
    errors = sum(t.errors.values())
    print(f"\nrun {i}: {t.requests / r.seconds:.1f} requests/s over {r.seconds:.0f} s ({t.requests} requests), "
          f"p50 {pct(every, 50):.0f} ms, p95 {pct(every, 95):.0f} ms, p99 {pct(every, 99):.0f} ms, errors {errors}")
    print(f"  CPU (100 % = one core): generator {r.cpu['generator']:.0f} %, server {r.cpu['server']:.0f} %, "
          f"PostgreSQL (all) {r.cpu['postgres']:.0f} %, machine {r.cpu['machine']:.0f} % of "
          f"{(os.cpu_count() or 1) * 100} %; load average {r.load_before} → {r.load_after}")
    print(f"  audit: {r.audit_written} read rows written for {r.audit_expected} responses that showed persons "
          f"({'exact' if not r.audit_mismatches else f'{len(r.audit_mismatches)} mismatches'}); referrals "
          f"acknowledged {r.referrals_ok}, present {r.referrals_found}, their audit rows {r.referral_rows}")
    for line in r.audit_mismatches[:5] + t.error_samples:
        print("   ", line)
    print(f"  {'page':<22} {'requests':>8} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}"
          f" {'server p50':>10} {'server p95':>10}")
    for kind in KIND_NAMES:
        lat = t.latencies.get(kind, [])
        if not lat:
            continue
        srv = r.server_ms.get(kind, [])
        print(f"  {kind:<22} {len(lat):>8} {len(lat) / r.seconds:>6.1f} {pct(lat, 50):>6.0f} {pct(lat, 95):>6.0f} "
              f"{pct(lat, 99):>6.0f} {t.errors.get(kind, 0):>6} {pct(srv, 50):>10.1f} {pct(srv, 95):>10.1f}")


# -- main ----------------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--postgres", default="", help="PostgreSQL server for the scratch database "
                        "(default: DATABASE_URL's server when it is PostgreSQL, else 127.0.0.1:5432)")
    parser.add_argument("--database-url", default="", help="use this database (with the demo year) instead")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0, help="requests/s to send (default: as fast as answered)")
    parser.add_argument("--per-user", type=int, default=24, help="seekers sampled per user (postings: half)")
    parser.add_argument("--no-2fa", action="store_true", help="sign in without the second factor (KAKEHASHI_2FA=0)")
    parser.add_argument("--skip-queries", action="store_true", help="do not count queries per page")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    second_factor = not args.no_2fa
    given = os.environ.get("DATABASE_URL", "")
    server_url = args.postgres or (given if given.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES)
    work = Path(tempfile.mkdtemp(prefix="kakehashi-load-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "KAKEHASHI_JOBS_EVERY", "KAKEHASHI_FAST_HASHER")}
    env.update({"SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1", "STATIC_ROOT": str(work / "static"),
                "KAKEHASHI_BIND": f"127.0.0.1:{args.port}", "KAKEHASHI_2FA": "1" if second_factor else "0"})
    print(f"load_bench on {describe()}", flush=True)
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; load average {loadavg()}; "
          f"{args.connections} connections, {f'{args.rate:.0f} requests/s' if args.rate else 'closed loop'}, "
          f"second factor {'on (TOTP codes)' if second_factor else 'off (KAKEHASHI_2FA=0)'}", flush=True)

    @contextmanager
    def database() -> Iterator[str]:
        if args.database_url:
            yield args.database_url
        else:
            with scratch_database(server_url, env, args.keep) as url:
                yield url

    with database() as url:
        env["DATABASE_URL"] = url
        collect_static(env)
        setup_django(env)
        from django.db import connections

        pool = POOL[:max(1, args.connections)]
        if second_factor:
            ensure_authenticators(pool)
        try:
            plans = make_plans(pool, args.seed, args.per_user)
            pairs = Pairs(args.seed, avoid={pk for plan in plans for pk in plan.postings})
            if not args.skip_queries:
                print_queries(queries_per_page(plans, pairs, second_factor))
            connections.close_all()
            server = Server(env, work / "server.log")
            try:
                server.wait_up(args.port)
                asyncio.run(drive(args, plans, pairs, server, env, second_factor))
            finally:
                server.stop()
            verify = subprocess.run([str(KAKEHASHI), "audit", "verify"], env=env, capture_output=True, text=True)  # noqa: S603  # ours
            print(f"\nkakehashi audit verify (exit {verify.returncode}): "
                  + " / ".join((verify.stdout + verify.stderr).strip().splitlines()[:2]))
        finally:
            if second_factor and args.database_url:
                remove_authenticators()
            connections.close_all()


def print_queries(found: dict[str, list[tuple[int, int]]]) -> None:
    print(f"\nqueries per page (in-process, one request after a first; over the {POOL.__len__()} users' pages)")
    print(f"  {'page':<22} {'queries min–max':>16} {'median':>7} {'one statement repeated, most':>30}")
    for kind in KIND_NAMES:
        rows = found.get(kind)
        if not rows:
            continue
        counts = [q for q, _r in rows]
        print(f"  {kind:<22} {min(counts):>8}–{max(counts):<7} {statistics.median(counts):>7.0f} "
              f"{max(r for _q, r in rows):>30}")


async def drive(args: argparse.Namespace, plans: list[Plan], pairs: Pairs, server: Server, env: dict[str, str],
                second_factor: bool) -> None:
    from django.db import connections

    sessions = {p.username: Session(p.username) for p in plans}
    start = time.perf_counter()
    for s in sessions.values():
        await sign_in(s, args.port, second_factor)
    print(f"\n{len(sessions)} staff signed in ({'password and TOTP code' if second_factor else 'password'}) in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    shows, bad = await calibrate(plans, sessions, args.port, pairs)
    print(f"pass over {len(shows)} pages in {time.perf_counter() - start:.0f} s: "
          f"{sum(1 for v in shows.values() if v == 1)} wrote one audit row, "
          f"{sum(1 for v in shows.values() if v == 0)} none, {sum(1 for v in shows.values() if v > 1)} more than one; "
          f"not 200: {len(bad)}", flush=True)
    for line in bad[:10] + [f"    {k}: {v} rows" for k, v in shows.items() if v > 1][:10]:
        print("   ", line)
    # Enough pairs for ten referrals a second by each referrer, far more than the mix records.
    referrers = sum(1 for p in plans if p.referrer)
    await db(pairs.prepare, int(referrers * (args.seconds + args.warmup) * args.runs * 10) + 100)
    workers = [Worker(plans[i % len(plans)], sessions[plans[i % len(plans)].username], args.port, pairs, args.seed + i)
               for i in range(args.connections)]
    results = []
    for i in range(1, args.runs + 1):
        r = await timed_run(workers, server, args.seconds, args.warmup, args.rate or None, shows)
        print_run(i, r)
        results.append(r)
    for w in workers:
        await w.conn.close()
    await db(connections.close_all)
    totals = [r.tally.requests / r.seconds for r in results]
    print(f"\nruns: {' / '.join(f'{x:.1f}' for x in totals)} requests/s; errors "
          f"{sum(sum(r.tally.errors.values()) for r in results)}; audit mismatches "
          f"{sum(len(r.audit_mismatches) for r in results)}; acknowledged referrals missing "
          f"{sum(r.referrals_ok - r.referrals_found for r in results)}")


if __name__ == "__main__":
    main()
