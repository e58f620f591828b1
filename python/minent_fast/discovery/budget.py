"""The memory budget of word discovery (``discover_words(memory_budget=)``, CLI ``--memory``).

Of discovery's stages only one needs memory that grows with the corpus: the branching
entropies. The self-training settings read a sample of at most 64 MB, and the final
tagging pass streams the corpus. The budget decides how the entropies are computed:

- When the estimated peak of the index path fits (a suffix array of the text and of the
  reversed text, and one row per distinct n-gram of up to ``max_len + 1`` characters — a
  number that keeps growing with real text, Heaps' law), from those indexes.
- Otherwise by partitions (``minent_core::discover::partitioned``): rows only for the
  n-grams of the settings' sample, the statistics still from the whole corpus, read once
  per range of first (then last) characters whose occurrences' keys fit what the budget
  leaves. The scores are the same floats, so the lexicon does not depend on the budget.
- Without self-training (``self_train=False``, whose first segmentations read the whole
  corpus and so need every n-gram's row), the segmentations read every k-th line, the
  largest such sample whose estimated peak fits, with the statistics of the whole corpus
  by partitions as above; the lexicon found there is then counted on every line. That is
  an approximation, measured in docs/scaling.md.

The estimate: ``INDEX_BYTES`` per character for the two index builds, ``ROW_BYTES`` per
distinct candidate, plus ``FIXED_BYTES`` for the rest of the pipeline. The number of
distinct candidates of a corpus is bounded by ``max_len`` per character; when that bound
fits, nothing is estimated. Otherwise it is extrapolated from two spread samples (every
k-th line) of 2 and 8 MB by Heaps' law D(n) = D₈·(n/n₈)^β, with β read off the two
samples; β falls as a corpus grows, so the extrapolation errs on the side of memory.
docs/scaling.md has the measurements behind the constants.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Union

# measured on the synthetic corpus of ../shared/tools/synth_corpus.py (docs/scaling.md)
INDEX_BYTES = 14  # peak bytes per character of the forward and reversed index builds
ROW_BYTES = 110  # peak bytes per distinct candidate n-gram (rows, joins, table, tokenizer tries)
FIXED_BYTES = 1 << 30  # the self-training stage on its ≤ 64 MB sample and the interpreter
_PROBES = (2 << 20, 8 << 20)  # bytes of the two samples the growth of D is read from
MIN_KEY_MEMORY = 64 << 20  # the least a partition of the partitioned path is given (bytes of keys)

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}


def parse_memory(value: Union[int, str]) -> int:
    """Bytes from an int or a size such as ``"6G"``, ``"512MB"``, ``"1.5GiB"`` (powers of
    1024). TypeError for another type, ValueError for an unreadable or too small size."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"memory_budget must be an int (bytes) or a size such as '6G', not {type(value).__name__}")
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", value)
        if not m or m.group(2).lower() not in _UNITS:
            raise ValueError(f"cannot read the memory size {value!r}: expected a number with K, M, G or T, e.g. '6G'")
        value = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if value < 256 << 20:
        raise ValueError(f"memory_budget must be at least 256 MiB, got {value} bytes")
    return value


def machine_memory() -> Optional[int]:
    """Physical memory in bytes, or None when the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory() -> int:
    """A quarter of the machine's memory, at least 1 GiB (6 GiB on a 24 GiB machine): room for
    the operating system's page cache of the corpus and for whatever else runs."""
    ram = machine_memory()
    return max(1 << 30, (ram or 4 << 30) // 4)


def estimate_peak(chars: float, candidates: float) -> float:
    """Estimated peak bytes of discovery whose autonomy reads ``chars`` characters with
    ``candidates`` distinct candidate n-grams."""
    return INDEX_BYTES * chars + ROW_BYTES * candidates + FIXED_BYTES


@dataclass(frozen=True)
class Plan:
    """How the branching entropies are computed within a budget (see the module doc)."""

    share: float  # 1.0: the whole corpus fits the index path; else the share of lines it could take
    key_memory: Optional[int] = None  # past the budget: bytes of keys a partition may hold


def plan(paths: Sequence[str], budget: int, top_len: int, symbols: str, num_threads: Optional[int],
         sample_bytes: Optional[int]) -> Plan:
    """The plan for ``paths`` within ``budget`` bytes, when the rows needed past the budget are
    those of a sample of ``sample_bytes`` (None: of the share of lines ``share`` says)."""
    size = sum(os.path.getsize(p) for p in paths)
    if estimate_peak(size, top_len * size) <= budget:  # chars ≤ bytes, candidates ≤ top_len·chars
        return Plan(1.0)
    (_, c1, d1), (b2, c2, d2) = _probe(paths, top_len, symbols, num_threads)
    if d2 <= 0 or c2 <= 0:
        return Plan(1.0)
    chars_per_byte = c2 / b2
    beta = 1.0 if d1 <= 0 or c2 <= c1 else min(1.0, max(0.0, math.log(d2 / d1) / math.log(c2 / c1)))

    def candidates(n: float) -> float:
        return min(d2 * (n / c2) ** beta, top_len * n)

    def peak(q: float) -> float:
        n = q * chars_per_byte * size
        return estimate_peak(n, candidates(n))

    if peak(1.0) <= budget:
        return Plan(1.0)
    lo, hi = 1e-4, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if peak(mid) <= budget else (lo, mid)
    rows = ROW_BYTES * candidates(chars_per_byte * min(size, sample_bytes if sample_bytes is not None else lo * size))
    return Plan(lo, max(int(budget - FIXED_BYTES - rows), MIN_KEY_MEMORY))


def autonomy_fraction(paths: Sequence[str], budget: int, top_len: int, symbols: str,
                      num_threads: Optional[int]) -> float:
    """The share of the corpus's lines the index path can take within ``budget``: 1.0 (the
    whole corpus, exact) when it fits, else the largest fraction q whose estimated peak
    does (at least one line in 10,000)."""
    return plan(paths, budget, top_len, symbols, num_threads, 0).share


def _probe(paths: Sequence[str], top_len: int, symbols: str,
           num_threads: Optional[int]) -> list[tuple[int, int, int]]:
    """(bytes, characters, distinct candidates) of two spread samples of the corpus."""
    from .. import _core
    from .words import _sample

    out = []
    for size in _PROBES:
        with _sample(list(paths), size) as sample:
            chars = nbytes = 0
            for p in sample:
                with open(p, "rb") as f:
                    data = f.read()
                nbytes += len(data)
                chars += len(data.decode("utf-8", errors="replace"))
            table = _core.autonomy_table(sample, segmenter=symbols, max_len=top_len, min_count=1,
                                         num_threads=num_threads)
            out.append((nbytes, chars, len(table)))
    return out


@contextmanager
def key_runs() -> Iterator[dict]:
    """A directory (in ``tempfile``'s) for the run files of the partitioned statistics,
    and how many bytes are free in it: the ``spill_dir`` / ``spill_free`` arguments of
    ``_core.autonomy_table``. The core writes there only from eight partitions a side (below
    that, re-reading the corpus per partition is the cheaper) and when one direction's keys
    (16 bytes an occurrence) fit nine tenths of the free space; the directory is removed
    after success, failure and Ctrl-C."""
    path = tempfile.mkdtemp(prefix="minent-keys-")
    try:
        yield {"spill_dir": path, "spill_free": shutil.disk_usage(path).free}
    finally:
        try:
            shutil.rmtree(path)
        except OSError as e:
            warnings.warn(f"could not remove the run files in {path}: {e}", RuntimeWarning, stacklevel=3)
