"""Unsupervised segmentation on Chinese (PKU bakeoff) and unspaced English (CHILDES), side by side.

Each dataset's raw text is the only input (English: the spaced gold lines with their
spaces removed). "PKU traditional" is PKU with gold and word list converted by OpenCC
(s2t, line by line; every line keeps its length), its raw text the gold without spaces: the
same sentences in another script, a check that nothing is tuned to simplified characters. Methods, each in its own process (peak RSS = that process's ru_maxrss):

- nlp-zero 0.1.6 Word_Finder, min_pmi 1..4 (the best F1 is reported; min_proba 1e-5);
- discover_words as it was before issue 18 (symbols="han", max_len=3);
- discover_words with self_train=False, with merge=False, and with today's defaults
  (symbols="unicode"; "all" for the phonemes);
- PKU only: its training word list as a dictionary (each word count 1), and
  discover_words(known=that list, union=True): the dictionary plus the new words found
  ("new words": how many the list lacked, numbers left out; "new in gold": how many of those are words of
  the gold segmentation that the list lacks).

The lexicon segments the raw text by unigram Viterbi (Tokenizer; ASCII gluing only for
PKU, as `minent-fast segment` does), scored by word spans (P, R, F1; OOV recall against
PKU's training word list), L_total = bits per character of the two-part code (corpus
by words + the lexicon's spelling). Markdown + JSON in benches/out/.

    python benches/eval_cws.py [--out benches/out/eval_cws.md]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DATASETS = {
    "PKU": {"raw": DATA / "cws" / "pku_test.utf8", "gold": DATA / "cws" / "pku_test_gold.utf8",
            "words": DATA / "cws" / "pku_training_words.utf8", "symbols": "unicode", "glue": True},
    "PKU traditional": {"gold": DATA / "cws" / "pku_test_gold.utf8", "convert": "s2t",
                        "words": DATA / "cws" / "pku_training_words.utf8", "symbols": "unicode", "glue": True},
    "CHILDES phonemic": {"gold": DATA / "en" / "childes_cds.phono", "symbols": "all", "glue": False},
    "CHILDES spelled": {"gold": DATA / "en" / "childes_cds.txt", "symbols": "unicode", "glue": False},
}
METHODS = ["nlp-zero best min_pmi", "discover_words before (han, max_len 3, self_train=False)",
           "discover_words self_train=False", "discover_words merge=False", "discover_words defaults"]
# new-word discovery against PKU's training word list (only where a dictionary exists)
KNOWN_METHODS = ["training words only (count 1 each)", "discover_words known=training words, union=True"]


def job(dataset: str, method: str) -> dict:
    import minent_fast as mf
    from minent_fast.evaluate import read_lines, score

    d = DATASETS[dataset]
    gold = read_lines(d["gold"])
    vocab = read_lines(d["words"]) if "words" in d else None
    if "convert" in d:
        import opencc

        cc = opencc.OpenCC(d["convert"])
        gold = [cc.convert(line) for line in gold]
        vocab = [cc.convert(w) for w in vocab] if vocab else vocab
    if "raw" in d:
        raw_path, raw = d["raw"], read_lines(d["raw"])
    else:
        gold = [line for line in gold if line.strip()]
        raw = [line.replace(" ", "") for line in gold]
        raw_path = Path(tempfile.mkdtemp()) / "raw.txt"
        raw_path.write_text("\n".join(raw) + "\n", encoding="utf-8")

    def evaluate(words: dict) -> dict:
        tok = mf.Tokenizer(words, combine_alnum=d["glue"])
        pred = [" ".join(t for t in toks if not t.isspace()) for toks in tok.tokenize_batch(raw)]
        r = score(pred, gold, words=vocab)
        e = mf.entropy_report(pred)
        return {"words": len(words), "f1": r["f1"], "precision": r["precision"], "recall": r["recall"],
                "oov_recall": r.get("oov_recall"), "L_total_bits": e["L_total_bits"]}

    t0 = time.perf_counter()
    if method.startswith("training words only"):
        row = evaluate({w: 1 for w in vocab})
    elif "known=" in method:
        known_words = [line.split()[0] for line in vocab if line.split()]
        lex = mf.discover_words(raw_path, symbols=d["symbols"], known=known_words, union=True)
        row = evaluate(lex.to_dict())
        known = set(vocab)
        new = [w for w in lex if w not in known and not any(ch.isdecimal() for ch in w)]
        gold_oov = {w for line in gold for w in line.split() if w not in known}
        row.update(new_words=len(new), new_in_gold=sum(w in gold_oov for w in new), gold_oov_types=len(gold_oov))
    elif method.startswith("nlp-zero"):
        import collections
        import collections.abc

        collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]
        import nlp_zero

        best = None
        for pmi in (1, 2, 3, 4):
            wf = nlp_zero.Word_Finder(min_proba=1e-5, min_pmi=pmi)
            wf.train(raw)
            wf.find(raw)
            r = evaluate(dict(wf.words)) if wf.words else {"f1": 0.0}
            if best is None or r["f1"] > best["f1"]:
                best = dict(r, min_pmi=pmi)
        row = best
    else:
        kw = {"symbols": "han", "max_len": 3} if "before" in method else {"symbols": d["symbols"]}
        if "merge=False" in method:
            kw["merge"] = False
        if "self_train=False" in method:
            kw["self_train"] = False
        lex = mf.discover_words(raw_path, **kw)
        row = evaluate(lex.to_dict())
    row.update(dataset=dataset, method=method, seconds=time.perf_counter() - t0,
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benches" / "out" / "eval_cws.md"))
    ap.add_argument("--job", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        print(json.dumps(job(*args.job)))
        return 0
    rows = []
    for dataset in DATASETS:
        for method in METHODS + (KNOWN_METHODS if "words" in DATASETS[dataset] else []):
            r = subprocess.run([sys.executable, __file__, "--job", dataset, method], capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stderr, file=sys.stderr)
                return 1
            rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
            print(rows[-1], file=sys.stderr)
    lines = ["| data | method | words | F1 | P | R | OOV recall | L_total (bits/char) | time (s) | peak RSS (MB) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        name = r["method"] + (f" ({r['min_pmi']})" if "min_pmi" in r else "")
        oov = f"{r['oov_recall']:.4f}" if r.get("oov_recall") is not None else "–"
        lines.append(f"| {r['dataset']} | {name} | {r.get('words', 0):,} | {r['f1']:.4f} | {r.get('precision', 0):.4f} "
                     f"| {r.get('recall', 0):.4f} | {oov} | {r.get('L_total_bits', 0):.3f} | {r['seconds']:.2f} "
                     f"| {r['peak_rss_mb']:.0f} |")
    for r in rows:
        if "new_words" in r:
            lines.append("")
            lines.append(f"{r['dataset']}, known=: {r['new_words']:,} new words, {r['new_in_gold']:,} of them gold "
                         f"words the dictionary lacks (of {r['gold_oov_types']:,} such gold word types).")
    from eval_pku import write_report

    write_report("\n".join(lines), rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
