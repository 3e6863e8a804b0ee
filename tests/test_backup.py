"""Backups and restores on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL): a year of
referrals and targets backed up, restored into an empty database, gives the same progress report and the same
rows in every table; a damaged backup, a non-empty target and a backup from a newer version are refused in
Japanese and change nothing."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from kakehashi.audit.models import AuditEvent
from kakehashi.ops import backup
from kakehashi.ops.backup import BackupError, create_backup, restore_backup, verify_backup
from kakehashi.ops.models import JobRun
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from tests.test_report import build_seed_year
from tests.world import World

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = ("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31", "--format", "json")


@pytest.fixture
def seeded(world: World) -> World:
    build_seed_year(world)
    return world


def progress_report() -> dict[str, Any]:
    out = StringIO()
    call_command("report", "progress", *REPORT, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def every_row(conn: BaseDatabaseWrapper) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, each value as its repr, rows sorted: two databases holding the same records
    give equal results whatever order they return rows in."""
    out = {}
    for table in backup.table_rows(conn):
        with conn.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  # a catalogue name
            out[table] = sorted(tuple(repr(v) for v in row) for row in cursor.fetchall())
    return out


@contextmanager
def as_default(conn: BaseDatabaseWrapper) -> Iterator[BaseDatabaseWrapper]:
    """Make ``conn`` the default database for the block (models, commands and ``connection`` all use it)."""
    original = connections["default"]
    connections["default"] = conn
    try:
        yield conn
    finally:
        conn.close()
        connections["default"] = original


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Callable[[], BaseDatabaseWrapper]]:
    """A factory of new, empty databases beside the test database: a fresh SQLite file, or a new PostgreSQL
    database (dropped afterwards)."""
    made: list[str] = []
    base = connection.settings_dict

    def make() -> BaseDatabaseWrapper:
        if connection.vendor == "sqlite":
            name = str(tmp_path / f"restored-{len(made)}.sqlite3")
        else:
            name = f"{base['NAME']}_restored_{uuid.uuid4().hex[:8]}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return connections["default"].__class__({**base, "NAME": name}, alias="default")

    yield make
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in made:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def unaudited_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    """A restore writes one audit row into the restored database; comparing it row by row with the original
    needs the database as the restore left it."""
    monkeypatch.setattr("kakehashi.audit.log.record", lambda *a, **k: None)


def test_a_restore_into_an_empty_database_gives_the_same_figures_and_rows(
        seeded: World, tmp_path: Path, empty_database: Callable[[], BaseDatabaseWrapper],
        unaudited_restore: None) -> None:
    rows = every_row(connection)
    made = create_backup(tmp_path / "backups")
    figures = progress_report()
    assert figures["indicators"]["placements"]["actual"] == 471  # the seed year is there to compare

    with as_default(empty_database()) as restored:
        manifest = restore_backup(made)
        assert every_row(restored) == rows
        assert progress_report() == figures
        # New records continue after the restored ones (sequences came back too).
        top = max(s.pk for s in Seeker.objects.all())
        after = Seeker.objects.create(seeker_id="S-AFTER", site=seeded.tamashima, name="復元後",
                                      registered_on=datetime.date(2026, 12, 1))
        assert after.pk > top
    assert manifest["rows"] == {t: len(r) for t, r in rows.items()}


def test_the_manifest_records_what_and_from_what_with_checksums(world: World, tmp_path: Path) -> None:
    counts = backup.table_rows(connection)
    made = create_backup(tmp_path)
    manifest = json.loads((made / "manifest.json").read_text("utf-8"))
    assert manifest["vendor"] == connection.vendor and manifest["format"] == 1
    assert ["ops", "0001_job_runs"] in manifest["migrations"]
    assert manifest["rows"] == counts and counts["referrals_referral"] == Referral.objects.count() > 0
    (entry,) = manifest["files"]
    data = made / entry["name"]
    assert entry["bytes"] == data.stat().st_size and entry["sha256"] == backup._sha256(data)
    assert oct(made.stat().st_mode & 0o777) == "0o700" and oct(data.stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob(".*partial"))


def test_taking_a_backup_is_audited_as_an_export(world: World, tmp_path: Path) -> None:
    made = create_backup(tmp_path)
    event = AuditEvent.objects.filter(action="export", model="ops.Backup").get()
    assert event.detail["backup"] == made.name and event.purpose == "バックアップ"


def test_a_restore_is_audited_in_the_restored_database(
        world: World, tmp_path: Path, empty_database: Callable[[], BaseDatabaseWrapper]) -> None:
    made = create_backup(tmp_path)
    with as_default(empty_database()):
        restore_backup(made)
        event = AuditEvent.objects.filter(action="import", model="ops.Backup").get()
        assert event.detail["backup"] == made.name


def test_a_damaged_backup_is_refused_before_anything_is_restored(
        world: World, tmp_path: Path, empty_database: Callable[[], BaseDatabaseWrapper]) -> None:
    made = create_backup(tmp_path)
    data = next(p for p in made.iterdir() if p.name != "manifest.json")
    damaged = bytearray(data.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    data.write_bytes(bytes(damaged))
    with pytest.raises(BackupError, match="チェックサムが一致しません"):
        verify_backup(made)
    with as_default(empty_database()) as target:
        with pytest.raises(BackupError, match="チェックサムが一致しません"):
            restore_backup(made)
        assert backup.table_rows(target) == {}


def test_a_database_with_tables_is_replaced_only_with_force(
        seeded: World, tmp_path: Path, empty_database: Callable[[], BaseDatabaseWrapper],
        unaudited_restore: None) -> None:
    rows = every_row(connection)
    made = create_backup(tmp_path)
    with as_default(empty_database()) as target:
        restore_backup(made)
        JobRun.objects.create(job="expire_referrals")  # a change since the backup, which a restore takes back
        before = every_row(target)
        with pytest.raises(BackupError, match="空ではありません.*--force"):
            restore_backup(made)
        assert every_row(target) == before
        restore_backup(made, force=True)
        assert every_row(target) == rows


def test_a_backup_from_a_newer_version_or_another_database_is_refused(
        world: World, tmp_path: Path, empty_database: Callable[[], BaseDatabaseWrapper]) -> None:
    made = create_backup(tmp_path)
    path = made / "manifest.json"
    original = json.loads(path.read_text("utf-8"))
    newer = {**original, "migrations": [*original["migrations"], ["referrals", "9999_from_the_future"]]}
    path.write_text(json.dumps(newer), "utf-8")
    with as_default(empty_database()) as target:
        with pytest.raises(BackupError, match="この版より新しい.*referrals.9999_from_the_future"):
            restore_backup(made)
        other = {**original, "vendor": "postgresql" if connection.vendor == "sqlite" else "sqlite"}
        path.write_text(json.dumps(other), "utf-8")
        with pytest.raises(BackupError, match="には復元できません"):
            restore_backup(made)
        assert backup.table_rows(target) == {}


def test_a_folder_without_a_readable_manifest_is_not_a_backup(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="バックアップではありません"):
        verify_backup(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", "utf-8")
    with pytest.raises(BackupError, match="読めません"):
        verify_backup(tmp_path / "manifest.json")


def test_the_commands_back_up_verify_and_refuse_in_japanese(world: World, tmp_path: Path) -> None:
    out = StringIO()
    call_command("backup", str(tmp_path), stdout=out)
    (made,) = backup.list_backups(tmp_path)
    assert str(made) in out.getvalue()
    out = StringIO()
    call_command("backup", verify=str(made / "manifest.json"), stdout=out)
    assert "問題ありません" in out.getvalue()
    with pytest.raises(CommandError, match="空ではありません"):
        call_command("restore", str(made), stdout=StringIO())
    (made / "manifest.json").write_text("[]", "utf-8")
    with pytest.raises(CommandError, match="知らない形式"):
        call_command("backup", verify=str(made), stdout=StringIO())


def test_old_backups_beyond_the_number_kept_are_removed(tmp_path: Path) -> None:
    for stamp in ("20261201-020000", "20261202-020000", "20261203-020000"):
        (tmp_path / f"kakehashi-{stamp}").mkdir()
        (tmp_path / f"kakehashi-{stamp}" / "manifest.json").write_text("{}", "utf-8")
    (tmp_path / "notes").mkdir()
    removed = backup.prune_backups(tmp_path, keep=2)
    assert [p.name for p in removed] == ["kakehashi-20261201-020000"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kakehashi-20261202-020000", "kakehashi-20261203-020000",
                                                          "notes"]
