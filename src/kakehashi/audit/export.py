"""The audit log as tables, for an audit or a person's disclosure request (``kakehashi audit export``).

Two tables over a period (days in the installation's time zone, both ends included), optionally narrowed to
one seeker:

- **events** (操作記録): who saw or changed what — every audit row, in chain order;
- **provisions** (第三者提供記録, APPI Art. 29's record of provision to a third party): every time a party
  saw a seeker's data on the ground of the seeker's consent (``AuditPerson.basis`` ``consent:<pk>``): when,
  the providing party (the seeker's holder: the agency kind that registered them, with the welfare office
  that referred them), the receiving agency and staff member, the person (by 求職者ID only: the export carries
  no more personal data than the record needs), what was shown, and the consent (its date, purpose, party,
  withdrawal).

Text cells go through ``core.spreadsheet.safe_cell``. Labels are in Japanese unless the export is asked for in
English (``--language en``): then the headers, sheets, labels and purposes are English (purposes are stored in
Japanese and said again as they are written out), and what people wrote stays as written.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kakehashi.accounts.models import Agency, AgencyKind, Role, Staff
from kakehashi.core.spreadsheet import csv_text, safe_cell

from .models import Action, AuditEvent, AuditPerson

EVENT_HEADERS = [gettext_noop("連番"), gettext_noop("日時"), gettext_noop("職員"), gettext_noop("機関"),
                 gettext_noop("役割"), gettext_noop("操作"), gettext_noop("対象"), gettext_noop("対象ID"),
                 gettext_noop("対象者（求職者ID）"), gettext_noop("目的"), gettext_noop("詳細")]
PROVISION_HEADERS = [gettext_noop("連番"), gettext_noop("提供日時"), gettext_noop("提供元"),
                     gettext_noop("提供先の機関"), gettext_noop("提供先の職員"), gettext_noop("求職者ID"),
                     gettext_noop("提供した記録"), gettext_noop("目的"), gettext_noop("同意日"),
                     gettext_noop("同意の目的"), gettext_noop("同意の相手"), gettext_noop("同意の撤回日")]
RECORDS = {"events": gettext_noop("操作記録"), "provisions": gettext_noop("第三者提供記録")}
BASIS = {"holder": gettext_noop("保有機関"), "referrer": gettext_noop("紹介元"),
         "administrator": gettext_noop("システム管理者")}
LANGUAGES = ("ja", "en")
CHUNK = 2000


class Writable(Protocol):
    def write(self, data: Any, /) -> Any: ...


@dataclass
class Query:
    """What to export: the days ``start``…``end`` (both included) and, for a disclosure report, one seeker."""

    start: datetime.date
    end: datetime.date
    seeker_pk: int | None = None

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        tz = timezone.get_default_timezone()
        lo = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        hi = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return lo, hi

    def events(self) -> QuerySet[AuditEvent]:
        lo, hi = self.bounds()
        qs = AuditEvent.objects.filter(at__gte=lo, at__lt=hi)
        if self.seeker_pk is not None:
            qs = qs.filter(pk__in=AuditPerson.objects.filter(seeker_id=self.seeker_pk).values("event_id"))
        return qs.order_by("seq")

    def provisions(self) -> QuerySet[AuditPerson]:
        lo, hi = self.bounds()
        qs = AuditPerson.objects.filter(basis__startswith="consent:", event__at__gte=lo, event__at__lt=hi)
        if self.seeker_pk is not None:
            qs = qs.filter(seeker_id=self.seeker_pk)
        return qs.select_related("event").order_by("event__seq", "seeker_id")


@dataclass
class _Names:
    """Labels looked up once per export (agencies, staff, models) or once per chunk (seekers, consents)."""

    agencies: dict[str, Agency] = field(default_factory=dict)
    agency_of_kind: dict[str, str] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)

    @classmethod
    def load(cls) -> _Names:
        names = cls()
        names.agencies = {a.code: a for a in Agency.objects.all()}
        by_kind: dict[str, list[str]] = {}
        for a in names.agencies.values():
            by_kind.setdefault(a.kind, []).append(a.shown_name)
        # A kind with one agency is named by it; several (two Hello Work offices) by the kind.
        names.agency_of_kind = {kind: found[0] if len(found) == 1 else str(AgencyKind(kind).label)
                                for kind, found in by_kind.items()}
        names.staff = {s.pk: f"{s.display_name or s.username}（{s.username}）" for s in Staff.objects.all()}
        return names

    def agency(self, code: str) -> str:
        a = self.agencies.get(code)
        return a.shown_name if a else code

    def model(self, label: str) -> str:
        if label not in self.models:
            try:
                self.models[label] = str(apps.get_model(label)._meta.verbose_name)
            except (LookupError, ValueError):
                self.models[label] = label
        return self.models[label]

    def staff_member(self, event: AuditEvent) -> str:
        if event.staff_id is None:
            return event.username or _("システム")
        return self.staff.get(event.staff_id, event.username)


def _local(at: datetime.datetime) -> datetime.datetime:
    """``at`` on the installation's clock, to the second, without a zone (spreadsheets keep none)."""
    return timezone.localtime(at).replace(tzinfo=None, microsecond=0)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _basis(basis: str) -> str:
    if basis.startswith("consent:"):
        return _("同意")
    return _(BASIS[basis]) if basis in BASIS else basis


def _purpose(purpose: str) -> str:
    """A stored purpose (Japanese) in the export's language."""
    return _(purpose) if purpose else ""


def _deleted(pk: int) -> str:
    return _("（削除済み %(pk)s）") % {"pk": pk}


def _chunks(qs: QuerySet[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for obj in qs.iterator(chunk_size=CHUNK):
        batch.append(obj)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _seekers(pks: Iterable[int]) -> dict[int, Any]:
    seeker = apps.get_model("seekers", "Seeker")
    return {s.pk: s for s in seeker.objects.filter(pk__in=set(pks)).select_related("referring_agency")}


def event_rows(query: Query, names: _Names) -> Iterator[list[Any]]:
    for batch in _chunks(query.events()):
        persons: dict[int, list[tuple[int, str]]] = {}
        for p in AuditPerson.objects.filter(event_id__in=[e.pk for e in batch]).order_by("event_id", "seeker_id"):
            persons.setdefault(p.event_id, []).append((p.seeker_id, p.basis))
        seekers = _seekers(pk for found in persons.values() for pk, _ in found)
        for e in batch:
            named = persons.get(e.pk, [])
            names.seen.update(pk for pk, _ in named)
            shown = _("、").join(
                (seekers[pk].seeker_id if pk in seekers else _deleted(pk))
                + (_("（%(basis)s）") % {"basis": _basis(basis)} if basis else "") for pk, basis in named)
            yield [e.seq, _local(e.at), names.staff_member(e), names.agency(e.agency), _label(Role, e.role),
                   _label(Action, e.action), names.model(e.model), ", ".join(str(i) for i in e.object_ids),
                   shown, _purpose(e.purpose), json.dumps(e.detail, ensure_ascii=False, sort_keys=True)]


def provision_rows(query: Query, names: _Names) -> Iterator[list[Any]]:
    consent_model = apps.get_model("seekers", "Consent")
    for batch in _chunks(query.provisions()):
        seekers = _seekers(p.seeker_id for p in batch)
        consent_pks = {int(pk) for p in batch if (pk := p.basis.partition(":")[2]).isdigit()}
        consents = {c.pk: c for c in consent_model.objects.filter(pk__in=consent_pks)}
        for p in batch:
            e = p.event
            names.seen.add(p.seeker_id)
            seeker = seekers.get(p.seeker_id)
            consent_pk = p.basis.partition(":")[2]
            consent = consents.get(int(consent_pk)) if consent_pk.isdigit() else None
            if seeker is not None:
                holder = names.agency_of_kind.get(seeker.registered_by, seeker.registered_by)
                if seeker.referring_agency is not None:
                    holder += _("（紹介元：%(agency)s）") % {"agency": seeker.referring_agency.shown_name}
                person_id = seeker.seeker_id
            else:
                holder, person_id = "", _deleted(p.seeker_id)
            shown = names.model(e.model) + (f" {', '.join(str(i) for i in e.object_ids)}" if e.object_ids else "")
            if consent is not None:
                agreed: list[Any] = [consent.given_on, str(consent.get_purpose_display()),
                                     str(consent.get_party_display()), consent.withdrawn_on]
            else:
                agreed = [None, _("（同意の記録 %(pk)s がありません）") % {"pk": consent_pk}, "", None]
            yield [e.seq, _local(e.at), holder, names.agency(e.agency), names.staff_member(e), person_id,
                   shown, _purpose(e.purpose), *agreed]


def write_csv(out: Writable, records: str, query: Query, names: _Names) -> int:
    """One table as CSV (UTF-8 with a BOM, which Excel needs to read it as UTF-8); returns the rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([_(h) for h in (EVENT_HEADERS if records == "events" else PROVISION_HEADERS)])
    rows = event_rows(query, names) if records == "events" else provision_rows(query, names)
    n = 0
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
        n += 1
    return n


def write_xlsx(out: Writable, query: Query, names: _Names) -> dict[str, int]:
    """Both tables, a sheet each; dates as dates. Returns the rows of each."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    counts = {}
    for records, headers, rows in (("events", EVENT_HEADERS, event_rows(query, names)),
                                   ("provisions", PROVISION_HEADERS, provision_rows(query, names))):
        ws = wb.create_sheet(_(RECORDS[records]))
        ws.freeze_panes = "A2"
        head = []
        for text in headers:
            cell = WriteOnlyCell(ws, value=_(text))
            cell.font = Font(bold=True)
            head.append(cell)
        ws.append(head)
        n = 0
        for row in rows:
            cells: list[Any] = []
            for value in row:
                if isinstance(value, datetime.date):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = ("yyyy-mm-dd hh:mm:ss" if isinstance(value, datetime.datetime)
                                          else "yyyy-mm-dd")
                    cells.append(cell)
                else:
                    cells.append(safe_cell(value))
            ws.append(cells)
            n += 1
        counts[records] = n
    wb.save(out)
    return counts


def export(out: Writable, fmt: str, records: str, query: Query,
           language: str = settings.LANGUAGE_CODE) -> tuple[dict[str, int], set[int]]:
    """Write the export to ``out`` (text for CSV, binary for xlsx) in ``language`` (Japanese unless asked);
    returns the rows of each table and the seekers it names."""
    with translation.override(language):
        names = _Names.load()
        if fmt == "csv":
            counts = {records: write_csv(out, records, query, names)}
        else:
            counts = write_xlsx(out, query, names)
    return counts, names.seen
