"""Stage 1, corpus → index: UTF-8 text (files, stdin, pipes, compressed files) in, a
suffix-array index out, with exact counts, n-grams and statistics of any substring.

- :mod:`.corpus`: :class:`CorpusIndex`, one index in memory or memory-mapped from disk.
- :mod:`.shards`: :class:`ShardedIndex` and :func:`build_shards` for corpora larger than
  memory, and :func:`ngram_tables`, exact n-gram counts as hash-partitioned Parquet.
- :mod:`.distributed`: the same shard and n-gram tasks on a Dask cluster.
"""

from .corpus import CorpusIndex
from .shards import ShardedIndex, build_shards, ngram_tables

__all__ = ["CorpusIndex", "ShardedIndex", "build_shards", "ngram_tables"]
