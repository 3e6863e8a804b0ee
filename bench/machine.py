"""What the benchmarks share (imported by the bench scripts beside it): what they print about the machine they
ran on, and running a measurement in a scratch database of its own."""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def describe() -> str:
    """'AMD EPYC …, 2 CPUs, 24 GiB RAM, Linux 6.1, Python 3.11.7'."""
    cpu = platform.processor() or platform.machine()
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    mem = ""
    try:
        found = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem = f", {int(found.group(1)) / 1024 / 1024:.0f} GiB RAM" if found else ""
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs{mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def run_in_scratch(vendor: str, server: str, scratch: str, env: dict[str, str],
                   command: list[str]) -> dict[str, Any] | str:
    """Run ``command`` (a bench script measuring in this process's place) against a scratch database — SQLite in a
    temporary folder, or the PostgreSQL database ``scratch`` on ``server``, created and dropped — and return the
    JSON its last line prints; a message when PostgreSQL does not answer."""
    env = dict(env)
    with tempfile.TemporaryDirectory() as tmp:
        env["KAKEHASHI_VAR_DIR"] = tmp
        if vendor == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            import psycopg

            try:
                with psycopg.connect(f"{server}/postgres", autocommit=True) as c:
                    c.execute(f"DROP DATABASE IF EXISTS {scratch}")
                    c.execute(f"CREATE DATABASE {scratch}")
            except psycopg.OperationalError as e:
                return f"PostgreSQL at {server} does not answer ({e.__class__.__name__}): skipped"
            env["DATABASE_URL"] = f"{server}/{scratch}"
        try:
            out = subprocess.run([sys.executable, *command], env=env, check=True,  # noqa: S603 — a bench script
                                 capture_output=True, text=True).stdout
        finally:
            if vendor == "postgresql":
                with psycopg.connect(f"{server}/postgres", autocommit=True) as c:
                    c.execute(f"DROP DATABASE IF EXISTS {scratch}")
    return dict(json.loads(out.strip().splitlines()[-1]))


def scratch_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options of a benchmark that measures in scratch databases (``run_in_scratch``): which databases, the
    PostgreSQL server, and the internal ``--one`` that runs the measurements in a process of their own."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--one", help=argparse.SUPPRESS)
    return p
