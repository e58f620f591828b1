"""Unsupervised word segmentation on the PKU bakeoff test set (protocol of shared/data/README.md).

Discover words from the raw test text (optionally plus the four novels), segment the raw
test text with a unigram tokenizer over the discovered lexicon, score against the gold.
Side by side: nlp-zero 0.1.6 Word_Finder (min_pmi 1..4), our WordFinder in compat mode
(must equal nlp-zero), and discover_words with its defaults. L = H/l in bits per char of
the produced segmentation (article 2), "L + lexicon" the same with the cost of spelling
the lexicon itself added (a two-part code), time = discovery wall time.

    python benches/eval_pku.py [--with-novels] [--out benches/out/eval_pku.md]
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import json
import sys
import time
from pathlib import Path

import minent_fast as mf
from minent_fast.evaluate import read_lines, score

collections.Iterable = collections.abc.Iterable
import nlp_zero  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TEST, GOLD = DATA / "cws" / "pku_test.utf8", DATA / "cws" / "pku_test_gold.utf8"
WORDS = DATA / "cws" / "pku_training_words.utf8"
NOVELS = [DATA / "zh" / n for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")]


def evaluate(name: str, words: dict, seconds: float, raw: list[str], gold: list[str], vocab: list[str]) -> dict:
    tok = mf.Tokenizer(words)
    pred = [" ".join(t for t in toks if not t.isspace()) for toks in tok.tokenize_batch(raw)]
    r = score(pred, gold, words=vocab)
    e = mf.entropy_report(pred)
    return {"method": name, "words": len(words), "f1": r["f1"], "precision": r["precision"], "recall": r["recall"],
            "oov_recall": r["oov_recall"], "L_bits": e["L_bits"], "L_total_bits": e["L_total_bits"],
            "seconds": seconds}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--with-novels", action="store_true", help="discover from the test text plus the four novels")
    ap.add_argument("--min-proba", type=float, default=1e-5, help="Word_Finder min_proba (default 1e-5)")
    ap.add_argument("--out", default=str(ROOT / "benches" / "out" / "eval_pku.md"))
    args = ap.parse_args()
    if not TEST.exists():
        print(f"PKU data not found under {DATA}", file=sys.stderr)
        return 2
    raw, gold, vocab = read_lines(TEST), read_lines(GOLD), read_lines(WORDS)
    sources = [TEST] + (NOVELS if args.with_novels else [])
    train_lines = [line for src in sources for line in read_lines(src)]
    rows = []
    for pmi in (1, 2, 3, 4):
        t0 = time.perf_counter()
        wf = nlp_zero.Word_Finder(min_proba=args.min_proba, min_pmi=pmi)
        wf.train(train_lines)
        wf.find(train_lines)
        dt = time.perf_counter() - t0
        rows.append(evaluate(f"nlp-zero Word_Finder min_pmi={pmi}", dict(wf.words), dt, raw, gold, vocab))
        t0 = time.perf_counter()
        ours = mf.WordFinder(min_proba=args.min_proba, min_pmi=pmi)
        ours.train(train_lines)
        ours.find(train_lines)
        dt = time.perf_counter() - t0
        assert ours.words == dict(wf.words), "compat mode must equal nlp-zero"
        rows.append(evaluate(f"minent_fast WordFinder (compat) min_pmi={pmi}", ours.words, dt, raw, gold, vocab))
    t0 = time.perf_counter()
    lex = mf.discover_words(sources)
    dt = time.perf_counter() - t0
    rows.append(evaluate("minent_fast discover_words (defaults)", lex.to_dict(), dt, raw, gold, vocab))
    t0 = time.perf_counter()
    lex = mf.discover_words(sources, prune=False)
    dt = time.perf_counter() - t0
    rows.append(evaluate("minent_fast discover_words (prune=False)", lex.to_dict(), dt, raw, gold, vocab))

    corpus = "PKU test raw" + (" + four novels" if args.with_novels else "")
    lines = [f"Corpus for discovery: {corpus}; Word_Finder min_proba={args.min_proba:g}.", "",
             "| method | words | F1 | precision | recall | OOV recall | L (bits/char) | L + lexicon (bits/char) | time (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['words']:,} | {r['f1']:.4f} | {r['precision']:.4f} | {r['recall']:.4f} "
                     f"| {r['oov_recall']:.4f} | {r['L_bits']:.3f} | {r['L_total_bits']:.3f} | {r['seconds']:.2f} |")
    write_report("\n".join(lines), rows, args.out)
    return 0


def write_report(text: str, rows: list[dict], out_path: str) -> None:
    """Print the markdown table and write it, with the rows as JSON beside it."""
    print(text)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
