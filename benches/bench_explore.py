"""The corpus explorer (issue 21): query latency from Python on a 1 GB index, and the web
app under load on a 100 MB index.

Corpora (benches/out/, as bench_index.py makes them): the four novels of shared/data/zh
(8.86 MB) concatenated and repeated with each repetition's lines shuffled, cut at a line
end: zh_100MB.txt (11 repetitions), zh_1GB.txt (113). Repeated text: the hit counts are
those of the novels times the repetitions, so "宝玉" has 448k hits at 1 GB.

* **Python API** (one process, the index opened by mmap, 2 threads): for each query
  string of QUERIES, one warm-up call and then REPEATS timed calls of ``kwic(q,
  limit=100)``, ``next_chars(q)``, ``locate(q, limit=10000)`` and the others; the table
  gives per call the median over the queries of each one's median, and the worst query's
  median. One more row: ``next_chars`` after 200 contexts of 2-10 Han characters cut from
  random places of the novels (how infini-gram is queried: the text so far).
* **Web app under load**: ``minent-fast serve`` in its own process on 127.0.0.1; CLIENTS
  client threads (the standard library's http.client, one keep-alive connection each, in
  a second process on the same cores) send PER_CLIENT mixed requests each (kwic in three
  orders with paging, next, count, locate, collocates, sentence views), all at once,
  after 10 untimed warm-up requests each; latency per request as the client sees it
  (client overhead included), p50/p99 per endpoint and overall, errors counted (any
  non-200); the CPU seconds of the server (all its processes) and of the client.
  Two mixes: 13 fixed words and 3 sentences (repeats, answered from the app's cache), and
  strings and sentences cut from random places of the novels (few repeats); the second
  mix again with ``--workers 2`` (two server processes, peak RSS the larger one's); then
  one client alone with the second mix (no queueing). Server peak RSS: VmHWM.

    python benches/bench_explore.py [--repeats 20] [--clients 20] [--per-client 500]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benches" / "out"
sys.path.insert(0, str(ROOT / "benches"))
QUERIES = ["宝玉", "林黛玉", "孔明", "他道", "诸葛亮", "行者", "却说", "不知", "我", "笑道"]

API_JOB = """
import json, statistics, sys, time, resource
import minent_fast as mf
idx = mf.CorpusIndex.open(sys.argv[1])
queries = json.loads(sys.argv[2]); repeats = int(sys.argv[3])
calls = {
    "kwic(q, limit=100)": lambda q: idx.kwic(q, limit=100),
    "kwic(q, limit=100, order='right')": lambda q: idx.kwic(q, limit=100, order="right"),
    "kwic(q, limit=100, order='left')": lambda q: idx.kwic(q, limit=100, order="left"),
    "kwic(q, limit=100, order='random')": lambda q: idx.kwic(q, limit=100, order="random"),
    "next_chars(q)": lambda q: idx.next_chars(q),
    "locate(q, limit=10000)": lambda q: idx.locate(q, limit=10000),
    "collocates(q)": lambda q: idx.collocates(q),
    "count(q)": lambda q: idx.count(q),
}
out = {}
for name, f in calls.items():
    per_query = {}
    for q in queries:
        f(q)
        ts = []
        for _ in range(repeats):
            t = time.perf_counter(); f(q); ts.append(time.perf_counter() - t)
        per_query[q] = statistics.median(ts)
    all_med = statistics.median(per_query.values())
    worst = max(per_query, key=per_query.get)
    out[name] = {"median_ms": all_med * 1e3, "worst_query": worst, "worst_ms": per_query[worst] * 1e3,
                 "per_query_ms": {q: t * 1e3 for q, t in per_query.items()}}
# infini-gram's use: the next character after a context taken from the text itself
import random
text = "".join(open(p, encoding="utf-8").read() for p in json.loads(sys.argv[4]))
rng = random.Random(0)
contexts = []
while len(contexts) < 200:
    i = rng.randrange(len(text) - 12); c = text[i:i + rng.randint(2, 10)]
    if all("\u4e00" <= ch <= "\u9fa5" for ch in c):
        contexts.append(c)
per = []
for c in contexts:
    idx.next_chars(c)
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); idx.next_chars(c); ts.append(time.perf_counter() - t)
    per.append((statistics.median(ts), c))
per.sort()
out["next_chars(context from the text, 2-10 chars)"] = {"median_ms": per[len(per) // 2][0] * 1e3,
    "p90_ms": per[int(len(per) * 0.9)][0] * 1e3, "worst_query": per[-1][1], "worst_ms": per[-1][0] * 1e3}
hits = {q: idx.count(q) for q in queries + [per[-1][1]]}
print(json.dumps({"calls": out, "hits": hits,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

LOAD_JOB = """
import concurrent.futures as cf, http.client, json, random, sys, time, urllib.parse
base, clients, per_client, mix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
words = ["宝玉", "黛玉", "孔明", "行者", "宋江", "笑道", "却说", "的", "了", "不知", "一个", "只见", "诸葛亮"]
text = "".join(open(p, encoding="utf-8").read() for p in json.loads(sys.argv[5]))
def corpus_string(rng, n):
    while True:  # n characters of one run of Han characters, from a random place of the novels
        i = rng.randrange(len(text) - n)
        s = text[i:i + n]
        if all("\u4e00" <= c <= "\u9fa5" for c in s):
            return s
def plan(seed):
    rng = random.Random(seed); out = []
    for _ in range(per_client):
        w = rng.choice(words) if mix == "words" else corpus_string(rng, rng.choice([1, 2, 2, 3, 4]))
        k = rng.randrange(6)
        if k == 0: out.append(("/api/kwic", {"q": w, "limit": 50, "offset": rng.choice([0, 50, 500]),
                                              "order": rng.choice(["corpus", "right", "random"])}))
        elif k == 1: out.append(("/api/next", {"q": w + rng.choice(["", "道", "说"]), "k": 20}))
        elif k == 2: out.append(("/api/count", {"q": w}))
        elif k == 3: out.append(("/api/locate", {"q": w, "limit": 100}))
        elif k == 4: out.append(("/api/collocates", {"q": w, "by": "loglik", "limit": 20}))
        elif mix == "words": out.append(("/api/sentence", {"q": rng.choice(["宝玉笑道你们都来了", "却说孔明回到营中", "行者闻言心中大喜"])}))
        else: out.append(("/api/sentence", {"q": corpus_string(rng, rng.randint(6, 16))}))
    return out
def run(seed, requests):
    # one keep-alive connection per client (the standard library's client: a few tens of
    # microseconds per request, so the generator takes little of the two cores it shares)
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    lat, errors = [], 0
    for path, params in requests:
        target = path + "?" + urllib.parse.urlencode(params)
        t = time.perf_counter()
        conn.request("GET", target)
        r = conn.getresponse()
        r.read()
        dt = time.perf_counter() - t
        errors += r.status != 200
        lat.append((path, dt))
    conn.close()
    return lat, errors
with cf.ThreadPoolExecutor(clients) as pool:  # warm-up, not timed: 10 requests per client from other seeds
    list(pool.map(lambda k: run(k, plan(10_000 + k)[:10]), range(clients)))
t0 = time.perf_counter()
with cf.ThreadPoolExecutor(clients) as pool:
    results = list(pool.map(lambda k: run(k, plan(k)), range(clients)))
wall = time.perf_counter() - t0
print(json.dumps({"wall_s": wall, "errors": sum(e for _, e in results),
                  "latencies": [x for lat, _ in results for x in lat]}))
"""


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ensure_index(size: str) -> Path:
    import bench_index  # the corpus maker of bench_index.py

    corpus = bench_index.corpus(size)
    idx = OUT / f"idx_{size}"
    if not (idx / "index.mfi").exists() or (idx / "index.mfi").stat().st_mtime < corpus.stat().st_mtime:
        subprocess.run([sys.executable, "-m", "minent_fast", "index", "build", str(corpus), "-o", str(idx)], check=True)
    # an index of an older format has no text: rebuild it
    import minent_fast as mf
    if not mf.CorpusIndex.open(idx, verify=False).has_text:
        subprocess.run([sys.executable, "-m", "minent_fast", "index", "build", str(corpus), "-o", str(idx)], check=True)
    return idx


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM"))) / 1024


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its children so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(_cpu_s(c) for c in _children(pid))


def _children_cpu_s() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_bench(repeats: int) -> dict:
    idx = ensure_index("1GB")
    import bench_index
    r = subprocess.run([sys.executable, "-c", API_JOB, str(idx), json.dumps(QUERIES), str(repeats),
                        json.dumps([str(p) for p in bench_index.NOVELS])], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def load_bench(clients: int, per_client: int, mix: str = "words", workers: int = 1) -> dict:
    idx = ensure_index("100MB")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "minent_fast", "serve", str(idx), "--port", str(port),
                               "--workers", str(workers)], stderr=subprocess.DEVNULL)
    try:
        import httpx
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/info", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start")
                time.sleep(0.3)
        import bench_index
        server_cpu = _cpu_s(server.pid)
        client_cpu = _children_cpu_s()
        r = subprocess.run([sys.executable, "-c", LOAD_JOB, f"http://127.0.0.1:{port}", str(clients), str(per_client),
                            mix, json.dumps([str(p) for p in bench_index.NOVELS])],
                           capture_output=True, text=True, check=True)
        client_cpu = _children_cpu_s() - client_cpu
        server_cpu = _cpu_s(server.pid) - server_cpu
        peak = max(_peak_rss_mb(pid) for pid in [server.pid] + _children(server.pid))
    finally:
        server.terminate()
        server.wait(30)
    res = json.loads(r.stdout)
    by: dict[str, list[float]] = {}
    for path, dt in res["latencies"]:
        by.setdefault(path, []).append(dt * 1e3)
    every = [x for v in by.values() for x in v]
    rows = {p: {"n": len(v), "p50_ms": pct(v, 50), "p99_ms": pct(v, 99)} for p, v in sorted(by.items())}
    rows["all"] = {"n": len(every), "p50_ms": pct(every, 50), "p99_ms": pct(every, 99)}
    return {"mix": mix, "workers": workers, "clients": clients, "per_client": per_client, "wall_s": res["wall_s"], "errors": res["errors"],
            "requests_per_s": len(every) / res["wall_s"], "server_peak_rss_mb": peak, "server_cpu_s": server_cpu,
            "client_cpu_s": client_cpu, "endpoints": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=500)
    args = ap.parse_args()
    api = api_bench(args.repeats)
    loads = [load_bench(args.clients, args.per_client, mix) for mix in ("words", "corpus")]
    loads.append(load_bench(args.clients, args.per_client, "corpus", workers=2))  # labelled: --workers 2
    loads.append(load_bench(1, args.per_client, "corpus"))  # one request at a time: no queueing
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "api_1GB": api,
              "serve_100MB": loads}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_explore.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"## Python API on the 1 GB index ({args.repeats} runs per query, {len(QUERIES)} queries; "
          f"process peak RSS {api['peak_rss_mb']:.0f} MB)\n")
    print("| call | median (ms) | worst query | its median (ms) |\n| --- | --- | --- | --- |")
    for name, c in api["calls"].items():
        print(f"| `{name}` | {c['median_ms']:.3f} | {c['worst_query']} ({api['hits'][c['worst_query']]:,} hits) "
              f"| {c['worst_ms']:.2f} |")
    ten_k = min(QUERIES, key=lambda q: abs(api["hits"][q] - 10_000))  # the target's "10k hits"
    print(f"\n`locate({ten_k}, limit=10000)` ({api['hits'][ten_k]:,} hits): "
          f"{api['calls']['locate(q, limit=10000)']['per_query_ms'][ten_k]:.2f} ms (median of {args.repeats})")
    for load in loads:
        what = ("13 words, 3 sentences (repeats: mostly answered from the app's cache)" if load["mix"] == "words"
                else "strings of 1-4 characters and sentences of 6-16 drawn from the novels (few repeats)")
        if load["workers"] > 1:
            what += f", `--workers {load['workers']}`"
        print(f"\n## Web app, 100 MB index, {what}: {load['clients']} clients × {load['per_client']} requests, "
              f"{load['wall_s']:.1f} s, {load['requests_per_s']:.0f} requests/s, {load['errors']} errors, "
              f"server peak RSS {load['server_peak_rss_mb']:.0f} MB, CPU: server {load['server_cpu_s']:.1f} s, "
              f"client {load['client_cpu_s']:.1f} s (warm-up and the client's reading of the novels included)\n")
        print("| endpoint | requests | p50 (ms) | p99 (ms) |\n| --- | --- | --- | --- |")
        for p, row in load["endpoints"].items():
            print(f"| {p} | {row['n']} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} |")


if __name__ == "__main__":
    main()
