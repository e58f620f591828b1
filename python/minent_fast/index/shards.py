"""Corpora larger than memory: sharded indexes and exact, hash-partitioned n-gram tables.

A sharded index is a directory::

    DIR/shards.json              manifest (written last, atomically): segmenter, shards, sources
    DIR/shard-<build>-00000/     an ordinary index (index.mfi) of one shard
    DIR/shard-<build>-00001/ ...
    DIR/source-<build>-*.txt     only for inputs read from stdin, a pipe or a compressed
                                 file: their text, kept with the shards (discovery reads it)

Inputs are cut into shards of about ``shard_bytes`` at line ends (small files are packed
together), and no segment crosses a line end with either segmenter, so every count is the
sum of the shards' counts: :class:`ShardedIndex` answers ``count``, ``ngrams`` and the
statistics exactly, holding one memory-mapped shard index per shard (pages, not RAM).

:func:`ngram_tables` writes the exact n-gram counts of a sharded index as Parquet files
partitioned by a stable hash of the n-gram: each shard's counts are split into partitions
(map), then each partition is summed over shards (reduce), so no step holds more than one
shard's table or one partition. Both steps are plain functions of files, so they run in
this process or, unchanged, as tasks on a Dask cluster (:mod:`minent_fast.distributed`);
every output file is written atomically, so a task that fails and is retried leaves no
partial output, and the set of files is built beside the destination and swapped in whole.
"""

from __future__ import annotations

import contextlib
from collections import Counter
import json
import math
import mmap
import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Sequence, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _core
from .._io import (STDIN, Sources, atomic_output, check_replaceable, prepare_sources, remove_copies,
                  replaced_directory)
from .._progress import ProgressArg
from . import corpus as _corpus
from . import concordance as cc
from .corpus import (CorpusIndex, _check_count, _check_threads, _first, _infgram_prob, _next_table, _ngram_range,
                     _source_list, _unigram_rows)

if TYPE_CHECKING:
    from ..pictures import BoundaryProfile

PathLike = Union[str, "os.PathLike[str]"]
MANIFEST = "shards.json"
FORMAT = "minent_fast.shards"
DEFAULT_SHARD_BYTES = 256 << 20
Piece = tuple[str, int, int]  # (path, start byte, end byte)


# --------------------------------------------------------------------------- planning
def plan_shards(sources: Union[PathLike, Iterable[PathLike]], shard_bytes: int = DEFAULT_SHARD_BYTES) -> list[list[Piece]]:
    """Cut ``sources`` into shards of about ``shard_bytes``: lists of (path, start, end)
    byte ranges that end just after a newline (or at the end of a file). A line longer
    than ``shard_bytes`` stays whole; small files share a shard."""
    paths = _source_list(sources)
    if isinstance(shard_bytes, bool) or not isinstance(shard_bytes, int):
        raise TypeError("shard_bytes must be an int")
    if shard_bytes < 1:
        raise ValueError(f"shard_bytes must be at least 1, got {shard_bytes}")
    shards: list[list[Piece]] = []
    current: list[Piece] = []
    room = shard_bytes
    for path in paths:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "Is a directory", path)
        size = os.path.getsize(path)  # FileNotFoundError names the path
        if size == 0:
            current.append((path, 0, 0))
            continue
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            pos = 0
            while pos < size:
                if pos + room >= size:
                    current.append((path, pos, size))
                    room -= size - pos
                    break
                nl = m.find(b"\n", pos + room - 1)
                cut = size if nl < 0 else nl + 1
                current.append((path, pos, cut))
                shards.append(current)
                current, room, pos = [], shard_bytes, cut
        if room <= 0:
            shards.append(current)
            current, room = [], shard_bytes
    if current or not shards:
        shards.append(current)
    return shards


# ----------------------------------------------------------------------- shard tasks
def build_shard(pieces: Sequence[Piece], dest: str, segmenter: str = "han", num_threads: Optional[int] = None) -> dict:
    """Index one shard into directory ``dest`` (atomic file write). A task: safe to retry."""
    paths = [p for p, _, _ in pieces]
    ranges = [(a, b) for _, a, b in pieces]
    inner = _core.CorpusIndex.build(paths, segmenter=segmenter, num_threads=num_threads, ranges=ranges)
    inner.save(dest)
    return {"dir": os.path.basename(dest), "num_chars": inner.num_chars, "num_segments": inner.num_segments,
            "bytes": sum(b - a for _, a, b in pieces)}


def _run(fn: Callable, args: list[tuple], client: Any, retries: int, progress: Optional[Callable] = None,
         stage: str = "") -> list:
    """Run ``fn(*a)`` for each ``a``: here, one after another, or as Dask tasks on ``client``
    (each retried up to ``retries`` times), results in order."""
    if client is None:
        out = []
        for i, a in enumerate(args):
            out.append(fn(*a))
            if progress:
                progress(stage, i + 1, len(args))
        return out
    if not args:
        return []
    from dask.distributed import wait

    futures = client.map(fn, *[list(col) for col in zip(*args)], retries=retries, pure=False)
    try:
        return client.gather(futures)
    except Exception:
        # let the other tasks end before the caller removes their work directory, so no
        # straggler writes into it afterwards (each task is bounded: one shard or partition)
        with contextlib.suppress(Exception):
            wait(futures)
        raise
    except BaseException:  # Ctrl-C: stop at once; queued tasks never start
        client.cancel(futures)
        raise


def _run_in_order(fn: Callable, args: list[tuple], client: Any, retries: int) -> Iterator[Any]:
    """:func:`_run` on ``client`` as a stream: the results one at a time in order, each
    released on the cluster as soon as it is handed out, so a caller that folds them holds
    one at a time (``_run`` gathers all of them into memory at once)."""
    if not args:
        return
    futures = client.map(fn, *[list(col) for col in zip(*args)], retries=retries, pure=False)
    try:
        for i in range(len(futures)):
            result = futures[i].result()
            futures[i].release()
            yield result
    except BaseException:  # an error, Ctrl-C, or the caller stopped early: queued tasks never start
        with contextlib.suppress(Exception):
            client.cancel(futures)
        raise


def build_shards(
    sources: Union[PathLike, Iterable[PathLike]],
    path: PathLike,
    *,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    segmenter: str = "han",
    num_threads: Optional[int] = None,
    progress: ProgressArg = None,
    client: Any = None,
    retries: int = 2,
) -> "ShardedIndex":
    """Index ``sources`` as shards of about ``shard_bytes`` into directory ``path``.

    Peak memory is that of indexing one shard (about 10 bytes per character of it, times
    the shards built at once). With a Dask ``client`` the shards are built as tasks on its
    workers (which must see the same file system). An existing sharded index at ``path``
    stays valid until the new manifest replaces it; its shard directories are removed
    after that.
    """
    if not isinstance(segmenter, str):
        raise TypeError("segmenter must be a str")
    if segmenter not in ("han", "unicode", "all", "line"):
        raise ValueError(f"unknown segmenter {segmenter!r}: expected \"han\", \"unicode\", \"all\" or \"line\"")
    threads = _check_threads(num_threads)
    # absolute paths: tasks may run in another working directory (Dask workers), and the
    # manifest's sources are read again later (discover_words)
    given = [p if p == STDIN else os.path.abspath(p) for p in _source_list(sources)]
    out = Path(path).absolute()
    out.mkdir(parents=True, exist_ok=True)
    build_id = secrets.token_hex(4)
    # stdin, pipes and compressed files are copied into the index directory and kept
    # there with the shards: their text is gone otherwise, and sharded discovery reads it
    src = prepare_sources(given, directory=str(out), prefix=f"source-{build_id}-")
    names: list[str] = []
    try:
        plan = plan_shards(src.paths, shard_bytes)
        for pieces in plan:  # fail before any work on a bad file (invalid UTF-8 is found by the shard that has it)
            for p, _, _ in pieces:
                if not os.access(p, os.R_OK):
                    raise PermissionError(13, "Permission denied", p)
        names = [f"shard-{build_id}-{i:05d}" for i in range(len(plan))]
        cb = progress if callable(progress) else None
        with _named_errors(src):
            stats = _run(build_shard, [(pieces, str(out / name), segmenter, threads)
                                       for pieces, name in zip(plan, names)], client, retries, cb, "shards")
    except BaseException:
        for name in names:
            shutil.rmtree(out / name, ignore_errors=True)
        remove_copies(src)
        raise
    manifest = {
        "format": FORMAT, "version": 1, "segmenter": segmenter, "shard_bytes": shard_bytes,
        "sources": src.paths,
        "shards": [dict(s, pieces=[list(p) for p in pieces]) for s, pieces in zip(stats, plan)],
    }
    if src.any_copied:  # what each copy was read from, and which files the index owns
        manifest["source_names"] = src.names
        manifest["copies"] = [os.path.basename(c) for c in src.copied]
    old = _read_manifest(out) if (out / MANIFEST).exists() else None
    try:
        with atomic_output(out / MANIFEST) as f:
            json.dump(manifest, f, ensure_ascii=False, indent=1)
    except BaseException:
        for name in names:
            shutil.rmtree(out / name, ignore_errors=True)
        remove_copies(src)
        raise
    if old is not None:
        for s in old["shards"]:
            if s["dir"] not in names:
                shutil.rmtree(out / s["dir"], ignore_errors=True)
        for c in old.get("copies", []):
            if isinstance(c, str) and c.startswith("source-") and "/" not in c and c not in manifest.get("copies", []):
                with contextlib.suppress(OSError):
                    os.unlink(out / c)
    return ShardedIndex.open(out, verify=False)


@contextlib.contextmanager
def _named_errors(src: Sources) -> Any:
    """Errors of the core that name a copy of an input name the input instead."""
    try:
        yield
    except BaseException as e:
        new = src.translate(e)
        if new is not None:
            raise new from None
        raise


def _read_manifest(path: Path) -> dict:
    from ..errors import IndexFormatError

    try:
        m = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        if m.get("format") != FORMAT or m.get("version") != 1:
            raise ValueError("not a minent_fast shard manifest of version 1")
        if not isinstance(m.get("shards"), list) or not m["shards"] or m.get("segmenter") not in ("han", "unicode", "all", "line"):
            raise ValueError("no shards or no segmenter")
        for s in m["shards"]:
            if not isinstance(s.get("dir"), str) or "/" in s["dir"] or s["dir"] in ("", ".", ".."):
                raise ValueError(f"bad shard entry {s!r}")
    except (ValueError, AttributeError, TypeError, UnicodeDecodeError) as e:
        err = IndexFormatError(f"{path / MANIFEST}: corrupt shard manifest: {e}")
        err.path = str(path / MANIFEST)
        raise err from None
    return m


def is_sharded(path: PathLike) -> bool:
    return (Path(path) / MANIFEST).is_file()


# --------------------------------------------------------------------- the index
class ShardedIndex(CorpusIndex):
    """A :class:`CorpusIndex` over a directory of shards; every answer is exact (the sum
    over shards, or a statistic of the summed counts, computed as the single index does)."""

    __slots__ = ("_shards", "_manifest", "_dir", "_unigrams", "_memo")

    def __init__(self, shards: list[CorpusIndex], manifest: dict, directory: str) -> None:
        self._shards = shards
        self._manifest = manifest
        self._dir = directory
        self._unigrams: Optional[pa.Table] = None  # next_chars' fallback, made once
        self._memo: dict = {}  # explorer answers that do not change (character counts, entropies)

    @classmethod
    def open(cls, path: PathLike, *, verify: bool = True, progress: ProgressArg = None) -> "ShardedIndex":
        d = Path(path)
        m = _read_manifest(d)
        shards = [CorpusIndex.open(d / s["dir"], verify=verify, progress=progress) for s in m["shards"]]
        from ..errors import IndexFormatError

        for s, idx in zip(m["shards"], shards):
            if idx.segmenter != m["segmenter"] or idx.num_chars != s.get("num_chars"):
                raise IndexFormatError(f"{d / s['dir']}: shard does not match the manifest")
        return cls(shards, m, os.fspath(d))

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> "ShardedIndex":  # type: ignore[override]
        """Same as :func:`build_shards`."""
        return build_shards(*args, **kwargs)

    def save(self, path: PathLike, *, progress: ProgressArg = None) -> str:
        raise ValueError("a sharded index lives in its directory; build another with build_shards(sources, path)")

    @property
    def shards(self) -> list[CorpusIndex]:
        return list(self._shards)

    @property
    def num_chars(self) -> int:
        return sum(s.num_chars for s in self._shards)

    @property
    def num_segments(self) -> int:
        return sum(s.num_segments for s in self._shards)

    @property
    def vocab_size(self) -> int:
        return self.char_counts().num_rows

    @property
    def segmenter(self) -> str:
        return self._manifest["segmenter"]

    @property
    def sources(self) -> list[str]:
        return list(self._manifest["sources"])

    @property
    def path(self) -> Optional[str]:
        return self._dir

    def __repr__(self) -> str:
        return (f"<ShardedIndex {len(self._shards)} shards, {self.num_chars:,} chars, {self.num_segments:,} segments, "
                f"segmenter={self.segmenter!r}, {self._dir}>")

    # ---------------------------------------------------------------- queries
    def count(self, s: str) -> int:
        return sum(idx.count(s) for idx in self._shards)

    def count_many(self, strings: Iterable[str]) -> np.ndarray:
        if isinstance(strings, str):
            raise TypeError("count_many takes a list of strings; use count() for one")
        strings = list(strings)
        total = np.zeros(len(strings), dtype=np.uint64)
        for idx in self._shards:
            total += idx.count_many(strings)
        return total

    def ngrams(self, n: Union[int, Sequence[int]], min_count: int = 1, *, order: str = "count",
               num_threads: Optional[int] = None, progress: ProgressArg = None) -> pa.Table:
        """Exact: an n-gram seen ``min_count`` times in all must be seen ``ceil(min_count / S)``
        times in one of the S shards, so those are the candidates, recounted in every shard."""
        lo, hi = _ngram_range(n)
        mc = _check_count(min_count)
        if order not in ("count", "ngram"):
            raise ValueError(f"order must be 'count' or 'ngram', not {order!r}")
        threads = _check_threads(num_threads)
        per_shard = -(-mc // len(self._shards))
        tables = [idx.ngrams((lo, hi), per_shard, order="ngram", num_threads=threads, progress=progress)
                  for idx in self._shards]
        merged = _concat(tables)
        if per_shard == 1:  # every n-gram of a shard is in its table: the sums are exact
            merged = _sum_by_ngram(merged)
        else:
            cand = pc.unique(merged.column("ngram"))
            counts = self.count_many(cand.to_pylist()) if len(cand) else np.zeros(0, dtype=np.uint64)
            merged = pa.table({"ngram": cand, "count": pa.array(counts, type=pa.uint64())})
        merged = merged.filter(pc.greater_equal(merged.column("count"), pa.scalar(mc, pa.uint64())))
        return _sorted(merged, order)

    def neighbors(self, s: str, side: str = "right") -> pa.Table:
        t = _concat([idx.neighbors(s, side) for idx in self._shards], key="char")
        t = t.group_by("char").aggregate([("count", "sum")]).rename_columns(["char", "count"])
        return t.sort_by([("count", "descending"), ("char", "ascending")])

    def next_chars(self, context: str, k: Optional[int] = None) -> pa.Table:
        """As :meth:`CorpusIndex.next_chars`, over all shards (counts summed)."""
        if not isinstance(context, str):
            raise TypeError(f"next_chars takes a str context, not {type(context).__name__}")
        lo, hi = 0, len(context)
        while lo < hi:  # the longest suffix that occurs in some shard
            mid = (lo + hi + 1) // 2
            if self.count(context[len(context) - mid:]) > 0:
                lo = mid
            else:
                hi = mid - 1
        for length in range(lo, 0, -1):
            t = self.neighbors(context[len(context) - length:], "right")
            if t.num_rows:
                return _next_table(length, t.column("char").to_pylist(), t.column("count").to_numpy(), k)
        if self._unigrams is None:
            totals: dict[str, int] = {}
            for idx in self._shards:
                chars, counts = idx._inner.char_counts()
                for c, n in zip(chars, counts.tolist()):
                    totals[c] = totals.get(c, 0) + n
            self._unigrams = _next_table(0, *_unigram_rows(list(totals), list(totals.values())), None)
        return _first(self._unigrams, k)

    def infgram_prob(self, context: str, ch: str) -> float:
        return _infgram_prob(self, context, ch)

    @property
    def has_text(self) -> bool:
        return all(sh.has_text for sh in self._shards)

    def locate(self, s: str, limit: Optional[int] = None) -> pa.Table:
        """:meth:`CorpusIndex.locate` over every shard: lines and columns in the files."""
        s = cc.check_query(s, "locate")
        limit = cc.check_int(limit, "limit", 0, 2**63 - 1, allow_none=True)
        names, maps = cc.source_names([sh._inner.files for sh in self._shards])
        parts = []
        left = limit
        for sh, m in zip(self._shards, maps):
            if left == 0:
                break
            source, line, col = sh._inner.locate(s, left)
            parts.append((m[source], line, col))
            if left is not None:
                left -= len(line)
        if not parts:
            parts = [(np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.uint64))]
        raw = tuple(np.concatenate([p[i] for p in parts]) for i in range(3))
        return cc.locate_table(raw, names)

    def kwic(self, s: str, width: int = 20, limit: int = 100, order: str = "corpus", seed: int = 0,
             offset: int = 0) -> pa.Table:
        """:meth:`CorpusIndex.kwic` over every shard, the same rows as one index of the
        same files gives."""
        s = cc.check_query(s, "kwic")
        width, limit, order, seed = cc.check_kwic_args(width, limit, order, seed)
        skip = cc.check_int(offset, "offset", 0, 2**63 - 1)
        assert skip is not None
        end = min(skip + limit, 2**63 - 1)  # each shard's first lines up to the page's end, merged
        names, maps = cc.source_names([sh._inner.files for sh in self._shards])
        parts = []
        total = 0
        for sh, m in zip(self._shards, maps):
            if order == "corpus" and total >= end:
                break
            rows = cc.kwic_rows(sh._inner.kwic(s, width, end, order, seed), m)
            total += len(rows["left"])
            parts.append(rows)
        return cc.kwic_table(cc.merge_kwic(parts, order, end), names).slice(skip, limit)

    def collocates(self, word: str, window: int = 5, by: str = "pmi", min_count: int = 5) -> pa.Table:
        """:meth:`CorpusIndex.collocates` over every shard (the same table as one index)."""
        word = cc.check_query(word, "collocates")
        window, by, min_count = cc.check_collocate_args(window, by, min_count)
        slots, total = 0, Counter[str]()
        for sh in self._shards:
            _, s, seen, counts, _ = sh._inner.collocates(word, window)
            slots += s
            total.update(dict(zip(seen, counts.tolist())))
        chars = sorted(total)
        freq = cc.char_freq(self)
        return cc.collocates_table(slots, chars, [total[c] for c in chars], [freq.get(c, 0) for c in chars],
                                   self.num_chars, by, min_count)

    def boundary_profile(self, sentence: str, order: int = 2) -> "BoundaryProfile":
        """:meth:`CorpusIndex.boundary_profile` over every shard."""
        return cc.boundary_profile(self, sentence, order)

    def branching_entropy(self, s: str, side: str = "right") -> float:
        return _entropy(self.neighbors(s, side).column("count").to_pylist())

    def branching_entropies(self, strings: Sequence[str], side: str = "right") -> np.ndarray:
        """:meth:`CorpusIndex.branching_entropies` over every shard."""
        return np.array([self.branching_entropy(s, side) for s in strings], dtype=np.float64)

    def pmi(self, s: str) -> float:
        if not isinstance(s, str):
            raise TypeError("pmi takes a str")
        if len(s) < 2:
            raise ValueError("pmi needs a string of at least two characters")
        whole = self.count(s)
        if whole == 0:
            return -math.inf
        n = float(self.num_chars)
        best = math.inf
        for i in range(1, len(s)):  # the order and formula of the core, so the float is identical
            left, right = self.count(s[:i]), self.count(s[i:])
            best = min(best, math.log(whole) + math.log(n) - math.log(left) - math.log(right))
        return best

    def char_entropy(self) -> float:
        return _entropy(self.char_counts().column("count").to_pylist())

    def char_counts(self) -> pa.Table:
        t = _concat([idx.char_counts() for idx in self._shards], key="char")
        t = t.group_by("char").aggregate([("count", "sum")]).rename_columns(["char", "count"])
        return t.sort_by([("char", "ascending")])


def _entropy(counts: list[int]) -> float:
    """Shannon entropy (nats) of counts, summed in the given order as the core does."""
    total = sum(counts)
    if total == 0:
        return 0.0
    t = float(total)
    acc = 0.0
    for c in counts:
        if c > 0:
            p = c / t
            acc += p * math.log(p)
    return -acc


def _concat(tables: list[pa.Table], key: str = "ngram") -> pa.Table:
    """Concatenate per-shard tables; string and large_string columns are unified."""
    if any(pa.types.is_large_string(t.schema.field(key).type) for t in tables):
        tables = [t.cast(pa.schema([(key, pa.large_string()), ("count", pa.uint64())])) for t in tables]
    return pa.concat_tables(tables)


def _sum_by_ngram(t: pa.Table) -> pa.Table:
    out = t.group_by("ngram").aggregate([("count", "sum")])
    return out.rename_columns(["ngram", "count"]).cast(pa.schema([("ngram", t.schema.field("ngram").type),
                                                                     ("count", pa.uint64())]))


def _sorted(t: pa.Table, order: str) -> pa.Table:
    """The single index's orders: count descending with ties by string, or by string.
    (String order = code-point order = UTF-8 byte order, which Arrow sorts by.)"""
    keys = [("count", "descending"), ("ngram", "ascending")] if order == "count" else [("ngram", "ascending")]
    t = t.sort_by(keys)
    if pa.types.is_large_string(t.schema.field("ngram").type) and t.nbytes < 2**31 - 1:
        t = t.cast(pa.schema([("ngram", pa.string()), ("count", pa.uint64())]))
    return t.combine_chunks()


# ------------------------------------------------------- partitioned n-gram tables
def _partition_ids(column: pa.ChunkedArray, partitions: int) -> np.ndarray:
    arr = column.combine_chunks().cast(pa.large_string())
    if len(arr) == 0:
        return np.zeros(0, dtype=np.uint32)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, dtype=np.uint8)
    return _core.partition_of(data, np.ascontiguousarray(offsets), partitions)


def map_shard(shard_dir: str, out_dir: str, lo: int, hi: int, partitions: int, num_threads: Optional[int] = None) -> int:
    """Map task: this shard's exact n-gram counts (every count, min_count 1), split by
    hash partition into ``out_dir/part-00000.parquet``... (each written atomically)."""
    import pyarrow.parquet as pq  # here, not at import: only the map/reduce steps write Parquet

    idx = CorpusIndex.open(shard_dir, verify=False)
    t = idx.ngrams((lo, hi), 1, order="ngram", num_threads=num_threads)
    parts = _partition_ids(t.column("ngram"), partitions)
    os.makedirs(out_dir, exist_ok=True)
    order = np.argsort(parts, kind="stable")
    sorted_parts = parts[order]
    bounds = np.searchsorted(sorted_parts, np.arange(partitions + 1))
    t = t.take(pa.array(order))
    for p in range(partitions):
        with atomic_output(os.path.join(out_dir, f"part-{p:05d}.parquet"), "wb") as f:
            pq.write_table(t.slice(bounds[p], bounds[p + 1] - bounds[p]), f)
    return t.num_rows


def reduce_partition(map_dirs: Sequence[str], partition: int, dest: str, min_count: int) -> int:
    """Reduce task: sum partition ``partition`` over every shard's map output, keep counts
    ≥ ``min_count``, order by n-gram, write ``dest`` atomically. Returns the rows written."""
    import pyarrow.parquet as pq

    name = f"part-{partition:05d}.parquet"
    tables = [pq.read_table(os.path.join(d, name)) for d in map_dirs]
    t = _sum_by_ngram(_concat(tables))
    t = t.filter(pc.greater_equal(t.column("count"), pa.scalar(min_count, pa.uint64())))
    t = _sorted(t, "ngram")
    with atomic_output(dest, "wb") as f:
        pq.write_table(t, f)
    return t.num_rows


def ngram_tables(
    index: PathLike,
    path: PathLike,
    n: Union[int, Sequence[int]],
    min_count: int = 1,
    *,
    partitions: int = 16,
    num_threads: Optional[int] = None,
    progress: ProgressArg = None,
    client: Any = None,
    retries: int = 2,
) -> list[str]:
    """Exact n-gram counts of the sharded index at ``index`` as Parquet files
    ``path/part-00000.parquet``… (``ngram: string, count: uint64``, by n-gram), an n-gram in
    the partition of its stable hash. Returns the file names. With a Dask ``client`` the
    map and reduce steps run as tasks; the files are the same bit for bit."""
    lo, hi = _ngram_range(n)
    mc = _check_count(min_count)
    if isinstance(partitions, bool) or not isinstance(partitions, int):
        raise TypeError("partitions must be an int")
    if not 1 <= partitions <= 100_000:
        raise ValueError(f"partitions must be from 1 to 100000, got {partitions}")
    threads = _check_threads(num_threads)
    src = Path(index)
    # a plain (unsharded) index is one shard
    shard_dirs = [str(src / s["dir"]) for s in _read_manifest(src)["shards"]] if is_sharded(src) else [str(src)]
    cb = progress if callable(progress) else None
    names = [f"part-{p:05d}.parquet" for p in range(partitions)]
    # the set is built beside ``path`` and swapped in whole: a rerun with fewer partitions
    # leaves no stale part files, and a failed run leaves the old set as it was
    check_replaceable(path, _is_part_file, "ngram_tables")
    Path(path).mkdir(parents=True, exist_ok=True)  # as before: the directory exists after any run
    with replaced_directory(path, _is_part_file, "ngram_tables") as out:
        work = out / f"_map-{secrets.token_hex(4)}"
        map_dirs = [str(work / f"{i:05d}") for i in range(len(shard_dirs))]
        try:
            _run(map_shard, [(s, d, lo, hi, partitions, threads) for s, d in zip(shard_dirs, map_dirs)],
                 client, retries, cb, "map")
            _run(reduce_partition, [(map_dirs, p, str(out / names[p]), mc) for p in range(partitions)],
                 client, retries, cb, "reduce")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return names


def _is_part_file(name: str) -> bool:
    """An entry an earlier :func:`ngram_tables` run leaves in its directory."""
    return (name.startswith("part-") and name.endswith(".parquet") and name[5:-8].isdigit()) or name.startswith("_map-")


_corpus._open_sharded = ShardedIndex.open  # CorpusIndex.open on a directory of shards
