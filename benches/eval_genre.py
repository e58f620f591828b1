"""Genre check of the discovery defaults where no gold segmentation exists: the four novels.

No other gold bakeoff set is on this machine, so this measures agreement with a silver
reference — jieba 0.42 (its bundled modern dictionary + HMM) — on each classic novel,
and the two-part code length (L + lexicon). jieba is no ground truth for classical
Chinese (it often merges what that language writes as two words, 此时 / 回头 aside), so
read the F1 column as agreement, and compare methods with each other, not with 1.0.

Per novel: discover from the novel itself, segment it with a unigram tokenizer over the
lexicon, score against jieba's segmentation. Side by side: nlp-zero Word_Finder
(min_proba 1e-5, min_pmi 3 and 4, its best settings on PKU) and discover_words with its
defaults, with and without pruning.

    python benches/eval_genre.py [--lines N] [--out benches/out/eval_genre.md]
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import logging
import sys
import tempfile
import time
from pathlib import Path

import jieba

import minent_fast as mf
from eval_pku import write_report
from minent_fast.evaluate import read_lines, score

collections.Iterable = collections.abc.Iterable
import nlp_zero  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NOVELS = ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=0, help="use the first N non-empty lines of each novel (0: all)")
    ap.add_argument("--out", default=str(ROOT / "benches" / "out" / "eval_genre.md"))
    args = ap.parse_args()
    if not (DATA / "zh").is_dir():
        print(f"novels not found under {DATA}", file=sys.stderr)
        return 2
    jieba.setLogLevel(logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in NOVELS:
            lines = [line for line in read_lines(DATA / "zh" / name) if line.strip()]
            if args.lines:
                lines = lines[: args.lines]
            src = Path(tmp) / name
            src.write_text("\n".join(lines) + "\n", encoding="utf-8")
            ref = [" ".join(w for w in jieba.cut(line) if not w.isspace()) for line in lines]

            def add(method: str, words: dict, seconds: float) -> None:
                toks = mf.Tokenizer(words).tokenize_batch(lines)
                pred = [" ".join(t for t in ts if not t.isspace()) for ts in toks]
                r, e = score(pred, ref), mf.entropy_report(pred)
                rows.append({"novel": name.removesuffix(".txt"), "chars": sum(map(len, lines)), "method": method,
                             "words": len(words), "f1": r["f1"], "L_bits": e["L_bits"],
                             "L_total_bits": e["L_total_bits"], "seconds": seconds})
                print(rows[-1], flush=True)

            for pmi in (3, 4):
                t0 = time.perf_counter()
                wf = nlp_zero.Word_Finder(min_proba=1e-5, min_pmi=pmi)
                wf.train(lines)
                wf.find(lines)
                add(f"nlp-zero min_pmi={pmi}", dict(wf.words), time.perf_counter() - t0)
            for prune in (True, False):
                t0 = time.perf_counter()
                lex = mf.discover_words(src, prune=prune)
                add(f"discover_words{'' if prune else ' (prune=False)'}", lex.to_dict(), time.perf_counter() - t0)
    lines_out = ["Agreement with jieba 0.42 (silver, not gold) on each novel; discovery from that novel.", "",
                 "| novel | chars | method | words | F1 vs jieba | L (bits/char) | L + lexicon (bits/char) | time (s) |",
                 "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines_out.append(f"| {r['novel']} | {r['chars']:,} | {r['method']} | {r['words']:,} | {r['f1']:.4f} "
                         f"| {r['L_bits']:.3f} | {r['L_total_bits']:.3f} | {r['seconds']:.2f} |")
    write_report("\n".join(lines_out), rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
