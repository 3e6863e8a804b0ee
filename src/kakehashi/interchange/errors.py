"""What goes wrong in an import, said per cell: the file, the line, the column and why (in Japanese)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one file; ``line`` is the physical line (the header is line 1), 0 for the whole file;
    ``file`` empty for the import as a whole."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.file:  # about the import as a whole
            return self.message
        where = self.file
        if self.line:
            where += _(" %(line)d行目") % {"line": self.line}
        if self.column:
            where += _(" 「%(column)s」列") % {"column": self.column}
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """The import found bad rows and wrote nothing; ``errors`` lists every one of them."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("取込を中止しました（エラー %(count)d 件）。何も登録・更新していません。")
                         % {"count": len(errors)})
        self.errors = errors


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in Japanese."""
