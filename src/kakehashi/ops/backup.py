"""Backups of the whole database and their restore, on SQLite and on PostgreSQL.

A backup is a folder ``kakehashi-YYYYMMDD-HHMMSS`` holding the database and ``manifest.json``:

- SQLite: ``database.sqlite3``, a consistent copy made with SQLite's online backup API while the app runs;
- PostgreSQL: ``database.pgdump``, ``pg_dump -Fc`` of the database's schema, taken in an exported snapshot
  so that the row counts in the manifest are those of the dump itself.

The manifest records when and from what the backup was made (format, vendor and server version, the app's
version, the applied Django migrations), the rows of every table, and each file's size and SHA-256. A backup is
written under a hidden name and renamed when complete, so a half-written one never looks like a backup; files
are readable by their owner only (they hold every personal record).

``verify_backup`` checks the checksums (and that SQLite's copy passes its integrity check, or that
``pg_restore`` can read the dump's table of contents). ``restore_backup`` verifies first, refuses a non-empty
database unless forced, restores in one transaction and checks the restored row counts against the manifest.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404  # pg_dump/pg_restore are run with argument lists, never a shell
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
PREFIX = "kakehashi-"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
_NAME = re.compile(r"^kakehashi-\d{8}-\d{6}(-\d+)?$")


class BackupError(Exception):
    """A backup could not be made, verified or restored. The message, in Japanese, says why; nothing was
    changed in the database."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def app_version() -> str:
    try:
        return metadata.version("kakehashi")
    except metadata.PackageNotFoundError:
        return "unknown"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- reading a database's contents ------------------------------------------------------------------------

def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                      "ORDER BY name").fetchall()
    return [r[0] for r in rows]


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [r[0] for r in cursor.fetchall()]


def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    out = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608  # a catalogue name, quoted
        out[table] = int(cursor.fetchone()[0])
    return out


def _migrations(cursor: Any, tables: list[str]) -> list[list[str]]:
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def table_rows(conn: BaseDatabaseWrapper | None = None) -> dict[str, int]:
    """The number of rows of every table of the database ``conn`` (the default one) now holds."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            return _counts(cursor, _pg_tables(cursor))
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                       "ORDER BY name")
        return _counts(cursor, [r[0] for r in cursor.fetchall()])


# --- PostgreSQL's tools -----------------------------------------------------------------------------------

def _server_major(conn: BaseDatabaseWrapper) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def pg_tool(name: str, conn: BaseDatabaseWrapper | None = None) -> str:
    """The path of ``pg_dump`` or ``pg_restore`` for the server's major version: ``KAKEHASHI_PG_BINDIR`` when
    set, else Debian's /usr/lib/postgresql/<major>/bin, else the first on PATH. A tool older than the server
    cannot read it, so one is refused."""
    conn = conn or connection
    major = _server_major(conn)
    candidates = []
    if os.environ.get("KAKEHASHI_PG_BINDIR"):
        candidates.append(Path(os.environ["KAKEHASHI_PG_BINDIR"]) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin") / name)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if not path.is_file():
            continue
        text = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603  # a PostgreSQL tool found above
        version = re.search(r"(\d+)(?:\.\d+)?", text)
        if version and int(version.group(1)) >= major:
            return str(path)
    raise BackupError(f"PostgreSQL {major} 用の {name} が見つかりません。postgresql-client-{major} を入れるか、"
                      f"KAKEHASHI_PG_BINDIR にその bin フォルダを設定してください。")


def _pg_env(conn: BaseDatabaseWrapper) -> dict[str, str]:
    """libpq's environment for the tools, from the connection's settings (the password never goes on a
    command line, where ``ps`` would show it)."""
    s = conn.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if s.get(key):
            env[var] = str(s[key])
    for option, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("passfile", "PGPASSFILE"),
                        ("service", "PGSERVICE")):
        if s.get("OPTIONS", {}).get(option):
            env[var] = str(s["OPTIONS"][option])
    return env


def _run_tool(args: list[str], conn: BaseDatabaseWrapper, what: str) -> str:
    done = subprocess.run(args, env=_pg_env(conn), capture_output=True, text=True, check=False)  # noqa: S603  # argument list built here
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what}に失敗しました（{Path(args[0]).name} 終了コード {done.returncode}）："
                          f"{detail[-1] if detail else ''}")
    return done.stdout


def _audit_key_check() -> str:
    """A fingerprint of the key sealing the audit chain (not the key): a restore into an installation with
    another key is told so, since `kakehashi audit verify` would then fail on every row."""
    from kakehashi.audit import chain

    return chain.key_check(chain.chain_key())


def audit_key_matches(manifest: dict[str, Any]) -> bool | None:
    """Whether this installation seals the audit chain with the key of the one that made the backup (None:
    the manifest does not say)."""
    recorded = manifest.get("audit_key_check")
    return None if not recorded else recorded == _audit_key_check()


# --- making a backup --------------------------------------------------------------------------------------

def _sqlite_backup(conn: BaseDatabaseWrapper, out: Path) -> dict[str, Any]:
    conn.ensure_connection()
    source = conn.connection
    target = sqlite3.connect(out)
    try:
        source.backup(target)
        cursor = target.cursor()
        tables = _sqlite_tables(target)
        found = {"rows": _counts(cursor, tables), "migrations": _migrations(cursor, tables),
                 "server_version": sqlite3.sqlite_version}
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
    return found


def _pg_backup(conn: BaseDatabaseWrapper, out: Path) -> dict[str, Any]:
    import psycopg

    dump = pg_tool("pg_dump", conn)
    raw = conn.get_new_connection(conn.get_connection_params())
    try:
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.cursor() as cursor:
            # The snapshot is fixed by the transaction's first statement; pg_dump reads through the same one.
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = _pg_tables(cursor)
            found = {"rows": _counts(cursor, tables), "migrations": _migrations(cursor, tables)}
            cursor.execute("SHOW server_version")
            found["server_version"] = cursor.fetchone()[0]
            _run_tool([dump, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={out}"],
                      conn, "pg_dump によるバックアップ")
        raw.rollback()
    finally:
        raw.close()
    return found


def _new_name(directory: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = directory / f"{PREFIX}{stamp}"
    n = 2
    while target.exists():
        target = directory / f"{PREFIX}{stamp}-{n}"
        n += 1
    return target


def create_backup(directory: Path) -> Path:
    """Back up the default database into a new folder under ``directory``; returns that folder."""
    from kakehashi.audit.log import record
    from kakehashi.audit.models import Action

    conn = connection
    if conn.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"{conn.vendor} のデータベースはバックアップできません（SQLite か PostgreSQL のみ）。")
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = _new_name(directory)
        partial = directory / f".{target.name}.partial"
        partial.mkdir(mode=0o700)
    except OSError as e:
        raise BackupError(f"バックアップ先「{directory}」に書き込めません（{e.strerror}）。") from None
    try:
        os.chmod(partial, 0o700)
        name = SQLITE_FILE if conn.vendor == "sqlite" else PG_FILE
        data = partial / name
        data.touch(mode=0o600)
        found = _sqlite_backup(conn, data) if conn.vendor == "sqlite" else _pg_backup(conn, data)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "vendor": conn.vendor,
            "server_version": found["server_version"],
            "app_version": app_version(),
            "migrations": found["migrations"],
            "audit_key_check": _audit_key_check(),
            "rows": found["rows"],
            "files": [{"name": name, "bytes": data.stat().st_size, "sha256": _sha256(data)}],
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
        os.chmod(partial / MANIFEST, 0o600)
        for path in partial.iterdir():
            with path.open("rb") as f:
                os.fsync(f.fileno())
        partial.rename(target)
        _fsync_dir(directory)
    except OSError as e:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"バックアップを書き込めませんでした（{e.strerror}）。空き容量と書き込み権限を確かめてください。"
                          ) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    # A backup holds every personal record: it is an export, audited in the database it was taken from.
    record(None, Action.EXPORT, "ops.Backup", [], purpose="バックアップ",
           detail={"backup": target.name, "tables": len(manifest["rows"]), "rows": sum(manifest["rows"].values())})
    return target


# --- verifying --------------------------------------------------------------------------------------------

def _folder(path: Path) -> Path:
    return path.parent if path.name == MANIFEST else path


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the backup at ``path`` (its folder or its manifest.json), checked for shape only."""
    folder = _folder(path)
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"「{path}」はバックアップではありません（{MANIFEST} がありません）。") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise BackupError(f"「{folder / MANIFEST}」を読めません（壊れています）。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"「{folder / MANIFEST}」はこの版の知らない形式です。")
    for key, kind in (("vendor", str), ("rows", dict), ("files", list), ("migrations", list)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"「{folder / MANIFEST}」に {key} がありません（壊れています）。")
    return manifest


def verify_backup(path: Path) -> dict[str, Any]:
    """Check the backup at ``path`` without restoring it: every file's size and SHA-256 against the manifest,
    then the database file itself (SQLite's integrity check and row counts; pg_restore's table of contents).
    Returns the manifest."""
    folder = _folder(path)
    manifest = read_manifest(folder)
    for entry in manifest["files"]:
        name = str(entry.get("name", ""))
        file = folder / name
        if not name or "/" in name or not file.is_file():
            raise BackupError(f"バックアップのファイル「{name}」がありません。")
        if file.stat().st_size != entry.get("bytes") or _sha256(file) != entry.get("sha256"):
            raise BackupError(f"バックアップのファイル「{name}」のチェックサムが一致しません"
                              "（壊れているか、書き換えられています）。このバックアップは使えません。")
    data = folder / manifest["files"][0]["name"]
    if manifest["vendor"] == "sqlite":
        db = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
        try:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("バックアップのデータベースが整合性検査に通りません。")
            if _counts(db.cursor(), _sqlite_tables(db)) != manifest["rows"]:
                raise BackupError("バックアップの件数がマニフェストと一致しません。")
        finally:
            db.close()
    elif manifest["vendor"] == "postgresql":
        tool = shutil.which("pg_restore") or ""
        majors = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_restore"), key=lambda p: int(p.parts[-3]))
        if majors:
            tool = str(majors[-1])
        if tool:
            listed = subprocess.run([tool, "--list", str(data)], capture_output=True, text=True, check=False)  # noqa: S603  # a fixed tool and a path
            if listed.returncode != 0:
                raise BackupError("pg_restore がバックアップを読めません（壊れています）。")
    else:
        raise BackupError(f"このバックアップのデータベースの種類（{manifest['vendor']}）は扱えません。")
    return manifest


def list_backups(directory: Path) -> list[Path]:
    """The complete backups in ``directory``, oldest first (by name, which is their time)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_dir() and _NAME.match(p.name) and (p / MANIFEST).is_file())


def prune_backups(directory: Path, *, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups (and leftovers of interrupted ones older than a day);
    returns what was removed."""
    removed = []
    backups = list_backups(directory)
    for old in backups[:-keep] if keep > 0 else []:
        shutil.rmtree(old)
        removed.append(old)
    day_ago = timezone.now().timestamp() - 86400
    for leftover in directory.glob(f".{PREFIX}*.partial"):
        if leftover.stat().st_mtime < day_ago:
            shutil.rmtree(leftover, ignore_errors=True)
    return removed


# --- restoring --------------------------------------------------------------------------------------------

def _target_tables(conn: BaseDatabaseWrapper) -> list[str]:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            return _pg_tables(cursor)
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        return [r[0] for r in cursor.fetchall()]


def _check_migrations(manifest: dict[str, Any]) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known)
    if unknown:
        raise BackupError(f"このバックアップはこの版より新しい Kakehashi で作られています（この版にない移行："
                          f"{'、'.join(unknown[:3])}{' ほか' if len(unknown) > 3 else ''}）。"
                          f"バックアップを作った版（{manifest.get('app_version', '不明')}）以降で復元してください。")


def restore_backup(path: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore the backup at ``path`` into the default database and return its manifest.

    Refuses, changing nothing: a backup whose checksums fail; one of the other database vendor; one made by a
    newer version (migrations this one does not know); a database that already has tables, unless ``force``
    (which first drops every table in it). After the restore, each table's rows are counted against the
    manifest. Run ``kakehashi migrate`` afterwards when the backup is from an older version."""
    from kakehashi.audit.log import record
    from kakehashi.audit.models import Action

    conn = connection
    folder = _folder(path)
    manifest = read_manifest(folder)
    if manifest["vendor"] != conn.vendor:
        vendors = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(f"{vendors.get(manifest['vendor'], manifest['vendor'])} のバックアップは "
                          f"{vendors.get(conn.vendor, conn.vendor)} のデータベースには復元できません。")
    manifest = verify_backup(folder)
    _check_migrations(manifest)
    existing = _target_tables(conn)
    if existing and not force:
        raise BackupError(f"復元先のデータベースは空ではありません（テーブル {len(existing)} 個）。"
                          "今のデータを消して置き換えるときだけ --force を付けてください。")
    data = folder / manifest["files"][0]["name"]
    if conn.vendor == "sqlite":
        _sqlite_restore(conn, data)
    else:
        _pg_restore(conn, data, existing)
    restored = table_rows(conn)
    if restored != manifest["rows"]:
        differ = sorted(t for t in set(restored) | set(manifest["rows"])
                        if restored.get(t) != manifest["rows"].get(t))
        raise BackupError(f"復元後の件数がバックアップと一致しません（{'、'.join(differ[:5])}）。"
                          "復元先を確かめ、もう一度 --force を付けて復元してください。")
    # Changes made after the backup are gone: the trail says from which backup the database was put back.
    record(None, Action.IMPORT, "ops.Backup", [], purpose="バックアップからの復元",
           detail={"backup": folder.name, "created_at": manifest.get("created_at", "")})
    return manifest


def _sqlite_restore(conn: BaseDatabaseWrapper, data: Path) -> None:
    name = str(conn.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("メモリ上の SQLite データベースには復元できません。")
    target = Path(name)
    conn.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Read from a copy so that the backup itself is never opened for writing.
        copy = Path(tmp) / data.name
        shutil.copyfile(data, copy)
        source = sqlite3.connect(copy)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()


def _pg_drops(conn: BaseDatabaseWrapper) -> list[str]:
    """Statements that empty the current schema of what a restore creates: views, tables (with their
    sequences, indexes and triggers), other sequences and functions (the audit triggers' one among them)."""
    with conn.cursor() as cursor:
        cursor.execute("""
            SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                          CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                         WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm', 'r', 'p', 'S')
            ORDER BY CASE c.relkind WHEN 'v' THEN 0 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END, c.relname""")
        statements = [r[0] for r in cursor.fetchall()]
        cursor.execute("""
            SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', p.oid::regprocedure)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema()
              AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""")
        return statements + [r[0] for r in cursor.fetchall()]


def _pg_restore(conn: BaseDatabaseWrapper, data: Path, existing: list[str]) -> None:
    """pg_restore writes the dump as SQL into psql, which runs it after dropping the tables ``existing`` — all
    in one transaction, so a failure at any point leaves the database as it was."""
    restore, psql = pg_tool("pg_restore", conn), pg_tool("psql", conn)
    drops = _pg_drops(conn) if existing else []
    conn.close()
    env = _pg_env(conn)
    # Objects are owned by the role that restores (the owner role, see docs/deploy.md); grants to the app role
    # come from the database's default privileges, not from the dump, so a backup restores into a cluster whose
    # roles are named differently.
    with tempfile.TemporaryFile() as reader_err, tempfile.TemporaryFile() as writer_err:
        reader = subprocess.Popen([restore, "--no-owner", "--no-privileges", "--file=-", str(data)],  # noqa: S603  # argument list built here
                                  stdout=subprocess.PIPE, stderr=reader_err, env=env)
        writer = subprocess.Popen([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--no-password",  # noqa: S603  # argument list built here
                                   f"--dbname={conn.settings_dict['NAME']}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=writer_err, env=env)
        assert reader.stdout is not None and writer.stdin is not None  # noqa: S101  # both were opened as pipes
        try:
            writer.stdin.write(b"BEGIN;\n")
            for statement in drops:
                writer.stdin.write(statement.encode() + b";\n")
            shutil.copyfileobj(reader.stdout, writer.stdin, 1 << 20)
            reader.stdout.close()
            # Commit only once pg_restore has written the whole dump: a dump cut short must not be committed.
            if reader.wait() == 0:
                writer.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error and rolled back; its message is read below
        finally:
            reader.stdout.close()
            try:
                writer.stdin.close()
            except BrokenPipeError:
                pass
        reader.wait()
        writer.wait()
        for process, err, what in ((writer, writer_err, "psql"), (reader, reader_err, "pg_restore")):
            if process.returncode != 0:
                err.seek(0)
                lines = err.read().decode(errors="replace").strip().splitlines()
                raise BackupError(f"復元に失敗しました（{what} 終了コード {process.returncode}）。データベースは元のままです："
                                  f"{lines[-1] if lines else ''}")


def describe(manifest: dict[str, Any]) -> str:
    """One line about a backup for the commands' output."""
    created = manifest.get("created_at", "")
    try:
        created = datetime.datetime.fromisoformat(created).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        pass
    size = sum(int(f.get("bytes", 0)) for f in manifest["files"])
    return (f"{created} 作成、{manifest['vendor']} {manifest.get('server_version', '')}、"
            f"Kakehashi {manifest.get('app_version', '不明')}、テーブル {len(manifest['rows'])} 個・"
            f"{sum(manifest['rows'].values()):,} 行、{size / 1_048_576:.1f} MiB")
