"""Which production server: granian (as ``kakehashi serve`` starts it) or gunicorn (sync or threaded workers), on
this machine, on PostgreSQL with the demo year. Prints one table: requests/s, p50 and p99 latency, errors and the servers' memory, for the
sign-in page (no session) and a signed-in counselor's seeker list, each under wrk with 8 connections.

Needs: wrk (Debian's package), DATABASE_URL of a migrated PostgreSQL database holding the demo year, STATIC_ROOT
filled by `kakehashi collectstatic`, SECRET_KEY, and gunicorn installed beside granian (it is not a dependency):

    set -a; . var/serve.env; set +a; .venv/bin/pip install gunicorn==27.0.1
    .venv/bin/python bench/server_choice.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from kakehashi.ops.server import granian_args

PORT = 8790
BIN = Path(sys.executable).parent
APP = "kakehashi.wsgi:application"
# Both servers write an access log, as in production: the path alone (kakehashi.ops.server).
GUNICORN = [str(BIN / "gunicorn"), f"--bind=127.0.0.1:{PORT}", "--access-logfile=-", "--preload",
            '--access-logformat=%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms']
SERVERS = {
    "gunicorn sync ×3": [*GUNICORN, "--workers=3", APP],
    "gunicorn sync ×2": [*GUNICORN, "--workers=2", APP],
    "gunicorn gthread 2×4": [*GUNICORN, "--workers=2", "--threads=4", APP],
    "granian 2 workers, 4 threads": [str(BIN / "granian"), *granian_args({"KAKEHASHI_BIND": f"127.0.0.1:{PORT}"})],
    "granian 3 workers, 1 thread": [str(BIN / "granian"), *granian_args(
        {"KAKEHASHI_BIND": f"127.0.0.1:{PORT}", "WEB_CONCURRENCY": "3", "KAKEHASHI_THREADS": "1"})],
}


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310  # loopback
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not answer at {url}")


def session_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": "hw_counselor",
                                   "password": "demo-pass-2026", "next": "/"}).encode()
    opener.open(urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"}))  # noqa: S310  # loopback
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, seconds: int, cookie: str = "") -> dict[str, float]:
    args = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout  # noqa: S603  # wrk with our arguments

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": ms("50"), "p99": ms("99"),
            "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, errors.groups())) if errors else 0)}


def rss_mib(root: int) -> float:
    out = subprocess.run(["ps", "-eo", "pid,ppid,rss"], capture_output=True, text=True, check=True).stdout  # noqa: S607  # ps from PATH
    rows = [tuple(map(int, line.split())) for line in out.splitlines()[1:]]
    tree = {root}
    for _ in range(3):
        tree |= {pid for pid, ppid, _ in rows if ppid in tree}
    total = sum(rss for pid, _, rss in rows if pid in tree)
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{PORT}"
    env = {**os.environ, "KAKEHASHI_BIND": f"127.0.0.1:{PORT}", "KAKEHASHI_2FA": "0", "KAKEHASHI_JOBS_EVERY": "0"}
    print(f"{'server':<30} {'page':<14} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'RSS MiB':>8}")
    for name, command in SERVERS.items():
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603  # the servers listed above
        try:
            wait_up(base + "/healthz")
            cookie = session_cookie(base)
            for page, url, c in (("sign-in page", base + "/login/", ""), ("seeker list", base + "/seekers/", cookie)):
                wrk(url, 3, c)  # warm every worker
                r = wrk(url, args.seconds, c)
                print(f"{name:<30} {page:<14} {r['rps']:>7.1f} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['errors']:>6} "
                      f"{rss_mib(server.pid):>8.0f}", flush=True)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)


if __name__ == "__main__":
    main()
