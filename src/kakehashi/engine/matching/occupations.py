"""The MHLW 2022 occupation classification, as the matcher needs it.

Postings and seekers name occupations by middle group (中分類, ``'073'``), optionally with a minor group
(小分類, ``'073-05'``). The matcher indexes by middle group and relates middle groups through their major group
(大分類, the first two digits of ``major_code`` in the classification file).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike

import numpy as np
import numpy.typing as npt

from .errors import MatchingError


@dataclass(frozen=True)
class Occupations:
    """Middle groups in a fixed order (their index is what the arrays hold) with their major groups and names."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    major_codes: tuple[str, ...]
    major_names: dict[str, str]
    _index: dict[str, int] = field(repr=False, compare=False)

    @classmethod
    def from_csv(cls, path: str | PathLike[str]) -> Occupations:
        """Read the classification file (columns ``major_code, major_name, middle_code, middle_name``)."""
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        return cls.from_mapping(
            {r["middle_code"]: r["major_code"] for r in rows},
            names={r["middle_code"]: r["middle_name"] for r in rows},
            major_names={r["major_code"][:2]: r["major_name"] for r in rows},
        )

    @classmethod
    def from_mapping(
        cls,
        majors: Mapping[str, str],
        *,
        names: Mapping[str, str] | None = None,
        major_names: Mapping[str, str] | None = None,
    ) -> Occupations:
        """Build from ``{middle_code: major_code}`` (and optional names), e.g. ``{'073': '12', '074': '12'}``."""
        if not majors:
            raise MatchingError("職業分類が空です")
        codes = tuple(sorted(_middle(c) for c in majors))
        by_code = {_middle(c): m for c, m in majors.items()}
        name_of = {_middle(c): n for c, n in (names or {}).items()}
        return cls(
            codes=codes,
            names=tuple(name_of.get(c, c) for c in codes),
            # Only the first two digits name the major group, whatever else the code carries.
            major_codes=tuple(str(by_code[c])[:2] for c in codes),
            major_names=dict(major_names or {}),
            _index={c: i for i, c in enumerate(codes)},
        )

    def __len__(self) -> int:
        return len(self.codes)

    def parse(self, code: str) -> tuple[int, int]:
        """``'073-05'`` → (index of 073, 5); ``'073'`` → (index of 073, 0). 0 means "no minor group given"."""
        text = unicodedata.normalize("NFKC", code).strip()
        middle, _, minor = text.partition("-")
        idx = self._index.get(middle)
        if idx is None:
            raise MatchingError(
                f"職業分類コード「{code}」は厚生労働省編職業分類（令和4年改定）の中分類にありません"
            )
        if minor and not minor.isdigit():
            raise MatchingError(f"職業分類コード「{code}」の小分類が数字ではありません")
        return idx, int(minor) if minor else 0

    def code(self, index: int, minor: int = 0) -> str:
        return f"{self.codes[index]}-{minor:02d}" if minor else self.codes[index]

    def name(self, index: int) -> str:
        return self.names[index]

    def major_name(self, index: int) -> str:
        major = self.major_codes[index]
        return self.major_names.get(major, major)

    def major_index(self) -> npt.NDArray[np.int16]:
        """The major group of every middle group, as small integers (equal integers = same major group)."""
        majors = sorted(set(self.major_codes))
        return np.array([majors.index(m) for m in self.major_codes], dtype=np.int16)


def _middle(code: str) -> str:
    return unicodedata.normalize("NFKC", code).strip().partition("-")[0]
