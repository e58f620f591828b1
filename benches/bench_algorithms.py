"""WordFinder (compat) and TemplateFinder vs nlp-zero 0.1.6, in one run.

* WordFinder: train + find on the four novels of shared/data/zh (8.86 MB, each novel
  once, as one list of lines), min_proba 1e-6, both libraries; outputs compared.
* Templates: train + find on 红楼梦 (2.63 MB) at window 3, each library with its own
  tokenizer over the same dictionary (nlp-zero's Tokenizer.tokenize, minent_fast's
  identical Tokenizer.default()); outputs compared. (With the same Python callable for
  both, see bench_boundary.py.)

Each job runs in its own subprocess (peak RSS = its ru_maxrss) and times REPEATS runs
(2 by default, the same for every job, no warm-up for either). The jobs alternate over
ROUNDS rounds (default 3) — this VM's speed drifts within minutes — and the table gives
each job's median over all its runs and the spread. minent_fast runs with one thread
(RAYON_NUM_THREADS=1) and with two; nlp-zero is single-threaded.

    python benches/bench_algorithms.py [ROUNDS] [REPEATS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benches" / "out"
DATA = ROOT.parent / "shared" / "data"

HEAD = f"""
import collections, collections.abc, json, resource, sys, time, hashlib
REPEATS = int(sys.argv[1])
collections.Iterable = collections.abc.Iterable
DATA = {str(DATA)!r}
NOVELS = [DATA + "/zh/" + n for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")]
def lines_of(paths):
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out.extend(f)
    return out
def digest(d):
    return hashlib.sha256(repr(sorted((repr(k), v) for k, v in d.items())).encode()).hexdigest()
def done(**kw):
    kw["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(kw))
"""

JOBS = {
    "nz_words": HEAD + """
import nlp_zero
lines = lines_of(NOVELS)
runs = []
for _ in range(REPEATS):
    t0 = time.perf_counter(); wf = nlp_zero.Word_Finder(min_proba=1e-6); wf.train(lines); wf.find(lines)
    runs.append(time.perf_counter() - t0)
done(runs=runs, words=len(wf.words), digest=digest(wf.words))
""",
    "mf_words": HEAD + """
import minent_fast as mf
lines = lines_of(NOVELS)
runs = []
for _ in range(REPEATS):
    t0 = time.perf_counter(); wf = mf.WordFinder(min_proba=1e-6); wf.train(lines); wf.find(lines)
    runs.append(time.perf_counter() - t0)
done(runs=runs, words=len(wf.words), digest=digest(wf.words))
""",
    "nz_templates": HEAD + """
import nlp_zero
lines = lines_of([DATA + "/zh/红楼梦.txt"])
tok = nlp_zero.Tokenizer()
runs = []
for _ in range(REPEATS):
    t0 = time.perf_counter(); tf = nlp_zero.Template_Finder(tok.tokenize, window=3); tf.train(lines); tf.find(lines)
    runs.append(time.perf_counter() - t0)
done(runs=runs, templates=len(tf.templates), digest=digest({tuple(t.words): c for t, c in tf.templates.items()}))
""",
    "mf_templates": HEAD + """
import minent_fast as mf
lines = lines_of([DATA + "/zh/红楼梦.txt"])
tok = mf.Tokenizer.default()
runs = []
for _ in range(REPEATS):
    t0 = time.perf_counter(); tf = mf.TemplateFinder(tok, window=3); tf.train(lines); tf.find(lines)
    runs.append(time.perf_counter() - t0)
done(runs=runs, templates=len(tf.templates), digest=digest({t.words: c for t, c in tf.templates.items()}))
""",
}

# (job, threads) in the order they run within a round
PLAN = [("nz_words", 1), ("mf_words", 1), ("mf_words", 2), ("nz_templates", 1), ("mf_templates", 1), ("mf_templates", 2)]


def run(job: str, threads: int, repeats: int) -> dict:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, "-c", JOBS[job], str(repeats)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{job} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    r: dict[tuple[str, int], dict] = {}
    for k in range(rounds):
        for job, threads in PLAN:
            got = run(job, threads, repeats)
            print(f"round {k + 1}: {job} ({threads} thread) " + " ".join(f"{x:.3f}" for x in got["runs"]) + " s",
                  file=sys.stderr, flush=True)
            if (job, threads) not in r:
                r[(job, threads)] = got
            else:
                r[(job, threads)]["runs"] += got["runs"]
                r[(job, threads)]["peak_rss_mb"] = max(got["peak_rss_mb"], r[(job, threads)]["peak_rss_mb"])
    for v in r.values():
        v["runs"].sort()
        v["median"] = statistics.median(v["runs"])

    def row(what: str, nz: str, mf: str, threads: int, items: str) -> str:
        a, b = r[(nz, 1)], r[(mf, threads)]
        return (f"| {what} | {threads} | {a['median']:.2f} s ({a['runs'][0]:.2f}–{a['runs'][-1]:.2f}) "
                f"| {b['median']:.3f} s ({b['runs'][0]:.3f}–{b['runs'][-1]:.3f}) | **{a['median'] / b['median']:.1f}×** "
                f"| {a['peak_rss_mb']:.0f} / {b['peak_rss_mb']:.0f} | {a['digest'] == b['digest']} ({b[items]:,} {items}) |")

    n = rounds * repeats
    rows = [
        f"{n} runs per job ({rounds} alternating rounds × {repeats}); medians, spread in brackets; "
        "nlp-zero single-threaded.", "",
        "| job | minent_fast threads | nlp-zero 0.1.6 | minent_fast | speed-up (medians) "
        "| peak RSS nlp-zero / minent_fast (MB) | identical output |",
        "|---|---|---|---|---|---|---|",
    ]
    for threads in (1, 2):
        rows.append(row("Word_Finder train+find, 4 novels (8.86 MB, a list of lines), min_proba 1e-6",
                        "nz_words", "mf_words", threads, "words"))
    for threads in (1, 2):
        rows.append(row("Template_Finder train+find, 红楼梦 (2.63 MB), window 3, each its own tokenizer "
                        "(same dictionary)", "nz_templates", "mf_templates", threads, "templates"))
    text = "\n".join(rows)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_algorithms.md").write_text(text + "\n", encoding="utf-8")
    (OUT / "bench_algorithms.json").write_text(json.dumps({f"{j}@{t}": v for (j, t), v in r.items()}, indent=1),
                                                encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
