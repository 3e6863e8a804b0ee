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

from kakehashi.engine.text import nfkc

from .errors import RowError

# Offices export both. UTF-8 is tried first and strictly: CP932 decodes almost any byte string without error,
# so trying it first would turn a UTF-8 file into mojibake instead of failing.
ENCODINGS = ("utf-8-sig", "cp932")


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

    @property
    def name(self) -> str:
        return self.path.name

    def rows(self, errors: list[RowError] | None = None) -> Iterator[Row]:
        """The data rows, blank ones skipped. A row longer than the header, or text that is not CSV, is
        reported into ``errors`` (when given) and skipped."""
        reader = csv.reader(io.StringIO(self.text, newline=""))
        width = len(self.columns)
        index = {c: i for i, c in reversed(list(enumerate(self.columns))) if c}
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
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield Row(start, cells, index)
        except csv.Error as e:
            if errors is not None:
                errors.append(RowError(self.name, reader.line_num, "", _("CSV として読めません（%(error)s）。")
                                       % {"error": e}))


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with ('utf-8', 'utf-8 (BOM)' or 'cp932'); raises
    UnicodeDecodeError when neither fits."""
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            return text, "utf-8 (BOM)" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        return text, encoding
    raise UnicodeDecodeError("cp932", data, 0, len(data), "neither UTF-8 nor CP932")


def read_csv(path: Path) -> CsvFile:
    """Decode the file and read its header. Column names are normalised (NFKC, trimmed, lower case) so that a
    header typed with full-width letters still matches; cells are kept as written, each column's parser
    normalises them."""
    result = CsvFile(path=path)
    try:
        result.text, result.encoding = decode(path.read_bytes())
    except UnicodeDecodeError:
        result.errors.append(RowError(path.name, 0, "", _(
            "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。")))
        return result
    except OSError as e:
        result.errors.append(RowError(path.name, 0, "", _("ファイルを読めません（%(error)s）。") % {"error": e}))
        return result
    try:
        header = next(csv.reader(io.StringIO(result.text, newline="")))
    except StopIteration:
        result.errors.append(RowError(path.name, 1, "", _("ヘッダー行がありません。")))
        return result
    except csv.Error as e:
        result.errors.append(RowError(path.name, 1, "", _("CSV として読めません（%(error)s）。") % {"error": e}))
        return result
    columns = [nfkc(c).lower() for c in header]
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            result.errors.append(RowError(path.name, 1, c, _("同じ名前の列が2つあります。")))
        seen.add(c)
    result.columns = columns
    return result
