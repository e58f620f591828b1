"""Load on the explorer (issue 21): 20 concurrent clients × 500 mixed queries against a
real server over loopback on a 100 MB index (the four novels repeated, lines shuffled):
every answer a 200 with the body a single client gets. Bounded: 10,000 requests, each
client's run within a deadline. Latencies for benches/README.md come from
benches/bench_explore.py, not from here."""

from __future__ import annotations

import concurrent.futures as cf
import random
import time
from pathlib import Path

import httpx
import pytest

import minent_fast as mf
from minent_fast.serve import make_app
from test_serve import running

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOVELS = ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")
CLIENTS, PER_CLIENT = 20, 500


@pytest.fixture(scope="module")
def big_index(tmp_path_factory):
    if not SHARED.is_dir():
        pytest.skip("shared data not found")
    lines = [ln for n in NOVELS for ln in (SHARED / "zh" / n).read_text(encoding="utf-8").splitlines()]
    path = tmp_path_factory.mktemp("load") / "zh_100MB.txt"
    size, rep = 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while size < 100_000_000:
            batch = list(lines)
            random.Random(rep).shuffle(batch)
            text = "\n".join(batch) + "\n"
            f.write(text)
            size += len(text.encode("utf-8"))
            rep += 1
    return mf.CorpusIndex.build(path)


def mixed_requests(seed: int, n: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    words = ["宝玉", "黛玉", "孔明", "行者", "宋江", "笑道", "却说", "的", "了", "不知", "一个", "只见", "诸葛亮"]
    out = []
    for _ in range(n):
        w = rng.choice(words)
        kind = rng.randrange(6)
        if kind == 0:
            out.append(("/api/kwic", {"q": w, "limit": 50, "offset": rng.choice([0, 50, 500]),
                                      "order": rng.choice(["corpus", "right", "random"])}))
        elif kind == 1:
            out.append(("/api/next", {"q": w + rng.choice(["", "道", "说"]), "k": 20}))
        elif kind == 2:
            out.append(("/api/count", {"q": w}))
        elif kind == 3:
            out.append(("/api/locate", {"q": w, "limit": 100}))
        elif kind == 4:
            out.append(("/api/collocates", {"q": w, "by": "loglik", "limit": 20}))
        else:
            out.append(("/api/sentence", {"q": rng.choice(["宝玉笑道你们都来了", "却说孔明回到营中", "行者闻言心中大喜"])}))
    return out


def test_twenty_clients_five_hundred_queries_each(big_index):
    plans = [mixed_requests(k, PER_CLIENT) for k in range(CLIENTS)]
    with running(make_app(big_index)) as base:
        expected = {}
        with httpx.Client(base_url=base, timeout=60) as http:
            for path, params in {(p, tuple(sorted(q.items()))): None for plan in plans for p, q in plan}:
                r = http.get(path, params=dict(params))
                assert r.status_code == 200, (path, params, r.text[:200])
                expected[path, params] = r.json()
        deadline = time.monotonic() + 600

        def client(plan):
            bad = []
            with httpx.Client(base_url=base, timeout=60) as http:
                for path, params in plan:
                    assert time.monotonic() < deadline, "load test past its deadline"
                    r = http.get(path, params=params)
                    if r.status_code != 200 or r.json() != expected[path, tuple(sorted(params.items()))]:
                        bad.append((path, params, r.status_code))
            return bad

        with cf.ThreadPoolExecutor(CLIENTS) as pool:
            errors = [b for bad in pool.map(client, plans) for b in bad]
    assert errors == []
