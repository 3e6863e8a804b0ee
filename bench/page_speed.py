"""How fast every staff page answers on the demo year, as every demo login, cold after a restart and warm.

    .venv/bin/python bench/page_speed.py                          # SQLite and PostgreSQL, 5 warm repeats
    .venv/bin/python bench/page_speed.py --db sqlite --repeats 3  # a quicker look
    .venv/bin/python bench/page_speed.py --db sqlite --only development:   # the pages whose name holds this
    .venv/bin/python bench/page_speed.py --database-url sqlite:////tmp/demo.sqlite3   # a database with the demo
    .venv/bin/python bench/page_speed.py --db sqlite --no-prepare --only development:   # before the morning job

Target: every page under 1 s at p95, and its first view after a restart under 1 s too.

What it does, for each database:

1. A scratch database (SQLite in a temporary folder, or a PostgreSQL database created on ``--server`` and dropped
   at the end; ``bench/machine.py``), migrated, with the demo year (``kakehashi demo-data``), and the job that
   prepares the day's slow results run once (``kakehashi jobs run development_refresh``), as the scheduled jobs'
   runner does on its first pass after an installation starts (every morning after that). ``--no-prepare`` leaves
   it out: the cold figures are then those of the first view after the records changed, which computes them.
2. The pages: every route of ``accounts.policy.ROUTES`` that is not public, for every demo login
   (``kakehashi demo-logins``) that may open it (``policy.may_open``). A route that names records gets real ones
   of the demo year that the login may see (``restrict``): the seekers ``DEMO-SUCCESS`` first, then the newest,
   up to ``--records`` of each; the council report also as its PDF and its Excel download. A page that answers
   a GET with anything but 200 (a POST-only address, a redirect) is listed as left out.
3. Cold: each page once in a fresh Python process started as a server worker starts (the WSGI entry point
   ``kakehashi.wsgi`` imported, nothing requested yet, every cache empty: as after a restart), as the first login
   that may open it.
4. Warm: in one process, each page once per login untimed (it counts the queries), then ``--repeats`` timed
   requests per login, cycling over the records.

Requests go through Django's test client in-process (the whole middleware stack, templates, the audit rows
written), signed in with ``force_login``, the second factor off (``KAKEHASHI_2FA=0``, as ``make demo`` runs),
DEBUG off. Times are wall-clock from the request until the response's body is complete (a PDF included).

The table: page (route name), the logins that opened it, warm p50 / p95 / max, cold, and the most queries one
request ran. The last line names every page at or over 1 s at p95 or cold; the exit status is 1 if there is one.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import describe, run_in_scratch, scratch_parser  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
KAKEHASHI = ROOT / ".venv" / "bin" / "kakehashi"
SCRATCH_DB = "kakehashi_page_speed"
LIMIT_MS = 1000.0
# Extra pages made from a route by a query string: the council report's downloads.
VARIANTS = {"plans:report": [("plans:report?format=pdf", "?format=pdf"), ("plans:report?format=xlsx", "?format=xlsx")]}


def pct(values: list[float], q: float) -> float:
    """The nearest-rank percentile (``q`` in 0–100)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# -- inside the scratch database's process ------------------------------------------------------------------------

def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakehashi.settings")
    os.environ["KAKEHASHI_2FA"] = "0"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _records(user: Any, label: str, k: int) -> list[Any]:
    """Up to ``k`` values for a URL argument naming ``label``, among the records ``user`` may see."""
    from django.apps import apps
    from django.utils import timezone

    from kakehashi.engine.calendar import fiscal_year_of

    if label == "fiscal_year":
        return [str(fiscal_year_of(timezone.localdate()))]
    if label == "accounts.Site":
        from kakehashi.accounts.models import Site

        own = [user.site.code] if getattr(user, "site", None) is not None else []
        return (own + [c for c in Site.objects.order_by("code").values_list("code", flat=True) if c not in own])[:k]
    if label == "plans.Indicator":
        from kakehashi.plans.models import Indicator

        return list(Indicator.objects.exclude(rule="").order_by("order", "key").values_list("key", flat=True)[:k])
    model = apps.get_model(label)
    qs = model.objects.restrict(user) if hasattr(model.objects, "restrict") else model.objects.all()
    pks: list[Any] = []
    if label == "seekers.Seeker":
        pks = list(qs.filter(seeker_id="DEMO-SUCCESS").values_list("pk", flat=True))
    pks += [pk for pk in qs.order_by("-pk").values_list("pk", flat=True)[:k] if pk not in pks]
    return pks[:k]


def _plan(k: int) -> list[dict[str, Any]]:
    """Every (page, login) to measure, with the addresses to request."""
    from django.urls import reverse

    from kakehashi.accounts.policy import ROUTES, may_open
    from kakehashi.demo import generator
    from kakehashi.governance.models import Attendee
    from kakehashi.seekers.models import Consent

    plan = []
    for user in generator.demo_logins(generator.INSTALLATION):
        for name, route in sorted(ROUTES.items()):
            if route.public or not may_open(user, name):
                continue
            choices = {arg: _records(user, label, k) for arg, label in route.records.items()
                       if label not in ("seekers.Consent", "governance.Attendee")}
            if any(not v for v in choices.values()):
                continue
            urls = []
            for i in range(max([1, *(len(v) for v in choices.values())])):
                kwargs = {arg: v[i % len(v)] for arg, v in choices.items()}
                # Arguments that must belong to the record named before them.
                if "consent_pk" in route.records:
                    kwargs["consent_pk"] = Consent.objects.filter(seeker_id=kwargs["pk"]).values_list(
                        "pk", flat=True).first()
                if "attendee_pk" in route.records:
                    kwargs["attendee_pk"] = Attendee.objects.filter(meeting_id=kwargs["pk"]).values_list(
                        "pk", flat=True).first()
                if None in kwargs.values():
                    continue
                urls.append(reverse(name, kwargs=kwargs))
            for page, query in [(name, ""), *VARIANTS.get(name, [])]:
                if urls:
                    plan.append({"page": page, "user": user.username, "urls": [u + query for u in urls]})
    return plan


def _client(username: str) -> Any:
    from django.test import Client

    from kakehashi.accounts.models import Staff

    client = Client(raise_request_exception=False)  # a page that fails is listed, not the end of the run
    client.force_login(Staff.objects.get(username=username))
    return client


def _timed(client: Any, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    r = client.get(url)
    if r.streaming:
        b"".join(r.streaming_content)
    else:
        r.content  # noqa: B018 — the body is part of the answer's time
    return (time.perf_counter() - started) * 1000, r.status_code


def cold(page: str, plan_file: str) -> None:
    """One page's first request in this fresh process, started as the production server starts a worker (the
    WSGI entry point imported); prints ``{"ms": …, "status": …}``."""
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # the scratch database's server has none
    _django()
    from django.test.utils import override_settings

    import kakehashi.wsgi  # noqa: F401 — what a worker does before it takes requests

    entry = next(e for e in json.loads(Path(plan_file).read_text()) if e["page"] == page)
    client = _client(entry["user"])
    with override_settings(DEBUG=False):
        ms, status = _timed(client, entry["urls"][0])
    print(json.dumps({"ms": ms, "status": status, "user": entry["user"]}))


# What the scheduled jobs' runner has done before anyone opens a page (``--no-prepare`` leaves it out).
PREPARE = ["jobs", "run", "development_refresh"]


def measure(vendor: str, repeats: int, k: int, only: str, build: bool, prepare: bool = True) -> None:
    """Build the demo year (``build``; and ``prepare`` the day's slow results), then measure every page cold and
    warm; prints the result as JSON."""
    env = dict(os.environ, KAKEHASHI_2FA="0")
    if build:
        started = time.perf_counter()
        for command in (["migrate", "-v0"], ["demo-data"], *([PREPARE] if prepare else [])):
            subprocess.run([str(KAKEHASHI), *command], env=env, check=True, capture_output=True)  # noqa: S603
        print(f"{vendor}: demo year built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    _django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from kakehashi.seekers.models import Seeker

    plan = [e for e in _plan(k) if only in e["page"]]
    pages = list(dict.fromkeys(e["page"] for e in plan))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(plan, f)
    colds: dict[str, dict[str, Any]] = {}
    try:
        for i, page in enumerate(pages, 1):
            out = subprocess.run([sys.executable, __file__, "--cold", page, "--plan", f.name], env=env,  # noqa: S603
                                 check=True, capture_output=True, text=True).stdout
            colds[page] = json.loads(out.strip().splitlines()[-1])
            print(f"{vendor}: cold {i}/{len(pages)} {page} {colds[page]['ms']:.0f} ms", file=sys.stderr, flush=True)
    finally:
        os.unlink(f.name)

    times: dict[str, list[float]] = {p: [] for p in pages}
    users: dict[str, set[str]] = {p: set() for p in pages}
    queries: dict[str, int] = dict.fromkeys(pages, 0)
    left_out: dict[str, int] = {}
    clients: dict[str, Any] = {}
    with override_settings(DEBUG=False):
        for entry in plan:
            page, user, urls = entry["page"], entry["user"], entry["urls"]
            client = clients.get(user) or clients.setdefault(user, _client(user))
            with CaptureQueriesContext(connection) as ctx:
                _ms, status = _timed(client, urls[0])
            if status != 200:
                left_out[page] = status
                continue
            queries[page] = max(queries[page], len(ctx.captured_queries))
            users[page].add(user)
            for n in range(repeats):
                ms, status = _timed(client, urls[n % len(urls)])
                times[page].append(ms)
        print(f"{vendor}: warm done", file=sys.stderr, flush=True)
    rows = []
    for page in pages:
        if not times[page]:
            continue
        t = times[page]
        rows.append({"page": page, "roles": len(users[page]), "requests": len(t), "p50": pct(t, 50),
                     "p95": pct(t, 95), "max": max(t), "cold": colds[page]["ms"], "queries": queries[page]})
    print(json.dumps({"vendor": vendor, "seekers": Seeker.objects.count(), "repeats": repeats, "rows": rows,
                      "prepared": prepare if build else None,
                      "left_out": {p: s for p, s in left_out.items() if not times.get(p)}}))


# -- the table ----------------------------------------------------------------------------------------------------

def table(result: dict[str, Any]) -> list[str]:
    """The result as a Markdown table, slowest first; and the pages over the limit."""
    prepared = {True: ", the day's results prepared by the job", False: ", without the job that prepares the day's "
                "results"}.get(result.get("prepared"), "")
    lines = [f"\n{result['vendor']}, demo year ({result['seekers']:,} seekers), {result['repeats']} warm repeats "
             f"per login{prepared}", "",
             "| page | roles | requests | p50 ms | p95 ms | max ms | cold ms | queries |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in sorted(result["rows"], key=lambda r: -max(r["p95"], r["cold"])):
        lines.append(f"| {r['page']} | {r['roles']} | {r['requests']} | {r['p50']:.0f} | {r['p95']:.0f} | "
                     f"{r['max']:.0f} | {r['cold']:.0f} | {r['queries']} |")
    if result["left_out"]:
        lines.append("\nLeft out, answering a GET with another status (POST-only, a redirect; 500: a failure): " + ", ".join(
            f"{p} ({s})" for p, s in sorted(result["left_out"].items())))
    return lines


def main() -> None:
    p = scratch_parser(__doc__)
    p.add_argument("--repeats", type=int, default=5, help="warm requests per page and login (default 5)")
    p.add_argument("--records", type=int, default=3, help="records tried per URL argument and login (default 3)")
    p.add_argument("--only", default="", help="only the pages whose route name contains this")
    p.add_argument("--database-url", help="measure this database (it must hold the demo year) instead of a scratch one")
    p.add_argument("--no-prepare", action="store_true",
                   help="do not run the job that prepares the day's slow results after building the demo year")
    p.add_argument("--cold", help=argparse_hidden())
    p.add_argument("--plan", help=argparse_hidden())
    args = p.parse_args()
    if args.cold:
        cold(args.cold, args.plan)
        return
    if args.one:
        measure(args.one, args.repeats, args.records, args.only, build=not os.environ.get("PAGE_SPEED_NO_BUILD"),
                prepare=not args.no_prepare)
        return

    print(f"page_speed, {time.strftime('%Y-%m-%d %H:%M')} UTC, {describe()}", flush=True)
    command = [__file__, "--repeats", str(args.repeats), "--records", str(args.records), "--only", args.only,
               *(["--no-prepare"] if args.no_prepare else [])]
    over = []
    results: list[dict[str, Any] | str] = []
    if args.database_url:
        vendor = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
        env = dict(os.environ, DATABASE_URL=args.database_url, PAGE_SPEED_NO_BUILD="1")
        env.setdefault("KAKEHASHI_VAR_DIR", tempfile.mkdtemp(prefix="kakehashi-speed-"))
        out = _run([sys.executable, *command, "--one", vendor], env)
        results.append(json.loads(out.strip().splitlines()[-1]))
    else:
        for vendor in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
            try:
                results.append(run_in_scratch(vendor, args.server, SCRATCH_DB, dict(os.environ),
                                              [*command, "--one", vendor]))
            except subprocess.CalledProcessError as e:
                sys.exit(f"{vendor}: the measurement failed:\n{e.stderr}")
    for result in results:
        if isinstance(result, str):
            print(result)
            continue
        print("\n".join(table(result)))
        over += [f"{r['page']} ({result['vendor']}: p95 {r['p95']:.0f} ms, cold {r['cold']:.0f} ms)"
                 for r in result["rows"] if r["p95"] >= LIMIT_MS or r["cold"] >= LIMIT_MS]
    print("\nPages at or over 1 s (p95 or cold): " + ("; ".join(over) if over else "none"))
    sys.exit(1 if over else 0)


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 — this script
    if done.returncode:
        sys.exit(f"the measurement failed:\n{done.stderr}")
    sys.stderr.write(done.stderr)
    return done.stdout


if __name__ == "__main__":
    main()
