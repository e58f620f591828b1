"""A/B of WordFinder builds, step by step, alternating, on the four novels.

This VM's speed drifts by tens of percent within minutes, so two builds are compared
in alternation, each round a fresh process per build doing 5 train+find runs (the first
dropped), and the minimum and median of every step are reported. Copy a build's package
to compare it later: ``cp -r python/minent_fast /tmp/ab/base/``.

    python benches/ab_wordfinder.py ROUNDS DIR [DIR ...]    # DIR holds a minent_fast package
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "zh"

CHILD = r"""
import json, sys, time
import minent_fast
from minent_fast import _core
assert minent_fast.__file__.startswith(sys.argv[1]), minent_fast.__file__
lines = []
for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt"):
    with open(sys.argv[2] + "/" + n, encoding="utf-8") as f:
        lines.extend(f)
out = []
for _ in range(5):
    c0, t0 = time.process_time(), time.perf_counter()
    wf = _core.WordFinder(1e-6, 1.0)
    wf.train(lines, filtering=True, keep=True)
    t1 = time.perf_counter()
    wf.begin_find(True)
    t2 = time.perf_counter()
    wf.cut(lines, filtering=True)
    t3 = time.perf_counter()
    words = wf.finish_find(progress=None)
    t4 = time.perf_counter()
    del wf, words
    out.append([t1 - t0, t2 - t1, t3 - t2, t4 - t3, time.perf_counter() - t0, time.process_time() - c0])
print(json.dumps(out))
"""
STEPS = ["train", "begin", "cut", "finish", "total", "cpu"]


def main() -> int:
    rounds, dirs = int(sys.argv[1]), sys.argv[2:]
    runs: dict[str, list[list[float]]] = {d: [] for d in dirs}
    for _ in range(rounds):
        for d in dirs:
            p = subprocess.run([sys.executable, "-c", CHILD, d, str(DATA)], env={"PYTHONPATH": d, "PATH": "/usr/bin"},
                               capture_output=True, text=True)
            if p.returncode:
                print(p.stderr)
                return 1
            runs[d] += json.loads(p.stdout)[1:]
    for d, rs in runs.items():
        cells = (f"{n} {1e3 * min(r[i] for r in rs):5.1f}/{1e3 * statistics.median(r[i] for r in rs):5.1f}"
                 for i, n in enumerate(STEPS))
        print(d.ljust(20), "  ".join(cells), "(ms, min/median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
