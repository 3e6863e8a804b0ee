"""``kakehashi import`` under faults, in a separate process on a SQLite file of its own (the test database of
pytest-django is in memory, or a PostgreSQL database this process holds a transaction on): killed with SIGKILL at
random moments, stopped by a full disk, given a corrupted file. bench/fault_import.py runs the same on both
databases, more times, and prints the figures.
"""

import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
KAKEHASHI = Path(sys.executable).parent / "kakehashi"
FIXTURES = ROOT / "tests" / "fixtures" / "interchange" / "utf8"
TABLES = ["employers_employer", "seekers_seeker", "seekers_desiredoccupation", "seekers_experience",
          "seekers_consent", "postings_posting", "employers_employervisit", "referrals_referral", "plans_target"]

pytestmark = pytest.mark.skipif(not KAKEHASHI.exists(), reason="needs the kakehashi command of this venv")


def kakehashi(db: Path, *args: str, preexec: Callable[[], Any] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KAKEHASHI), *args, "--skip-checks"], capture_output=True, text=True,  # noqa: S603  # the project's own command, fixed arguments
                          env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{db}", **LIMITED_ENV},
                          preexec_fn=preexec,
                          timeout=300)


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}  # noqa: S608 (fixed names)
    finally:
        conn.close()


def copy(src: Path, dst: Path) -> Path:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return dst


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the installation loaded, made once for the module."""
    db = tmp_path_factory.mktemp("faults") / "pristine.sqlite3"
    assert kakehashi(db, "migrate", "--noinput", "-v", "0").returncode == 0
    assert kakehashi(db, "installation", str(ROOT / "installations" / "kurashiki.json")).returncode == 0
    return db


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files large enough for an import to take a moment: the fixtures' employers, and generated seekers."""
    d = tmp_path_factory.mktemp("files")
    (d / "employers.csv").write_bytes((FIXTURES / "employers.csv").read_bytes())
    rows = [f"S-{i:05d},tamashima,2025-04-01,713-8121,073;095,1980,,full_time,180000,month,10,,073:3,0,self,1,メモ"
            for i in range(3000)]
    (d / "seekers.csv").write_text(
        "seeker_id,site,registered_on,postal_code,desired_occupations,birth_year,town,desired_employment,min_wage,"
        "wage_unit,max_commute_km,qualifications,experience,welfare_recipient,referred_by,consent_share,note\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    return d


def test_an_import_killed_at_any_moment_leaves_nothing_or_everything_and_runs_again(
        pristine: Path, files: Path, tmp_path: Path) -> None:
    whole_db = copy(pristine, tmp_path / "whole.sqlite3")
    started = time.perf_counter()
    assert kakehashi(whole_db, "import", str(files), "--no-progress").returncode == 0
    duration = time.perf_counter() - started
    before, whole = counts(pristine), counts(whole_db)
    rng = random.Random(10)  # noqa: S311 (kill moments, not secrets)
    for trial in range(3):
        db = copy(pristine, tmp_path / f"trial{trial}.sqlite3")
        proc = subprocess.Popen([str(KAKEHASHI), "import", str(files), "--no-progress", "--skip-checks"],  # noqa: S603  # the project's own command, fixed arguments
                                env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{db}"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.9) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

        assert counts(db) in (before, whole)
        assert kakehashi(db, "import", str(files), "--no-progress").returncode == 0
        assert counts(db) == whole


# A process under a file size limit must not write bytecode: a .pyc cut at the limit would be left in place
# (the write is short, not refused) and break every later import of that module.
LIMITED_ENV = {"PYTHONDONTWRITEBYTECODE": "1"}


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_stops_the_import_with_a_japanese_message_and_nothing_written(
        pristine: Path, files: Path, tmp_path: Path) -> None:
    # A full disk simulated by RLIMIT_FSIZE: no file the import writes (the WAL) may grow past 256 KiB.
    # bench/fault_import.py uses a small tmpfs where it may mount one.
    db = copy(pristine, tmp_path / "full.sqlite3")
    before = counts(db)

    p = kakehashi(db, "import", str(files), "--no-progress", preexec=_file_size_limit(256 * 1024))

    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "ディスクの空きが足りないため、取込を中止しました。何も登録・更新していません。" in p.stderr
    assert counts(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.mark.parametrize("damage", ["truncated", "garbage", "zip"])
def test_a_corrupted_upload_is_a_clean_error(pristine: Path, files: Path, tmp_path: Path, damage: str) -> None:
    db = copy(pristine, tmp_path / "corrupt.sqlite3")
    data = (files / "seekers.csv").read_bytes()
    path = tmp_path / "seekers.csv"
    path.write_bytes({"truncated": data[: len(data) // 2 + 7],
                      "garbage": random.Random(3).randbytes(5000),  # noqa: S311 (test data)
                      "zip": b"PK\x03\x04" + data[:200]}[damage])

    p = kakehashi(db, "import", str(path), "--no-progress")

    assert p.returncode == 1 and "Traceback" not in p.stderr and p.stderr.strip()
    assert counts(db) == counts(pristine)
