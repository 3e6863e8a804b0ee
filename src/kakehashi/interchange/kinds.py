"""The six interchange files: how each row is read, checked, compared with what is stored, and written.

A file goes through three steps, and nothing is written until every file has passed the first two:

1. ``validate``: each row is read into a ``Record`` (the model's field values, keyed by attname, plus child
   rows such as desired occupations). A chunk at a time, the stored rows with the same ids are loaded, rules
   across cells are checked against the values the row would end up with, and each record is sorted into
   new, changed or unchanged; the stored values are then let go.
2. the run looks up the ids rows refer to that the import itself does not bring (``actions``).
3. ``write``: new rows are inserted and changed ones updated, a batch of rows per statement; unchanged rows
   are not written at all, so their ``updated_at`` stays; child rows are replaced only where they differ.

A column the file does not have leaves the stored field as it is; an empty cell sets it to unknown.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from kakehashi.accounts.models import AgencyKind
from kakehashi.core.search import search_key_of
from kakehashi.employers.models import Employer, EmployerVisit, Source, VisitMethod, VisitParty
from kakehashi.plans.models import Target
from kakehashi.postings.models import EmploymentType, Posting
from kakehashi.reference.loaders import normalise_postal_code
from kakehashi.referrals.models import REASONS_FOR, Outcome, Referral
from kakehashi.seekers.models import (
    Consent,
    ConsentPurpose,
    DesiredOccupation,
    EmploymentWish,
    Experience,
    ReferredBy,
    Seeker,
    WageUnit,
)

from . import cells
from .errors import CellError, RowError
from .lookups import Lookups
from .reading import CsvFile, Row
from .writing import among, chunk_size, chunks, field_of, insert_rows, update_rows

# Files shorter than this finish before a progress bar would be read.
PROGRESS_FROM = 10_000


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ABSENT = _Marker("ABSENT")  # the file has no such column
INVALID = _Marker("INVALID")  # the cell could not be read; the error is recorded


@dataclass(slots=True)
class Record:
    """One row as it is to be stored: field values by attname (references to other interchange records by
    their id, resolved to primary keys when written) and child rows by name."""

    line: int
    key: Any
    values: dict[str, Any]
    children: dict[str, Any] = field(default_factory=dict)
    # Cells whose meaning depends on the stored row (seekers only; None elsewhere, to spare a dict a row).
    cells: dict[str, Any] | None = None


@dataclass(slots=True)
class Stored:
    """A row already in the database: its primary key and its comparable values."""

    pk: int
    values: dict[str, Any]


@dataclass
class Counts:
    """What writing one file did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Reference:
    """A cell naming another interchange record by id (``employer_id`` of a posting)."""

    kind: str
    key: str
    file: str
    line: int
    column: str


@dataclass
class Notice:
    """Rows of one file that a warning is about: the lines (the first few), how many, and what is said."""

    message: str
    lines: list[int] = field(default_factory=list)
    count: int = 0


# How many line numbers a warning lists before it says "and others".
NOTICE_LINES = 5


@dataclass
class Run:
    """What the files of one import share: the reference data, the errors so far, the ids each file brings,
    the references to check, the primary key of every id once known, and the warnings."""

    lookups: Lookups
    progress: bool = False
    errors: list[RowError] = field(default_factory=list)
    keys: dict[str, set[str]] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)  # to ids outside the import
    pks: dict[str, dict[Any, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Warnings about rows, gathered by (file, column, what): one line each in the summary, with a count.
    notices: dict[tuple[str, str, str], Notice] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the cell being read had to say (``cells.date``)
    today: datetime.date = field(default_factory=timezone.localdate)

    def notice(self, file: str, line: int, column: str, what: str, message: str) -> None:
        """A row imported as it is, with something to say about it (the first row's message is kept)."""
        found = self.notices.setdefault((file, column, what), Notice(message))
        found.count += 1
        if len(found.lines) < NOTICE_LINES:
            found.lines.append(line)

    def all_warnings(self) -> list[str]:
        """The file-wide warnings, then one line for each kind of row warning."""
        out = list(self.warnings)
        for (file, column, _what), n in self.notices.items():
            lines = "、".join(str(line) for line in n.lines) + (_(" ほか") if n.count > len(n.lines) else "")
            out.append(_("%(file)s 「%(column)s」列 %(lines)s行目（%(count)s 件）: %(message)s") % {
                "file": file, "column": column, "lines": lines, "count": f"{n.count:,}", "message": n.message})
        return out

    def bar(self, total: int, desc: str) -> tqdm[Any]:
        """A progress bar on stderr, for large files and only when asked for."""
        return tqdm(total=total, desc=desc, unit="行", leave=False, mininterval=0.5,
                    disable=not self.progress or total < PROGRESS_FROM)


class Cells:
    """Reading the cells of one row; every problem becomes a ``RowError`` naming the row and the column."""

    def __init__(self, row: Row, kind: Kind) -> None:
        self.row = row
        self.kind = kind
        self.ok = True

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self.kind.run.errors.append(RowError(self.kind.file.name, self.row.line, column, message))

    def read(self, column: str, parse: Callable[..., Any], *args: Any, empty: Any = None,
             required: bool = False) -> Any:
        """The parsed cell; ``empty`` for an empty cell; ABSENT without the column; INVALID after an error."""
        i = self.row.index.get(column)
        if i is None:
            return ABSENT
        raw = self.row.values[i]
        if not raw or raw.isspace():
            if required:
                self.error(column, _("必須の項目が空欄です。"))
                return INVALID
            return empty
        try:
            if self.kind.file.has_controls:
                cells.check_characters(raw)
            value = parse(raw, *args)
        except CellError as e:
            self.error(column, str(e))
            return INVALID
        notes = self.kind.run.notes
        if notes:  # what the parser had to say about a value it read (an era date past the era's end)
            for note in notes:
                self.kind.run.notice(self.kind.file.name, self.row.line, column, "note", note)
            notes.clear()
        return value

    def date(self, value: str) -> datetime.date:
        """A date cell (``cells.date``); what it has to say about an era date becomes a warning."""
        return cells.date(value, self.kind.run.notes, today=self.kind.run.today)

    def put(self, values: dict[str, Any], name: str, column: str, parse: Callable[..., Any], *args: Any,
            empty: Any = None, required: bool = False) -> Any:
        value = self.read(column, parse, *args, empty=empty, required=required)
        if value is not ABSENT and value is not INVALID:
            values[name] = value
        return value

    def refer(self, values: dict[str, Any], name: str, column: str, kind: str, *,
              required: bool = False) -> None:
        """A cell naming another record by id; whether it exists is checked once all files are read."""
        key = self.put(values, name, column, cells.identifier, required=required)
        # Ids the import itself brings need no query; only the others are kept, to look up once at the end.
        if isinstance(key, str) and key not in self.kind.run.keys.get(kind, ()):
            self.kind.run.references.append(Reference(kind, key, self.kind.file.name, self.row.line, column))


@lru_cache(maxsize=4096)  # a city's rows share a few hundred postal codes
def _postal_code(value: str) -> str:
    code = normalise_postal_code(value)
    if not code:
        raise CellError(_("「%(value)s」は郵便番号として読めません（7桁の数字）。") % {"value": cells.shown(value)})
    return code


@cache
def _integer_bounds(model: type[models.Model], name: str, minimum: int | None) -> tuple[int, int]:
    low, high = cells.integer_range(field_of(model, name))
    return (max(low, 0) if minimum is None else minimum), high


@cache
def _max_length(model: type[models.Model], name: str) -> int | None:
    return field_of(model, name).max_length


class Kind:
    """One interchange file. Subclasses declare the columns and how a row becomes field values."""

    name: ClassVar[str]
    label: ClassVar[str]
    model: ClassVar[type[models.Model]]
    key: ClassVar[str]  # the id column, also the model field it is stored in
    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]]
    # The fields an import may set (and any stored field its rules read), as attnames, each with the lookup that
    # reads its stored value. A reference to another interchange record is compared by that record's id, not by
    # primary key.
    lookups: ClassVar[dict[str, str]]
    references: ClassVar[dict[str, str]] = {}  # attname → kind it refers to

    def __init__(self, file: CsvFile, run: Run) -> None:
        self.file = file
        self.run = run
        self.readable = True
        self.rows = 0
        self.new: list[Record] = []
        self.changed: list[tuple[int, Record, dict[str, Any]]] = []  # pk, record, stored children
        self.unchanged = 0
        self.known: dict[Any, int] = {}  # id → primary key of the stored rows this file names
        self.defaults = {name: field_of(self.model, name).get_default() for name in self.lookups}

    def error(self, line: int, column: str, message: str) -> None:
        self.run.errors.append(RowError(self.file.name, line, column, message))

    def bounds(self, name: str, minimum: int | None = None) -> tuple[int, int]:
        """The integers field ``name`` takes from a file: from ``minimum`` (default 0: no count or amount is
        negative) to the most both databases store in it (``cells.integer_range``)."""
        return _integer_bounds(self.model, name, minimum)

    def max_length(self, name: str) -> int | None:
        return _max_length(self.model, name)

    # -- step 1 ----------------------------------------------------------------------------------------

    def check_header(self) -> None:
        """Every required column present (one error naming each missing one); unknown columns are ignored
        with a warning, since the contract lets the project add optional columns."""
        self.run.errors.extend(self.file.errors)
        if self.file.errors and not self.file.columns:
            self.readable = False
            return
        known = set(self.required) | set(self.optional)
        missing = [c for c in self.required if c not in self.file.columns]
        if len(missing) * 2 > len(self.required):
            # Most of the required columns missing: another kind of file, or not a CSV of ours at all. One error
            # says so, rather than one per column.
            self.error(1, "", _("見出し行に%(label)sの必須の列の多くがありません（ない列：%(missing)s）。"
                                "%(file)s は%(label)sのファイルではないか、壊れています。")
                       % {"label": self.label, "file": self.file.name, "missing": "、".join(missing)})
            self.readable = False
            return
        for column in missing:
            self.error(1, column, _("必須の列「%(column)s」がありません。") % {"column": column})
            self.readable = False
        for column in self.file.columns:
            if column and column not in known:
                self.run.warnings.append(_("%(file)s: 列「%(column)s」は使われないため無視しました。")
                                         % {"file": self.file.name, "column": cells.shown(column)})

    def raw_keys(self) -> set[str]:
        """The ids this file brings, read before any row is checked, so that another file may refer to them
        (and the number of rows, for the progress bar)."""
        keys = set()
        has_key = bool(self.key) and self.key in self.file.columns
        for row in self.file.rows():
            self.rows += 1
            if has_key:
                try:
                    key = cells.identifier(row.get(self.key))
                except CellError:
                    continue
                if key:
                    keys.add(key)
        return keys

    def validate(self) -> None:
        """Read every row, and compare the good ones with the stored rows, a chunk at a time."""
        if not self.readable:
            return
        seen: dict[Any, int] = {}
        pending: list[Record] = []
        size = chunk_size()
        with self.run.bar(self.rows, _("%(file)s 検証") % {"file": self.file.name}) as bar:
            for row in self.file.rows(self.run.errors):
                c = Cells(row, self)
                record = self.parse(c)
                bar.update()
                if record is None or not c.ok:
                    continue
                if record.key in seen:
                    self.error(row.line, self.key or self.required[-1],
                               _("%(line)d 行目と同じ行です（キーが重複しています）。") % {"line": seen[record.key]})
                    continue
                seen[record.key] = row.line
                pending.append(record)
                if len(pending) == size:
                    self.compare(pending)
                    pending = []
            self.compare(pending)
        self.file.text = ""

    def compare(self, records: list[Record]) -> None:
        """Sort records into new, changed and unchanged against the stored rows with the same ids. The stored
        values are dropped once compared, so a re-import of 300,000 rows holds only what changed."""
        stored = self.load_stored([r.key for r in records])
        children = self.load_children([s.pk for s in stored.values()])
        for record in records:
            row = stored.get(record.key)
            self.complete(record, {**self.defaults, **(row.values if row else {}), **record.values},
                          row.values if row else None)
            if row is None:
                self.new.append(record)
                continue
            self.known[record.key] = row.pk
            kids = children.get(row.pk, {})
            if (any(value != row.values[name] for name, value in record.values.items())
                    or self.children_differ(record, kids)):
                self.changed.append((row.pk, record, kids))
            else:
                self.unchanged += 1

    def parse(self, c: Cells) -> Record | None:
        raise NotImplementedError

    def complete(self, record: Record, effective: dict[str, Any], stored: dict[str, Any] | None) -> None:
        """Rules across cells, checked on the values the row will have once stored (a column the file lacks
        keeps its stored value); may set values that depend on the stored ones (``stored``: None for a new row)."""

    def load_stored(self, keys: list[Any]) -> dict[Any, Stored]:
        names = list(self.lookups)
        lookups = [self.lookups[n] for n in names]
        stored = {}
        for chunk in chunks(keys):
            for pk, key, *values in self.model._default_manager.filter(among(self.key, chunk)).values_list(
                    "pk", self.key, *lookups):
                stored[key] = Stored(pk, dict(zip(names, values, strict=True)))
        return stored

    def put_place(self, c: Cells, values: dict[str, Any], postal_column: str = "postal_code",
                  town_column: str = "town", town_length: int = 80) -> None:
        """The postal code, and from it (and the town, when given) the town and its coordinates."""
        code = c.read(postal_column, _postal_code, required=True)
        town = c.read(town_column, cells.text, town_length, empty="")
        if not isinstance(code, str) or town is INVALID:
            return
        place = self.run.lookups.place(code, town if isinstance(town, str) else "")
        if place is None:
            c.error(postal_column, _("郵便番号「%(code)s」は存在しません。") % {"code": code})
            return
        values.update(postal_code=code, **place.fields())

    def site(self, value: str) -> int:
        code = cells.text(value)
        try:
            return self.run.lookups.sites[code]
        except KeyError:
            raise CellError(_("拠点コード「%(code)s」は登録されていません（登録済み：%(known)s）。")
                            % {"code": cells.shown(code), "known": "、".join(sorted(self.run.lookups.sites))}) from None

    def occupation(self, value: str) -> tuple[str, str]:
        return cells.occupation(value, self.run.lookups.occupations)

    def occupations(self, value: str) -> tuple[str, ...]:
        """';'-separated occupation codes → their middle groups, first mention first, each once."""
        codes: list[str] = []
        for item in cells.items(value):
            middle, _written = self.occupation(item)
            if middle not in codes:
                codes.append(middle)
        return tuple(codes)

    # -- step 3 ----------------------------------------------------------------------------------------

    def load_children(self, pks: list[int]) -> dict[int, dict[str, Any]]:
        return {}

    def write_children(self, records: list[tuple[int, Record, dict[str, Any] | None]]) -> None:
        """Children of new rows (stored children None) and of changed rows."""

    def children_differ(self, record: Record, stored: dict[str, Any]) -> bool:
        return any(record.children[name] != stored.get(name) for name in record.children)

    def resolved(self, values: dict[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for name, kind in self.references.items():
            if out.get(name) is not None:
                out[name] = self.run.pks[kind][out[name]]
        return out

    def write(self) -> Counts:
        new, changed = self.new, self.changed
        with self.run.bar(len(new) + len(changed), _("%(file)s 書込") % {"file": self.file.name}) as bar:
            insert_rows(self.model, (self.resolved(r.values) for r in new), bar)
            update_rows(self.model, [(pk, self.resolved(r.values)) for pk, r, _kids in changed], bar)
        created = self.load_pks([r.key for r in new])
        pks = self.run.pks.setdefault(self.name, {})
        pks.update(self.known)
        pks.update(created)
        if self.key:  # targets, keyed by their fields, have no children and nothing refers to them
            fresh: list[tuple[int, Record, dict[str, Any] | None]] = [(created[r.key], r, None) for r in new]
            self.write_children(fresh + list(changed))
        counts = Counts(created=len(new), updated=len(changed), unchanged=self.unchanged)
        self.new, self.changed = [], []
        return counts

    def load_pks(self, keys: list[Any]) -> dict[Any, int]:
        """The primary keys of rows just inserted (the inserts do not return them, see ``insert_rows``)."""
        if not keys or not self.key:
            return {}
        pks: dict[Any, int] = {}
        for chunk in chunks(keys):
            pks.update(self.model._default_manager.filter(among(self.key, chunk)).values_list(self.key, "pk"))
        return pks


def _replace_children(model: type[models.Model], parent: str, pks: Iterable[int],
                      rows: list[dict[str, Any]]) -> None:
    for chunk in chunks(list(pks)):
        model._default_manager.filter(among(parent, chunk)).delete()
    insert_rows(model, rows)


class Employers(Kind):
    name = "employers"
    label = "事業所"
    model = Employer
    key = "employer_id"
    required = ("employer_id", "name", "industry", "postal_code")
    optional = ("town", "employees", "center_member", "phone")
    lookups = {"employer_id": "employer_id", "name": "name", "industry_id": "industry_id",
               "postal_code": "postal_code", "town_id": "town_id", "lat": "lat", "lng": "lng",
               "employees": "employees", "center_member": "center_member", "phone": "phone",
               # read, not set by the file: the search key follows the name, reading and phone (``core.search``)
               "name_kana": "name_kana", "search_key": "search_key"}

    def industry(self, value: str) -> str:
        code = cells.text(value).upper()
        if code not in self.run.lookups.industries:
            raise CellError(_("産業コード「%(code)s」は日本標準産業分類（第14回改定）にありません。")
                            % {"code": cells.shown(code)})
        return code

    def parse(self, c: Cells) -> Record | None:
        v: dict[str, Any] = {}
        key = c.put(v, "employer_id", "employer_id", cells.identifier, required=True)
        c.put(v, "name", "name", cells.text, self.max_length("name"), required=True)
        c.put(v, "industry_id", "industry", self.industry, required=True)
        self.put_place(c, v)
        c.put(v, "employees", "employees", cells.integer, *self.bounds("employees"))
        c.put(v, "center_member", "center_member", cells.flag, empty=False)
        c.put(v, "phone", "phone", cells.text, self.max_length("phone"), empty="")
        return Record(c.row.line, key, v) if c.ok else None

    def complete(self, record: Record, effective: dict[str, Any], stored: dict[str, Any] | None) -> None:
        # The rows are written in SQL of the import's own (``writing``), which no ``save`` sees.
        key = search_key_of(Employer, effective)
        if stored is None or key != stored["search_key"]:
            record.values["search_key"] = key


class Seekers(Kind):
    name = "seekers"
    label = "求職者"
    model = Seeker
    key = "seeker_id"
    required = ("seeker_id", "site", "registered_on", "postal_code", "desired_occupations")
    optional = ("birth_year", "town", "desired_employment", "min_wage", "wage_unit", "max_commute_km",
                "qualifications", "experience", "welfare_recipient", "referred_by", "consent_share", "note",
                # added by this project (docs/interchange.md): who registered the seeker, which agency referred
                "registered_by", "referring_agency")
    lookups = {"seeker_id": "seeker_id", "site_id": "site_id", "registered_on": "registered_on",
               "registered_by": "registered_by", "birth_year": "birth_year", "postal_code": "postal_code",
               "town_id": "town_id", "lat": "lat", "lng": "lng", "desired_employment": "desired_employment",
               "min_wage": "min_wage", "wage_unit": "wage_unit", "max_commute_km": "max_commute_km",
               "qualifications": "qualifications", "welfare_recipient": "welfare_recipient",
               "referred_by": "referred_by", "referring_agency_id": "referring_agency_id", "note": "note"}
    SHARED_WITH = frozenset({AgencyKind.HELLO_WORK.value, AgencyKind.CITY.value})

    def experience(self, value: str) -> tuple[tuple[str, float], ...]:
        """'073:10;095:2.5' → ((073, 10.0), (095, 2.5)), sorted by code."""
        years: dict[str, float] = {}
        for item in cells.items(value):
            code, sep, amount = item.partition(":")
            if not sep:
                raise CellError(_("「%(item)s」は「職業コード:年数」の形で書いてください（例：073:10;095:2）。")
                                % {"item": cells.shown(item)})
            middle, _written = self.occupation(code)
            if middle in years:
                raise CellError(_("職業コード「%(code)s」が2回書かれています。") % {"code": middle})
            years[middle] = cells.number(amount)
        return tuple(sorted(years.items()))

    def agency(self, value: str) -> tuple[int, str]:
        code = cells.text(value)
        try:
            return self.run.lookups.agencies[code]
        except KeyError:
            raise CellError(_("機関コード「%(code)s」は登録されていません。") % {"code": cells.shown(code)}) from None

    def parse(self, c: Cells) -> Record | None:
        v: dict[str, Any] = {}
        children: dict[str, Any] = {}
        key = c.put(v, "seeker_id", "seeker_id", cells.identifier, required=True)
        c.put(v, "site_id", "site", self.site, required=True)
        c.put(v, "registered_on", "registered_on", c.date, required=True)
        self.put_place(c, v)
        desired = c.read("desired_occupations", self.occupations, required=True)
        if isinstance(desired, tuple):
            children["desired"] = desired
        c.put(v, "birth_year", "birth_year", cells.integer, 1900, self.run.today.year)
        c.put(v, "desired_employment", "desired_employment", cells.choice, EmploymentWish,
              empty=EmploymentWish.ANY.value)
        c.put(v, "min_wage", "min_wage", cells.integer, *self.bounds("min_wage"))
        c.put(v, "wage_unit", "wage_unit", cells.choice, WageUnit, empty=WageUnit.MONTH.value)
        c.put(v, "max_commute_km", "max_commute_km", cells.number)
        c.put(v, "qualifications", "qualifications", cells.items, empty=[])
        experience = c.read("experience", self.experience, empty=())
        if isinstance(experience, tuple):
            children["experience"] = experience
        c.put(v, "welfare_recipient", "welfare_recipient", cells.flag, empty=False)
        c.put(v, "referred_by", "referred_by", cells.choice, ReferredBy, empty=ReferredBy.SELF.value)
        consent = c.read("consent_share", cells.flag, empty=False)
        if isinstance(consent, bool):
            children["consents"] = self.SHARED_WITH if consent else frozenset()
        c.put(v, "note", "note", partial(cells.text, normalise=False), empty="")
        later = {
            "registered_by": c.read("registered_by", cells.choice, AgencyKind,
                                    (AgencyKind.CITY.value, AgencyKind.HELLO_WORK.value)),
            "referring_agency": c.read("referring_agency", self.agency),
        }
        return Record(c.row.line, key, v, children, later) if c.ok else None

    def complete(self, record: Record, effective: dict[str, Any], stored: dict[str, Any] | None) -> None:
        if stored is None:
            # A new seeker is found by their id until a desk adds the name (the file has none), and the rows are
            # written in SQL of the import's own (``writing``), which no ``save`` sees.
            record.values["search_key"] = search_key_of(Seeker, effective)
        referred_by = effective["referred_by"]
        later = record.cells or {}
        registered_by = later.get("registered_by", ABSENT)
        if isinstance(registered_by, str):
            record.values["registered_by"] = registered_by
        elif stored is None or stored["referred_by"] != referred_by:
            # The agency that holds the record: the city for the people its own desks and its welfare office
            # send, Hello Work for those who came to it or on their own. Decided when the seeker is new or
            # their referrer changes, never flipped otherwise: it decides who sees the record.
            record.values["registered_by"] = (
                AgencyKind.CITY.value if referred_by in (ReferredBy.CITY, ReferredBy.WELFARE_OFFICE)
                else AgencyKind.HELLO_WORK.value)

        agency = later.get("referring_agency", ABSENT)
        if isinstance(agency, tuple):
            pk, kind = agency
            if referred_by == ReferredBy.SELF or kind != referred_by:
                self.error(record.line, "referring_agency", _(
                    "紹介元機関の種別（%(kind)s）が紹介元「%(referred_by)s」と合いません。")
                    % {"kind": kind, "referred_by": referred_by})
                return
            record.values["referring_agency_id"] = pk
            return
        # Not given: a welfare referral needs a welfare office (the one already recorded, else the first the
        # installation lists); a welfare office cannot be the referrer of anyone else.
        offices = self.run.lookups.welfare_offices
        current = effective["referring_agency_id"]
        if referred_by == ReferredBy.WELFARE_OFFICE and current not in offices:
            if not offices:
                self.error(record.line, "referred_by", _(
                    "福祉事務所が機関として登録されていません（kakehashi installation で登録してください）。"))
                return
            record.values["referring_agency_id"] = offices[0]
        elif referred_by != ReferredBy.WELFARE_OFFICE and current in offices:
            record.values["referring_agency_id"] = None

    def load_children(self, pks: list[int]) -> dict[int, dict[str, Any]]:
        desired: dict[int, list[str]] = {}
        experience: dict[int, list[tuple[str, float]]] = {}
        consents: dict[int, set[str]] = {}
        for chunk in chunks(pks):
            for seeker, code in DesiredOccupation.objects.filter(among("seeker_id", chunk)).order_by(
                    "seeker_id", "rank").values_list("seeker_id", "occupation_id"):
                desired.setdefault(seeker, []).append(code)
            for seeker, code, years in Experience.objects.filter(among("seeker_id", chunk)).values_list(
                    "seeker_id", "occupation_id", "years"):
                experience.setdefault(seeker, []).append((code, years))
            for seeker, party in Consent.objects.filter(among("seeker_id", chunk), purpose=ConsentPurpose.SHARE
                                                        ).values_list("seeker_id", "party"):
                consents.setdefault(seeker, set()).add(party)
        return {pk: {"desired": tuple(desired.get(pk, ())), "experience": tuple(sorted(experience.get(pk, ()))),
                     "consents": frozenset(consents.get(pk, ()))} for pk in pks}

    def children_differ(self, record: Record, stored: dict[str, Any]) -> bool:
        for name, value in record.children.items():
            if name == "consents":
                # The import records consent given; it never withdraws one (see docs/interchange.md).
                if value - stored.get("consents", frozenset()):
                    return True
            elif value != stored.get(name):
                return True
        return False

    def write_children(self, records: list[tuple[int, Record, dict[str, Any] | None]]) -> None:
        desired_pks, desired = [], []
        experience_pks, experiences = [], []
        consents = []
        for pk, record, stored in records:
            old = stored or {}
            if "desired" in record.children and record.children["desired"] != old.get("desired"):
                if stored is not None:  # a new seeker has nothing to replace
                    desired_pks.append(pk)
                desired += [{"seeker_id": pk, "occupation_id": code, "rank": rank}
                            for rank, code in enumerate(record.children["desired"], start=1)]
            if "experience" in record.children and record.children["experience"] != old.get("experience"):
                if stored is not None:
                    experience_pks.append(pk)
                experiences += [{"seeker_id": pk, "occupation_id": code, "years": years}
                                for code, years in record.children["experience"]]
            missing = record.children.get("consents", frozenset()) - old.get("consents", frozenset())
            # Sharing between the city and Hello Work at the joint desk, from the day of registration.
            consents += [{"seeker_id": pk, "party": party, "purpose": ConsentPurpose.SHARE.value,
                          "given_on": record.values.get("registered_on") or timezone.localdate()}
                         for party in sorted(missing)]
        _replace_children(DesiredOccupation, "seeker_id", desired_pks, desired)
        _replace_children(Experience, "seeker_id", experience_pks, experiences)
        insert_rows(Consent, consents)


class Postings(Kind):
    name = "postings"
    label = "求人"
    model = Posting
    key = "posting_id"
    required = ("posting_id", "employer_id", "site", "received_on", "occupation", "openings", "postal_code")
    optional = ("title", "description", "employment", "wage_min", "wage_max", "wage_unit", "town",
                "required_qualifications", "experience_required", "trial_employment_ok", "developed", "closes_on")
    lookups = {"posting_id": "posting_id", "employer_id": "employer__employer_id", "site_id": "site_id",
               "received_on": "received_on", "closes_on": "closes_on", "occupation_id": "occupation_id",
               "occupation_minor": "occupation_minor", "openings": "openings", "employment": "employment",
               "wage_min": "wage_min", "wage_max": "wage_max", "wage_unit": "wage_unit",
               "postal_code": "postal_code", "town_id": "town_id", "lat": "lat", "lng": "lng",
               "required_qualifications": "required_qualifications",
               "experience_required": "experience_required", "trial_employment_ok": "trial_employment_ok",
               "developed": "developed", "title": "title", "description": "description",
               # read, not set by the file: a posting read from Hello Work's feed is never a developed one
               "source": "source"}
    references = {"employer_id": "employers"}

    def parse(self, c: Cells) -> Record | None:
        v: dict[str, Any] = {}
        key = c.put(v, "posting_id", "posting_id", cells.identifier, required=True)
        c.refer(v, "employer_id", "employer_id", "employers", required=True)
        c.put(v, "site_id", "site", self.site, required=True)
        c.put(v, "received_on", "received_on", c.date, required=True)
        occupation = c.read("occupation", self.occupation, required=True)
        if isinstance(occupation, tuple):
            middle, written = occupation
            v["occupation_id"] = middle
            v["occupation_minor"] = written if written != middle else ""
        c.put(v, "openings", "openings", cells.integer, *self.bounds("openings", 1), required=True)
        self.put_place(c, v)
        c.put(v, "title", "title", cells.text, self.max_length("title"), empty="")
        c.put(v, "description", "description", partial(cells.text, normalise=False), empty="")
        c.put(v, "employment", "employment", cells.choice, EmploymentType, empty=EmploymentType.FULL_TIME.value)
        c.put(v, "wage_min", "wage_min", cells.integer, *self.bounds("wage_min"))
        c.put(v, "wage_max", "wage_max", cells.integer, *self.bounds("wage_max"))
        c.put(v, "wage_unit", "wage_unit", cells.choice, WageUnit, empty=WageUnit.MONTH.value)
        c.put(v, "required_qualifications", "required_qualifications", cells.items, empty=[])
        for flag in ("experience_required", "trial_employment_ok", "developed"):
            c.put(v, flag, flag, cells.flag, empty=False)
        c.put(v, "closes_on", "closes_on", c.date)
        return Record(c.row.line, key, v) if c.ok else None

    def complete(self, record: Record, effective: dict[str, Any], stored: dict[str, Any] | None) -> None:
        low, high = effective["wage_min"], effective["wage_max"]
        if low is not None and high is not None and low > high:
            self.error(record.line, "wage_max", _("賃金の上限（%(high)s）が下限（%(low)s）より小さくなっています。")
                       % {"high": high, "low": low})
        if effective["developed"] and effective["source"] == Source.FEED:
            self.error(record.line, "developed", _("ハローワーク求人情報から取り込んだ求人は開拓求人にできません。"))
        closes, received = effective["closes_on"], effective["received_on"]
        if closes is not None and received is not None and closes < received:
            self.error(record.line, "closes_on", _("紹介期限（%(closes)s）が受理日（%(received)s）より前です。")
                       % {"closes": closes, "received": received})


class Visits(Kind):
    name = "visits"
    label = "事業所訪問"
    model = EmployerVisit
    key = "visit_id"
    required = ("visit_id", "employer_id", "visited_on", "by")
    optional = ("method", "hiring_need_occupations", "hiring_need_openings", "for_seeker_id",
                "resulting_posting_id", "note")
    lookups = {"visit_id": "visit_id", "employer_id": "employer__employer_id", "visited_on": "visited_on",
               "by": "by", "method": "method", "hiring_need_openings": "hiring_need_openings",
               "for_seeker_id": "for_seeker__seeker_id", "resulting_posting_id": "resulting_posting__posting_id",
               "note": "note"}
    references = {"employer_id": "employers", "for_seeker_id": "seekers", "resulting_posting_id": "postings"}
    through = EmployerVisit.hiring_need_occupations.through

    def parse(self, c: Cells) -> Record | None:
        v: dict[str, Any] = {}
        children: dict[str, Any] = {}
        key = c.put(v, "visit_id", "visit_id", cells.identifier, required=True)
        c.refer(v, "employer_id", "employer_id", "employers", required=True)
        c.put(v, "visited_on", "visited_on", c.date, required=True)
        c.put(v, "by", "by", cells.choice, VisitParty, required=True)
        c.put(v, "method", "method", cells.choice, VisitMethod, empty=VisitMethod.VISIT.value)
        needs = c.read("hiring_need_occupations", self.occupations, empty=())
        if isinstance(needs, tuple):
            children["occupations"] = tuple(sorted(needs))
        c.put(v, "hiring_need_openings", "hiring_need_openings", cells.integer, *self.bounds("hiring_need_openings"))
        c.refer(v, "for_seeker_id", "for_seeker_id", "seekers")
        c.refer(v, "resulting_posting_id", "resulting_posting_id", "postings")
        c.put(v, "note", "note", partial(cells.text, normalise=False), empty="")
        return Record(c.row.line, key, v, children) if c.ok else None

    def load_children(self, pks: list[int]) -> dict[int, dict[str, Any]]:
        codes: dict[int, list[str]] = {}
        for chunk in chunks(pks):
            for visit, code in self.through.objects.filter(among("employervisit_id", chunk)).values_list(
                    "employervisit_id", "occupation_id"):
                codes.setdefault(visit, []).append(code)
        return {pk: {"occupations": tuple(sorted(codes.get(pk, ())))} for pk in pks}

    def write_children(self, records: list[tuple[int, Record, dict[str, Any] | None]]) -> None:
        pks, rows = [], []
        for pk, record, stored in records:
            if "occupations" in record.children and record.children["occupations"] != (stored or {}).get(
                    "occupations"):
                if stored is not None:
                    pks.append(pk)
                rows += [{"employervisit_id": pk, "occupation_id": code} for code in record.children["occupations"]]
        _replace_children(self.through, "employervisit_id", pks, rows)


class Referrals(Kind):
    name = "referrals"
    label = "職業紹介"
    model = Referral
    key = "referral_id"
    required = ("referral_id", "seeker_id", "posting_id", "referred_on")
    optional = ("outcome", "outcome_on", "trial_employment")
    lookups = {"referral_id": "referral_id", "seeker_id": "seeker__seeker_id",
               "posting_id": "posting__posting_id", "referred_on": "referred_on", "outcome": "outcome",
               "outcome_on": "outcome_on", "trial_employment": "trial_employment", "reason": "reason",
               "interview_on": "interview_on"}
    references = {"seeker_id": "seekers", "posting_id": "postings"}

    def parse(self, c: Cells) -> Record | None:
        v: dict[str, Any] = {}
        key = c.put(v, "referral_id", "referral_id", cells.identifier, required=True)
        c.refer(v, "seeker_id", "seeker_id", "seekers", required=True)
        c.refer(v, "posting_id", "posting_id", "postings", required=True)
        c.put(v, "referred_on", "referred_on", c.date, required=True)
        c.put(v, "outcome", "outcome", cells.choice, Outcome, empty=Outcome.PENDING.value)
        c.put(v, "outcome_on", "outcome_on", c.date)
        c.put(v, "trial_employment", "trial_employment", cells.flag, empty=False)
        return Record(c.row.line, key, v) if c.ok else None

    def complete(self, record: Record, effective: dict[str, Any], stored: dict[str, Any] | None) -> None:
        """The referral's own rules (``Referral.clean_outcome``, as for a record from another system: a date is
        required for a hire only). A non-hire outcome without a date is stored with the date unknown, and the
        summary says how many."""
        outcome, outcome_on = effective["outcome"], effective["outcome_on"]
        reason = effective["reason"]
        if reason and reason not in REASONS_FOR.get(outcome, ()):
            # The desk's reason for a rejection no longer fits once the file says the outcome is another.
            record.values["reason"] = reason = ""
        for name, message in Referral.outcome_problems(
                outcome=outcome, outcome_on=outcome_on, referred_on=effective["referred_on"],
                interview_on=effective["interview_on"], reason=reason, at_desk=False):
            # ``interview_on`` is the desk's: a file that moves the referral after it names ``referred_on``.
            self.error(record.line, name if name in self.optional else "referred_on", message)
        if outcome_on is None and outcome not in (Outcome.PENDING, Outcome.HIRED):
            self.run.notice(self.file.name, record.line, "outcome_on", "undated", _(
                "結果（不採用・辞退・取消）の結果日が空欄のため、結果日は不明として登録しました。"))


class Targets(Kind):
    name = "targets"
    label = "数値目標"
    model = Target
    key = ""  # a target is keyed by (site, fiscal year, indicator)
    required = ("fiscal_year", "site", "indicator", "target")
    optional = ()
    lookups = {"site_id": "site_id", "fiscal_year": "fiscal_year", "indicator_id": "indicator_id",
               "target": "target"}

    def indicator(self, value: str) -> int:
        key = cells.text(value)
        try:
            return self.run.lookups.indicators[key]
        except KeyError:
            raise CellError(_("指標「%(key)s」は登録されていません（登録済み：%(known)s）。")
                            % {"key": cells.shown(key), "known": "、".join(sorted(self.run.lookups.indicators))}) from None

    def parse(self, c: Cells) -> Record | None:
        v: dict[str, Any] = {}
        c.put(v, "fiscal_year", "fiscal_year", cells.fiscal_year, required=True)
        c.put(v, "site_id", "site", self.site, required=True)
        c.put(v, "indicator_id", "indicator", self.indicator, required=True)
        c.put(v, "target", "target", cells.integer, *self.bounds("target"), required=True)
        if not c.ok:
            return None
        return Record(c.row.line, (v["site_id"], v["fiscal_year"], v["indicator_id"]), v)

    def load_stored(self, keys: list[Any]) -> dict[Any, Stored]:
        # A few dozen rows a year: read them all, once.
        if not hasattr(self, "_all"):
            self._all = {(site, year, indicator): Stored(pk, {"site_id": site, "fiscal_year": year,
                                                              "indicator_id": indicator, "target": target})
                         for pk, site, year, indicator, target in Target.objects.values_list(
                             "pk", "site_id", "fiscal_year", "indicator_id", "target")}
        return self._all


KINDS: dict[str, type[Kind]] = {k.name: k for k in (Employers, Seekers, Postings, Visits, Referrals, Targets)}
ORDER = list(KINDS)  # the order in which files depend on each other
