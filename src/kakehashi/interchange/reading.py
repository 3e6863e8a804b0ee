"""Reading an interchange CSV file: detect its encoding, read its header, then hand out its rows one at a time,
each remembering the line it starts on."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kakehashi.engine.text import nfkc, shown

from .cells import CONTROL
from .errors import RowError

# Offices export both. UTF-8 is tried first and strictly: CP932 decodes almost any byte string without error,
# so trying it first would turn a UTF-8 file into mojibake instead of failing.
ENCODINGS = ("utf-8-sig", "cp932")
# A UTF-8 file that fails to decode after this many correctly encoded non-ASCII characters is a damaged UTF-8
# file, not a CP932 one: CP932 text almost never passes as UTF-8 for even one character.
UTF8_EVIDENCE = 3
# Files that people give in place of a CSV: what they are, by their first bytes.
NOT_CSV = (
    (b"PK\x03\x04", gettext_lazy("ZIP 形式（Excel の .xlsx を含む）")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("Excel 97-2003 形式（.xls）")),
    (b"%PDF", "PDF"),
    (b"\x1f\x8b", gettext_lazy("gzip 圧縮")),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
# Python's csv messages, said in Japanese.
CSV_ERRORS = (
    ("unexpected end of data", gettext_lazy(
        "引用符（\"）が閉じられないままファイルが終わっています。ファイルが途中で切れていないか確かめてください")),
    ("expected after", gettext_lazy("引用符（\"）で囲んだ値の後に、区切りの「,」でない文字があります")),
    ("field larger than field limit", gettext_lazy("1 つのセルが長すぎます（%(limit)s 文字まで）")),
)


class NotCsv(ValueError):
    """The bytes are not a CSV file in an encoding the interchange accepts; the message says why, in Japanese."""


def _csv_error(e: csv.Error) -> str:
    for english, japanese in CSV_ERRORS:
        if english in str(e):
            return str(japanese) % {"limit": f"{csv.field_size_limit():,}"}
    return _("CSV として読めません（%(error)s）") % {"error": e}


class Row:
    """One data row: the text of each cell, looked up by column name ('' when the column is missing).

    Cells are kept in a list beside one shared column index, not a dict per row."""

    __slots__ = ("line", "values", "index")

    def __init__(self, line: int, values: list[str], index: dict[str, int]) -> None:
        self.line = line
        self.values = values
        self.index = index

    def get(self, column: str) -> str:
        i = self.index.get(column)
        return self.values[i] if i is not None else ""


@dataclass
class CsvFile:
    """A decoded file and its header (column names normalised). Its rows are read on demand, so that a
    200,000-row file is never held as 200,000 lists at once; problems of the file itself (undecodable bytes,
    a repeated column) are in ``errors``."""

    path: Path
    encoding: str = ""
    text: str = ""
    columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Whether any cell may hold a control character: the text is searched once, so that the cells of the
    # files that have none (nearly all) need not be checked one by one.
    has_controls: bool = False
    # The interchange files are comma-separated; a feed's layout may name another delimiter (a tab).
    delimiter: str = ","

    @property
    def name(self) -> str:
        return self.path.name

    def rows(self, errors: list[RowError] | None = None) -> Iterator[Row]:
        """The data rows, blank ones skipped. A row longer than the header, or text that is not CSV, is
        reported into ``errors`` (when given) and skipped. So is a last row with fewer cells than the header
        when the file does not end with a line break: a file cut short, whose last row would otherwise be
        imported with its last cells empty."""
        reader = csv.reader(io.StringIO(self.text, newline=""), strict=True, delimiter=self.delimiter)
        width = len(self.columns)
        index = {c: i for i, c in reversed(list(enumerate(self.columns))) if c}
        held: Row | None = None  # each row is handed out once the next one shows it was not the last
        held_short = False
        try:
            if next(reader, None) is None:
                return
            line = reader.line_num + 1
            for cells in reader:
                # A quoted cell may span lines; a row is reported at the line it starts on.
                start, line = line, reader.line_num + 1
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > width and any(c.strip() for c in cells[width:]):
                    if errors is not None:
                        errors.append(RowError(self.name, start, "", _(
                            "列の数（%(cells)d）がヘッダー（%(width)d）より多くなっています。")
                            % {"cells": len(cells), "width": width}))
                    continue
                short = len(cells) < width
                if short:
                    cells += [""] * (width - len(cells))
                if held is not None:
                    yield held
                held, held_short = Row(start, cells, index), short
        except csv.Error as e:
            if errors is not None:
                errors.append(RowError(self.name, reader.line_num, "", _csv_error(e) + "。"))
            return
        if held is None:
            return
        if held_short and not self.text.endswith(("\n", "\r")):
            if errors is not None:
                errors.append(RowError(self.name, held.line, "", _(
                    "最後の行の列が足りず、ファイルが改行で終わっていません。ファイルが途中で切れていないか"
                    "確かめてください。")))
            return
        yield held


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with ('utf-8', 'utf-8 (BOM)' or 'cp932').

    Raises ``NotCsv`` (a Japanese message) for a file of another kind (a ZIP or an Excel workbook, a PDF,
    UTF-16), for a UTF-8 file damaged part-way (cut in the middle of a character, or a byte that is not UTF-8
    after text that clearly is), and UnicodeDecodeError when the bytes are neither UTF-8 nor CP932."""
    for magic, kind in NOT_CSV:
        if data.startswith(magic):
            raise NotCsv(_("CSV ファイルではありません（%(kind)s のファイルです）。表計算ソフトで開き、"
                           "「CSV UTF-8」または「CSV（コンマ区切り）」で保存し直してください。") % {"kind": kind})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        evidence = sum(1 for b in data[:e.start] if 0xC0 <= b <= 0xF4)  # lead bytes of the characters read
        if e.end == len(data) and e.reason == "unexpected end of data":
            raise NotCsv(_("ファイルが文字の途中で終わっています（UTF-8）。ファイルが途中で切れていないか"
                           "確かめてください。")) from None
        if evidence >= UTF8_EVIDENCE:
            raise NotCsv(_("UTF-8 のファイルの %(line)d 行目に、UTF-8 として正しくないバイトがあります"
                           "（ファイルが壊れているか、文字コードが混ざっています）。")
                         % {"line": _line_of(data, e.start)}) from None
    else:
        return text, "utf-8 (BOM)" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError:
        raise UnicodeDecodeError("cp932", data, 0, len(data), "neither UTF-8 nor CP932") from None


def read_csv(path: Path, delimiter: str = ",") -> CsvFile:
    """Decode the file and read its header. Column names are normalised (NFKC, trimmed, lower case) so that a
    header typed with full-width letters still matches; cells are kept as written, each column's parser
    normalises them."""
    result = CsvFile(path=path, delimiter=delimiter)
    try:
        result.text, result.encoding = decode(path.read_bytes())
    except NotCsv as e:
        result.errors.append(RowError(path.name, 0, "", str(e)))
        return result
    except UnicodeDecodeError:
        result.errors.append(RowError(path.name, 0, "", _(
            "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。")))
        return result
    except OSError as e:
        result.errors.append(RowError(path.name, 0, "", _("ファイルを読めません（%(error)s）。") % {"error": e}))
        return result
    try:
        header = next(csv.reader(io.StringIO(result.text, newline=""), strict=True, delimiter=delimiter))
    except StopIteration:
        result.errors.append(RowError(path.name, 1, "", _("ヘッダー行がありません。")))
        return result
    except csv.Error as e:
        result.errors.append(RowError(path.name, 1, "", _csv_error(e) + "。"))
        return result
    result.has_controls = CONTROL.search(result.text) is not None
    columns = [nfkc(c).lower() for c in header]
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            result.errors.append(RowError(path.name, 1, shown(c), _("同じ名前の列が2つあります。")))
        seen.add(c)
    result.columns = columns
    return result
