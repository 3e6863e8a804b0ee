"""``kakehashi serve`` refuses to start, in Japanese, while migrations are pending, on SQLite, or without the
collected static files; once ready, the static files are served by the app with hashed names."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.templatetags.static import static
from django.test import Client

from kakehashi.ops.serving import NotReady, check_ready, pending_migrations


@pytest.fixture
def collected(tmp_path: Path, settings: Any) -> Path:
    """STATIC_ROOT filled by collectstatic with the production storage (hashed, compressed)."""
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path / "static"


def test_it_refuses_to_start_while_a_migration_is_pending(db: None, collected: Path) -> None:
    assert pending_migrations() == []
    check_ready(require_postgresql=False)
    MigrationRecorder.Migration.objects.filter(app="ops", name="0001_job_runs").delete()
    assert pending_migrations() == ["ops.0001_job_runs"]
    with pytest.raises(NotReady, match=r"未適用の移行が 1 件あります（ops\.0001_job_runs）。.*kakehashi migrate"):
        check_ready(require_postgresql=False)


def test_it_refuses_without_collected_static_files(db: None, settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = None
    with pytest.raises(NotReady, match="STATIC_ROOT が設定されていません"):
        check_ready(require_postgresql=False)
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    with pytest.raises(NotReady, match="collectstatic"):
        check_ready(require_postgresql=False)


def test_production_serves_on_postgresql_only(db: None, collected: Path) -> None:
    if connection.vendor == "postgresql":
        check_ready()
        out = io.StringIO()
        call_command("serve", "--check", stdout=out)
        assert "起動できます" in out.getvalue()
    else:
        with pytest.raises(CommandError, match="PostgreSQL で動かします.*make demo"):
            call_command("serve", "--check", stdout=io.StringIO())


def test_collected_files_have_hashed_names_and_compressed_copies(collected: Path) -> None:
    url = static("kakehashi/app.css")
    assert url.startswith("/static/kakehashi/app.") and url != "/static/kakehashi/app.css"
    name = url.removeprefix("/static/")
    assert (collected / name).is_file() and (collected / f"{name}.gz").is_file()
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
