"""One-step VAE clustering (minent_fast.vae.ClusterVAE) on the 10,000 MNIST test digits.

Trains the default recipe once per seed, each run in its own subprocess (peak RSS = that
process's ru_maxrss), with ``torch.set_num_threads(--threads)``, and reports clustering
accuracy (Hungarian one-to-one mapping and the article's majority vote), training wall
time and peak RSS, then mean ± std over seeds. Writes benches/out/vae.json and vae.md.

    python benches/bench_vae.py                       # seeds 0 1 2, 2 threads
    python benches/bench_vae.py --seeds 0 1 2 3 4 --threads 2
    python benches/bench_vae.py --fit '{"epochs": 0}' --tag kmeans-only   # a variant

Load average is recorded before and after each run: other processes on the machine slow
training down, and the wall time is what this machine gave at the time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benches" / "out"
MNIST = ROOT.parent / "shared" / "data" / "mnist"

JOB = """
import json, resource, sys, time
import torch
from minent_fast.vae import ClusterVAE, cluster_accuracy, load_mnist_test
cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg["threads"])
x, y = load_mnist_test(cfg["data"])
model = ClusterVAE(num_clusters=10, latent_dim=20, input_shape=(1, 28, 28), seed=cfg["seed"], **cfg["model"])
t0 = time.perf_counter()
model.fit(x, device="cpu", **cfg["fit"])
seconds = time.perf_counter() - t0
acc = cluster_accuracy(y, model.predict(x))
print(json.dumps({"seed": cfg["seed"], "hungarian": acc.hungarian, "majority": acc.majority,
                  "train_seconds": seconds, "epochs_run": len(model.history_),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=str(MNIST), help="MNIST directory (t10k-*-ubyte.gz)")
    ap.add_argument("--model", default="{}", help="extra ClusterVAE(...) arguments as JSON")
    ap.add_argument("--fit", default="{}", help="extra fit(...) arguments as JSON")
    ap.add_argument("--tag", default="default", help="name of this variant in the report")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for seed in args.seeds:
        cfg = {"seed": seed, "threads": args.threads, "data": args.data,
               "model": json.loads(args.model), "fit": json.loads(args.fit)}
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-c", JOB, json.dumps(cfg)], capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return 1
        row = json.loads(r.stdout.strip().splitlines()[-1])
        row["wall_seconds"] = time.perf_counter() - t0
        row["load_before"], row["load_after"] = load_before, os.getloadavg()[0]
        rows.append(row)
        print(f"seed {seed}: accuracy {row['hungarian']:.4f} (majority {row['majority']:.4f}), "
              f"train {row['train_seconds']:.0f} s, peak RSS {row['peak_rss_mb']:.0f} MB", flush=True)

    def stat(key: str) -> tuple[float, float]:
        vals = [r[key] for r in rows]
        return statistics.mean(vals), (statistics.stdev(vals) if len(vals) > 1 else 0.0)

    lines = [
        f"ClusterVAE on the 10,000 MNIST test digits, variant `{args.tag}`, "
        f"{args.threads} threads, model {args.model}, fit {args.fit}, torch {rows[0]['torch']}",
        "",
        "| seed | accuracy (Hungarian) | majority vote | train (s) | peak RSS (MB) | load avg before/after |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['seed']} | {r['hungarian']:.4f} | {r['majority']:.4f} | {r['train_seconds']:.0f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['load_before']:.1f} / {r['load_after']:.1f} |")
    (hm, hs), (mm, ms), (tm, ts) = stat("hungarian"), stat("majority"), stat("train_seconds")
    lines.append(f"| **mean ± std** | **{hm:.4f} ± {hs:.4f}** | {mm:.4f} ± {ms:.4f} | {tm:.0f} ± {ts:.0f} | | |")
    table = "\n".join(lines)
    print()
    print(table)
    report = {"tag": args.tag, "threads": args.threads, "model": json.loads(args.model), "fit": json.loads(args.fit),
              "runs": rows, "hungarian_mean": hm, "hungarian_std": hs, "majority_mean": mm, "majority_std": ms,
              "train_seconds_mean": tm, "train_seconds_std": ts}
    name = "vae" if args.tag == "default" else f"vae_{args.tag}"
    (OUT / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (OUT / f"{name}.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
