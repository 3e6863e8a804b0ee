"""Reading an interchange CSV file: detect its encoding, split it into rows that remember their line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from kakehashi.engine.text import nfkc

from .errors import RowError

# Offices export both. UTF-8 is tried first and strictly: CP932 decodes almost any byte string without error,
# so trying it first would turn a UTF-8 file into mojibake instead of failing.
ENCODINGS = ("utf-8-sig", "cp932")


class Row:
    """One data row: the text of each cell, looked up by column name ('' when the column or cell is missing).

    Cells are kept in a list beside one shared column index, not a dict per row: 200,000 rows of 20 columns
    would otherwise hold 200,000 dicts."""

    __slots__ = ("line", "values", "index")

    def __init__(self, line: int, values: list[str], index: dict[str, int]) -> None:
        self.line = line
        self.values = values
        self.index = index

    def get(self, column: str) -> str:
        i = self.index.get(column)
        return self.values[i] if i is not None and i < len(self.values) else ""


@dataclass
class CsvFile:
    """A file read into memory: its header (normalised column names), its rows, and problems of the file
    itself (undecodable bytes, a repeated column, a row longer than the header)."""

    path: Path
    encoding: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with; raises UnicodeDecodeError when neither fits."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("cp932", data, 0, len(data), "neither UTF-8 nor CP932")


def read_csv(path: Path) -> CsvFile:
    """Read the whole file. Column names are normalised (NFKC, trimmed, lower case) so that a header typed
    with full-width letters still matches; cells are kept as written, each column's parser normalises."""
    result = CsvFile(path=path)
    try:
        text, result.encoding = decode(path.read_bytes())
    except UnicodeDecodeError:
        result.errors.append(RowError(path.name, 0, "", _(
            "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。")))
        return result
    except OSError as e:
        result.errors.append(RowError(path.name, 0, "", _("ファイルを読めません（%(error)s）。") % {"error": e}))
        return result

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
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
    index = {c: i for i, c in reversed(list(enumerate(columns))) if c}

    width = len(columns)
    line = reader.line_num + 1
    try:
        for cells in reader:
            # A quoted cell may span lines; a row is reported at the line it starts on.
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                result.errors.append(RowError(path.name, start, "", _(
                    "列の数（%(cells)d）がヘッダー（%(width)d）より多くなっています。")
                    % {"cells": len(cells), "width": width}))
                continue
            result.rows.append(Row(start, cells, index))
    except csv.Error as e:
        result.errors.append(RowError(path.name, line, "", _("CSV として読めません（%(error)s）。") % {"error": e}))
    return result
