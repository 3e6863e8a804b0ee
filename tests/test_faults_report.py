"""``kakehashi report progress`` writing its PDF or workbook to a full disk: a clean Japanese error, no traceback,
no partial file, an earlier file of the same name unchanged, and no audit row for an export that did not happen.

The disk is full in two ways, as for the import (tests/test_faults_import.py, bench/fault_import.py, whose
helpers these are): a small tmpfs filled up (root only; the command runs in this process), and a file size limit
(RLIMIT_FSIZE) on the command in a process of its own (anywhere).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kakehashi.accounts.installation import load_installation
from kakehashi.audit.models import AuditEvent
from tests.test_faults_import import KAKEHASHI, LIMITED_ENV, _file_size_limit, copy
from tests.test_faults_import import pristine as pristine  # noqa: F401 - the migrated database, a fixture
from tests.world import INSTALLATION

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from fault_import import small_disk  # noqa: E402 - bench/, put on the path above

REPORT = ["report", "progress", "--site", "tamashima", "--fiscal-year", "2025", "--as-of", "2026-03-31"]
FULL = "ディスクの空きが足りないため"


def fill(path: Path) -> None:
    """Take every free byte of the disk ``path`` is on."""
    with path.open("wb", buffering=0) as f:
        try:
            while f.write(b"\0" * 65536):
                pass
        except OSError as e:
            assert e.errno == errno.ENOSPC
    assert shutil.disk_usage(path.parent).free == 0


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_report_to_a_full_disk_is_a_japanese_error_and_leaves_no_file(db: None, fmt: str) -> None:
    load_installation(INSTALLATION)
    with small_disk(1024 * 1024) as disk:
        if disk is None:
            pytest.skip("mounting a tmpfs needs root; the file size limit below covers the rest")
        earlier = disk / f"earlier.{fmt}"
        earlier.write_bytes(b"the earlier report")
        fill(disk / "filler")
        exports = AuditEvent.objects.filter(model="plans.Target").count()

        for target in (disk / f"progress.{fmt}", earlier):
            with pytest.raises(CommandError) as e:
                call_command(*REPORT, "--format", fmt, "--out", str(target), stdout=StringIO(), stderr=StringIO())
            assert str(e.value).startswith(FULL) and str(target) in str(e.value)
            assert "ファイルは作成・変更していません" in str(e.value)

        assert leftovers(disk, {"filler", earlier.name}) == []
        assert earlier.read_bytes() == b"the earlier report"
        assert AuditEvent.objects.filter(model="plans.Target").count() == exports

        (disk / "filler").unlink()  # room again: the same command writes the file whole
        call_command(*REPORT, "--format", fmt, "--out", str(earlier), stdout=StringIO(), stderr=StringIO())
        assert earlier.read_bytes()[:4] == (b"%PDF" if fmt == "pdf" else b"PK\x03\x04")
        assert leftovers(disk, {earlier.name}) == []
        assert AuditEvent.objects.filter(model="plans.Target").count() == exports + 1


def test_a_report_stopped_by_a_file_size_limit_is_a_japanese_error_and_leaves_no_file(
        pristine: Path, tmp_path: Path) -> None:  # noqa: F811 - the fixture imported above
    db = copy(pristine, tmp_path / "report.sqlite3")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "progress.pdf"

    # No file the command writes may pass 64 KiB: room for SQLite's shared-memory file, not for the PDF.
    p = subprocess.run([str(KAKEHASHI), *REPORT, "--format", "pdf", "--out", str(target)],  # noqa: S603  # the project's own command, fixed arguments
                       capture_output=True, text=True, timeout=300, preexec_fn=_file_size_limit(64 * 1024),
                       env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{db}", **LIMITED_ENV})

    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert FULL in p.stderr and "ファイルは作成・変更していません" in p.stderr
    assert leftovers(out, set()) == []
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM audit_auditevent WHERE model = 'plans.Target'").fetchone()[0] == 0
    conn.close()
