"""What a memory budget costs in quality (issue 23).

Past its budget ``discover_words`` reads the branching entropies of the whole corpus in
partitions, keeping rows only for the n-grams of its settings' sample
(python/minent_fast/discovery/budget.py, rust/minent-core/src/discover/partitioned.rs):
the scores are meant to be the index path's, bit for bit, so the lexicon should not move.
This checks that on real text — PKU's test text plus the four novels — by forcing the
partitioned path with partitions of 64 MiB, 4 MiB and 1 MiB of keys, and scores PKU
against its gold (SIGHAN spans). It also measures the one approximation left: without
self-training (``self_train=False``, whose first segmentations need every n-gram's row),
the segmentations read every k-th line (k = 2, 4, 8), with the statistics of the whole
corpus by partitions, and the lexicon found there is counted on every line.

    python benches/eval_budget.py [--out benches/out/eval_budget.md]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
KEY_MEMORY = (64 << 20, 4 << 20, 1 << 20)
SHARES = (1.0, 0.5, 0.25, 0.125)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benches" / "out" / "eval_budget.md"))
    args = ap.parse_args()

    import minent_fast as mf
    from minent_fast.discovery import budget, words
    from minent_fast.evaluate import read_lines, score

    raw_pku = DATA / "cws" / "pku_test.utf8"
    sources = [str(raw_pku)] + sorted(str(p) for p in (DATA / "zh").glob("*.txt"))
    raw, gold = read_lines(raw_pku), read_lines(DATA / "cws" / "pku_test_gold.utf8")
    vocab = read_lines(DATA / "cws" / "pku_training_words.utf8")
    mb = sum(Path(p).stat().st_size for p in sources) / 1e6
    real_plan = words.plan

    def run(how: "budget.Plan | None", self_train: bool) -> tuple[dict, "mf.Lexicon"]:
        words.plan = real_plan if how is None else (lambda *a, how=how: how)  # what the budget would decide
        t0 = time.perf_counter()
        lex = mf.discover_words(sources, self_train=self_train)
        dt = time.perf_counter() - t0
        words.plan = real_plan
        pred = [" ".join(t for t in toks if not t.isspace())
                for toks in mf.Tokenizer(lex, combine_alnum=True).tokenize_batch(raw)]
        r = score(pred, gold, words=vocab)
        return {"words": len(lex), "f1": r["f1"], "oov_recall": r.get("oov_recall"), "seconds": dt}, lex

    rows = []
    base, full = run(None, True)
    rows.append({"path": "indexes of the whole corpus (the budget fits)", **base, "identical": True})
    print(rows[-1], flush=True)
    for km in KEY_MEMORY:
        r, lex = run(budget.Plan(0.5, km), True)
        rows.append({"path": f"partitions of {km >> 20} MiB of keys", **r,
                     "identical": list(lex.items()) == list(full.items())})
        print(rows[-1], flush=True)
    sampled = []
    for share in SHARES:
        r, lex = run(budget.Plan(share, None if share == 1.0 else 64 << 20), False)
        if share == 1.0:
            whole = lex
        frequent = [w for w, c in whole.items() if c >= 20]
        sampled.append({"share": share, **r, "kept_frequent": sum(w in lex for w in frequent) / max(len(frequent), 1)})
        print(sampled[-1], flush=True)

    md = [f"Default discovery (self-training) on PKU test + the four novels ({mb:.1f} MB), the branching "
          "entropies by each path; PKU scored:", "",
          "| statistics | words | PKU F1 | OOV recall | lexicon identical to the index path's | discover (s) |",
          "|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['path']} | {r['words']:,} | {r['f1']:.4f} | {r['oov_recall']:.4f} | "
                  f"{'yes' if r['identical'] else 'NO'} | {r['seconds']:.1f} |")
    md += ["", "Without self-training (`self_train=False`), past the budget the segmentations read every k-th "
           "line (the statistics from the whole corpus by partitions) and the lexicon is counted on all:", "",
           "| segmentations on | words | PKU F1 | ΔF1 | OOV recall | frequent words kept | discover (s) |",
           "|---|---|---|---|---|---|---|"]
    for r in sampled:
        k = round(1 / r["share"])
        label = "all lines" if k == 1 else f"every {k}{'nd' if k == 2 else 'th'} line"
        md.append(f"| {label} | {r['words']:,} | {r['f1']:.4f} | {r['f1'] - sampled[0]['f1']:+.4f} | "
                  f"{r['oov_recall']:.4f} | {100 * r['kept_frequent']:.1f} % | {r['seconds']:.1f} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(md) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"paths": rows, "sampled": sampled}, indent=1))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
