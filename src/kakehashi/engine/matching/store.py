"""Column storage for one side of the market (postings or seekers), with a sorted lookup by group and place.

Each record is one row of plain numpy arrays. Each record also has one or more *entries*: a 64-bit key made of
a group (an occupation, or for seekers an occupation at a rank of preference), a commute class and a grid cell,
kept sorted. All the records of a group within a box on the map are then a few contiguous runs of that sorted
array, found with one binary search per grid row — candidate generation costs a few microseconds and touches
only the records it returns.

Records are added in small batches as postings change: new entries go to a small sorted *delta* array that is
searched the same way and merged into the main one when it grows; removed rows are only marked dead and are
dropped at the next compaction. Everything a query reads is a numpy array.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .records import RecordId
from .textfit import Inverted, QueryVector, SparseRows, ranges

Arr = npt.NDArray[Any]
Spec = Mapping[str, tuple[npt.DTypeLike, tuple[int, ...]]]

# A fixed world grid of 0.05° (about 5.6 km north–south, 4.5 km east–west in Japan). Fixed, not fitted to the
# data, so that a posting added later lands in the same cell it would have at a rebuild.
CELL_DEG = 0.05
GRID_ROWS = 3600
GRID_COLS = 7200
NCELL = GRID_ROWS * GRID_COLS + 1
UNKNOWN_CELL = NCELL - 1  # records without coordinates: searched by every query, never excluded for distance
KM_PER_DEG = 111.195  # one degree of latitude (mean Earth radius 6,371 km)
# Entries carry a class besides their group: the employment type (none stated / full time / part time), and for
# seekers also how far they will commute. A seeker who wants full-time work then never even reads the part-time
# postings, and a posting looks for seekers within 5 km only among those who accept 5 km or less, and so on.
# Stated limits over 100 km form one class searched everywhere; seekers who state no limit form the last class.
CLASS_LIMITS = (5.0, 10.0, 20.0, 40.0, 100.0, math.inf)
NO_LIMIT = len(CLASS_LIMITS)
EMPLOYMENT_CLASSES = 3
NCLASS = (NO_LIMIT + 1) * EMPLOYMENT_CLASSES


def cells(lat_deg: Arr, lng_deg: Arr) -> npt.NDArray[np.int64]:
    known = np.isfinite(lat_deg) & np.isfinite(lng_deg)
    row = np.floor((np.where(known, lat_deg, 0.0) + 90.0) / CELL_DEG).astype(np.int64).clip(0, GRID_ROWS - 1)
    col = np.floor((np.where(known, lng_deg, 0.0) + 180.0) / CELL_DEG).astype(np.int64).clip(0, GRID_COLS - 1)
    return np.where(known, row * GRID_COLS + col, UNKNOWN_CELL)


def entry_keys(groups: Arr, classes: Arr, cell: Arr) -> npt.NDArray[np.int64]:
    return (groups.astype(np.int64) * NCLASS + classes.astype(np.int64)) * NCELL + cell.astype(np.int64)


def entry_class(employment: Arr, limit_km: Arr | None = None) -> npt.NDArray[np.int64]:
    """commute class × 3 + employment code (0 none stated / any, 1 full time, 2 part time)."""
    emp = employment.astype(np.int64)
    if limit_km is None:
        return emp
    commute = np.where(
        np.isfinite(limit_km), np.searchsorted(np.array(CLASS_LIMITS[:-1]), limit_km, side="left"), NO_LIMIT
    )
    return commute.astype(np.int64) * EMPLOYMENT_CLASSES + emp


def key_ranges(
    groups: npt.NDArray[np.int64], classes: list[tuple[int, float]], lat_deg: float, lng_deg: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Inclusive key bounds covering ``groups`` × each (class, radius in km) around a point: a box, one range per
    grid row, plus each group's cell of records without coordinates."""
    los, his = [], []
    known = math.isfinite(lat_deg) and math.isfinite(lng_deg)
    for cls, radius_km in classes:
        base = (groups.astype(np.int64) * NCLASS + cls) * NCELL
        if not (known and math.isfinite(radius_km)):
            los.append(base)
            his.append(base + NCELL - 1)
            continue
        dlat = radius_km / KM_PER_DEG
        dlng = radius_km / (KM_PER_DEG * max(math.cos(math.radians(lat_deg)), 0.01))
        r0 = max(int(math.floor((lat_deg - dlat + 90.0) / CELL_DEG)), 0)
        r1 = min(int(math.floor((lat_deg + dlat + 90.0) / CELL_DEG)), GRID_ROWS - 1)
        c0 = max(int(math.floor((lng_deg - dlng + 180.0) / CELL_DEG)), 0)
        c1 = min(int(math.floor((lng_deg + dlng + 180.0) / CELL_DEG)), GRID_COLS - 1)
        row_base = np.arange(r0, r1 + 1, dtype=np.int64) * GRID_COLS
        los += [(base[:, None] + row_base[None, :] + c0).ravel(), base + UNKNOWN_CELL]
        his += [(base[:, None] + row_base[None, :] + c1).ravel(), base + UNKNOWN_CELL]
    if not los:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(los), np.concatenate(his)


class Columns:
    """Column arrays that grow by doubling, so that adding records one at a time stays cheap."""

    def __init__(self, spec: Spec) -> None:
        self._spec = dict(spec)
        self.n = 0
        self._data: dict[str, Arr] = {k: np.zeros((16, *shape), dtype=dt) for k, (dt, shape) in spec.items()}

    def __getitem__(self, name: str) -> Arr:
        return self._data[name][: self.n]

    def append(self, batch: Mapping[str, Arr], count: int) -> int:
        first = self.n
        need = self.n + count
        cap = len(next(iter(self._data.values())))
        if need > cap:
            new_cap = max(need, 2 * cap)
            for k, a in self._data.items():
                grown = np.zeros((new_cap, *a.shape[1:]), dtype=a.dtype)
                grown[: self.n] = a[: self.n]
                self._data[k] = grown
        for k, a in self._data.items():
            a[first:need] = batch[k]
        self.n = need
        return first

    def widen(self, name: str, width: int) -> None:
        """Give a 2-D column more columns (qualification bitsets grow as new qualifications appear)."""
        a = self._data[name]
        if a.shape[1] >= width:
            return
        grown = np.zeros((a.shape[0], width), dtype=a.dtype)
        grown[:, : a.shape[1]] = a
        self._data[name] = grown

    def width(self, name: str) -> int:
        return int(self._data[name].shape[1])

    def keep(self, rows: npt.NDArray[np.int64]) -> None:
        for k, a in self._data.items():
            kept = a[rows]
            self._data[k] = np.concatenate([kept, np.zeros((16, *a.shape[1:]), dtype=a.dtype)])
        self.n = len(rows)


class TextRows:
    """TF-IDF rows in CSR form that grow by doubling, one row per record, and an inverted copy for big queries.

    The inverted copy covers the first rows only; rows added since are read row by row, and the copy is rebuilt
    once they are many.
    """

    def __init__(self) -> None:
        self._indptr = np.zeros(17, dtype=np.int64)
        self._indices = np.zeros(1024, dtype=np.int32)
        self._data = np.zeros(1024, dtype=np.float32)
        self.n = 0
        self._inverted: Inverted | None = None

    def by_bigram(self, query: QueryVector, count: int) -> bool:
        """Whether reading ``count`` rows' worth of dot products is cheaper through the inverted copy."""
        if query.empty or count < 2048:
            return False
        return self.inverted().cost(query) < count * len(self.rows.indices) / max(self.n, 1)

    def dot(
        self, query: QueryVector, which: npt.NDArray[np.int64], *, by_bigram: bool = False
    ) -> npt.NDArray[np.float32]:
        """Cosine of the query with rows ``which``."""
        if not by_bigram:
            return query.dot(self.rows, which)
        inv = self.inverted()
        out = np.zeros(len(which), dtype=np.float32)
        covered = which < inv.n
        out[covered] = inv.dot_all(query)[which[covered]]
        if not covered.all():
            out[~covered] = query.dot(self.rows, which[~covered])
        return out

    def inverted(self) -> Inverted:
        if self._inverted is None or self.n - self._inverted.n > max(4096, self.n // 8):
            self._inverted = Inverted(self.rows)
        return self._inverted

    @property
    def rows(self) -> SparseRows:
        nnz = int(self._indptr[self.n])
        return SparseRows(self._indptr[: self.n + 1], self._indices[:nnz], self._data[:nnz])

    def append(self, rows: SparseRows) -> None:
        nnz = int(self._indptr[self.n])
        add = len(rows.indices)
        if nnz + add > len(self._indices):
            cap = max(nnz + add, 2 * len(self._indices))
            self._indices = np.concatenate([self._indices[:nnz], np.zeros(cap - nnz, dtype=np.int32)])
            self._data = np.concatenate([self._data[:nnz], np.zeros(cap - nnz, dtype=np.float32)])
        if self.n + len(rows) + 1 > len(self._indptr):
            cap = max(self.n + len(rows) + 1, 2 * len(self._indptr))
            self._indptr = np.concatenate(
                [self._indptr[: self.n + 1], np.zeros(cap - self.n - 1, dtype=np.int64)]
            )
        self._indices[nnz : nnz + add] = rows.indices
        self._data[nnz : nnz + add] = rows.data
        self._indptr[self.n + 1 : self.n + len(rows) + 1] = rows.indptr[1:] + nnz
        self.n += len(rows)

    def keep(self, rows: npt.NDArray[np.int64]) -> None:
        kept = self.rows.take(rows)
        self._indptr, self._indices, self._data, self.n = kept.indptr, kept.indices, kept.data, len(rows)
        self._indptr = np.concatenate([self._indptr, np.zeros(16, dtype=np.int64)])
        self._inverted = None  # row numbers changed


class Side:
    """The records of one side, their texts, and their sorted entries."""

    def __init__(self, spec: Spec) -> None:
        self.cols = Columns({**spec, "alive": (np.bool_, ()), "hash": (np.uint64, ()), "seq": (np.int64, ())})
        self.text = TextRows()
        self.ids: list[RecordId] = []
        self.raw_text: list[str] = []
        self.row_of: dict[RecordId, int] = {}
        self._keys = np.zeros(0, dtype=np.int64)
        self._rows = np.zeros(0, dtype=np.int64)
        self._dkeys = np.zeros(0, dtype=np.int64)
        self._drows = np.zeros(0, dtype=np.int64)
        self._dead = 0
        self.changes = 0  # records added or removed so far
        self._next_seq = 0  # the order records were added in, which compaction does not keep

    def __len__(self) -> int:
        return len(self.row_of)

    def put(
        self,
        ids: Sequence[RecordId],
        batch: Mapping[str, Arr],
        text: SparseRows,
        raw_text: Sequence[str],
        entry_row: npt.NDArray[np.int64],
        entry_key: npt.NDArray[np.int64],
    ) -> None:
        """Add records (``entry_row`` numbers them from 0 within the batch); an id already here is replaced."""
        self.remove([i for i in ids if i in self.row_of])
        self.changes += len(ids)
        seq = np.arange(self._next_seq, self._next_seq + len(ids), dtype=np.int64)
        self._next_seq += len(ids)
        first = self.cols.append(
            {**batch, "alive": np.ones(len(ids), np.bool_), "hash": id_hashes(ids), "seq": seq}, len(ids)
        )
        self.text.append(text)
        self.raw_text.extend(raw_text)
        for offset, rid in enumerate(ids):
            self.row_of[rid] = first + offset
        self.ids.extend(ids)
        keys = np.concatenate([self._dkeys, entry_key])
        rows = np.concatenate([self._drows, entry_row + first])
        order = np.argsort(keys, kind="stable")
        self._dkeys, self._drows = keys[order], rows[order]
        if len(self._dkeys) > max(4096, len(self._keys) // 8):
            self._merge()

    def remove(self, ids: Sequence[RecordId]) -> None:
        alive = self.cols["alive"]
        self.changes += len(ids)
        for rid in ids:
            row = self.row_of.pop(rid)
            alive[row] = False
            self._dead += 1
        if self._dead > max(1024, self.cols.n // 2):
            self.compact()

    def _merge(self) -> None:
        keys = np.concatenate([self._keys, self._dkeys])
        rows = np.concatenate([self._rows, self._drows])
        order = np.argsort(keys, kind="stable")
        self._keys, self._rows = keys[order], rows[order]
        self._dkeys = np.zeros(0, dtype=np.int64)
        self._drows = np.zeros(0, dtype=np.int64)

    def compact(self) -> None:
        """Drop dead rows and renumber the rest in the order of their first entry, so that the records a query
        reads lie next to each other in memory (a gather then reads almost contiguous runs)."""
        self._merge()
        alive = self.cols["alive"]
        first_key = np.full(self.cols.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first_key, self._rows, self._keys)
        live = np.flatnonzero(alive).astype(np.int64)
        keep = live[np.argsort(first_key[live], kind="stable")]
        new_row = np.full(self.cols.n, -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        live_entries = alive[self._rows]
        self._keys = self._keys[live_entries]
        self._rows = new_row[self._rows[live_entries]]
        self.cols.keep(keep)
        self.text.keep(keep)
        self.ids = [self.ids[i] for i in keep.tolist()]
        self.raw_text = [self.raw_text[i] for i in keep.tolist()]
        self.row_of = {rid: i for i, rid in enumerate(self.ids)}
        self._dead = 0

    def lookup(self, lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Live rows with an entry key in any of the inclusive ranges ``[lo[i], hi[i]]``."""
        parts = []
        for keys, rows in ((self._keys, self._rows), (self._dkeys, self._drows)):
            if len(keys):
                pos = ranges(np.searchsorted(keys, lo, "left"), np.searchsorted(keys, hi, "right"))
                parts.append(rows[pos])
        found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return found[self.cols["alive"][found]]

    def live_rows(self) -> npt.NDArray[np.int64]:
        """Live rows in the order their records were added."""
        live = np.flatnonzero(self.cols["alive"]).astype(np.int64)
        return live[np.argsort(self.cols["seq"][live], kind="stable")]


def id_hashes(ids: Sequence[RecordId]) -> npt.NDArray[np.uint64]:
    """A stable 64-bit number per id (the same in every process and run, unlike Python's ``hash``)."""
    out = np.empty(len(ids), dtype=np.uint64)
    for i, rid in enumerate(ids):
        digest = hashlib.blake2b(f"{type(rid).__name__}:{rid}".encode(), digest_size=8).digest()
        out[i] = int.from_bytes(digest, "little")
    return out
