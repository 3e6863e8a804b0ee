"""Importing interchange files (docs/interchange.md): all the files of one import in one transaction."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.planner import refresh_statistics

from .errors import ImportRejected, RowError
from .kinds import KINDS, ORDER, Kind, Run
from .lookups import Lookups
from .reading import read_csv
from .writing import among, chunks


@dataclass
class FileResult:
    """What one file of an import did."""

    kind: str
    file: str
    encoding: str
    rows: int
    created: int
    updated: int
    unchanged: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ImportResult:
    files: list[FileResult]
    warnings: list[str]
    seconds: float


def files_in(directory: Path) -> list[tuple[str, Path]]:
    """The interchange files a directory holds, by their standard names (``seekers.csv`` …)."""
    return [(kind, directory / f"{kind}.csv") for kind in ORDER if (directory / f"{kind}.csv").is_file()]


def _check_references(run: Run) -> None:
    """Every id a row refers to is in the same import or already stored: the ids outside the import are
    looked up here, a chunk at a time."""
    wanted: dict[str, set[str]] = {}
    for ref in run.references:
        wanted.setdefault(ref.kind, set()).add(ref.key)
    for kind, keys in wanted.items():
        spec = KINDS[kind]
        found = run.pks.setdefault(kind, {})
        for chunk in chunks(sorted(keys)):
            found.update(spec.model._default_manager.filter(among(spec.key, chunk)).values_list(
                spec.key, "pk"))
    for ref in run.references:
        if ref.key not in run.pks[ref.kind]:
            run.errors.append(RowError(ref.file, ref.line, ref.column, _(
                "%(label)s「%(key)s」が見つかりません（登録済みのものにも、この取込の %(file)s にもありません）。")
                % {"label": KINDS[ref.kind].label, "key": ref.key, "file": f"{ref.kind}.csv"}))


# The files whose rows name a site: without the installation's sites, every one of their rows would be refused.
NEED_SITES = ("seekers", "postings", "targets")


@transaction.atomic
def do_import_files(files: Iterable[tuple[str, Path]], *, acting_user: Any,
                    progress: bool = False) -> ImportResult:
    """Import interchange files — ``(kind, path)`` pairs — as one transaction, in dependency order.

    Raises ``ImportRejected`` listing every bad row, having written nothing; a database without the
    installation's sites gets that one error instead of one per row. Rows equal to the stored ones are left
    untouched. One audit row per file records what it did (``acting_user`` None: the system). A database
    error while writing (a full disk) propagates, and the transaction leaves nothing behind.
    """
    started = time.perf_counter()
    files = sorted(files, key=lambda f: ORDER.index(f[0]))
    run = Run(Lookups.load(), progress=progress)
    if not run.lookups.sites and any(kind in NEED_SITES for kind, _path in files):
        raise ImportRejected([RowError("", 0, "", _(
            "拠点が登録されていません。先に kakehashi installation FILE を実行してください。"))])
    kinds: list[Kind] = []
    for kind, path in files:
        kinds.append(KINDS[kind](read_csv(Path(path)), run))
    timings: dict[str, float] = {}
    for k in kinds:
        k.check_header()
        run.keys[k.name] = k.raw_keys()
    for k in kinds:
        t = time.perf_counter()
        k.validate()
        timings[k.name] = time.perf_counter() - t
    _check_references(run)
    if run.errors:
        order = {k.file.name: i for i, k in enumerate(kinds)}
        raise ImportRejected(sorted(run.errors, key=lambda e: (order.get(e.file, 99), e.line)))

    results = []
    for k in kinds:
        t = time.perf_counter()
        counts = k.write()
        result = FileResult(kind=k.name, file=k.file.name, encoding=k.file.encoding,
                            rows=counts.created + counts.updated + counts.unchanged, created=counts.created,
                            updated=counts.updated, unchanged=counts.unchanged,
                            seconds=round(timings[k.name] + time.perf_counter() - t, 2))
        record(acting_user, Action.IMPORT, k.model, purpose=N_("データ連携ファイルの取込"), detail={
            "file": result.file, "kind": result.kind, "encoding": result.encoding, "rows": result.rows,
            "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "by": acting_user.get_username() if acting_user is not None else "system",
        })
        results.append(result)
    refresh_statistics(k.model for k in kinds)
    return ImportResult(results, run.all_warnings(), round(time.perf_counter() - started, 2))
