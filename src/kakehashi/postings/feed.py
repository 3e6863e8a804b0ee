"""Hello Work's postings feed: the area's postings from a delimited file whose columns a mapping file names
(docs/interchange.md, 「ハローワーク求人情報の取込」).

The file is read as an interchange file is (``kakehashi.interchange``: the encoding detected, each cell read by
the same parsers, every bad row named, nothing written unless every row is good), through ``FeedPostings``, a
``Kind`` whose columns are the feed's own names. What is particular to the feed:

- postings are upserted by 求人番号 and stored with ``source`` ``feed`` and never as developed postings: they are
  searched and matched like any posting, but no count of postings developed or opened here takes them;
- a 求人番号 that the desk registered itself (``source`` ``local``) is left as it is, with a warning;
- an employer the database does not know by its 事業所番号 is registered as a minimal record marked as from the
  feed (its number, the name and industry the feed gives, 分類不能 when it gives none, and the place of work's
  postal code when the feed gives no address of its own), for the desk to complete;
- with ``full``, the feed's postings the file no longer carries are closed (``closes_on`` the day before the
  import); the desk's own postings are never touched.
"""

from __future__ import annotations

import datetime
import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.employers.models import Employer, Source
from kakehashi.engine.text import nfkc
from kakehashi.interchange import cells
from kakehashi.interchange.errors import ImportRejected, RowError
from kakehashi.interchange.kinds import Cells, Kind, Postings, Record, Run
from kakehashi.interchange.lookups import Lookups
from kakehashi.interchange.reading import CsvFile, read_csv
from kakehashi.interchange.writing import among, chunks
from kakehashi.seekers.models import WageUnit

from .models import EmploymentType, Posting

DEFAULT_MAPPING = Path(__file__).resolve().parent / "feeds" / "hellowork.json"
# The fields a feed must carry, and those it may.
REQUIRED = ("posting_id", "employer_id", "received_on", "occupation", "openings", "postal_code")
OPTIONAL = (
    "employer_name",
    "industry",
    "title",
    "description",
    "town",
    "wage_min",
    "wage_max",
    "wage_unit",
    "employment",
    "hours",
    "required_qualifications",
    "closes_on",
    "trial_employment_ok",
    "experience_required",
    "experience_not_required",
)
# The industry of an employer the feed names without one: JSIC's 分類不能の産業 (middle group 99).
UNKNOWN_INDUSTRY = "99"


class MappingError(ValueError):
    """A mapping file that cannot be used; the message says why, in Japanese."""


@dataclass(frozen=True)
class Mapping:
    """A feed's layout: the column holding each field, the delimiter, and the feed's words for coded values
    (雇用形態「パート労働者」→ ``part_time``)."""

    layout: str
    columns: dict[str, str]
    delimiter: str = ","
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Mapping:
        """Read a mapping file, JSON or TOML (by its suffix); the default is the shipped Hello Work layout."""
        path = Path(path or DEFAULT_MAPPING)
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (OSError, UnicodeDecodeError) as e:
            raise MappingError(
                _("対応表ファイル %(path)s を読めません（%(error)s）。") % {"path": path, "error": e}
            ) from None
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
            raise MappingError(
                _("対応表ファイル %(path)s の書式が正しくありません（%(error)s）。")
                % {"path": path, "error": e}
            ) from None
        columns = data.get("columns") if isinstance(data, dict) else None
        if not isinstance(columns, dict) or not all(isinstance(v, str) and v for v in columns.values()):
            raise MappingError(
                _("対応表ファイル %(path)s に「columns」（項目名→列名）がありません。") % {"path": path}
            )
        unknown = sorted(set(columns) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            raise MappingError(
                _("対応表ファイルの項目 %(names)s は使えません（使える項目：%(known)s）。")
                % {"names": "、".join(unknown), "known": "、".join(REQUIRED + OPTIONAL)}
            )
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise MappingError(
                _("対応表ファイルに必須の項目 %(names)s の列がありません。") % {"names": "、".join(missing)}
            )
        delimiter = data.get("delimiter", ",")
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise MappingError(_("区切り文字「delimiter」は 1 文字で指定してください。"))
        values = data.get("values", {})
        if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
            raise MappingError(_("対応表ファイルの「values」は項目ごとの対応（値→コード）で書いてください。"))
        return cls(
            layout=str(data.get("layout", path.stem)),
            columns={name: nfkc(column).lower() for name, column in columns.items()},
            delimiter=delimiter,
            values={name: {nfkc(k): str(v) for k, v in table.items()} for name, table in values.items()},
        )


class FeedPostings(Kind):
    """The rows of a feed as postings: the columns are the feed's own (``Mapping.columns``), so every error
    names the column as the file does."""

    name = "feed"
    label = "ハローワーク求人"
    model = Posting
    key = "posting_id"
    lookups = {**Postings.lookups, "hours": "hours"}
    references = {"employer_id": "employers"}

    def __init__(self, file: CsvFile, run: Run, mapping: Mapping, site_id: int) -> None:
        self.mapping = mapping
        self.site_id = site_id
        self.col = mapping.columns
        self.required = tuple(self.col[n] for n in REQUIRED)  # type: ignore[misc]  # per feed, not per class
        self.optional = tuple(self.col[n] for n in OPTIONAL if n in self.col)  # type: ignore[misc]
        super().__init__(file, run)
        # (line, 求人番号) of the desk's own postings that the feed names
        self.local: list[tuple[int, str]] = []
        self.employers: dict[str, dict[str, Any]] = {}  # 事業所番号 → what the feed says of the employer
        self.carried: set[str] = set()
        self.employment = self.coded("employment", EmploymentType)
        self.wage_unit = self.coded("wage_unit", WageUnit)

    def coded(self, name: str, choices: type[Any]) -> Callable[[str], str]:
        """The reader of a coded cell: the feed's word for it (``Mapping.values``), or the code or its
        Japanese label."""
        table = self.mapping.values.get(name, {})

        def parse(value: str) -> str:
            return cells.choice(table.get(nfkc(value), value), choices)

        return parse

    def parse(self, c: Cells) -> Record | None:
        col = self.col
        v: dict[str, Any] = {"site_id": self.site_id, "source": Source.FEED.value, "developed": False}
        key = c.put(v, "posting_id", col["posting_id"], cells.identifier, required=True)
        employer = c.put(v, "employer_id", col["employer_id"], cells.identifier, required=True)
        c.put(v, "received_on", col["received_on"], c.date, required=True)
        occupation = c.read(col["occupation"], self.occupation, required=True)
        if isinstance(occupation, tuple):
            middle, written = occupation
            v["occupation_id"] = middle
            v["occupation_minor"] = written if written != middle else ""
        c.put(v, "openings", col["openings"], cells.integer, *self.bounds("openings", 1), required=True)
        # without a town column ("" names none), the postal code alone places the work
        self.put_place(c, v, self.col["postal_code"], self.col.get("town", ""), town_length=200)
        for name in ("title", "hours"):
            if name in col:
                c.put(v, name, col[name], cells.text, self.max_length(name), empty="")
        if "description" in col:
            c.put(v, "description", col["description"], lambda s: cells.text(s, normalise=False), empty="")
        if "employment" in col:
            c.put(
                v,
                "employment",
                col["employment"],
                self.employment,
                empty=EmploymentType.FULL_TIME.value,
            )
        if "wage_unit" in col:
            c.put(
                v,
                "wage_unit",
                col["wage_unit"],
                self.wage_unit,
                empty=WageUnit.MONTH.value,
            )
        for name in ("wage_min", "wage_max"):
            if name in col:
                c.put(v, name, col[name], cells.integer, *self.bounds(name))
        if "required_qualifications" in col:
            c.put(v, "required_qualifications", col["required_qualifications"], _qualifications, empty=[])
        if "trial_employment_ok" in col:
            c.put(v, "trial_employment_ok", col["trial_employment_ok"], cells.flag, empty=False)
        if "experience_required" in col:
            c.put(v, "experience_required", col["experience_required"], cells.flag, empty=False)
        elif "experience_not_required" in col:
            # 経験不問: 1 says no experience is needed; an empty cell says nothing, read as not required
            waived = c.read(col["experience_not_required"], cells.flag, empty=True)
            if isinstance(waived, bool):
                v["experience_required"] = not waived
        if "closes_on" in col:
            c.put(v, "closes_on", col["closes_on"], c.date)
        self.read_employer(c, employer)
        return Record(c.row.line, key, v) if c.ok else None

    def read_employer(self, c: Cells, employer: Any) -> None:
        """What the row says of its employer, kept for registering one the database does not know (the first
        row naming an employer is the one used)."""
        if not isinstance(employer, str) or employer in self.employers:
            return
        info: dict[str, Any] = {"line": c.row.line, "name": "", "industry": ""}
        if "employer_name" in self.col:
            name = c.read(self.col["employer_name"], cells.text, self.employer_max("name"), empty="")
            info["name"] = name if isinstance(name, str) else ""
        if "industry" in self.col:
            info["industry"] = c.row.get(self.col["industry"])
        self.employers[employer] = info

    @staticmethod
    def employer_max(name: str) -> int | None:
        return Employer._meta.get_field(name).max_length  # type: ignore[union-attr]  # a concrete field

    def compare(self, records: list[Record]) -> None:
        """As an interchange file's rows, except that a 求人番号 the desk registered itself is left alone."""
        keys = [r.key for r in records]
        self.carried.update(keys)
        local: set[str] = set()
        for chunk in chunks(keys):
            local.update(
                Posting.objects.filter(among("posting_id", chunk), source=Source.LOCAL).values_list(
                    "posting_id", flat=True
                )
            )
        if local:
            self.local += [(r.line, r.key) for r in records if r.key in local]
            records = [r for r in records if r.key not in local]
        super().compare(records)

    def complete(self, record: Record, effective: dict[str, Any], stored: dict[str, Any] | None) -> None:
        Postings.complete(self, record, effective, stored)  # type: ignore[arg-type]  # the same cross-cell rules

    def error(self, line: int, column: str, message: str) -> None:
        # the rules written for the interchange name its columns; a feed's error names the feed's column
        super().error(line, self.col.get(column, column), message)


def _qualifications(value: str) -> list[str]:
    """必要な資格 as the feed lists them: separated by 「;」, 「、」 or line breaks."""
    text = nfkc(value).replace("、", ";").replace(",", ";").replace("\n", ";")
    return cells.items(text)


@dataclass
class FeedResult:
    """What one import of the feed did."""

    file: str
    encoding: str
    rows: int
    created: int
    updated: int
    unchanged: int
    closed: int
    employers_created: int
    local_skipped: int
    warnings: list[str]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _register_employers(kind: FeedPostings, run: Run) -> int:
    """Find each employer the rows name; register the unknown ones as minimal records from the feed. Returns
    how many were registered. An unreadable industry is an error of the row that first named the employer."""
    wanted = sorted(kind.employers)
    found: dict[str, int] = {}
    for chunk in chunks(wanted):
        found.update(Employer.objects.filter(among("employer_id", chunk)).values_list("employer_id", "pk"))
    postings_of = {r.values["employer_id"]: r for r in kind.new}
    postings_of.update({r.values["employer_id"]: r for _pk, r, _kids in kind.changed})
    # only employers of postings to be written: a row left alone (the desk's own posting) registers no one
    new = [e for e in wanted if e not in found and e in postings_of]
    plans: list[tuple[str, str, dict[str, Any]]] = []
    industries = run.lookups.industries
    for employer_id in new:
        info = kind.employers[employer_id]
        industry = nfkc(info["industry"]).upper() if info["industry"] else UNKNOWN_INDUSTRY
        if industry not in industries:
            kind.error(
                info["line"],
                kind.col.get("industry", ""),
                _("産業コード「%(code)s」は日本標準産業分類（第14回改定）にありません。")
                % {"code": cells.shown(industry)},
            )
            continue
        plans.append((employer_id, industry, postings_of[employer_id].values))
    if run.errors:
        return 0
    for employer_id, industry, posting in plans:
        name = kind.employers[employer_id]["name"] or _("事業所番号 %(number)s") % {"number": employer_id}
        employer = Employer(
            employer_id=employer_id,
            name=name,
            industry_id=industry,
            source=Source.FEED,
            postal_code=posting.get("postal_code", ""),
            town_id=posting.get("town_id"),
            lat=posting.get("lat"),
            lng=posting.get("lng"),
        )
        employer.save()
        found[employer_id] = employer.pk
    run.pks["employers"] = found
    return len(plans)


def _close_missing(carried: set[str], today: datetime.date) -> int:
    """Close the feed's postings the file no longer carries: no longer open from ``today`` (their 紹介期限 the
    day before, or their day of receipt when that is later). Already closed ones are left as they are."""
    yesterday = today - datetime.timedelta(days=1)
    closed = 0
    gone = (
        Posting.objects.filter(source=Source.FEED)
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .values_list("pk", "posting_id", "received_on")
    )
    for pk, posting_id, received_on in list(gone):
        if posting_id in carried:
            continue
        Posting.objects.filter(pk=pk).update(closes_on=max(yesterday, received_on))
        closed += 1
    return closed


def site_for(code: str | None, mapping_site: str | None = None) -> int:
    """The site the feed's postings are kept at: the one named, else the installation's only site."""
    sites = Lookups.load().sites
    chosen = code or mapping_site
    if chosen:
        if chosen not in sites:
            raise MappingError(
                _("拠点コード「%(code)s」は登録されていません（登録済み：%(known)s）。")
                % {"code": chosen, "known": "、".join(sorted(sites))}
            )
        return sites[chosen]
    if len(sites) == 1:
        return next(iter(sites.values()))
    if not sites:
        raise MappingError(
            _("拠点が登録されていません。先に kakehashi installation FILE を実行してください。")
        )
    raise MappingError(
        _("求人を受理した拠点を --site で指定してください（%(known)s）。")
        % {"known": "、".join(sorted(sites))}
    )


@transaction.atomic
def do_import_feed(
    path: Path,
    mapping: Mapping,
    *,
    site_id: int,
    full: bool = False,
    acting_user: Any = None,
    progress: bool = False,
    today: datetime.date | None = None,
) -> FeedResult:
    """Import the feed file at ``path`` laid out as ``mapping``, as one transaction.

    Raises ``ImportRejected`` naming every bad row, having written nothing. Re-importing the same file changes
    nothing. With ``full`` the file is the whole feed: the feed's postings it does not carry are closed. One
    audit row records what the import did (``acting_user`` None: the system)."""
    started = time.perf_counter()
    run = Run(Lookups.load(), progress=progress)
    if today is not None:
        run.today = today
    kind = FeedPostings(read_csv(Path(path), delimiter=mapping.delimiter), run, mapping, site_id)
    kind.check_header()
    kind.raw_keys()
    kind.validate()
    employers_created = _register_employers(kind, run) if not run.errors else 0
    if run.errors:
        raise ImportRejected(sorted(run.errors, key=lambda e: (e.line, e.column)))
    counts = kind.write()
    closed = _close_missing(kind.carried | {key for _line, key in kind.local}, run.today) if full else 0
    warnings = run.all_warnings()
    if kind.local:
        lines = "、".join(str(line) for line, _key in kind.local[:5]) + (
            _(" ほか") if len(kind.local) > 5 else ""
        )
        warnings.append(
            _(
                "%(file)s %(lines)s行目（%(count)s 件）: この窓口で登録した求人と同じ求人番号のため、"
                "取り込まずにそのままにしました。"
            )
            % {"file": kind.file.name, "lines": lines, "count": f"{len(kind.local):,}"}
        )
    result = FeedResult(
        file=kind.file.name,
        encoding=kind.file.encoding,
        rows=counts.created + counts.updated + counts.unchanged + len(kind.local),
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        closed=closed,
        employers_created=employers_created,
        local_skipped=len(kind.local),
        warnings=warnings,
        seconds=round(time.perf_counter() - started, 2),
    )
    record(
        acting_user,
        Action.IMPORT,
        Posting,
        purpose=N_("ハローワーク求人情報の取込"),
        detail={
            "file": result.file,
            "layout": mapping.layout,
            "encoding": result.encoding,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "closed": result.closed,
            "employers_created": employers_created,
            "full": full,
            "by": acting_user.get_username() if acting_user is not None else "system",
        },
    )
    return result


__all__ = [
    "DEFAULT_MAPPING",
    "FeedPostings",
    "FeedResult",
    "Mapping",
    "MappingError",
    "RowError",
    "do_import_feed",
    "site_for",
]
