"""Compressed and piped input: what it costs `minent-fast segment` against the plain file.

Corpus: the four novels of shared/data/zh concatenated, four times (benches/out/novels_x4.txt,
~35 MB), and the same text as .zst (level 3) and .gz (level 6), made with the zstandard
package and gzip. Each job is the whole command a user runs, in its own process:

    minent-fast segment SRC -o benches/out/io.seg      (SRC: the plain file, .zst, .gz)
    cat plain | minent-fast segment - -o benches/out/io.seg

plus the decompressor alone (the zstandard / gzip package reading the file into a
temporary file, as the spooled read does), which is the floor the issue sets. Jobs run in
alternation over ROUNDS rounds; medians are reported. MB/s is decompressed MB / wall
seconds; peak RSS is each process's ru_maxrss (os.wait4). Every output is compared with
the plain file's.

    python benches/bench_io.py [--rounds 5] [--out benches/out/bench_io.md]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benches" / "out"
NOVELS = [DATA / "zh" / n for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")]
CLI = shlex.join([sys.executable, "-m", "minent_fast"])


def corpus() -> dict[str, Path]:
    import zstandard

    OUT.mkdir(parents=True, exist_ok=True)
    plain = OUT / "novels_x4.txt"
    if not plain.exists():
        text = b"".join(p.read_bytes() for p in NOVELS)
        plain.write_bytes(text * 4)
    data = plain.read_bytes()
    zst, gz = OUT / "novels_x4.txt.zst", OUT / "novels_x4.txt.gz"
    if not zst.exists():
        zst.write_bytes(zstandard.ZstdCompressor(level=3).compress(data))
    if not gz.exists():
        gz.write_bytes(gzip.compress(data, compresslevel=6))
    return {"plain": plain, "zst": zst, "gz": gz}


def timed(cmd: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a shell command (the largest process of it)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {cmd}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=OUT / "bench_io.md")
    args = ap.parse_args()
    files = corpus()
    size_mb = files["plain"].stat().st_size / 1e6
    seg = OUT / "io.seg"
    ref = OUT / "io.ref.seg"
    subprocess.run(["bash", "-c", f"{CLI} segment -q {shlex.quote(str(files['plain']))} -o {shlex.quote(str(ref))}"],
                   check=True, capture_output=True)
    q = lambda p: shlex.quote(str(p))  # noqa: E731
    decomp = ("import sys, tempfile, shutil, {mod}; f = {opener}(sys.argv[1]); "
              "t = tempfile.TemporaryFile(); shutil.copyfileobj(f, t, 1 << 20)")
    jobs = {
        "segment plain file (mmap)": f"{CLI} segment -q {q(files['plain'])} -o {q(seg)}",
        "segment .zst file": f"{CLI} segment -q {q(files['zst'])} -o {q(seg)}",
        "segment .gz file": f"{CLI} segment -q {q(files['gz'])} -o {q(seg)}",
        "segment stdin (cat plain |)": f"cat {q(files['plain'])} | {CLI} segment -q - -o {q(seg)}",
        "zstandard alone: .zst -> temp file": f"{shlex.quote(sys.executable)} -c "
        + shlex.quote(decomp.format(mod="zstandard",
                                    opener="(lambda p: zstandard.ZstdDecompressor().stream_reader(open(p, 'rb')))"))
        + f" {q(files['zst'])}",
        "gzip alone: .gz -> temp file": f"{shlex.quote(sys.executable)} -c "
        + shlex.quote(decomp.format(mod="gzip", opener="gzip.open")) + f" {q(files['gz'])}",
    }
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in jobs}
    for _ in range(args.rounds):
        for name, cmd in jobs.items():
            results[name].append(timed(cmd))
            if name.startswith("segment") and seg.read_bytes() != ref.read_bytes():
                raise SystemExit(f"{name}: output differs from the plain file's")
    base = statistics.median(w for w, _ in results["segment plain file (mmap)"])
    rows = []
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs)
        rows.append({"job": name, "wall_s": wall, "mb_s": size_mb / wall, "peak_rss_mb": rss,
                     "speed_vs_plain": base / wall})
    lines = [f"Input: {size_mb:.1f} MB (four novels x4); medians of {args.rounds} alternating rounds; "
             f"Python {sys.version.split()[0]}, {os.cpu_count()} cores.", "",
             "| job | wall (s) | MB/s | peak RSS (MB) | speed vs plain file |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['job']} | {r['wall_s']:.3f} | {r['mb_s']:.1f} | {r['peak_rss_mb']:.0f} | "
                     f"{r['speed_vs_plain']:.2f}x |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
