"""Shard indexing, exact n-gram counting and word discovery on a Dask cluster (extra ``minent_fast[dask]``).

The tasks are the functions of :mod:`minent_fast.shards` (``build_shard``, ``map_shard``,
``reduce_partition``): each reads and writes files only, writes atomically, and is safe to
retry, so the results are bit for bit those of the single-process path. Workers must see
the same file system (a shared mount, or one machine). The compiled core releases the GIL,
so thread workers and process workers both work.

::

    from minent_fast import distributed
    client = distributed.connect()                 # a LocalCluster of 2 workers here,
    client = distributed.connect("tcp://host:8786")  # or a running scheduler
    idx = distributed.build_shards(["big.txt"], "big.idx", client=client, shard_bytes=1 << 30)
    distributed.ngram_tables("big.idx", "big.ngrams", (1, 4), min_count=2, client=client)
    lex = distributed.discover_words(["big.txt"], client=client, memory_budget="6G")

``discover_words`` runs its statistics and settings in the calling process (within the
budget) and its pass over the whole corpus as tasks (``count_piece``), one per range.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence, Union

from . import shards
from .shards import PathLike, ShardedIndex

__all__ = ["connect", "build_shards", "ngram_tables", "discover_words"]


def _client_type() -> Any:
    try:
        from dask.distributed import Client
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("minent_fast.distributed needs Dask: pip install 'minent_fast[dask]'") from e
    return Client


def connect(address: Optional[str] = None, *, n_workers: int = 2, threads_per_worker: int = 1,
            processes: bool = True, **cluster_kwargs: Any) -> Any:
    """A ``dask.distributed.Client``: to the scheduler at ``address``, or to a new
    ``LocalCluster`` of ``n_workers`` workers when ``address`` is None."""
    Client = _client_type()
    if address is not None:
        return Client(address)
    from dask.distributed import LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes,
                           dashboard_address=None, **cluster_kwargs)
    return Client(cluster)


def _check_client(client: Any) -> None:
    if client is None or not hasattr(client, "map") or not hasattr(client, "gather"):
        raise TypeError("client must be a dask.distributed.Client (see distributed.connect())")


def build_shards(sources: Union[PathLike, Iterable[PathLike]], path: PathLike, *, client: Any,
                 retries: int = 2, **kwargs: Any) -> ShardedIndex:
    """:func:`minent_fast.build_shards` with each shard built as a task on ``client``."""
    _check_client(client)
    return shards.build_shards(sources, path, client=client, retries=retries, **kwargs)


def ngram_tables(index: PathLike, path: PathLike, n: Union[int, Sequence[int]], min_count: int = 1, *,
                 client: Any, retries: int = 2, **kwargs: Any) -> list[str]:
    """:func:`minent_fast.ngram_tables` with the map and reduce steps as tasks on ``client``."""
    _check_client(client)
    return shards.ngram_tables(index, path, n, min_count, client=client, retries=retries, **kwargs)


def count_piece(tagger: Any, piece: tuple[str, int, int], num_threads: Optional[int] = None) -> tuple[list[str], Any]:
    """(words, uint64 counts) of the word tokens of one byte range of a file, tagged, in
    first-occurrence order (a task: reads, never writes but a temporary copy of the
    range, removed when it ends)."""
    import os
    import tempfile

    path, start, end = piece
    fd, tmp = tempfile.mkstemp(prefix="minent-piece-", suffix=".txt")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                block = f.read(min(left, 16 << 20))
                if not block:
                    raise OSError(f"{path} is shorter than when it was planned ({start}..{end})")
                out.write(block)
                left -= len(block)
        words, counts = tagger.count_tokens([tmp], num_threads=num_threads)
        return words, counts
    finally:
        os.unlink(tmp)


def discover_words(sources: Union[PathLike, Iterable[PathLike]], *, client: Any, shard_bytes: int = 256 << 20,
                   retries: int = 2, **kwargs: Any) -> Any:
    """:func:`minent_fast.discover_words` with its pass over the whole corpus (tagging every
    line and counting the words) as tasks on ``client``, one per ``shard_bytes`` of text
    cut at line ends. The statistics and the self-training run here, within
    ``memory_budget``; a task holds one range's word counts. The lexicon is the
    single-process one: no line crosses a range, and the ranges' counts are summed."""
    import numpy as np

    from ..discovery.words import discover_words as _discover

    _check_client(client)

    def count_all(tagger: Any, paths: list[str]) -> tuple[list[str], Any]:
        pieces = [piece for shard in shards.plan_shards(paths, shard_bytes) for piece in shard if piece[2] > piece[1]]
        remote = client.scatter(tagger, broadcast=True)
        total: dict[str, int] = {}
        # in corpus order, so each word keeps its first occurrence's place; one range at a
        # time, each released once added, so neither the workers nor this process ever hold
        # every range's counts (gathering them all at once took 8.5 GB here at 4 GB of text)
        for words, counts in shards._run_in_order(count_piece, [(remote, p) for p in pieces], client, retries):
            for w, c in zip(words, counts.tolist()):
                total[w] = total.get(w, 0) + c
        return list(total), np.fromiter(total.values(), dtype=np.uint64, count=len(total))

    return _discover(sources, _count_all=count_all, **kwargs)
