"""Concordance queries shared by CorpusIndex and ShardedIndex: argument checks, the
pyarrow tables of ``locate`` and ``kwic``, and the merge of shard results.

Every row names its source file, its 1-based line in that file and the column (characters
from the line's start, 0-based) of the hit, so ``lines[line - 1][offset:]`` starts with the
match, whether the corpus is one index or shards of it.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import pyarrow as pa

ORDERS = ("corpus", "left", "right", "random")
MAX_WIDTH = 10_000
MAX_QUERY = 100_000  # characters: longer strings cannot be in any line a reader wants shown

LOCATE_SCHEMA = pa.schema([("source", pa.dictionary(pa.int32(), pa.string())), ("line", pa.int64()),
                           ("offset", pa.int64())])
KWIC_SCHEMA = pa.schema([("source", pa.dictionary(pa.int32(), pa.string())), ("line", pa.int64()),
                         ("left", pa.string()), ("match", pa.string()), ("right", pa.string())])


def check_query(s: Any, what: str) -> str:
    if not isinstance(s, str):
        raise TypeError(f"{what} takes a str, not {type(s).__name__}")
    if not s:
        raise ValueError(f"{what} needs at least one character")
    if len(s) > MAX_QUERY:
        raise ValueError(f"{what}: a query of {len(s)} characters is longer than the {MAX_QUERY} allowed")
    return s


def check_int(value: Any, name: str, lo: int, hi: int, allow_none: bool = False) -> Optional[int]:
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int{' or None' if allow_none else ''}, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
    return int(value)


def check_kwic_args(width: Any, limit: Any, order: Any, seed: Any) -> tuple[int, int, str, int]:
    w = check_int(width, "width", 0, MAX_WIDTH)
    n = check_int(limit, "limit", 0, 2**63 - 1)
    if not isinstance(order, str) or order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(map(repr, ORDERS))}, got {order!r}")
    sd = check_int(seed, "seed", 0, 2**64 - 1)
    assert w is not None and n is not None and sd is not None
    return w, n, order, sd


def _sources(indices: np.ndarray, names: Sequence[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices, type=pa.int32()), pa.array(list(names), type=pa.string()))


def locate_table(raw: tuple, names: Sequence[str]) -> pa.Table:
    source, line, col = raw
    return pa.Table.from_arrays([_sources(source, names), pa.array(line.astype(np.int64)),
                                 pa.array(col.astype(np.int64))], schema=LOCATE_SCHEMA)


def kwic_table(rows: dict, names: Sequence[str]) -> pa.Table:
    return pa.Table.from_arrays([_sources(rows["source"], names), pa.array(np.asarray(rows["line"], dtype=np.int64)),
                                 pa.array(rows["left"], type=pa.string()), pa.array(rows["match"], type=pa.string()),
                                 pa.array(rows["right"], type=pa.string())], schema=KWIC_SCHEMA)


def kwic_rows(raw: tuple, source_map: Optional[np.ndarray] = None) -> dict:
    """The core's kwic tuple as columns; ``source_map`` renumbers sources (shards)."""
    source, line, col, left, match, right, key, sort_key = raw
    if source_map is not None:
        source = source_map[source]
    return {"source": np.asarray(source), "line": np.asarray(line), "offset": np.asarray(col), "left": left,
            "match": match, "right": right, "key": np.asarray(key), "sort_key": sort_key}


def merge_kwic(parts: list[dict], order: str, limit: int) -> dict:
    """Merge per-shard KWIC rows (each already ordered and limited), shards in corpus order."""
    cols = ("source", "line", "offset", "left", "match", "right", "key", "sort_key")
    if not parts:
        return {c: [] for c in cols}
    merged: dict = {c: (np.concatenate([p[c] for p in parts]) if c in ("source", "line", "offset", "key")
                        else [x for p in parts for x in p[c]]) for c in cols}
    n = len(merged["left"])
    if order == "corpus":
        idx = list(range(min(n, limit)))
    elif order == "random":  # each shard's keys are iid uniform: the smallest overall are a uniform sample
        idx = np.argsort(merged["key"], kind="stable")[:limit].tolist()
    else:  # by the segment's symbols on that side, ties in corpus order (shards are in it)
        idx = sorted(range(n), key=lambda i: merged["sort_key"][i])[:limit]
    return {c: ([merged[c][i] for i in idx] if isinstance(merged[c], list) else merged[c][np.asarray(idx, dtype=np.int64)])
            for c in cols}


def source_names(shard_files: list[list[str]]) -> tuple[list[str], list[np.ndarray]]:
    """One list of file names for all shards (a file cut into several shards appears
    once) and, per shard, the map from its source numbers into that list."""
    names: list[str] = []
    where: dict[str, int] = {}
    maps = []
    for files in shard_files:
        m = []
        for f in files:
            if f not in where:
                where[f] = len(names)
                names.append(f)
            m.append(where[f])
        maps.append(np.array(m, dtype=np.int64))
    return names, maps


# ------------------------------------------------------------------ collocates
BY = ("pmi", "count", "loglik")


def check_collocate_args(window: Any, by: Any, min_count: Any) -> tuple[int, str, int]:
    w = check_int(window, "window", 1, 1000)
    if not isinstance(by, str) or by not in BY:
        raise ValueError(f"by must be one of {', '.join(map(repr, BY))}, got {by!r}")
    m = check_int(min_count, "min_count", 1, 2**63 - 1)
    assert w is not None and m is not None
    return w, by, m


def char_freq(index: Any) -> dict[str, int]:
    """Every character's count, made once per index object."""
    if "char_freq" not in index._memo:
        t = index.char_counts()
        index._memo["char_freq"] = dict(zip(t.column("char").to_pylist(), t.column("count").to_pylist()))
    return index._memo["char_freq"]


MEMO_ENTROPIES = 1 << 16


def collocates_table(slots: int, chars: Sequence[str], counts: Any, freq: Any, total: int,
                     by: str, min_count: int) -> pa.Table:
    """Score the characters seen in the windows (``counts`` of them over ``slots`` window
    positions) against their corpus counts ``freq`` (same order) out of ``total`` characters.

    pmi = ln(a·N / (S·f)); loglik = Dunning's G² of the 2×2 table (window or not × this
    character or not), negative when the character is rarer in the windows than elsewhere;
    count = a. Sorted by score, then count, then character."""
    a = np.asarray(counts, dtype=np.float64)
    keep = a >= min_count
    words = pa.array(chars, type=pa.string()).filter(pa.array(keep))
    a = a[keep]
    f = np.asarray(freq, dtype=np.float64)[keep]
    n, s = float(max(total, 1)), float(max(slots, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        if by == "count":
            score = a.copy()
        elif by == "pmi":
            score = np.log(a * n / (s * f))
        else:
            o = [a, np.maximum(s - a, 0), np.maximum(f - a, 0), np.maximum(n - s - np.maximum(f - a, 0), 0)]
            e = [s * f / n, s * (n - f) / n, (n - s) * f / n, (n - s) * (n - f) / n]
            g2 = 2 * sum(np.where(oi > 0, oi * np.log(oi / ei), 0.0) for oi, ei in zip(o, e))
            score = np.where(a >= e[0], g2, -g2)
    # by score, then count, then character (the input is in code-point order: a stable sort keeps it)
    order = np.lexsort((np.arange(len(a)), -a, -np.nan_to_num(score, nan=-np.inf)))
    return pa.table({"word": words.take(pa.array(order)),
                     "count": pa.array(a[order].astype(np.uint64)),
                     "score": pa.array(score[order], type=pa.float64())})


# ------------------------------------------------------------ boundary profile
def single_char_entropies(index: Any) -> dict[str, dict[str, float]]:
    """The left and right branching entropy of every character, from the index's bigram
    counts (made once per index object): H = ln N − Σ n ln n / N over its neighbours."""
    if "char_entropies" not in index._memo:
        import pyarrow.compute as pc

        t = index.ngrams(2)
        grams = t.column("ngram")
        n = pc.cast(t.column("count"), pa.float64())
        pairs = pa.table({"first": pc.utf8_slice_codeunits(grams, 0, 1), "second": pc.utf8_slice_codeunits(grams, 1, 2),
                          "n": n, "nlogn": pc.multiply(n, pc.ln(n))})
        out: dict[str, dict[str, float]] = {}
        for side, key in (("right", "first"), ("left", "second")):
            g = pairs.group_by(key).aggregate([("n", "sum"), ("nlogn", "sum")])
            total = g.column("n_sum").to_numpy()
            h = np.log(total) - g.column("nlogn_sum").to_numpy() / total
            out[side] = dict(zip(g.column(key).to_pylist(), np.maximum(h, 0.0).tolist()))
        index._memo["char_entropies"] = out
    return index._memo["char_entropies"]


def _contexts(sentence: str, k: int) -> dict[str, list[str]]:
    """The contexts whose entropies the profile of ``sentence`` reads, per side."""
    n = len(sentence)
    return {"right": [sentence[max(0, b - k):b] for b in range(1, n + 1)]
            + [sentence[max(0, b - k):b - 1] for b in range(1, n)],
            "left": [sentence[b:b + k] for b in range(n)] + [sentence[b + 1:b + k] for b in range(1, n)]}


def profile_cost(index: Any, sentence: str, order: int = 2) -> int:
    """The occurrences :func:`boundary_profile` would read for ``sentence`` now: those of
    its contexts of two or more characters whose entropies are not kept yet (an entropy
    reads at most every occurrence of its context)."""
    cache: dict = index._memo.get("entropy", {})
    missing = [s for side, strings in _contexts(sentence, order).items() for s in dict.fromkeys(strings)
               if len(s) >= 2 and (s, side) not in cache]
    return int(index.count_many(missing).sum()) if missing else 0


def boundary_profile(index: Any, sentence: Any, order: Any) -> Any:
    """Branching entropies at every boundary of ``sentence`` (see CorpusIndex.boundary_profile)."""
    if not isinstance(sentence, str):
        raise TypeError(f"boundary_profile takes a str, not {type(sentence).__name__}")
    if len(sentence) > 10_000:
        raise ValueError(f"boundary_profile: a sentence of {len(sentence)} characters is longer than the 10000 allowed")
    k = check_int(order, "order", 1, 32)
    assert k is not None
    n = len(sentence)
    # entropies are kept per index object (a left entropy scans every occurrence: a common
    # character's is worth keeping), up to MEMO_ENTROPIES of them; the missing ones of this
    # sentence come from one call per side
    cache: dict = index._memo.setdefault("entropy", {})
    known: dict = {}
    for side, strings in _contexts(sentence, k).items():
        missing = []
        for s in dict.fromkeys(strings):
            if len(s) >= 2:
                v = cache.get((s, side))  # one lookup: another thread may clear the cache meanwhile
                if v is not None:
                    known[s, side] = v
                else:
                    missing.append(s)
        if missing:
            if len(cache) + len(missing) > MEMO_ENTROPIES:
                cache.clear()
            for s, v in zip(missing, index.branching_entropies(missing, side).tolist()):
                known[s, side] = cache[s, side] = v

    def h(s: str, side: str) -> float:
        if not s:
            return float(index.char_entropy())
        if len(s) == 1:  # every character's, from one bigram table (a left entropy scans every occurrence)
            return single_char_entropies(index)[side].get(s, 0.0)
        return known[s, side]

    h_right = np.full(n + 1, np.nan)
    h_left = np.full(n + 1, np.nan)
    autonomy = np.full(n + 1, np.nan)
    for b in range(n + 1):
        if b > 0:
            h_right[b] = h(sentence[max(0, b - k):b], "right")
        if b < n:
            h_left[b] = h(sentence[b:b + k], "left")
        if 0 < b < n:
            rise_right = h_right[b] - h(sentence[max(0, b - k):b - 1], "right")
            rise_left = h_left[b] - h(sentence[b + 1:b + k], "left")
            autonomy[b] = rise_right + rise_left
    from ..pictures import BoundaryProfile

    return BoundaryProfile(sentence, {"h_left": h_left, "h_right": h_right, "autonomy": autonomy})
