"""CorpusIndex benchmarks: build vs pydivsufsort, n-grams vs Counter, count() latency.

Corpora (benches/out/, built once, deterministic): the four novels of shared/data/zh
(三国演义, 水浒传, 红楼梦, 西游记, 8.86 MB) concatenated; for larger sizes the
concatenation is repeated, each repetition with its lines shuffled by random.Random(rep),
and cut at a line end once the size is reached: zh_10MB.txt, zh_100MB.txt, zh_1GB.txt.

Every measured job runs in a fresh subprocess; peak RSS is that process's ru_maxrss
(resident set, including the memory-mapped input it touched).

    python benches/bench_index.py [--sizes 100MB 1GB] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benches" / "out"
NOVELS = [DATA / "zh" / n for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")]
SIZES = {"10MB": 10_000_000, "100MB": 100_000_000, "1GB": 1_000_000_000}


def corpus(name: str) -> Path:
    path = OUT / f"zh_{name}.txt"
    target = SIZES[name]
    if path.exists() and path.stat().st_size >= target * 0.99:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [line for p in NOVELS for line in p.read_text(encoding="utf-8").splitlines()]
    size, rep = 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while size < target:
            batch = list(lines)
            if rep:
                random.Random(rep).shuffle(batch)
            for line in batch:
                b = len(line.encode("utf-8")) + 1
                if size + b > target:
                    size = target
                    break
                f.write(line + "\n")
                size += b
            rep += 1
    return path


JOB_HEAD = """
import json, resource, sys, time
src = sys.argv[1]; out = sys.argv[2] if len(sys.argv) > 2 else None
def done(**kw):
    kw["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(kw))
"""

JOBS = {
    "minent_build": JOB_HEAD + """
import minent_fast as mf
t0 = time.perf_counter(); idx = mf.CorpusIndex.build(src, path=out); dt = time.perf_counter() - t0
done(seconds=dt, chars=idx.num_chars)
""",
    "divsufsort": JOB_HEAD + """
import numpy as np, pydivsufsort
t0 = time.perf_counter(); data = np.fromfile(src, dtype=np.uint8); sa = pydivsufsort.divsufsort(data)
dt = time.perf_counter() - t0
done(seconds=dt, n=int(len(sa)))
""",
    "minent_ngrams": JOB_HEAD + """
import minent_fast as mf
t0 = time.perf_counter(); idx = mf.CorpusIndex.build(src); t1 = time.perf_counter()
t = idx.ngrams((1, 6), min_count=2); t2 = time.perf_counter()
done(seconds=t2 - t0, build=t1 - t0, ngrams=t2 - t1, rows=t.num_rows)
""",
    "counter_ngrams": JOB_HEAD + """
import re
from collections import Counter
t0 = time.perf_counter()
split = re.compile("[^\\u4e00-\\u9fa50-9a-zA-Z]+").split
counts = Counter()
with open(src, encoding="utf-8") as f:
    for line in f:
        for c in split(line):
            for n in (1, 2, 3, 4):
                counts.update(c[i:i + n] for i in range(len(c) - n + 1))
dt = time.perf_counter() - t0
done(seconds=dt, distinct=len(counts))
""",
    "minent_count": JOB_HEAD + """
import random, statistics
import minent_fast as mf
idx = mf.CorpusIndex.open(out)
rng = random.Random(0)
with open(src, encoding="utf-8") as f:
    sample = f.read(20_000_000)
probes = [sample[i:i + rng.randint(1, 6)] for i in (rng.randrange(len(sample) - 6) for _ in range(10_000))]
probes[::10] = ["不存在之词" + str(i) for i in range(len(probes[::10]))]
for p in probes[:2000]:
    idx.count(p)
lat = []
for p in probes:
    t0 = time.perf_counter_ns(); idx.count(p); lat.append(time.perf_counter_ns() - t0)
lat.sort()
t0 = time.perf_counter_ns(); idx.count_many(probes); many = (time.perf_counter_ns() - t0) / len(probes)
done(median_us=lat[len(lat) // 2] / 1000, p90_us=lat[int(len(lat) * 0.9)] / 1000, count_many_us=many / 1000)
""",
}


def run(job: str, *args: str, threads: int | None = None) -> dict:
    env = dict(os.environ)
    if threads is not None:
        env.update(RAYON_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, "-c", JOBS[job], *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{job} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", default=["100MB", "1GB"])
    ap.add_argument("--quick", action="store_true", help="10 MB only")
    args = ap.parse_args()
    sizes = ["10MB"] if args.quick else args.sizes
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                                              if line.startswith("model name")), "?")}}
    md = ["| job | threads | input | wall (s) | MB/s | peak RSS (MB) | RSS / input | ratio |",
          "|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        src = corpus(size)
        mb = src.stat().st_size / 1e6
        idx_dir = OUT / f"idx_{size}"
        # pydivsufsort sorts the suffixes of the UTF-8 bytes (3x as many for Chinese) on one
        # thread; the index sorts characters: a one-thread row is set beside the two-thread one
        ours1 = run("minent_build", str(src), str(idx_dir), threads=1)
        ours = run("minent_build", str(src), str(idx_dir))
        peer = run("divsufsort", str(src))
        for r in (ours1, ours, peer):
            r["mb_per_s"] = mb / r["seconds"]
        for threads, r in ((1, ours1), (os.cpu_count(), ours)):
            md.append(f"| minent_fast build + save (suffixes of characters) | {threads} | {size} ({mb:.0f} MB) "
                      f"| {r['seconds']:.1f} | {r['mb_per_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['peak_rss_mb'] / mb:.2f}× "
                      f"| {r['mb_per_s'] / peer['mb_per_s']:.2f}× pydivsufsort |")
        md.append(f"| pydivsufsort (suffixes of UTF-8 bytes, read included) | 1 | {size} ({mb:.0f} MB) | {peer['seconds']:.1f} "
                  f"| {peer['mb_per_s']:.1f} | {peer['peak_rss_mb']:.0f} | {peer['peak_rss_mb'] / mb:.2f}× | |")
        results[f"build_{size}"] = {"minent": ours, "minent_1_thread": ours1, "divsufsort": peer,
                                    "ratio": ours["mb_per_s"] / peer["mb_per_s"],
                                    "ratio_1_thread": ours1["mb_per_s"] / peer["mb_per_s"]}
        if size == sizes[-1]:
            c = run("minent_count", str(src), str(idx_dir))
            results[f"count_{size}"] = c
            md.append(f"| count() latency on the {size} index | 1 | 10,000 probes | median {c['median_us']:.2f} µs "
                      f"| p90 {c['p90_us']:.2f} µs | {c['peak_rss_mb']:.0f} | | count_many {c['count_many_us']:.2f} µs/str |")
    src = corpus("10MB")
    mb = src.stat().st_size / 1e6
    ours, peer = run("minent_ngrams", str(src)), run("counter_ngrams", str(src))
    results["ngrams_10MB"] = {"minent": ours, "counter": peer, "ratio": peer["seconds"] / ours["seconds"]}
    md.append(f"| minent_fast build + ngrams((1,6), min_count=2) | {os.cpu_count()} | 10MB ({mb:.0f} MB) | {ours['seconds']:.2f} "
              f"(build {ours['build']:.2f}, ngrams {ours['ngrams']:.2f}) | {mb / ours['seconds']:.1f} "
              f"| {ours['peak_rss_mb']:.0f} | | {peer['seconds'] / ours['seconds']:.1f}× Counter |")
    md.append(f"| collections.Counter n=1..4 (read included) | 1 | 10MB ({mb:.0f} MB) | {peer['seconds']:.2f} "
              f"| {mb / peer['seconds']:.2f} | {peer['peak_rss_mb']:.0f} | | |")
    text = "\n".join(md)
    print(text)
    (OUT / "bench_index.md").write_text(text + "\n", encoding="utf-8")
    (OUT / "bench_index.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
