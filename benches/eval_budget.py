"""What a memory budget costs in quality (issue 23).

Under a budget its estimate does not meet, ``discover_words`` takes the branching entropies
from every k-th line instead of the whole corpus (python/minent_fast/discovery/budget.py);
everything else is unchanged. This measures that approximation on real text: the corpus is
PKU's test text plus the four novels (9.9 MB), the autonomy is computed from the whole of
it and from every 2nd, 4th and 8th line (``autonomy_fraction`` fixed to 1, 1/2, 1/4, 1/8 —
what a budget of about that share of the estimate decides), and PKU is segmented with each
lexicon and scored against its gold (SIGHAN spans). The lexicons are compared with the
whole-corpus one: the share of its words seen 20 times or more that each keeps.

    python benches/eval_budget.py [--out benches/out/eval_budget.md]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SHARES = (1.0, 0.5, 0.25, 0.125)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benches" / "out" / "eval_budget.md"))
    args = ap.parse_args()

    import minent_fast as mf
    from minent_fast.discovery import words
    from minent_fast.evaluate import read_lines, score

    raw_pku = DATA / "cws" / "pku_test.utf8"
    sources = [str(raw_pku)] + sorted(str(p) for p in (DATA / "zh").glob("*.txt"))
    raw, gold = read_lines(raw_pku), read_lines(DATA / "cws" / "pku_test_gold.utf8")
    vocab = read_lines(DATA / "cws" / "pku_training_words.utf8")
    mb = sum(Path(p).stat().st_size for p in sources) / 1e6
    rows, full = [], None
    for share in SHARES:
        words.autonomy_fraction = lambda *a, share=share: share  # what the budget would decide
        t0 = time.perf_counter()
        lex = mf.discover_words(sources)
        dt = time.perf_counter() - t0
        tok = mf.Tokenizer(lex, combine_alnum=True)
        pred = [" ".join(t for t in toks if not t.isspace()) for toks in tok.tokenize_batch(raw)]
        r = score(pred, gold, words=vocab)
        if full is None:
            full = lex
        frequent = [w for w, c in full.items() if c >= 20]
        kept = sum(w in lex for w in frequent) / max(len(frequent), 1)
        rows.append({"share": share, "words": len(lex), "f1": r["f1"], "oov_recall": r.get("oov_recall"),
                     "kept_frequent": kept, "seconds": dt})
        print(rows[-1], flush=True)
    md = [f"Autonomy from a share of the lines of PKU test + the four novels ({mb:.1f} MB); PKU scored:", "",
          "| autonomy from | words | PKU F1 | ΔF1 | OOV recall | frequent words kept | discover (s) |",
          "|---|---|---|---|---|---|---|"]
    for r in rows:
        label = "all lines" if r["share"] == 1 else f"every {round(1 / r['share'])}th line"
        md.append(f"| {label} | {r['words']:,} | {r['f1']:.4f} | {r['f1'] - rows[0]['f1']:+.4f} | "
                  f"{r['oov_recall']:.4f} | {100 * r['kept_frequent']:.1f} % | {r['seconds']:.0f} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(md) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
