"""Every list of the staff interface as a file: CSV (UTF-8 with a BOM, or CP932 for older Excel) and xlsx.

A list declares its ``Table`` once (``core.tables``): the columns, each with its heading, how its value is read
from a record, its type and, for a field the policy governs, the field's name (``accounts.policy.FIELDS``). The
list's view hands the queryset it has filtered for the screen to ``exported``; with ``?format=csv``,
``csv-sjis`` or ``xlsx`` the answer is the file, otherwise ``None`` and the view goes on to render its page::

    if (download := exported(request, tables.SEEKERS, qs)) is not None:
        return download

What the file holds is what the screen would show, for every page at once:

- the rows of the filtered queryset, loaded through ``visible_to`` (the view's own), so cut to the user: a field
  hidden from a record (``accounts.viewing.present``) is an empty cell;
- a column whose field the user may never see (``policy.hidden_by_viewer``) is left out, heading and all;
- every text cell goes through ``core.spreadsheet.safe_cell`` (``=``, ``+``, ``-``, ``@`` never start a formula);
- numbers are numbers and dates are dates: the workbook's cells carry them with their number formats
  (``#,##0``, ``yyyy-mm-dd``), the CSV writes them as ``1234`` and ``2026-04-01``;
- the download is audited as 出力 (``Action.EXPORT``): the audit scope of the request (``audit.scope``) writes
  one row naming every person the file held, as it does for a page, with the format and the filters; a file of
  records that name no person (employers, postings, requests) writes one row of its own for the list's model.

CP932 cannot hold every character: the few that differ only in Unicode (WAVE DASH 〜 and its kin) are written as
the characters Excel shows for them; any other (𠮷, emoji) becomes 〓. The UTF-8 file and the workbook keep them.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kakehashi.accounts import policy
from kakehashi.audit import scope
from kakehashi.audit.log import record
from kakehashi.audit.models import Action

from .spreadsheet import csv_text, safe_cell

TEXT = "text"
INT = "int"
DATE = "date"
DATETIME = "datetime"
BOOL = "bool"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# ``?format=`` → (file extension, Content-Type)
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("csv", "text/csv; charset=utf-8"),
    "csv-sjis": ("csv", "text/csv; charset=Shift_JIS"),
    "xlsx": ("xlsx", XLSX_TYPE),
}
NUMBER_FORMATS = {INT: "#,##0", DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm:ss"}
WIDTHS = {INT: 10, DATE: 12, DATETIME: 19, BOOL: 8, TEXT: 18}
TRUE_MARK = "○"
CHUNK = 2000

# Unicode characters that CP932 holds under another code point (as Windows converts them), and the mark for a
# character it cannot hold at all.
CP932_SAME = str.maketrans({"\u301c": "\uff5e", "\u2016": "\u2225", "\u2212": "\uff0d", "\u00a2": "\uffe0",
                            "\u00a3": "\uffe1", "\u00ac": "\uffe2", "\u2014": "\u2015"})
GETA = "〓"


def _geta(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return GETA, error.end


codecs.register_error("kakehashi.geta", _geta)


@dataclass(frozen=True)
class Column:
    """One column: ``label`` its heading, ``value`` reads the cell from a record, ``kind`` its type (``TEXT``,
    ``INT``, ``DATE``, ``DATETIME``, ``BOOL``). ``field`` (``app.Model.field``) names the field the policy governs
    when the column shows one: the column is left out for a user who may never see that field."""

    label: Any
    value: Callable[[Any], Any]
    kind: str = TEXT
    field: str = ""
    width: int = 0

    def shown_to(self, user: Any) -> bool:
        if not self.field:
            return True
        label, _dot, name = self.field.rpartition(".")
        return policy.may_filter(user, label, name)


@dataclass(frozen=True)
class Table:
    """A list as a file: ``name`` starts the file's name, ``title`` names the sheet, ``model`` is the label the
    audit row names when the file holds no person's record."""

    name: str
    title: Any
    model: str
    columns: tuple[Column, ...]

    def columns_for(self, user: Any) -> list[Column]:
        return [c for c in self.columns if c.shown_to(user)]


def wanted_format(request: HttpRequest) -> str:
    return request.GET.get("format", "")


def exported(request: HttpRequest, table: Table, rows: Iterable[Any]) -> HttpResponse | None:
    """The file ``?format=`` asks for, of ``rows`` (the list's queryset as filtered for the screen, in its order);
    ``None`` when no file is asked for. An unknown format is a 400 with its reason."""
    fmt = wanted_format(request)
    if not fmt:
        return None
    if fmt not in FORMATS:
        return HttpResponse(_("形式は csv・csv-sjis・xlsx のいずれかです。"), status=400,
                            content_type="text/plain; charset=utf-8")
    user = request.user
    columns = table.columns_for(user)
    values = [[cell(c, record_) for c in columns] for record_ in _records(rows)]
    headings = [str(c.label) for c in columns]
    if fmt == "xlsx":
        content = to_xlsx(str(table.title), columns, headings, values)
    else:
        content = to_csv(headings, values, cp932=fmt == "csv-sjis")
    _audit(request, table, fmt, len(values))
    extension, content_type = FORMATS[fmt]
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{table.name}-{stamp}.{extension}"'
    return response


def _records(rows: Iterable[Any]) -> Iterator[Any]:
    if isinstance(rows, models.QuerySet):
        # in chunks: each is cut for the user and noted in the audit scope as it loads (``ViewerQuerySet``)
        yield from rows.iterator(chunk_size=CHUNK)
    else:
        yield from rows


def cell(column: Column, record_: Any) -> Any:
    """The cell's value in its type: None (an empty cell), an int, a date, a naive local datetime, or text."""
    value = column.value(record_)
    if value is None or value == "":
        return None
    kind = column.kind
    if kind == BOOL:
        return TRUE_MARK if value else None
    if kind == INT:
        return int(value)
    if kind == DATETIME:
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if kind == DATE:
        return value
    return str(value)


def to_csv(headings: list[str], values: list[list[Any]], *, cp932: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headings])
    for row in values:
        writer.writerow([csv_text(v) for v in row])
    text = buffer.getvalue()
    if cp932:
        return text.translate(CP932_SAME).encode("cp932", errors="kakehashi.geta")
    return codecs.BOM_UTF8 + text.encode("utf-8")


def to_xlsx(title: str, columns: list[Column], headings: list[str], values: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(title))
    ws.freeze_panes = "A2"
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width or WIDTHS.get(c.kind, 18)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF2F5")
    header = []
    for text in headings:
        h = WriteOnlyCell(ws, value=safe_cell(text))
        h.font, h.fill, h.alignment = bold, fill, Alignment(wrap_text=True, vertical="center")
        header.append(h)
    ws.append(header)
    formats = [NUMBER_FORMATS.get(c.kind) for c in columns]
    for row in values:
        cells = []
        for value, number_format in zip(row, formats, strict=True):
            if isinstance(value, str):
                # a control character cannot be stored in a workbook; it carries nothing a reader could see
                value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
            c = WriteOnlyCell(ws, value=value)
            if number_format and value is not None:
                c.number_format = number_format
            cells.append(c)
        ws.append(cells)
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(values) + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_title(title: str) -> str:
    """A worksheet's name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("・" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "Sheet1"


def _audit(request: HttpRequest, table: Table, fmt: str, count: int) -> None:
    filters = {k: v for k, v in request.GET.items() if k not in ("format", "page")}
    detail = {"format": fmt, "rows": count, "filters": filters}
    s = scope.current()
    if s is not None:
        s.export = True
        scope.add_detail(export=detail)
        if s.persons:
            return  # the scope's own row names them, as 出力, when the response goes out
    with transaction.atomic():
        record(request.user, Action.EXPORT, table.model, [], purpose=(s.purpose if s else "") or str(table.title),
               detail={"path": request.path, "export": detail})
