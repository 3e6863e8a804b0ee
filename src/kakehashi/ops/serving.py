"""What ``kakehashi serve`` checks before the production server starts: the database answers, it is
PostgreSQL, every migration is applied, and the static files are collected. Each failure is a Japanese
message and the server does not start (systemd retries a unit that exits, and an upgrade that forgot
``kakehashi migrate`` shows why in ``journalctl -u kakehashi``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


class NotReady(Exception):
    """The server must not start; the message says why and what to do, in Japanese."""


def pending_migrations() -> list[str]:
    """The migrations of this version not yet applied to the database, as ``app.name``, in order."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def check_ready(*, require_postgresql: bool = True) -> None:
    """Raise ``NotReady`` when the production server must not start."""
    if require_postgresql and connection.vendor != "postgresql":
        raise NotReady("本番のサーバーは PostgreSQL で動かします。DATABASE_URL に postgres://… を設定してください"
                       "（SQLite での試用は make demo です）。")
    try:
        connection.ensure_connection()
        pending = pending_migrations()
    except DatabaseError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise NotReady(f"データベースに接続できません（{first}）。DATABASE_URL とデータベースの状態を確かめてください。"
                       ) from None
    if pending:
        more = f" ほか {len(pending) - 3} 件" if len(pending) > 3 else ""
        raise NotReady(
            f"データベースに未適用の移行が {len(pending)} 件あります（{'、'.join(pending[:3])}{more}）。"
            "このままではサーバーを起動しません。所有者ロールで kakehashi migrate を実行してから起動してください"
            "（docs/deploy.md の Upgrades）。")
    if not settings.STATIC_ROOT:
        raise NotReady("STATIC_ROOT が設定されていません。静的ファイルの置き場所を STATIC_ROOT に設定し、"
                       "kakehashi collectstatic --noinput を実行してください。")
    try:
        if isinstance(staticfiles_storage, ManifestFilesMixin):
            staticfiles_storage.stored_name("kakehashi/app.css")
    except ValueError:
        raise NotReady(f"STATIC_ROOT（{settings.STATIC_ROOT}）に静的ファイルが集められていないか、古いままです。"
                       "kakehashi collectstatic --noinput を実行してください。") from None
