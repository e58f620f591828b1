"""Scale benchmark (issue #7): sharded index build and exact n-gram tables, one process vs a
2-worker Dask LocalCluster, on 1 GB and 4 GB corpora.

Corpora: as in bench_index.py (the four novels concatenated, repeated with each repetition's
lines shuffled by random.Random(rep), cut at a line end): benches/out/zh_1GB.txt and
zh_4GB.txt. Note: they repeat 8.86 MB of distinct text, so they have far fewer distinct
long n-grams than 4 GB of real text would; the per-shard costs below are the honest part.

Every job runs in a fresh subprocess. Peak RSS: the driver's ru_maxrss; with a cluster,
also each worker process's ru_maxrss (read with client.run at the end) and their sum (an
upper bound of the cluster's concurrent peak).

    python benches/bench_scale.py [--sizes 1GB 4GB] [--shard-mb 256] [--partitions 16]
        [--synth 100MB 1GB 4GB] [--memory 6G] [--statistics 1GB:3.1 4GB:3.1 1GB:0.4]

Word discovery at scale (issue 23), ``--synth``: text from ../shared/tools/synth_corpus.py
(seed 1), whose distinct n-grams keep growing with its size as real text's do (its
docstring compares it with 3.9 M characters of real text); ``minent-fast discover FILE
--memory M`` in one process, and ``distributed.discover_words`` on a 2-worker
LocalCluster, each in a fresh subprocess: wall time, MB/s and the peak RSS of every
process (the job's ru_maxrss; with a cluster, each worker's too).

``--statistics``: the partitioned statistics of discovery alone (issue 23), with a
candidates' file of the corpus's first 64 MB, at a given size of partitions: each
partition re-reading the corpus, and through run files (wall, peak RSS, the same rows).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_index  # noqa: E402  (the corpus builder)

OUT = bench_index.OUT
bench_index.SIZES.setdefault("4GB", 4_000_000_000)

JOB = """
import json, resource, sys, time
mode, src, work, shard_mb, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
import minent_fast as mf
from minent_fast import distributed
client = distributed.connect(n_workers=2, threads_per_worker=1) if mode == "cluster" else None
threads = 1 if client else None
res = {}
t0 = time.perf_counter()
if client:
    idx = distributed.build_shards([src], work + "/idx", client=client, shard_bytes=shard_mb << 20, num_threads=threads)
else:
    idx = mf.build_shards([src], work + "/idx", shard_bytes=shard_mb << 20, num_threads=threads)
res["build_s"] = time.perf_counter() - t0
res["shards"] = len(idx.shards)
res["chars"] = idx.num_chars
t0 = time.perf_counter()
if client:
    names = distributed.ngram_tables(work + "/idx", work + "/ngrams", (1, 4), 2, client=client,
                                     partitions=partitions, num_threads=threads)
else:
    names = mf.ngram_tables(work + "/idx", work + "/ngrams", (1, 4), 2, partitions=partitions, num_threads=threads)
res["ngrams_s"] = time.perf_counter() - t0
import pyarrow.parquet as pq
res["rows"] = sum(pq.ParquetFile(work + "/ngrams/" + n).metadata.num_rows for n in names)
res["driver_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if not client and "--discover" in sys.argv:
    t0 = time.perf_counter()
    lex = mf.discover_words(work + "/idx")
    res["discover_s"] = time.perf_counter() - t0
    res["words"] = len(lex)
    res["discover_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if client:
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    res["worker_rss_mb"] = sorted(peaks.values())
    client.close(); client.cluster.close()
print(json.dumps(res))
"""


def run(mode: str, src: Path, shard_mb: int, partitions: int, discover: bool = False) -> dict:
    work = OUT / f"scale_{mode}_{src.stem}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    proc = subprocess.run([sys.executable, "-c", JOB, mode, str(src), str(work), str(shard_mb), str(partitions),
                           *(["--discover"] if discover else [])],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{proc.stderr[-3000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    shutil.rmtree(work, ignore_errors=True)
    return res


SYNTH = Path(__file__).resolve().parents[2] / "shared" / "tools" / "synth_corpus.py"
SYNTH_SIZES = {"100MB": 100, "1GB": 1000, "4GB": 4000}

DISCOVER_JOB = """
import json, resource, sys, time
mode, src, memory = sys.argv[1], sys.argv[2], sys.argv[3]
import minent_fast as mf
from minent_fast import distributed
res = {}
t0 = time.perf_counter()
if mode == "cluster":
    client = distributed.connect(n_workers=2, threads_per_worker=1)
    lex = distributed.discover_words(src, client=client, memory_budget=memory)
    res["worker_rss_mb"] = sorted(client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024).values())
    client.close(); client.cluster.close()
else:
    lex = mf.discover_words(src, memory_budget=memory)
res["discover_s"] = time.perf_counter() - t0
res["words"] = len(lex)
res["driver_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(res))
"""


def synth_corpus(size: str) -> Path:
    path = OUT / f"synth_{size}.txt"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        subprocess.run([sys.executable, str(SYNTH), str(tmp), str(SYNTH_SIZES[size]), "--seed", "1"], check=True)
        tmp.rename(path)
    return path


def run_discover(mode: str, src: Path, memory: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", DISCOVER_JOB, mode, str(src), memory], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"discover {mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def synth_table(sizes: list[str], modes: list[str], memory: str) -> list[str]:
    md = ["", f"Word discovery on synthetic text (synth_corpus.py, seed 1), `memory_budget={memory!r}`, "
              "defaults otherwise:", "",
          "| input | mode | wall (s) | MB/s | words | peak RSS (MB) |", "|---|---|---|---|---|---|"]
    results = {}
    for size in sizes:
        src = synth_corpus(size)
        mb = src.stat().st_size / 1e6
        for mode in modes:
            r = run_discover(mode, src, memory)
            results[f"synth_{size}/{mode}"] = r
            rss = f"{r['driver_rss_mb']:.0f}"
            if "worker_rss_mb" in r:
                rss = f"driver {rss}, workers {', '.join(f'{x:.0f}' for x in r['worker_rss_mb'])}"
            label = "one process (2 threads)" if mode == "local" else "LocalCluster 2 workers × 1 thread (tagging pass)"
            md.append(f"| {size} ({mb:.0f} MB) | {label} | {r['discover_s']:.0f} | {mb / r['discover_s']:.2f} | "
                      f"{r['words']:,} | {rss} |")
            print(md[-1], flush=True)
    (OUT / "scale_synth.json").write_text(json.dumps(results, indent=1))
    return md


STATISTICS_JOB = """
import json, resource, sys, time
from minent_fast import _core
from minent_fast.discovery import budget
src, sample, key_gib, runs_on = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "runs"
t0 = time.perf_counter()
with budget.key_runs() as runs:
    if not runs_on:
        runs["spill_free"] = 0  # no room: each partition re-reads the corpus
    table = _core.autonomy_table([src], segmenter="unicode", max_len=4, min_count=1, candidates=[sample],
                                 key_memory=int(key_gib * 2**30), **runs)
print(json.dumps({"wall_s": time.perf_counter() - t0, "rows": len(table),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def head_sample(src: Path, nbytes: int = 64_000_000) -> Path:
    """The first ``nbytes`` of ``src`` cut at a line end: the candidates of the statistics jobs."""
    path = OUT / f"{src.stem}_head{nbytes // 1_000_000}MB.txt"
    if not path.exists():
        with open(src, "rb") as f:
            data = f.read(nbytes)
        path.write_bytes(data[:data.rfind(b"\n") + 1])
    return path


def statistics_table(cases: list[str]) -> list[str]:
    """The partitioned statistics alone (``_core.autonomy_table`` with a 64 MB candidates'
    file), each case SIZE:GIB of keys per partition, re-reading the corpus per partition and
    through run files, each in a fresh subprocess."""
    md = ["", "Partitioned statistics (`_core.autonomy_table`, synthetic text, candidates: its first 64 MB):", "",
          "| corpus | keys per partition | re-reading (s) | run files (s) | peak RSS (MB) | rows |",
          "|---|---|---|---|---|---|"]
    for case in cases:
        size, gib = case.split(":")
        src = synth_corpus(size)
        sample = head_sample(src)
        got = {}
        for how in ("reread", "runs"):
            proc = subprocess.run([sys.executable, "-c", STATISTICS_JOB, str(src), str(sample), gib, how],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"statistics {case} {how} failed:\n{proc.stderr[-3000:]}")
            got[how] = json.loads(proc.stdout.strip().splitlines()[-1])
        assert got["reread"]["rows"] == got["runs"]["rows"]
        md.append(f"| {size} | {gib} GiB | {got['reread']['wall_s']:.1f} | {got['runs']['wall_s']:.1f} | "
                  f"{got['reread']['rss_mb']:.0f} / {got['runs']['rss_mb']:.0f} | {got['runs']['rows']:,} |")
        print(md[-1], flush=True)
    return md


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", default=["1GB", "4GB"])
    ap.add_argument("--shard-mb", type=int, default=256)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--modes", nargs="*", default=["local", "cluster"])
    ap.add_argument("--discover", action="store_true", help="also discover_words over the shards (one process)")
    ap.add_argument("--synth", nargs="*", default=["100MB", "1GB", "4GB"], choices=sorted(SYNTH_SIZES),
                    help="word discovery on synthetic text of these sizes (none: skip)")
    ap.add_argument("--memory", default="6G", help="discover_words' memory budget in the synthetic runs")
    ap.add_argument("--statistics", nargs="*", default=["1GB:3.1", "4GB:3.1", "1GB:0.4"],
                    help="the partitioned statistics alone, SIZE:GIB of keys per partition, re-read vs run files")
    args = ap.parse_args()
    md = ["| input | mode | shards | build (s) | build MB/s | ngrams 1–4, min 2 (s) | rows | peak RSS (MB) |",
          "|---|---|---|---|---|---|---|---|"]
    results = {}
    disc = ["", "discover_words over the shards (one process):", "",
            "| input | shards | wall (s) | words | peak RSS (MB, whole job) |", "|---|---|---|---|---|"]
    for size in args.sizes:
        src = bench_index.corpus(size)
        mb = src.stat().st_size / 1e6
        for mode in args.modes:
            r = run(mode, src, args.shard_mb, args.partitions, args.discover)
            results[f"{size}/{mode}"] = r
            rss = f"{r['driver_rss_mb']:.0f}"
            if "worker_rss_mb" in r:
                w = r["worker_rss_mb"]
                rss = f"driver {r['driver_rss_mb']:.0f} + workers {' + '.join(f'{x:.0f}' for x in w)} = {r['driver_rss_mb'] + sum(w):.0f}"
            label = "one process (2 threads)" if mode == "local" else "LocalCluster 2 workers × 1 thread"
            md.append(f"| {size} ({mb:.0f} MB) | {label} | {r['shards']} | {r['build_s']:.1f} | {mb / r['build_s']:.1f} | "
                      f"{r['ngrams_s']:.1f} | {r['rows']:,} | {rss} |")
            print(md[-1], flush=True)
            if "discover_s" in r:
                disc.append(f"| {size} | {r['shards']} | {r['discover_s']:.1f} | {r['words']:,} | {r['discover_rss_mb']:.0f} |")
    (OUT / "scale.json").write_text(json.dumps(results, indent=1))
    if len(disc) > 5:
        md += disc
    if args.synth:
        md += synth_table(args.synth, args.modes, args.memory)
    if args.statistics:
        md += statistics_table(args.statistics)
    (OUT / "scale.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
