"""Segmentation speed: minent_fast Tokenizer vs nlp-zero, jieba, jieba_fast and sentencepiece.

Corpus: the four novels of shared/data/zh concatenated (in the order 三国演义, 水浒传,
红楼梦, 西游记) and repeated until >= 30 MB (benches/out/novels30.txt). Every job runs in
its own subprocess; peak RSS is that child's ru_maxrss. Throughput = input UTF-8 MB / the
median wall seconds of segmenting the whole file line by line, over --repeats runs (3 by
default, the same for every job), with the spread (dictionary/model loading excluded and
reported separately; sentencepiece returns ids, its fastest output, from the lines already
in a list: it has no file path). Thread counts are in the rows (RAYON_NUM_THREADS and
OMP_NUM_THREADS are set to them). minent_fast and nlp-zero use the same dictionary
(nlp-zero's bundled dic.txt) and their outputs are compared line by line.

    python benches/bench_tokenize.py [--mb 30] [--repeats 3] [--out benches/out/bench_tokenize.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benches" / "out"
NOVELS = [DATA / "zh" / n for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")]

# each job: setup (timed as "load"), then run() timed REPEATS times
JOBS = {
    "minent_fast": """
import minent_fast as mf
t0 = time.perf_counter(); tok = mf.Tokenizer.default(); load = time.perf_counter() - t0
def run():
    tok.tokenize_file(SRC, DST, num_threads=THREADS)
""",
    "nlp-zero": """
import collections, collections.abc; collections.Iterable = collections.abc.Iterable
import nlp_zero
t0 = time.perf_counter(); tok = nlp_zero.Tokenizer(); load = time.perf_counter() - t0
def run():
    with open(SRC, encoding="utf-8") as f, open(DST, "w", encoding="utf-8") as g:
        for line in f:
            g.write(" ".join(tok.tokenize(line.rstrip("\\n").rstrip("\\r"))) + "\\n")
""",
    "jieba (HMM off)": """
import logging, jieba; jieba.setLogLevel(logging.WARNING)
t0 = time.perf_counter(); jieba.initialize(); load = time.perf_counter() - t0
def run():
    with open(SRC, encoding="utf-8") as f, open(DST, "w", encoding="utf-8") as g:
        for line in f:
            g.write(" ".join(jieba.lcut(line.rstrip("\\n"), HMM=False)) + "\\n")
""",
    "jieba_fast (HMM off)": """
import logging, jieba_fast; jieba_fast.setLogLevel(logging.WARNING)
t0 = time.perf_counter(); jieba_fast.initialize(); load = time.perf_counter() - t0
def run():
    with open(SRC, encoding="utf-8") as f, open(DST, "w", encoding="utf-8") as g:
        for line in f:
            g.write(" ".join(jieba_fast.lcut(line.rstrip("\\n"), HMM=False)) + "\\n")
""",
    "sentencepiece unigram": """
import sentencepiece as spm
t0 = time.perf_counter(); sp = spm.SentencePieceProcessor(model_file=MODEL); load = time.perf_counter() - t0
with open(SRC, encoding="utf-8") as f:
    lines = [l.rstrip("\\n") for l in f]
def run():
    sp.encode(lines, out_type=int, num_threads=THREADS)
""",
}

RUNNER = """
import resource, sys, time, json
SRC, DST, THREADS, MODEL, REPEATS = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
{body}
runs = []
for _ in range(REPEATS):
    t0 = time.perf_counter(); run(); runs.append(time.perf_counter() - t0)
print(json.dumps({{"load": load, "runs": runs}}))
"""


def build_corpus(mb: int) -> Path:
    path = OUT / f"novels{mb}.txt"
    if path.exists() and path.stat().st_size >= mb * 1_000_000:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    text = "".join(p.read_text(encoding="utf-8") for p in NOVELS)
    if not text.endswith("\n"):
        text += "\n"
    reps = -(-mb * 1_000_000 // len(text.encode("utf-8")))
    path.write_text(text * reps, encoding="utf-8")
    return path


def train_spm(src: Path) -> Path:
    prefix = OUT / "spm_unigram32k"
    model = prefix.with_suffix(".model")
    if not model.exists():
        import sentencepiece as spm

        spm.SentencePieceTrainer.train(input=str(src), model_prefix=str(prefix), vocab_size=32000,
                                       model_type="unigram", input_sentence_size=2_000_000,
                                       shuffle_input_sentence=True, character_coverage=0.9995,
                                       num_threads=2, minloglevel=2)
    return model


def run_job(name: str, src: Path, threads: int, model: Path, repeats: int) -> dict:
    dst = OUT / f"seg_{name.split()[0]}_{threads}.txt"
    code = RUNNER.format(body=JOBS[name])
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, "-c", code, str(src), str(dst), str(threads), str(model), str(repeats)],
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed: {proc.stderr[-2000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    times = json.loads(proc.stdout.strip().splitlines()[-1])
    mb = src.stat().st_size / 1e6
    runs = sorted(times["runs"])
    median = statistics.median(runs)
    return {"name": name, "threads": threads, "mb": mb, "load_s": times["load"], "run_s": median, "runs": runs,
            "min_s": runs[0], "max_s": runs[-1],
            "mb_per_s": mb / median, "peak_rss_mb": max(rss, before) / 1024, "wall_s": wall, "output": str(dst),
            "rss_note": "" if rss > before else "(<= an earlier job's peak)"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of every job (the same for all)")
    ap.add_argument("--skip", nargs="*", default=[], help="job names to skip")
    ap.add_argument("--out", default=str(OUT / "bench_tokenize.md"))
    args = ap.parse_args()
    src = build_corpus(args.mb)
    model = train_spm(src)
    plan = [("minent_fast", 1), ("minent_fast", 2), ("sentencepiece unigram", 1), ("sentencepiece unigram", 2),
            ("jieba_fast (HMM off)", 1), ("jieba (HMM off)", 1), ("nlp-zero", 1)]
    rows = []
    for name, threads in plan:
        if name in args.skip:
            continue
        # ru_maxrss of children is a running maximum: run each job from a fresh helper
        # process so its peak is its own
        r = json.loads(subprocess.run([sys.executable, __file__, "--one", name, str(threads), str(src), str(model),
                                       str(args.repeats)],
                                      capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{name:24s} threads={threads} {r['mb_per_s']:8.2f} MB/s  median {r['run_s']:7.2f} s  "
              f"load {r['load_s']:5.2f} s  peak RSS {r['peak_rss_mb']:7.0f} MB", flush=True)
    base = {r["name"]: r for r in rows if r["threads"] == 1}
    ours = base.get("minent_fast")
    same = None
    if ours and "nlp-zero" in base:
        same = Path(ours["output"]).read_bytes() == Path(base["nlp-zero"]["output"]).read_bytes()
    lines = [f"Input: {rows[0]['mb']:.1f} MB ({src.name}); machine: {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores; Python {platform.python_version()}; {args.repeats} timed runs of every job, "
             "medians (MB/s from the median).", "",
             "| segmenter | threads | MB/s | median (s) | spread (s) | load (s) | peak RSS (MB) "
             "| minent_fast 1 thread vs this | minent_fast 2 threads vs this |",
             "|---|---|---|---|---|---|---|---|---|"]
    ours2 = next((r for r in rows if r["name"] == "minent_fast" and r["threads"] == 2), None)
    for r in rows:
        ratio = ours["mb_per_s"] / r["mb_per_s"] if ours else float("nan")
        ratio2 = ours2["mb_per_s"] / r["mb_per_s"] if ours2 else float("nan")
        lines.append(f"| {r['name']} | {r['threads']} | {r['mb_per_s']:.2f} | {r['run_s']:.2f} "
                     f"| {r['min_s']:.2f}–{r['max_s']:.2f} | {r['load_s']:.2f} "
                     f"| {r['peak_rss_mb']:.0f} | {ratio:.1f}× | {ratio2:.1f}× |")
    if same is not None:
        lines += ["", f"minent_fast output identical to nlp-zero's, byte for byte: **{same}**"]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        name, threads, src, model = sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5])
        print(json.dumps(run_job(name, src, threads, model, int(sys.argv[6]))))
        sys.exit(0)
    sys.exit(main())
