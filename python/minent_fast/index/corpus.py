"""CorpusIndex: exact statistics of any substring of a corpus, from a suffix array.

All logs are natural logs (nats). Counts never cross a segment boundary: with the
default ``segmenter="han"`` a segment is a run of ``[\\u4e00-\\u9fa5 0-9 a-z A-Z]`` (the
filter of nlp-zero's ``Word_Finder``); with ``"unicode"`` a run of letters, marks and
digits of any script (Unicode categories L, M, N; an apostrophe between two of them
too); with ``"all"`` every non-space character of a line; with ``"line"`` it is one line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Sequence, Union

import numpy as np
import pyarrow as pa

from .. import _core
from . import concordance as cc
from .._io import local_sources
from .._progress import ProgressArg, make_progress

if TYPE_CHECKING:
    from ..pictures import BoundaryProfile

PathLike = Union[str, "os.PathLike[str]"]
MAX_THREADS = 1024
# ShardedIndex.open, set by .shards (which builds on this module, not the other way round)
_open_sharded: Optional[Callable[..., "CorpusIndex"]] = None


def _source_list(sources: Union[PathLike, Iterable[PathLike]]) -> list[str]:
    if isinstance(sources, (str, os.PathLike)):
        return [os.fspath(sources)]
    if isinstance(sources, (bytes, bytearray)):
        raise TypeError("sources must be paths (str or os.PathLike), not bytes")
    try:
        items = list(sources)
    except TypeError:
        raise TypeError(f"sources must be a path or a list of paths, not {type(sources).__name__}") from None
    out = []
    for s in items:
        if not isinstance(s, (str, os.PathLike)):
            raise TypeError(f"each source must be a path (str or os.PathLike), not {type(s).__name__}")
        out.append(os.fspath(s))
    if not out:
        raise ValueError("no sources given")
    return out


def _ngram_range(n: Union[int, Sequence[int]]) -> tuple[int, int]:
    if isinstance(n, (bool, np.bool_)):
        raise TypeError("n must be an int or a (min_n, max_n) pair")
    if isinstance(n, (int, np.integer)):
        lo = hi = int(n)
    else:
        try:
            lo, hi = (int(x) for x in n)
        except (TypeError, ValueError):
            raise TypeError("n must be an int or a (min_n, max_n) pair") from None
    if lo < 1 or hi < lo:
        raise ValueError(f"need 1 <= min_n <= max_n, got ({lo}, {hi})")
    if hi > _core.MAX_NGRAM:
        raise ValueError(f"n-grams longer than {_core.MAX_NGRAM} characters are not supported")
    return lo, hi


def _check_count(min_count: int) -> int:
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)):
        raise TypeError(f"min_count must be an int, not {type(min_count).__name__}")
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    return min(int(min_count), 2**64 - 1)  # no count can exceed that: the result is empty


def _check_threads(num_threads: Optional[int]) -> Optional[int]:
    if num_threads is None:
        return None
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)):
        raise TypeError("num_threads must be an int or None")
    if not 1 <= num_threads <= MAX_THREADS:
        raise ValueError(f"num_threads must be between 1 and {MAX_THREADS}, got {num_threads}")
    return int(num_threads)


def _string_array(data: np.ndarray, offsets: np.ndarray) -> pa.Array:
    n = len(offsets) - 1
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


class CorpusIndex:
    """Suffix-array index of one or many UTF-8 files, in memory or memory-mapped from disk.

    Build with :meth:`build`, reopen a saved one with :meth:`open`. Every query is exact.
    """

    __slots__ = ("_inner", "_unigrams", "_memo")

    def __init__(self, inner: _core.CorpusIndex) -> None:
        if not isinstance(inner, _core.CorpusIndex):
            raise TypeError("use CorpusIndex.build(...) or CorpusIndex.open(...)")
        self._inner = inner
        self._unigrams: Optional[pa.Table] = None  # next_chars' fallback, made once
        self._memo: dict = {}  # explorer answers that do not change (character counts, entropies)

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        sources: Union[PathLike, Iterable[PathLike]],
        path: Optional[PathLike] = None,
        *,
        segmenter: str = "han",
        num_threads: Optional[int] = None,
        progress: ProgressArg = None,
    ) -> "CorpusIndex":
        """Index ``sources`` (a path or list of paths of UTF-8 text; files are memory-mapped;
        ``-`` for stdin, pipes and gzip/zstd/xz/bzip2 files are read through a temporary
        copy in TMPDIR, removed afterwards, and recorded under the name given).

        ``path``: a directory to save the index in (written atomically); None keeps it in
        memory only. ``segmenter``: ``"han"``, ``"unicode"``, ``"all"`` or ``"line"`` (see
        the module docstring).
        ``progress``: None (silent), True (a progress bar) or ``callable(stage, done, total)``.
        Raises ``CorpusError`` for invalid UTF-8 (naming file and byte offset) and
        ``FileNotFoundError`` for a missing file.
        """
        paths = _source_list(sources)
        if not isinstance(segmenter, str):
            raise TypeError("segmenter must be a str")
        threads = _check_threads(num_threads)
        cb, close = make_progress(progress)
        try:
            with local_sources(paths) as src:
                names = src.names if src.any_copied else None
                inner = _core.CorpusIndex.build(src.paths, segmenter=segmenter, num_threads=threads, progress=cb,
                                                names=names)
            if path is not None:
                inner.save(os.fspath(path), progress=cb)
                # reopen from the map: the built arrays are freed and the index is shared
                # with the page cache, exactly as a later open() would see it
                del inner
                inner = _core.CorpusIndex.open(os.fspath(path), verify=False)
        finally:
            close()
        return cls(inner)

    @classmethod
    def open(cls, path: PathLike, *, verify: bool = True, progress: ProgressArg = None) -> "CorpusIndex":
        """Memory-map an index saved by :meth:`build` or :meth:`save` (no rebuild).

        ``verify`` checks every section's checksum (fast: ~GB/s); pass False only for
        files you trust. Raises ``IndexFormatError`` for a corrupt or truncated index and
        ``FileNotFoundError`` when there is none. A directory of shards (``shards.json``,
        from :func:`minent_fast.build_shards`) opens as a :class:`ShardedIndex`.
        """
        if (_open_sharded is not None and isinstance(path, (str, os.PathLike))
                and os.path.isfile(os.path.join(path, "shards.json"))):
            return _open_sharded(path, verify=verify, progress=progress)
        cb, close = make_progress(progress)
        try:
            return cls(_core.CorpusIndex.open(os.fspath(path), verify=bool(verify), progress=cb))
        finally:
            close()

    def save(self, path: PathLike, *, progress: ProgressArg = None) -> str:
        """Write the index into directory ``path`` atomically; returns the index file path."""
        cb, close = make_progress(progress)
        try:
            return self._inner.save(os.fspath(path), progress=cb)
        finally:
            close()

    # ------------------------------------------------------------------ properties
    @property
    def num_chars(self) -> int:
        """Characters inside segments (separators excluded)."""
        return self._inner.num_chars

    @property
    def num_segments(self) -> int:
        return self._inner.num_segments

    @property
    def vocab_size(self) -> int:
        """Distinct characters."""
        return self._inner.vocab_size

    @property
    def segmenter(self) -> str:
        return self._inner.segmenter

    @property
    def sources(self) -> list[str]:
        return self._inner.sources

    @property
    def path(self) -> Optional[str]:
        """The index file when memory-mapped from disk, else None."""
        return self._inner.path

    def __repr__(self) -> str:
        where = self.path or "in memory"
        return (
            f"<CorpusIndex {self.num_chars:,} chars, {self.num_segments:,} segments, "
            f"{self.vocab_size:,} distinct chars, segmenter={self.segmenter!r}, {where}>"
        )

    # ------------------------------------------------------------------ queries
    def count(self, s: str) -> int:
        """Exact number of occurrences of ``s`` (any length) inside segments."""
        return self._inner.count(s)

    def count_many(self, strings: Iterable[str]) -> np.ndarray:
        """Counts of many strings as a numpy uint64 array (parallel, GIL released)."""
        if isinstance(strings, str):
            raise TypeError("count_many takes a list of strings; use count() for one")
        return self._inner.count_many(list(strings))

    def ngrams(
        self,
        n: Union[int, Sequence[int]],
        min_count: int = 1,
        *,
        order: str = "count",
        num_threads: Optional[int] = None,
        progress: ProgressArg = None,
    ) -> pa.Table:
        """All n-grams of length ``n`` (or ``min_n..max_n`` for a pair) seen ≥ ``min_count`` times.

        Returns ``pyarrow.Table(ngram: string, count: uint64)``, by count descending
        (``order="count"``, ties by string) or by string (``order="ngram"``).
        """
        lo, hi = _ngram_range(n)
        mc = _check_count(min_count)
        cb, close = make_progress(progress)
        try:
            data, offsets, counts = self._inner.ngrams(
                lo, hi, mc, order=order, num_threads=_check_threads(num_threads), progress=cb
            )
        finally:
            close()
        return pa.table({"ngram": _string_array(data, offsets), "count": pa.array(counts, type=pa.uint64())})

    def neighbors(self, s: str, side: str = "right") -> pa.Table:
        """Characters next to ``s`` on ``side`` ("left"/"right") with counts, most frequent
        first. Segment boundaries are not neighbours."""
        chars, counts = self._inner.neighbors(s, side)
        return pa.table({"char": pa.array(chars, type=pa.string()), "count": pa.array(counts, type=pa.uint64())})

    def next_chars(self, context: str, k: Optional[int] = None) -> pa.Table:
        """The ∞-gram next-character distribution (infini-gram, Liu et al. 2024): the
        characters that follow the longest suffix of ``context`` occurring followed by a
        character inside a segment, with their counts, most frequent first (the ``k`` most
        frequent when given). The suffix's length is ``int(table.schema.metadata[b"suffix_length"])``;
        0 (no suffix occurs so, or an empty context) gives every character's count."""
        if not isinstance(context, str):
            raise TypeError(f"next_chars takes a str context, not {type(context).__name__}")
        length, chars, counts = self._inner.next_chars(context)
        if length == 0:
            if self._unigrams is None:
                self._unigrams = _next_table(0, *_unigram_rows(*self._inner.char_counts()), None)
            return _first(self._unigrams, k)
        return _next_table(length, _chars_array(chars), counts, k)

    def infgram_prob(self, context: str, ch: str) -> float:
        """The ∞-gram probability of ``ch`` after ``context``: its share of
        :meth:`next_chars` (0.0 if it never follows that suffix)."""
        return _infgram_prob(self, context, ch)

    # ---------------------------------------------------------------- concordance
    @property
    def has_text(self) -> bool:
        """Whether the index keeps the text it was built from (every index this version
        builds; an index file of format 1 does not, and :meth:`locate` / :meth:`kwic` ask
        to rebuild it)."""
        return self._inner.has_text

    def locate(self, s: str, limit: Optional[int] = None) -> pa.Table:
        """Every occurrence of ``s`` (the first ``limit`` in corpus order) as a table
        (source, line, offset): the source file, the 1-based line in it and the 0-based
        column in characters, so ``lines[line - 1][offset:]`` starts with ``s``. The hits
        are the ones :meth:`count` counts (inside segments, overlapping ones included)."""
        s = cc.check_query(s, "locate")
        limit = cc.check_int(limit, "limit", 0, 2**63 - 1, allow_none=True)
        return cc.locate_table(self._inner.locate(s, limit), self._inner.files)

    def kwic(self, s: str, width: int = 20, limit: int = 100, order: str = "corpus", seed: int = 0,
             offset: int = 0) -> pa.Table:
        """Keyword-in-context lines of ``s``: a table (source, line, left, match, right)
        with up to ``width`` characters on each side of every hit, within its line, in the
        original characters (punctuation and spaces included). ``order`` before the
        ``limit``: ``"corpus"`` (source, line, column); ``"left"`` / ``"right"`` by the
        characters of the hit's segment on that side, read outward from the hit (what the
        counts see: a hit at the segment's edge comes first), ties in corpus order;
        ``"random"``, a uniform sample in random order fixed by ``seed`` (shards give another
        sample of the same hits). ``offset`` skips that many lines of the order first
        (paging: ``offset=50, limit=50`` is the second page of fifty)."""
        s = cc.check_query(s, "kwic")
        width, limit, order, seed = cc.check_kwic_args(width, limit, order, seed)
        skip = cc.check_int(offset, "offset", 0, 2**63 - 1)
        assert skip is not None
        rows = cc.kwic_rows(self._inner.kwic(s, width, limit, order, seed, skip))
        return cc.kwic_table(rows, self._inner.files)

    def collocates(self, word: str, window: int = 5, by: str = "pmi", min_count: int = 5) -> pa.Table:
        """Characters that occur within ``window`` positions left or right of ``word``
        inside its segments, as a table (word, count, score), best first: ``by="pmi"``
        ln(a·N / (S·f)) with a the window positions holding the character, S all window
        positions, f its corpus count and N the corpus's characters; ``"loglik"`` Dunning's
        G² (signed: negative when rarer near ``word`` than elsewhere); ``"count"`` a. Only
        characters seen at least ``min_count`` times near it."""
        word = cc.check_query(word, "collocates")
        window, by, min_count = cc.check_collocate_args(window, by, min_count)
        _, slots, chars, counts, freq = self._inner.collocates(word, window)
        return cc.collocates_table(slots, list(chars), counts, freq, self.num_chars, by, min_count)

    def boundary_profile(self, sentence: str, order: int = 2) -> "BoundaryProfile":
        """Where the words of ``sentence`` end, as branching entropy sees it: arrays over
        its boundaries 0..len(sentence) (boundary b lies before character b).
        ``h_right[b]``: entropy of what follows the ``order`` characters ending at b;
        ``h_left[b]``: of what precedes the ``order`` characters starting at b;
        ``autonomy[b]``: how much both rise at b (h_right[b] − h_right[b − 1] of the same
        context minus its last character, plus the mirror on the left) — the increase nVBE
        autonomy standardises, high at word ends. NaN where a side has no characters; a
        context that never occurs has entropy 0. The dict draws itself (Jupyter, ``.save``)."""
        return cc.boundary_profile(self, sentence, order)

    def branching_entropy(self, s: str, side: str = "right") -> float:
        """Entropy (nats) of the neighbour distribution of ``s``; 0.0 if it has none."""
        return self._inner.branching_entropy(s, side)

    def branching_entropies(self, strings: Sequence[str], side: str = "right") -> np.ndarray:
        """:meth:`branching_entropy` of each of ``strings``, as a float64 array, in one call."""
        if isinstance(strings, str):
            raise TypeError("branching_entropies takes a sequence of str, not one str")
        return self._inner.branching_entropies(list(strings), side)

    def pmi(self, s: str) -> float:
        """min over binary splits s = l + r of ln(p(s) / (p(l) p(r))), p(x) = count(x) / num_chars.

        ``-inf`` when ``s`` does not occur; ValueError for fewer than two characters.
        """
        return self._inner.pmi(s)

    def char_entropy(self) -> float:
        """Unigram character entropy of the corpus, nats per character (bits: divide by ln 2)."""
        return self._inner.char_entropy()

    def char_counts(self) -> pa.Table:
        """Every character with its count, in code-point order."""
        chars, counts = self._inner.char_counts()
        return pa.table({"char": pa.array(chars, type=pa.string()), "count": pa.array(counts, type=pa.uint64())})


def _chars_array(chars: str) -> pa.Array:
    """The characters of ``chars`` as an Arrow string array, one per row, made from its
    UTF-8 bytes (no Python object per character)."""
    data = np.frombuffer(chars.encode("utf-8"), dtype=np.uint8)
    starts = np.flatnonzero((data & 0xC0) != 0x80)  # the first byte of each character
    return _string_array(data, np.append(starts, len(data)).astype(np.int64))


def _next_table(length: int, chars: Any, counts: Any, k: Optional[int]) -> pa.Table:
    """The table of :meth:`CorpusIndex.next_chars` (shared with ShardedIndex)."""
    _check_k(k)
    if k is not None:
        chars, counts = chars[:k], counts[:k]
    column = chars if isinstance(chars, pa.Array) else pa.array(chars, type=pa.string())
    table = pa.table({"char": column, "count": pa.array(counts, type=pa.uint64())})
    return table.replace_schema_metadata({"suffix_length": str(length)})


def _first(table: pa.Table, k: Optional[int]) -> pa.Table:
    """The first ``k`` rows of a :meth:`CorpusIndex.next_chars` table (all for None)."""
    _check_k(k)
    return table if k is None else table.slice(0, k)


def _check_k(k: Optional[int]) -> None:
    if k is not None:
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError("k must be an int or None")
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")


def _unigram_rows(chars: Sequence[str], counts: Any) -> tuple[list[str], np.ndarray]:
    """Characters with a count, most frequent first (ties by code point)."""
    rows = sorted(((c, n) for c, n in zip(chars, np.asarray(counts).tolist()) if n > 0), key=lambda cn: (-cn[1], cn[0]))
    return [c for c, _ in rows], np.array([n for _, n in rows], dtype=np.uint64)


def _infgram_prob(index: Any, context: str, ch: str) -> float:
    if not isinstance(ch, str) or len(ch) != 1:
        raise ValueError(f"infgram_prob takes one character, not {ch!r}")
    table = index.next_chars(context)
    counts = dict(zip(table.column("char").to_pylist(), table.column("count").to_pylist()))
    total = sum(counts.values())
    return counts.get(ch, 0) / total if total else 0.0
