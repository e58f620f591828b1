"""Word discovery (``discover_words``) and the article-2 entropy figures (``entropy_report``).

Method (docs/discovery.md has the reasoning and the measurements):

1. Index the corpus (suffix array) and, in one pass over its LCP array, get every n-gram
   of 1..max_len characters with its count and right branching entropy; the same on the
   index of the reversed corpus gives the left branching entropy (Rust).
2. Score every candidate of up to ``max_len`` characters by its *autonomy*: how much the
   branching entropy of its neighbours rises at its edges (the normalised variation of
   branching entropy, nVBE): a word's right neighbours are far more varied than those of
   the word minus its last character. Right and left variations are z-normalised per
   length and added. Occurrences at a segment edge count as one boundary neighbour.
3. Segment the corpus maximising Σ_w len(w)·(autonomy(w) + length_bonus·[len(w) > 1]):
   characters are grouped when the group is autonomous — this is the article's merge
   criterion (merge when the average information per character falls) expressed with
   branching entropy, which sees the whole neighbourhood rather than one adjacent pair.
4. Minimum-entropy re-estimation: the word counts of that segmentation become a unigram
   lexicon; the corpus is re-segmented by unigram Viterbi and re-counted, repeated while
   the average information per character L = H/l falls.
5. Lexicon cost (MDL pruning): a word stays only if it pays for its own spelling. With the
   corpus coded by words and the lexicon coded as a set of spelled words, each word whose
   removal (its occurrences re-read as its best split) shortens the total description is
   dropped, rarest first; the corpus is re-segmented and this is repeated while the total
   falls. Plain L rewards memorising rare pieces; the total does not.

Every segmentation of steps 3–5 reads a run of decimal digits whole (the core tokenizer's
``atomic_digits``): a number is a unit of any length, and its pieces ("20", "00年") are no
words (PKU: F1 0.7646 → 0.7665).

All logs are natural (nats) unless a name says bits.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
from collections import Counter
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

import numpy as np
import pyarrow as pa

from .. import _core
from .._io import local_sources
from .._progress import ProgressArg, make_progress
from ..index.corpus import CorpusIndex, _check_threads, _source_list
from ..segment.lexicon import Lexicon
from .budget import default_memory, key_runs, parse_memory, plan

_log = logging.getLogger("minent_fast")

PathLike = Union[str, "os.PathLike[str]"]


def autonomy_scores(
    sources: Union[PathLike, Iterable[PathLike]],
    max_len: int = 3,
    *,
    min_count: int = 1,
    symbols: str = "han",
    num_threads: Optional[int] = None,
    progress: ProgressArg = None,
) -> dict[str, float]:
    """nVBE autonomy of every n-gram of 1..max_len characters seen >= min_count times.

    autonomy(x) = z(δ_r(x)) + z(δ_l(x)): δ_r(x) = h_r(x) − h_r(x minus its last char), the
    rise of the right branching entropy (nats) at x's end, δ_l likewise at its start; z
    standardises among n-grams of the same length. Computed in Rust from one LCP pass over
    the corpus index and one over the index of the reversed corpus. ``symbols``: what a
    segment is made of (see :func:`discover_words`).
    """
    _check_int("max_len", max_len, 1, 4)
    _check_symbols(symbols)
    cb, close = make_progress(progress)
    try:
        with local_sources(_source_list(sources)) as src:
            words, scores = _core.autonomy(src.paths, segmenter=symbols, max_len=max_len, min_count=min_count,
                                           num_threads=_check_threads(num_threads), progress=cb)
    finally:
        close()
    return dict(zip(words, scores.tolist()))


def autonomy_from_index(index: "CorpusIndex", max_len: int = 3, *, min_count: int = 1,
                        num_threads: Optional[int] = None) -> dict[str, float]:
    """:func:`autonomy_scores` from an index's exact n-gram counts (1..max_len+1 chars)
    instead of rebuilding indexes of the corpus: the way for a :class:`ShardedIndex`, whose
    memory is then bounded by the number of distinct n-grams, not by the corpus. Same
    floats as :func:`autonomy_scores` on the same text (segmenter "han")."""
    _check_int("max_len", max_len, 1, 4)
    if index.segmenter not in SYMBOLS:
        raise ValueError(f"word discovery needs an index built with segmenter 'han', 'unicode' or 'all', "
                         f"not {index.segmenter!r}")
    table = index.ngrams((1, max_len + 1), 1, order="ngram", num_threads=num_threads)
    arr = table.column("ngram").combine_chunks().cast(pa.large_string())
    if len(arr) == 0:
        return {}
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    counts = table.column("count").combine_chunks().to_numpy()
    words, scores = _core.autonomy_from_counts(data, np.ascontiguousarray(offsets), np.ascontiguousarray(counts),
                                               max_len=max_len, min_count=min_count)
    return dict(zip(words, scores.tolist()))


SYMBOLS = ("han", "unicode", "all")
_SAMPLE_BYTES = 1 << 20


def default_max_len(sources: Sequence[str]) -> int:
    """3 when most letters in the first MiB of ``sources`` are wide (East Asian Width W:
    Han, kana, hangul, which carry about 10 bits each), else 4 (alphabets, abugidas,
    phonemic symbols, 4–5 bits each)."""
    import unicodedata

    wide = narrow = 0
    for src in sources:
        try:
            with open(src, "rb") as f:
                text = f.read(_SAMPLE_BYTES).decode("utf-8", errors="ignore")
        except OSError:
            continue
        for ch in text:
            if ch.isalpha():
                if unicodedata.east_asian_width(ch) == "W":
                    wide += 1
                else:
                    narrow += 1
        if wide + narrow >= _SAMPLE_BYTES // 4:
            break
    return 4 if narrow > wide else 3


def _check_symbols(symbols: object) -> None:
    if not isinstance(symbols, str):
        raise TypeError(f"symbols must be a str, not {type(symbols).__name__}")
    if symbols not in SYMBOLS:
        raise ValueError(f"unknown symbols {symbols!r}: expected one of {', '.join(map(repr, SYMBOLS))}")


def _sharded_index(sources: object) -> Optional["CorpusIndex"]:
    """The ShardedIndex when ``sources`` is one (or the directory of one), else None."""
    from ..index.shards import ShardedIndex, is_sharded

    if isinstance(sources, ShardedIndex):
        return sources
    if isinstance(sources, (list, tuple)) and len(sources) == 1:
        sources = sources[0]
    if isinstance(sources, (str, os.PathLike)) and os.path.isdir(sources) and is_sharded(sources):
        return ShardedIndex.open(sources, verify=False)
    return None


def _info_per_char(counts: dict[str, int]) -> float:
    """L = H / l (nats per character) of a segmentation given its word counts."""
    total = sum(counts.values())
    if total == 0:
        return 0.0
    h = l_ = 0.0
    for w, c in counts.items():
        p = c / total
        h -= p * math.log(p)
        l_ += p * len(w)
    return h / l_


# Tokens longer than this are runs the tokenizer glues whatever the lexicon holds (nlp-zero's
# combine_Aa123: after a token ending in an ASCII letter or digit, e.g. 乙b, the following
# letters, digits and '.'), not discovered words (those have at most max_len ≤ 4 chars).
# They are left out of the lexicon: as entries they would only make every later
# segmentation walk the whole run from each of its positions (quadratic in a 10⁵-char line).
_MAX_ENTRY = 64


def _token_counts(words: list[str], counts: np.ndarray) -> dict[str, int]:
    """A segmentation's token counts, without the glued runs longer than ``_MAX_ENTRY``."""
    return {w: c for w, c in zip(words, counts.tolist()) if len(w) <= _MAX_ENTRY}


def _char_logp(counts: dict[str, int]) -> dict[str, float]:
    """ln p(char) of the characters of a segmentation (its token counts)."""
    chars: Counter[str] = Counter()
    for w, c in counts.items():
        for ch in w:
            chars[ch] += c
    total = sum(chars.values())
    return {ch: math.log(n / total) for ch, n in chars.items()}


def _description_length(counts: dict[str, int], logp: dict[str, float]) -> float:
    """Two-part code length (nats) of a segmentation given its token counts: the corpus
    coded by words (N ln N − Σ c ln c) plus the lexicon as a *set* of words, each spelled
    with the character model ``logp``; the set's end marks cost ln(v + 1) each, less the
    ln v! of an order a set does not have (about one nat an entry). In Rust
    (``minent_core::discover::mdl``), as are the pruning and merging decisions."""
    return _core.description_length(counts, logp)


def _mdl_prune(counts: dict[str, int], logp: dict[str, float], keep: set[str], max_len: int = 4) -> dict[str, int]:
    """One greedy pass of lexicon pruning, rarest and longest words first.

    Removing w re-reads its c occurrences as its cheapest split into other entries
    (unigram costs −ln(count/N); a character without an entry may be used at the price of
    a new entry). The change of :func:`_description_length` is then exact: the corpus part
    from the new counts and N, the lexicon part from w's spelling, the new entries' and
    the set's end marks. w is removed when the change is negative, and the counts are updated
    at once so later decisions see it: the result is never longer than the input (with the
    same ``logp``), and shorter when a word went. Words in ``keep`` are not tried, nor
    entries longer than ``max_len``: discovered words are never longer, what is longer is
    a run the tokenizer keeps whole (a number, a Latin word — possibly 10⁵ characters, too
    long for a quadratic split). The pass runs in Rust (``minent_core::discover::mdl``).
    """
    return _core.mdl_prune(counts, logp, keep, max_len)


def _check_int(name: str, value: object, lo: int, hi: Optional[int]) -> None:
    """Wrong type: TypeError; out of [lo, hi]: ValueError (the package's argument contract)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < lo or (hi is not None and value > hi):
        bound = f"from {lo} to {hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be an int {bound}, got {value}")


def discover_words(
    sources: Union[PathLike, Iterable[PathLike]],
    *,
    max_len: Optional[int] = None,
    length_bonus: float = 3.0,
    iterations: int = 3,
    min_count: int = 1,
    prune: bool = True,
    merge: Optional[bool] = None,
    symbols: Optional[str] = None,
    known: Any = None,
    union: bool = False,
    self_train: bool = True,
    memory_budget: Union[int, str, None] = None,
    num_threads: Optional[int] = None,
    progress: ProgressArg = None,
    _count_all: Optional[Callable[[Any, list[str]], tuple[list[str], Any]]] = None,
) -> Lexicon:
    """Discover the words of a corpus without supervision; returns a :class:`Lexicon`.

    ``max_len``: longest word of the initial segmentation (characters, 1 to 4); None: 3
    for a corpus written mostly in wide characters (Han, kana, hangul: about 10 bits a
    character), 4 otherwise (letters, phonemes: about 4–5 bits, so words are longer in
    characters; :func:`default_max_len`). ``length_bonus``:
    the per-character bonus of a multi-character group in that segmentation.
    ``iterations``: at most this many unigram re-estimation rounds (stops early when L
    stops falling). ``min_count``: drop words seen fewer times from the result.
    ``merge``: then join words that follow each other into one where that shortens the
    description (article 1's merge criterion on words, :func:`_merge_rounds`), which finds
    words longer than ``max_len``; None: on when self-training (in the full settings at
    the given ``length_bonus``), off otherwise. ``prune``: then drop the words that do not pay for their own spelling (MDL: the corpus
    coded by words plus the lexicon, step 5 of the module doc), re-segmenting while that
    total falls; ``iterations`` also bounds these passes (0: no re-estimation and no
    pruning). ``symbols`` (None: ``"unicode"``, or a sharded index's own segmenter): what words are made of — ``"han"`` (nlp-zero's
    ``[\u4e00-\u9fa5 0-9 a-z A-Z]``, everything else separates; runs of ASCII letters and
    digits are glued as nlp-zero's tokenizer does), ``"unicode"`` (letters, marks and digits
    of every script, apostrophes inside words; space, punctuation and symbols separate; no
    gluing) or ``"all"`` (every non-space character, one segment per line: phonemic
    transcriptions, DNA). Segment text with ``Tokenizer(lexicon)`` (for ``"unicode"`` and
    ``"all"``, ``combine_alnum=False``).

    ``memory_budget``: bytes (or a size such as ``"6G"``) the run may use; None: a quarter
    of the machine's memory (:func:`~minent_fast.discovery.budget.default_memory`). Only
    the branching entropies grow with the corpus. When the indexes of the whole corpus do
    not fit, they are computed from the whole corpus in partitions, keeping rows only for
    the n-grams of the settings' sample: the same scores, so the same lexicon, whatever the
    budget. (With ``self_train=False``, whose segmentations need every n-gram's row, those
    read every k-th line instead, and the lexicon found there is counted on all: an
    approximation; docs/scaling.md.) A sharded index is read through
    its sources the same way, so it gives the lexicon of one file of the same text.
    """
    sharded = _sharded_index(sources)
    given = sharded.sources if sharded is not None else _source_list(sources)
    threads = _check_threads(num_threads)
    if isinstance(length_bonus, bool) or not isinstance(length_bonus, (int, float)):
        raise TypeError("length_bonus must be a number")
    if not math.isfinite(length_bonus):
        raise ValueError("length_bonus must be finite")
    _check_int("iterations", iterations, 0, None)
    _check_int("min_count", min_count, 1, None)
    if not isinstance(self_train, bool):
        raise TypeError(f"self_train must be a bool, not {type(self_train).__name__}")
    if not isinstance(union, bool):
        raise TypeError(f"union must be a bool, not {type(union).__name__}")
    if merge is None:
        merge = self_train  # with self-training: English +0.02/+0.11 F1, PKU unchanged (docs/discovery.md)
    elif not isinstance(merge, bool):
        raise TypeError(f"merge must be None or a bool, not {type(merge).__name__}")
    if union and known is None:
        raise ValueError("union=True needs a known dictionary (known=)")
    known_words = _known_words(known) if known is not None else None
    if not isinstance(prune, bool):
        raise TypeError(f"prune must be a bool, not {type(prune).__name__}")
    if sharded is not None:
        if symbols is not None and symbols != sharded.segmenter:
            raise ValueError(f"symbols={symbols!r}, but the sharded index was built with segmenter "
                             f"{sharded.segmenter!r}: rebuild it with that segmenter or leave symbols out")
        symbols = sharded.segmenter
    elif symbols is None:
        symbols = "unicode"
    _check_symbols(symbols)
    glue = symbols == "han"  # ASCII gluing is nlp-zero's, for Chinese text only
    if max_len is not None:
        _check_int("max_len", max_len, 1, 4)
    budget = parse_memory(memory_budget) if memory_budget is not None else default_memory()
    cb, close = make_progress(progress)
    try:
        # stdin, pipes and compressed files: one temporary copy, read by every pass below
        with local_sources(given) as src, contextlib.ExitStack() as stack:
            paths = src.paths
            if max_len is None:
                max_len = 3 if symbols == "han" else default_max_len(paths)
            # self-training grid: the initial word length one longer too (where allowed)
            top_len = min(max_len + 1, 4) if self_train else max_len
            # the settings are estimated on a sample (every k-th line when the corpus is larger)
            sample = stack.enter_context(_sample(paths, _SELF_TRAIN_SAMPLE)) if self_train else None
            # the branching entropies within the budget (discovery/budget.py): from indexes of the
            # whole corpus when they fit; else from the whole corpus in partitions, rows only for
            # the sample's n-grams (the same scores for them); without self-training, whose first
            # segmentations need every n-gram, those then read every k-th line
            how = plan(paths, budget, top_len, symbols, threads, _SELF_TRAIN_SAMPLE if self_train else None)
            on_auto = paths
            if how.share == 1.0:
                auto = _core.autonomy_table(paths, segmenter=symbols, max_len=top_len, min_count=1,
                                            num_threads=threads, progress=cb)
            elif sample is not None:
                _log.info("memory budget %d MiB: autonomy of the sample's n-grams from the whole corpus, "
                          "in partitions of %d MiB of keys", budget >> 20, (how.key_memory or 0) >> 20)
                with key_runs() as runs:  # the partitions' keys through run files, if they fit there
                    auto = _core.autonomy_table(paths, segmenter=symbols, max_len=top_len, min_count=1,
                                                candidates=sample, key_memory=how.key_memory, num_threads=threads,
                                                progress=cb, **runs)
            else:
                _log.info("memory budget %d MiB: segmentations on %.1f %% of the lines, autonomy from the whole "
                          "corpus in partitions of %d MiB of keys", budget >> 20, 100 * how.share,
                          (how.key_memory or 0) >> 20)
                size = sum(os.path.getsize(p) for p in paths)
                on_auto = stack.enter_context(_sample(paths, math.ceil(how.share * size)))
                with key_runs() as runs:  # the partitions' keys through run files, if they fit there
                    auto = _core.autonomy_table(paths, segmenter=symbols, max_len=top_len, min_count=1,
                                                candidates=on_auto, key_memory=how.key_memory, num_threads=threads,
                                                progress=cb, **runs)
            if len(auto) == 0:
                return Lexicon({})

            def initial(ml: int, bonus: float, on: list[str]) -> tuple[dict[str, int], dict[str, float]]:
                """The counts of the segmentation by autonomy (plus ``bonus`` a character of
                a group) and the character model of the pruning."""
                # the candidates stay in Rust, looked up by hash (no trie, no str per candidate)
                tok = auto.tokenizer(ml, bonus, combine_alnum=glue, atomic_digits=True)
                w, c = tok.count_tokens(on, num_threads=threads, progress=cb, symbols=symbols)
                # the character model of the pruning: from every token, the long runs included
                # (a character may occur only inside one of them; every later segmentation has
                # the same characters, the corpus's)
                logp = _char_logp(dict(zip(w, c.tolist()))) if prune or merge else {}
                return _token_counts(w, c), logp

            def refine(counts: dict[str, int], logp: dict[str, float], ml: int, on: list[str],
                       merge: bool) -> dict[str, int]:
                """A first segmentation's counts after unigram re-estimation, merging and
                pruning."""
                best = _info_per_char(counts)
                for _ in range(iterations):
                    lex = _core.Lexicon(list(counts), list(counts.values()))
                    w, c = _core.Tokenizer(lex, combine_alnum=glue, atomic_digits=True).count_tokens(
                        on, num_threads=threads, progress=cb, symbols=symbols)
                    new = _token_counts(w, c)
                    info = _info_per_char(new)
                    if info >= best:
                        break
                    counts, best = new, info
                if merge and counts:
                    counts = _merge_rounds(counts, logp, on, iterations, threads, cb, symbols)
                if prune and counts:
                    counts = _prune_rounds(counts, logp, on, _MAX_MERGED if merge else ml, iterations, threads,
                                           cb, symbols)
                return counts

            if not self_train:
                first, logp = initial(max_len, length_bonus, on_auto)
                counts = refine(first, logp, max_len, on_auto, merge)
                if on_auto is not paths and counts:  # the lexicon of the sampled lines, counted on all
                    lex = _core.Lexicon(list(counts), list(counts.values()))
                    w, c = _core.Tokenizer(lex, combine_alnum=glue, atomic_digits=True).count_tokens(
                        paths, num_threads=threads, progress=cb, symbols=symbols)
                    counts = _token_counts(w, c)
            else:
                assert sample is not None
                tokenizers = []
                for ml in sorted({max_len, top_len}):
                    for bonus in (length_bonus - 1.0, length_bonus, length_bonus + 1.0):
                        # two settings from one first pass: as it is, and refined; merging
                        # (the costliest step) only at the given bonus: a third of the cost of
                        # merging in every refined setting, F1 within 0.016 (docs/discovery.md)
                        first, logp = initial(ml, bonus, sample)
                        for counts in (first, refine(first, logp, ml, sample, merge and bonus == length_bonus)):
                            if counts:
                                lex = _core.Lexicon(list(counts), list(counts.values()))
                                tokenizers.append(_core.Tokenizer(lex, combine_alnum=glue, atomic_digits=True))
                if not tokenizers:
                    return Lexicon({})
                tagger = _core.BoundaryTagger.train(sample, tokenizers, symbols, epochs=_SELF_TRAIN_EPOCHS,
                                                    num_threads=threads, progress=cb)
                del tokenizers, auto  # the candidates' table is not needed by the pass over the corpus
                # the one pass over the whole corpus (minent_fast.distributed: as tasks)
                if _count_all is not None:
                    w, c = _count_all(tagger, paths)
                else:
                    w, c = tagger.count_tokens(paths, num_threads=threads, progress=cb)
                counts = _token_counts(w, c)
                logp = _char_logp(counts) if prune else {}
            if known_words is not None:
                counts = _with_known(counts, known_words, logp, paths, max(iterations, 1), prune, threads, cb,
                                     symbols)
                if union:
                    return Lexicon({w: max(counts.get(w, 0), 1) if w in known_words else c
                                    for w, c in counts.items() if w in known_words or c >= min_count}
                                   | {w: 1 for w in sorted(known_words) if w not in counts})
                new = {w: c for w, c in counts.items()
                       if w not in known_words and c >= min_count and not _is_number(w)}
                return Lexicon(dict(sorted(new.items(), key=lambda wc: -wc[1])))
    finally:
        close()
    return Lexicon({w: c for w, c in counts.items() if c >= min_count})


def _known_words(known: Any) -> set[str]:
    """The words of a known dictionary: a Lexicon, a mapping or iterable of words, or a
    path (word list, TSV or jieba format: each line's first field; '#' lines and blank
    lines skipped; ``-``, pipes and compressed files read as every source)."""
    if isinstance(known, Lexicon):
        return set(known)
    if isinstance(known, (str, os.PathLike)):
        from ..evaluate import read_lines

        words = set()
        for line in read_lines(os.fspath(known)):
            field = line.split(None, 1)
            if field and not field[0].startswith("#"):
                words.add(field[0])
        if not words:
            raise ValueError(f"{os.fspath(known)}: the known dictionary has no words")
        return words
    if isinstance(known, Mapping):
        known = known.keys()
    try:
        items = list(known)
    except TypeError:
        raise TypeError(f"known must be a Lexicon, a dict or iterable of words, or a path; "
                        f"not {type(known).__name__}") from None
    for w in items:
        if not isinstance(w, str) or not w:
            raise TypeError(f"known words must be non-empty str, not {w!r}")
    return set(items)


def _is_number(w: str) -> bool:
    return all(ch.isdecimal() or ch in ".," for ch in w) and any(ch.isdecimal() for ch in w)


def _with_known(counts: dict[str, int], known: set[str], logp: dict[str, float], paths: list[str], rounds: int,
                prune: bool, threads: Optional[int], cb: Optional[Callable[[str, int, int], Any]],
                symbols: str) -> dict[str, int]:
    """Counts of the corpus read with the discovered and the known words together.

    Every known word starts with one occurrence more than discovery gave it (so each is a
    candidate of the unigram reading), the corpus is re-read and re-counted ``rounds``
    times, and then the MDL pruning runs with the known words exempt: a given dictionary
    costs nothing to store, so only the discovered words must pay for their spelling."""
    glue = symbols == "han"

    def reread(lexicon: dict[str, int]) -> dict[str, int]:
        lex = _core.Lexicon(list(lexicon), list(lexicon.values()))
        w, c = _core.Tokenizer(lex, combine_alnum=glue, atomic_digits=True).count_tokens(
            paths, num_threads=threads, progress=cb, symbols=symbols)
        return _token_counts(w, c)

    # sorted: a set's order changes with the process's string hashing, and the pruning's
    # order among equal counts follows the dict's
    in_order = sorted(known)
    current = dict(counts)
    for k in in_order:
        current[k] = current.get(k, 0) + 1
    for _ in range(rounds):
        seen = reread(current)
        current = {w: c + (1 if w in known else 0) for w, c in seen.items()}
        current.update((k, 1) for k in in_order if k not in seen)
    if prune:
        logp = dict(logp)
        for w in current:
            for ch in w:
                logp.setdefault(ch, -20.0)  # characters only the dictionary has
        current = _mdl_prune(current, logp, known, _MAX_MERGED)
    return reread(current)


_SELF_TRAIN_SAMPLE = 64 << 20  # bytes of the corpus the settings are estimated and voted on
_SELF_TRAIN_EPOCHS = 5


@contextlib.contextmanager
def _sample(paths: list[str], budget: int) -> Iterator[list[str]]:
    """The corpus itself when it holds at most ``budget`` bytes, else a temporary file of
    every k-th line (k = ⌈size / budget⌉, deterministic, spread over the whole corpus),
    removed when the block ends, however it ends. A full disk is an OSError naming the
    directory."""
    size = sum(os.path.getsize(p) for p in paths)
    if size <= budget:
        yield paths
        return
    k = -(-size // max(budget, 1))
    fd, tmp = tempfile.mkstemp(prefix="minent-sample-", suffix=".txt")
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                n = 0
                for p in paths:
                    with open(p, "rb") as f:
                        for line in f:
                            if n % k == 0:
                                out.write(line if line.endswith(b"\n") else line + b"\n")
                            n += 1
        except OSError as e:
            if e.filename is not None:  # a source that cannot be read names itself
                raise
            raise OSError(e.errno, f"{e.strerror}: writing a sample of the corpus in {os.path.dirname(tmp)} "
                                   f"(set TMPDIR to a directory with room)", tmp) from e
        yield [tmp]
    finally:
        os.unlink(tmp)


_MIN_GAIN = 1e-4  # relative description-length gain below which no further pruning pass is made
_MAX_MERGED = 12  # longest word a merge makes (characters)


def _merge_rounds(counts: dict[str, int], logp: dict[str, float], paths: list[str], rounds: int,
                  threads: Optional[int], cb: Optional[Callable[[str, int, int], Any]], symbols: str) -> dict[str, int]:
    """Article 1's merge, on words: two words that follow each other become one when that
    shortens the two-part description (the corpus by words plus the lexicon). Each round
    counts the adjacent word pairs of the current segmentation, estimates the change of
    :func:`_description_length` for each pair (its n occurrences read as one token: N and
    both parts' counts fall by n, the lexicon gains the pair's spelling), adds the pairs
    that shorten it (best first, a word in one merge a round; chosen in Rust,
    ``minent_core::discover::mdl::best_merges``), re-segments by unigram Viterbi and keeps
    the round if the description is shorter. Words longer than ``_MAX_MERGED`` characters
    are not made."""
    glue = symbols == "han"
    best = _description_length(counts, logp)
    for _ in range(rounds):
        lex = _core.Lexicon(list(counts), list(counts.values()))
        pw, pc = _core.Tokenizer(lex, combine_alnum=glue, atomic_digits=True).count_tokens(paths, num_threads=threads, progress=cb,
                                                                        symbols=symbols, pairs=True)
        chosen = _core.best_merges(counts, logp, pw, pc, _MAX_MERGED)
        if not chosen:
            break
        grown = dict(counts)
        for a, b, n in chosen:
            grown[a + b] = n
        lex = _core.Lexicon(list(grown), list(grown.values()))
        w, c = _core.Tokenizer(lex, combine_alnum=glue, atomic_digits=True).count_tokens(paths, num_threads=threads, progress=cb,
                                                                      symbols=symbols)
        new = _token_counts(w, c)
        length = _description_length(new, logp)
        if length >= best * (1 - _MIN_GAIN):
            break
        counts, best = new, length
    return counts


def _prune_rounds(counts: dict[str, int], logp: dict[str, float], paths: list[str], max_len: int, rounds: int,
                  threads: Optional[int], cb: Optional[Callable[[str, int, int], Any]],
                  symbols: str = "han") -> dict[str, int]:
    """MDL pruning passes, each followed by a unigram re-segmentation, while the two-part
    description length falls. A pass whose own estimate gains less than ``_MIN_GAIN`` of
    the total is not worth a pass over the corpus: the rounds stop there (on PKU the three
    passes gain 4.2 %, 0.37 % and 0.13 %; on 100 MB of novels 0.057 %, then 0.0007 %).
    Words that the re-segmentation brings back although they were removed (runs the
    tokenizer keeps whole, such as Latin words) are not tried again."""
    best = _description_length(counts, logp)
    keep: set[str] = set()
    for _ in range(rounds):
        kept = _mdl_prune(counts, logp, keep, max_len)
        if best - _description_length(kept, logp) < _MIN_GAIN * best:
            break
        lex = _core.Lexicon(list(kept), list(kept.values()))
        w, c = _core.Tokenizer(lex, combine_alnum=symbols == "han", atomic_digits=True).count_tokens(
            paths, num_threads=threads, progress=cb, symbols=symbols)
        new = _token_counts(w, c)
        keep.update(x for x in new if x not in kept)
        length = _description_length(new, logp)
        if length >= best:
            break
        counts, best = new, length
    return counts


def entropy_report(tokens_per_line: Iterable[Union[str, Sequence[str]]]) -> dict[str, float]:
    """Article 2's figures for a segmented corpus.

    ``tokens_per_line``: lists of tokens, or strings of space-separated tokens.
    Returns ``H`` (information per word), ``l`` (characters per word), ``L = H/l``
    (information per character when reading by words), ``H_c`` (per character when
    reading character by character) and ``L_total`` (per character of a two-part code:
    the corpus by words plus the lexicon itself, each word spelled with the character
    model plus ln(|V| + 1) for its end, so memorising rare pieces is not free), in nats,
    and the same with a ``_bits`` suffix;
    plus ``words`` and ``chars`` (token and character totals) and ``vocab``.
    """
    words: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for line in tokens_per_line:
        toks = line.split() if isinstance(line, str) else [t for t in line if t and not t.isspace()]
        words.update(toks)
        for t in toks:
            chars.update(t)
    n_words, n_chars = sum(words.values()), sum(chars.values())

    def ent(counter: Counter, total: int) -> float:
        return -sum(c / total * math.log(c / total) for c in counter.values()) if total else 0.0

    h = ent(words, n_words)
    length = n_chars / n_words if n_words else 0.0
    big_l = h / length if length else 0.0
    h_c = ent(chars, n_chars)
    # two-part code: the corpus by words plus the lexicon itself, each entry spelled with
    # the character model and an end mark, so memorising rare pieces is not free
    p_char = {c: n / n_chars for c, n in chars.items()} if n_chars else {}
    lexicon_cost = sum(-sum(math.log(p_char[c]) for c in w) + math.log(len(words) + 1) for w in words)
    l_total = (h * n_words + lexicon_cost) / n_chars if n_chars else 0.0
    out = {"H": h, "l": length, "L": big_l, "H_c": h_c, "L_total": l_total}
    out.update({f"{k}_bits": v / math.log(2) for k, v in list(out.items()) if k != "l"})
    out.update({"words": n_words, "chars": n_chars, "vocab": len(words)})
    return out
