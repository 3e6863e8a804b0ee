"""Japanese free-text fit: character bigrams, TF-IDF, cosine.

Japanese has no spaces between words, so text is cut into overlapping pairs of characters (「溶接作業」 → 溶接,
接作, 作業), the usual way full-text search handles CJK (Lucene's CJK bigrams do the same). It needs no dictionary
or model, is the same on every machine, and is computed for a whole batch of texts at once in numpy — tens of
thousands of texts a second — where a morphological analyser would take a Python call per text. Bigrams are
hashed into a fixed number of buckets so that a new posting never needs a new vocabulary.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

BITS = 20  # 1,048,576 buckets: collisions between the few tens of thousands of bigrams in use are rare
_DOC_BREAK = 0  # between texts
_GAP = 1  # punctuation and spaces: a bigram never spans them
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class SparseRows:
    """Rows of L2-normalised TF-IDF weights (CSR: ``indptr``, bucket ``indices``, ``data``)."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    data: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: npt.NDArray[np.int64]) -> SparseRows:
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        pos = ranges(starts, ends)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(ends - starts, out=indptr[1:])
        return SparseRows(indptr, self.indices[pos], self.data[pos])

    @staticmethod
    def concat(parts: Sequence[SparseRows]) -> SparseRows:
        if not parts:
            return SparseRows(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
        offsets = np.cumsum([0] + [len(p.indices) for p in parts[:-1]])
        indptr = np.concatenate(
            [parts[0].indptr[:1]] + [p.indptr[1:] + o for p, o in zip(parts, offsets, strict=True)]
        )
        return SparseRows(
            indptr.astype(np.int64),
            np.concatenate([p.indices for p in parts]),
            np.concatenate([p.data for p in parts]),
        )


def ranges(starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The concatenation of ``arange(s, e)`` for each pair, without a Python loop."""
    lengths = ends - starts
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # Each run continues by +1; at the start of a run, jump from the previous run's end to this run's start.
    steps = np.ones(total, dtype=np.int64)
    heads = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=heads[1:])
    steps[0] = starts[0]
    steps[heads[1:]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps)


def normalise(text: str) -> str:
    """Full-width letters and digits to half-width, katakana to full-width (NFKC), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1)
def _gap_table() -> npt.NDArray[np.bool_]:
    """For every character of the Basic Multilingual Plane, whether it separates words (spaces, punctuation,
    symbols, controls). 'ー' (a letter modifier) and digits stay inside words."""
    table = np.zeros(0x10000, dtype=np.bool_)
    for cp in range(0x10000):
        if unicodedata.category(chr(cp))[0] in "PZCS":
            table[cp] = True
    return table


def bigram_buckets(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(text number, bucket) of every character bigram of every text, in order."""
    joined = "\x00".join(normalise(t) for t in texts) + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.cumsum(cp == _DOC_BREAK) - (cp == _DOC_BREAK)
    small = cp < 0x10000
    gap = np.zeros(len(cp), dtype=np.bool_)
    gap[small] = _gap_table()[cp[small].astype(np.int64)]
    cp[gap] = _GAP
    first, second = cp[:-1], cp[1:]
    ok = (first > _GAP) & (second > _GAP)
    keys = (first[ok] << np.uint64(21)) | second[ok]
    # Multiplicative (Fibonacci) hashing: the top BITS bits of key × golden ratio spread neighbouring keys apart.
    buckets = ((keys * _GOLDEN) >> np.uint64(64 - BITS)).astype(np.int64)
    return doc[:-1][ok].astype(np.int64), buckets


def _term_counts(
    texts: Sequence[str],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct (text, bucket) pairs, sorted, with how often each occurs."""
    doc, buckets = bigram_buckets(texts)
    pairs, counts = np.unique((doc << BITS) | buckets, return_counts=True)
    return pairs >> BITS, pairs & ((1 << BITS) - 1), counts.astype(np.int64)


@dataclass(frozen=True)
class TextModel:
    """Inverse document frequencies, fitted once on the texts the index is built from.

    Later texts are weighted with the same figures (a bigram never seen gets the highest weight), so scores do not
    drift as postings come and go; a rebuild refits them.
    """

    idf: npt.NDArray[np.float32]

    @classmethod
    def fit(cls, texts: Sequence[str], *, discount: Sequence[str] = (), factor: float = 0.25) -> TextModel:
        """Fit on ``texts``. Bigrams of the ``discount`` phrases weigh ``factor`` times as much."""
        n = len(texts)
        df = np.zeros(1 << BITS, dtype=np.float64)
        if n:
            _, buckets, _ = _term_counts(texts)
            df = np.bincount(buckets, minlength=1 << BITS).astype(np.float64)
        # Unlike the common log(N/df) + 1, a bigram found in every text weighs nothing: 「の仕事」 and 「経験」
        # are in every posting and would otherwise make all texts look alike.
        idf = np.log((n + 1) / (df + 1))
        if discount:
            idf[np.unique(bigram_buckets(discount)[1])] *= factor
        return cls(idf.astype(np.float32))

    def transform(self, texts: Sequence[str]) -> SparseRows:
        n = len(texts)
        doc, buckets, counts = _term_counts(texts)
        # Sublinear term frequency: a word said five times is not five times as telling.
        weights = (1.0 + np.log(counts)).astype(np.float32) * self.idf[buckets]
        norms = np.sqrt(np.bincount(doc, weights=weights.astype(np.float64) ** 2, minlength=n))
        weights /= np.maximum(norms[doc], 1e-12).astype(np.float32)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=n), out=indptr[1:])
        return SparseRows(indptr, buckets.astype(np.int32), weights.astype(np.float32))


class QueryVector:
    """One text's weights spread over a dense bucket array, so that its dot product with any row is a gather."""

    def __init__(self) -> None:
        self.dense = np.zeros(1 << BITS, dtype=np.float32)
        self.terms: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)

    def load(self, rows: SparseRows, row: int) -> None:
        self.dense[self.terms] = 0.0
        lo, hi = int(rows.indptr[row]), int(rows.indptr[row + 1])
        keep = rows.data[lo:hi] > 0  # bigrams found in every text weigh nothing and cost time
        self.terms = rows.indices[lo:hi][keep]
        self.dense[self.terms] = rows.data[lo:hi][keep]

    @property
    def empty(self) -> bool:
        return len(self.terms) == 0

    def dot(self, rows: SparseRows, which: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Cosine of this text with ``rows[which]`` (both sides are unit length), row by row."""
        if self.empty or len(which) == 0:
            return np.zeros(len(which), dtype=np.float32)
        starts, ends = rows.indptr[which], rows.indptr[which + 1]
        pos = ranges(starts, ends)
        products = rows.data[pos] * self.dense[rows.indices[pos]]
        owner = np.repeat(np.arange(len(which)), ends - starts)
        return np.bincount(owner, weights=products, minlength=len(which)).astype(np.float32)


class Inverted:
    """The same rows by bigram (for each bucket, the rows holding it), for when a query meets many rows.

    Row by row, a dot product costs the words of every candidate; by bigram it costs only the rows that share a
    word with the query. The second wins when a query has thousands of candidates (a seeker without a commute
    limit, an occupation with many postings).
    """

    def __init__(self, rows: SparseRows) -> None:
        self.n = len(rows)
        order = np.argsort(rows.indices, kind="stable")
        owner = np.repeat(np.arange(self.n, dtype=np.int32), np.diff(rows.indptr))
        self.rows = owner[order]
        self.data = rows.data[order]
        self.ptr = np.zeros((1 << BITS) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows.indices, minlength=1 << BITS), out=self.ptr[1:])

    def cost(self, query: QueryVector) -> int:
        return int((self.ptr[query.terms.astype(np.int64) + 1] - self.ptr[query.terms]).sum())

    def dot_all(self, query: QueryVector) -> npt.NDArray[np.float64]:
        """Cosine of the query with every row indexed here (zeros where nothing is shared)."""
        terms = query.terms.astype(np.int64)
        starts, ends = self.ptr[terms], self.ptr[terms + 1]
        pos = ranges(starts, ends)
        weights = self.data[pos] * np.repeat(query.dense[terms], ends - starts)
        return np.bincount(self.rows[pos], weights=weights, minlength=self.n).astype(np.float64)


def shared_phrases(query: str, text: str, model: TextModel, limit: int = 3) -> list[str]:
    """The most telling runs of ``text`` made of bigrams that also occur in ``query``: the words both share.

    Used to say *why* two texts are close (「仕事内容が近い（フォークリフト、倉庫）」). Kana at either end of a
    run is trimmed (「の仕事」 → 「仕事」); runs are ranked by the summed IDF of their bigrams, and common ones
    (less than half the weight of the best) are left out.
    """
    qpairs = _pairs_of(_normalised(query))
    t = _normalised(text)
    runs: set[str] = set()
    i = 0
    while i < len(t) - 1:
        if t[i : i + 2] in qpairs:
            j = i + 1
            while j < len(t) - 1 and t[j : j + 2] in qpairs:
                j += 1
            run = t[i : j + 1].strip(_HIRAGANA)
            if len(run) >= 2 and _telling(run):
                runs.add(run)
            i = j + 1
        else:
            i += 1
    if not runs:
        return []
    idf = model.idf
    scored = sorted(
        ((sum(float(idf[_bucket(run[k], run[k + 1])]) for k in range(len(run) - 1)), run) for run in runs),
        key=lambda x: (-x[0], x[1]),
    )
    found: list[str] = []
    for w, run in scored:
        if w <= 0 or w < 0.5 * scored[0][0]:
            break
        if not any(run in f or f in run for f in found):
            found.append(run)
        if len(found) == limit:
            break
    return found


def _bucket(a: str, b: str) -> int:
    """The bucket of one bigram, as :func:`bigram_buckets` computes it for arrays."""
    return (((ord(a) << 21) | ord(b)) * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF) >> (64 - BITS)


@lru_cache(maxsize=8192)
def _normalised(text: str) -> str:
    """``normalise``, remembered: the same few texts come up for every match of a query and across queries."""
    return normalise(text)


_HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))


@lru_cache(maxsize=256)
def _pairs_of(text: str) -> frozenset[str]:
    """The bigrams of a text that do not span a space or punctuation (cached: one query, many postings)."""
    marked = text.translate(_gap_marks())
    return frozenset(p for p in (marked[i : i + 2] for i in range(len(marked) - 1)) if "\x00" not in p)


@lru_cache(maxsize=1)
def _gap_marks() -> dict[int, int]:
    """A ``str.translate`` table turning every separating character into NUL."""
    return {int(cp): 0 for cp in np.flatnonzero(_gap_table())}


def _telling(run: str) -> bool:
    """A run worth showing: it holds a kanji, katakana or Latin letter, not only kana endings or numbers."""
    return (
        any(("\u4e00" <= ch <= "\u9fff") or ("\u30a1" <= ch <= "\u30fa") or ("a" <= ch <= "z") for ch in run)
        and not run.isdigit()
    )
