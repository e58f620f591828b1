"""Segmentation speed: minent_fast Tokenizer vs nlp-zero, jieba, jieba_fast and sentencepiece.

Corpus: the four novels of shared/data/zh concatenated (in the order 三国演义, 水浒传,
红楼梦, 西游记) and repeated until >= 30 MB (benches/out/novels30.txt). Every job runs in
its own subprocess; peak RSS is that child's ru_maxrss. Throughput = input UTF-8 MB / wall
seconds of segmenting the whole file line by line (dictionary/model loading excluded and
reported separately; sentencepiece returns ids, its fastest output). minent_fast's run is
the best of 3 in its process (it takes under a second); the peers run once (10-30 s). minent_fast and nlp-zero use the same dictionary (nlp-zero's
bundled dic.txt) and their outputs are compared line by line.

    python benches/bench_tokenize.py [--mb 30] [--out benches/out/bench_tokenize.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benches" / "out"
NOVELS = [DATA / "zh" / n for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")]

JOBS = {
    "minent_fast": """
import minent_fast as mf
t0 = time.perf_counter(); tok = mf.Tokenizer.default(); load = time.perf_counter() - t0
run = float("inf")
for _ in range(3):  # best of 3: a run takes under a second, so one run is at the mercy of noise
    t0 = time.perf_counter(); tok.tokenize_file(SRC, DST, num_threads=THREADS); run = min(run, time.perf_counter() - t0)
""",
    "nlp-zero": """
import collections, collections.abc; collections.Iterable = collections.abc.Iterable
import nlp_zero
t0 = time.perf_counter(); tok = nlp_zero.Tokenizer(); load = time.perf_counter() - t0
t0 = time.perf_counter()
with open(SRC, encoding="utf-8") as f, open(DST, "w", encoding="utf-8") as g:
    for line in f:
        g.write(" ".join(tok.tokenize(line.rstrip("\\n").rstrip("\\r"))) + "\\n")
run = time.perf_counter() - t0
""",
    "jieba (HMM off)": """
import logging, jieba; jieba.setLogLevel(logging.WARNING)
t0 = time.perf_counter(); jieba.initialize(); load = time.perf_counter() - t0
t0 = time.perf_counter()
with open(SRC, encoding="utf-8") as f, open(DST, "w", encoding="utf-8") as g:
    for line in f:
        g.write(" ".join(jieba.lcut(line.rstrip("\\n"), HMM=False)) + "\\n")
run = time.perf_counter() - t0
""",
    "jieba_fast (HMM off)": """
import logging, jieba_fast; jieba_fast.setLogLevel(logging.WARNING)
t0 = time.perf_counter(); jieba_fast.initialize(); load = time.perf_counter() - t0
t0 = time.perf_counter()
with open(SRC, encoding="utf-8") as f, open(DST, "w", encoding="utf-8") as g:
    for line in f:
        g.write(" ".join(jieba_fast.lcut(line.rstrip("\\n"), HMM=False)) + "\\n")
run = time.perf_counter() - t0
""",
    "sentencepiece unigram": """
import sentencepiece as spm
t0 = time.perf_counter(); sp = spm.SentencePieceProcessor(model_file=MODEL); load = time.perf_counter() - t0
with open(SRC, encoding="utf-8") as f:
    lines = [l.rstrip("\\n") for l in f]
t0 = time.perf_counter(); ids = sp.encode(lines, out_type=int, num_threads=THREADS); run = time.perf_counter() - t0
""",
}

RUNNER = """
import resource, sys, time, json
SRC, DST, THREADS, MODEL = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
{body}
print(json.dumps({{"load": load, "run": run}}))
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


def run_job(name: str, src: Path, threads: int, model: Path) -> dict:
    dst = OUT / f"seg_{name.split()[0]}_{threads}.txt"
    code = RUNNER.format(body=JOBS[name])
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(src), str(dst), str(threads), str(model)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed: {proc.stderr[-2000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    times = json.loads(proc.stdout.strip().splitlines()[-1])
    mb = src.stat().st_size / 1e6
    return {"name": name, "threads": threads, "mb": mb, "load_s": times["load"], "run_s": times["run"],
            "mb_per_s": mb / times["run"], "peak_rss_mb": max(rss, before) / 1024, "wall_s": wall, "output": str(dst),
            "rss_note": "" if rss > before else "(<= an earlier job's peak)"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=30)
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
        r = json.loads(subprocess.run([sys.executable, __file__, "--one", name, str(threads), str(src), str(model)],
                                      capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{name:24s} threads={threads} {r['mb_per_s']:8.2f} MB/s  run {r['run_s']:7.2f} s  "
              f"load {r['load_s']:5.2f} s  peak RSS {r['peak_rss_mb']:7.0f} MB", flush=True)
    base = {r["name"]: r for r in rows if r["threads"] == 1}
    ours = base.get("minent_fast")
    same = None
    if ours and "nlp-zero" in base:
        same = Path(ours["output"]).read_bytes() == Path(base["nlp-zero"]["output"]).read_bytes()
    lines = [f"Input: {rows[0]['mb']:.1f} MB ({src.name}); machine: {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores; Python {platform.python_version()}.", "",
             "| segmenter | threads | MB/s | run (s) | load (s) | peak RSS (MB) | minent_fast speed-up, 1 thread | 2 threads |",
             "|---|---|---|---|---|---|---|---|"]
    ours2 = next((r for r in rows if r["name"] == "minent_fast" and r["threads"] == 2), None)
    for r in rows:
        ratio = ours["mb_per_s"] / r["mb_per_s"] if ours else float("nan")
        ratio2 = ours2["mb_per_s"] / r["mb_per_s"] if ours2 else float("nan")
        lines.append(f"| {r['name']} | {r['threads']} | {r['mb_per_s']:.2f} | {r['run_s']:.2f} | {r['load_s']:.2f} "
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
        print(json.dumps(run_job(name, src, threads, model)))
        sys.exit(0)
    sys.exit(main())
