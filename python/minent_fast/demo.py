"""``minent-fast demo``: the main job on the bundled sample, end to end.

Today: index the corpus, report its size and character entropy (article 1's H_c), the
most frequent n-grams and the most cohesive character pairs (PMI, article 2's merge
criterion). It grows as word discovery and templates land.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from .index.corpus import CorpusIndex


def _pair_pmi_table(idx: CorpusIndex, min_count: int, top: int) -> list[tuple[str, int, float]]:
    """Bigrams seen >= min_count times ranked by PMI = ln(c_ab N / (c_a c_b)) (eq. 2.15's PMI)."""
    pairs = idx.ngrams(2, min_count=min_count)
    chars = idx.char_counts()
    cc = dict(zip(chars.column("char").to_pylist(), chars.column("count").to_numpy()))
    grams = pairs.column("ngram").to_pylist()
    c_ab = pairs.column("count").to_numpy().astype(np.float64)
    c_a = np.array([cc[g[0]] for g in grams], dtype=np.float64)
    c_b = np.array([cc[g[1]] for g in grams], dtype=np.float64)
    pmi = np.log(c_ab) + math.log(idx.num_chars) - np.log(c_a) - np.log(c_b)
    order = np.argsort(-pmi, kind="stable")[:top]
    return [(grams[i], int(c_ab[i]), float(pmi[i])) for i in order]


def run_demo(corpus: Sequence[str] = (), progress: bool = False) -> int:
    from . import sample_path
    from ._io import local_sources

    given = [str(p) for p in corpus] or [str(sample_path())]
    with local_sources(given) as src:  # stdin, pipes, compressed files: one temporary copy
        return _demo(src.paths, src.names, progress)


def _demo(sources: list[str], names: list[str], progress: bool) -> int:
    size = sum(Path(s).stat().st_size for s in sources)
    print(f"corpus: {', '.join(Path(s).name for s in names)} ({size / 1e6:.2f} MB)")
    t0 = time.perf_counter()
    idx = CorpusIndex.build(sources, progress=progress)
    dt = time.perf_counter() - t0
    print(f"indexed {idx.num_chars:,} chars in {idx.num_segments:,} segments, "
          f"{idx.vocab_size:,} distinct chars, in {dt:.2f} s ({size / 1e6 / max(dt, 1e-9):.1f} MB/s)")
    h = idx.char_entropy()
    print(f"character entropy H_c = {h:.3f} nats = {h / math.log(2):.3f} bits/char")

    for n in (2, 3, 4):
        top = idx.ngrams(n, min_count=2).slice(0, 12)
        row = "  ".join(f"{g} {c}" for g, c in zip(top.column("ngram").to_pylist(), top.column("count").to_pylist()))
        print(f"top {n}-grams: {row}")

    print("strongest pairs by PMI (count >= 20): " + "  ".join(
        f"{g} {pmi:.2f}" for g, _, pmi in _pair_pmi_table(idx, min_count=20, top=12)))
    for w in ("宝玉", "黛玉", "凤姐"):
        if idx.count(w):
            print(f"{w}: count {idx.count(w)}, right branching entropy "
                  f"{idx.branching_entropy(w, 'right'):.3f} nats, left {idx.branching_entropy(w, 'left'):.3f} nats")

    # word discovery by minimum entropy, and what it does to the information per character
    from .discovery.words import discover_words, entropy_report
    from .evaluate import read_lines
    from .segment.tokenize import Tokenizer

    t0 = time.perf_counter()
    lex = discover_words(sources, progress=progress)
    dt = time.perf_counter() - t0
    multi = [(w, c) for w, c in lex.items() if len(w) > 1]
    print(f"\ndiscovered {len(lex):,} words ({len(multi):,} of 2+ chars) in {dt:.2f} s; most frequent:")
    print("  " + "  ".join(f"{w} {c}" for w, c in multi[:30]))
    tok = Tokenizer(lex)
    lines = [line for s in sources for line in read_lines(s)]
    segmented = tok.tokenize_batch(lines)
    before = entropy_report([list(line.replace(" ", "")) for line in lines])
    after = entropy_report(segmented)
    print(f"L = H/l: {before['L_bits']:.3f} bits/char reading by characters -> "
          f"{after['L_bits']:.3f} bits/char reading by words (H = {after['H_bits']:.2f} bits/word, "
          f"l = {after['l']:.2f} chars/word)")
    print(f"with the lexicon's own cost (two-part code): {before['L_total_bits']:.3f} -> "
          f"{after['L_total_bits']:.3f} bits/char")
    print("segmented samples:")
    shown = 0
    for line, toks in zip(lines, segmented):
        if 12 <= len(line) <= 40 and shown < 5:
            print("  " + " / ".join(t for t in toks if not t.isspace()))
            shown += 1

    # templates (飞象过河) over the discovered words, and one parse tree
    from .templates import Parser, TemplateFinder

    t0 = time.perf_counter()
    tf = TemplateFinder(tok, window=3)
    tf.train(lines)
    tf.find(lines)
    dt = time.perf_counter() - t0
    top = sorted(((c, t) for t, c in tf.templates.items() if not t.is_trivial() and t.length >= 1), key=lambda x: -x[0])
    print(f"\n{len(tf.templates):,} templates in {dt:.2f} s; top non-trivial:")
    print("  " + "   ".join(f"{t} ({c})" for c, t in top[:15]))
    parser = Parser(tf.templates, tok.tokenize)
    from .templates import _FILTER

    sample = next((c for line in lines for c in _FILTER.split(line) if 8 <= len(c) <= 14), "")
    if sample:
        print(f"parse of {sample!r}:")
        print(parser.parse(sample).plot())
    return 0
