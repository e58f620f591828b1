"""Explorer queries (issue 21): the ∞-gram next-character distribution and probability,
against naive scans of the segments, on one index and on shards."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minent_fast as mf

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HAN_SEPARATORS = re.compile("[^\u4e00-\u9fa50-9a-zA-Z]+")


def segments_of(text: str, segmenter: str) -> list[str]:
    lines = text.split("\n")
    if segmenter == "han":
        return [c for line in lines for c in HAN_SEPARATORS.split(line) if c]
    return [line for line in lines if line]


def naive_next(segments: list[str], context: str) -> tuple[int, Counter]:
    """The longest suffix of ``context`` followed by a character inside some segment, and
    those characters' counts; (0, all characters) when there is none."""
    for length in range(len(context), 0, -1):
        suffix = context[len(context) - length:]
        after: Counter = Counter()
        for s in segments:
            i = s.find(suffix)
            while i >= 0:
                if i + length < len(s):
                    after[s[i + length]] += 1
                i = s.find(suffix, i + 1)
        if after:
            return length, after
    return 0, Counter(c for s in segments for c in s)


def check(index, segments: list[str], context: str) -> None:
    table = index.next_chars(context)
    length, want = naive_next(segments, context)
    assert int(table.schema.metadata[b"suffix_length"]) == length, context
    got = list(zip(table.column("char").to_pylist(), table.column("count").to_pylist()))
    assert got == sorted(want.items(), key=lambda cn: (-cn[1], cn[0])), context
    total = sum(want.values())
    for ch in list(want)[:3] + ["\u9fa5"]:
        assert index.infgram_prob(context, ch) == pytest.approx(want.get(ch, 0) / total if total else 0.0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="中国人民大学生好，\n ab", min_size=1, max_size=200),
       contexts=st.lists(st.text(alphabet="中国人民大学生好，ab", max_size=6), min_size=1, max_size=6),
       segmenter=st.sampled_from(["han", "line"]))
def test_next_chars_matches_a_naive_scan(tmp_path, text, contexts, segmenter):
    src = tmp_path / "t.txt"
    src.write_text(text, encoding="utf-8")
    segments = segments_of(text, segmenter)
    if not segments:
        return
    idx = mf.CorpusIndex.build(src, segmenter=segmenter)
    shards = mf.build_shards([src], tmp_path / "s.idx", shard_bytes=64, segmenter=segmenter)
    for context in contexts:
        check(idx, segments, context)
        check(shards, segments, context)


def test_next_chars_on_a_novel_and_its_shards(tmp_path):
    if not SHARED.is_dir():
        pytest.skip("shared data not found")
    text = (SHARED / "zh" / "红楼梦.txt").read_text(encoding="utf-8")
    src = tmp_path / "hlm.txt"
    src.write_text(text, encoding="utf-8")
    segments = segments_of(text, "han")
    idx = mf.CorpusIndex.build(src)
    shards = mf.build_shards([src], tmp_path / "s.idx", shard_bytes=600_000)
    assert len(shards.shards) > 1
    rng = random.Random(4)
    joined = "".join(segments)
    contexts = ["宝玉笑道", "黛玉", "林黛玉听了这话", "的", "xyz宝", ""]
    contexts += [joined[i:i + rng.randint(1, 12)] for i in (rng.randrange(len(joined) - 12) for _ in range(8))]
    for context in contexts:
        check(idx, segments, context)
    for context in contexts[:5]:
        check(shards, segments, context)
    top = idx.next_chars("宝玉", k=3)
    assert top.num_rows == 3 and top.column("char").to_pylist() == idx.next_chars("宝玉").column("char").to_pylist()[:3]


def test_bad_arguments():
    idx = mf.CorpusIndex.build(mf.sample_path())
    with pytest.raises(TypeError):
        idx.next_chars(5)
    with pytest.raises(ValueError):
        idx.next_chars("宝玉", k=-1)
    with pytest.raises(TypeError):
        idx.next_chars("宝玉", k=2.5)
    with pytest.raises(ValueError):
        idx.infgram_prob("宝玉", "笑道")


# ------------------------------------------------------------------ locate and kwic
HAN_RUN = re.compile("[\u4e00-\u9fa50-9a-zA-Z]+")


def line_segments(line: str, segmenter: str) -> list[list[tuple[int, str]]]:
    """The segments of one line as (column, character) lists."""
    if segmenter == "han":
        return [[(m.start() + i, c) for i, c in enumerate(m.group())] for m in HAN_RUN.finditer(line)]
    if segmenter == "all":
        seg = [(i, c) for i, c in enumerate(line) if not c.isspace()]
        return [seg] if seg else []
    return [list(enumerate(line))] if line else []  # "line"


def naive_hits(texts: list[tuple[str, str]], segmenter: str, s: str) -> list[dict]:
    """Every occurrence of ``s`` in ``texts`` ((name, text) pairs), read line by line."""
    hits = []
    for name, text in texts:
        text = text[1:] if text.startswith("\ufeff") else text
        lines = text.split("\n")
        for n, line in enumerate(lines, 1):
            shown = line[:-1] if n < len(lines) and line.endswith("\r") else line
            for seg in line_segments(shown if segmenter == "line" else line, segmenter):
                chars = "".join(c for _, c in seg)
                i = chars.find(s)
                while i >= 0:
                    col, end = seg[i][0], seg[i + len(s) - 1][0] + 1
                    hits.append({"source": name, "line": n, "offset": col, "line_text": shown, "end": end,
                                 "lkey": chars[:i][::-1], "rkey": chars[i + len(s):]})
                    i = chars.find(s, i + 1)
    return hits


def check_concordance(index, hits: list[dict], s: str, width: int = 5) -> None:
    got = index.locate(s).to_pylist()
    assert got == [{k: h[k] for k in ("source", "line", "offset")} for h in hits], s
    assert index.locate(s, limit=2).to_pylist() == got[:2]

    def row(h):
        t, a, b = h["line_text"], h["offset"], h["end"]
        return {"source": h["source"], "line": h["line"], "left": t[max(0, a - width):a], "match": t[a:b],
                "right": t[b:b + width]}

    assert index.kwic(s, width=width, limit=10**6).to_pylist() == [row(h) for h in hits], s
    for order, key in (("left", "lkey"), ("right", "rkey")):
        ranked = sorted(range(len(hits)), key=lambda i: (hits[i][key], i))
        for limit in (0, 1, 4, 10**6):
            table = index.kwic(s, width=width, limit=limit, order=order)
            assert table.to_pylist() == [row(hits[i]) for i in ranked[:limit]], (s, order, limit)
    rnd = index.kwic(s, width=width, limit=3, order="random", seed=11).to_pylist()
    assert len(rnd) == min(3, len(hits)) and all(r in [row(h) for h in hits] for r in rnd)
    assert index.kwic(s, width=width, limit=3, order="random", seed=11).to_pylist() == rnd
    for order in ("corpus", "left", "right", "random"):  # pages are slices of the whole order
        whole = index.kwic(s, width=width, limit=10**6, order=order, seed=11).to_pylist()
        for offset, limit in ((0, 2), (1, 2), (3, 10**6), (10**6, 1)):
            page = index.kwic(s, width=width, limit=limit, order=order, seed=11, offset=offset).to_pylist()
            assert page == whole[offset:offset + limit], (s, order, offset, limit)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(alphabet="中国人民ab，\n\r \t'é", max_size=120), min_size=1, max_size=3),
       segmenter=st.sampled_from(["han", "line", "all"]),
       queries=st.lists(st.text(alphabet="中国人民ab", min_size=1, max_size=3), min_size=1, max_size=4))
def test_locate_and_kwic_match_a_naive_scan(tmp_path, texts, segmenter, queries):
    paths = []
    for i, t in enumerate(texts):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(t.encode("utf-8"))
        paths.append(str(p))
    idx = mf.CorpusIndex.build(paths, segmenter=segmenter)
    shards = mf.build_shards(paths, tmp_path / "s.idx", shard_bytes=16, segmenter=segmenter)
    named = list(zip(paths, texts))
    for s in queries:
        hits = naive_hits(named, segmenter, s)
        check_concordance(idx, hits, s)
        check_concordance(shards, hits, s)


def test_locate_and_kwic_on_the_novels_and_their_shards(tmp_path):
    if not SHARED.is_dir():
        pytest.skip("shared data not found")
    paths = [str(SHARED / "zh" / n) for n in ("红楼梦.txt", "西游记.txt")]
    named = [(p, Path(p).read_text(encoding="utf-8")) for p in paths]
    idx = mf.CorpusIndex.build(paths)
    saved = mf.CorpusIndex.build(paths, path=tmp_path / "idx")
    reopened = mf.CorpusIndex.open(tmp_path / "idx")
    shards = mf.build_shards(paths, tmp_path / "s.idx", shard_bytes=900_000)
    assert len(shards.shards) > 3
    for s in ("宝玉笑道", "行者", "悟空", "林黛玉", "却说", "xyz"):
        hits = naive_hits(named, "han", s)
        assert len(hits) == idx.count(s)
        check_concordance(idx, hits, s, width=12)
        check_concordance(shards, hits, s, width=12)
    for s in ("宝玉", "行者"):
        for order in ("corpus", "left", "right", "random"):
            want = idx.kwic(s, limit=50, order=order, seed=3)
            assert reopened.kwic(s, limit=50, order=order, seed=3).equals(want)
            assert idx.kwic(s, limit=20, order=order, seed=3, offset=30).equals(want.slice(30))
            if order != "random":  # a sample of each shard, merged: uniform too, other lines
                assert shards.kwic(s, limit=50, order=order, seed=3).equals(want)
                assert shards.kwic(s, limit=20, order=order, seed=3, offset=30).equals(want.slice(30))
        sample = shards.kwic(s, limit=50, order="random", seed=3)
        assert sample.equals(shards.kwic(s, limit=50, order="random", seed=3))
        assert not sample.equals(shards.kwic(s, limit=50, order="random", seed=4))
        assert saved.locate(s).equals(idx.locate(s))


def test_kwic_shows_the_text_of_a_source_that_is_gone(tmp_path):
    """An index built from stdin keeps the text: kwic works once the input is gone."""
    import subprocess
    import sys
    text = "第一行：中国人民。\n第二行，人民万岁！\n"
    run = subprocess.run([sys.executable, "-m", "minent_fast", "index", "build", "-", "-o", str(tmp_path / "idx")],
                         input=text.encode("utf-8"), capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
    idx = mf.CorpusIndex.open(tmp_path / "idx")
    rows = idx.kwic("人民", width=3).to_pylist()
    assert [(r["line"], r["left"], r["match"], r["right"]) for r in rows] == [
        (1, "：中国", "人民", "。"), (2, "二行，", "人民", "万岁！")]


def test_concordance_bad_arguments():
    idx = mf.CorpusIndex.build(mf.sample_path())
    for call in (lambda: idx.locate(5), lambda: idx.kwic(b"x"), lambda: idx.kwic("的", width=2.0),
                 lambda: idx.locate("的", limit="3"), lambda: idx.kwic("的", seed=None),
                 lambda: idx.kwic("的", offset=1.0)):
        with pytest.raises(TypeError):
            call()
    for call in (lambda: idx.locate(""), lambda: idx.kwic("的", width=-1), lambda: idx.kwic("的", limit=-1),
                 lambda: idx.kwic("的", order="sideways"), lambda: idx.kwic("的", width=10**9),
                 lambda: idx.kwic("的" * 200_000), lambda: idx.locate("的", limit=-5),
                 lambda: idx.kwic("的", offset=-1)):
        with pytest.raises(ValueError):
            call()
    assert idx.locate("不在语料里的词").num_rows == 0
    assert idx.kwic("的", limit=0).num_rows == 0


# ------------------------------------------------------- collocates, boundary profile
def naive_collocates(segments: list[str], word: str, window: int) -> tuple[int, Counter]:
    slots, near = 0, Counter()
    for seg in segments:
        i = seg.find(word)
        while i >= 0:
            around = seg[max(0, i - window):i] + seg[i + len(word):i + len(word) + window]
            near.update(around)
            slots += len(around)
            i = seg.find(word, i + 1)
    return slots, near


def naive_entropy(segments: list[str], s: str, side: str) -> float:
    import math
    c: Counter = Counter()
    for seg in segments:
        i = seg.find(s)
        while i >= 0:
            j = i + len(s) if side == "right" else i - 1
            if 0 <= j < len(seg):
                c[seg[j]] += 1
            i = seg.find(s, i + 1)
    total = sum(c.values())
    return -sum(n / total * math.log(n / total) for n in c.values()) if total else 0.0


def check_collocates(index, segments: list[str], word: str, window: int) -> None:
    import math
    slots, near = naive_collocates(segments, word, window)
    freq = Counter("".join(segments))
    n = sum(freq.values())
    table = index.collocates(word, window=window, by="count", min_count=1)
    assert dict(zip(table.column("word").to_pylist(), table.column("count").to_pylist())) == dict(near)
    pmi = index.collocates(word, window=window, by="pmi", min_count=2).to_pylist()
    assert [r["word"] for r in pmi] == [c for c, _ in sorted(((c, math.log(a * n / (slots * freq[c])))
                                                               for c, a in near.items() if a >= 2),
                                                              key=lambda x: (-x[1], -near[x[0]], x[0]))]
    for r in pmi:
        assert r["score"] == pytest.approx(math.log(r["count"] * n / (slots * freq[r["word"]])))
    g2 = index.collocates(word, window=window, by="loglik", min_count=1)
    scores = g2.column("score").to_pylist()
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="中国人民大学生好，\n ab", min_size=1, max_size=300),
       word=st.text(alphabet="中国人民ab", min_size=1, max_size=2), window=st.integers(1, 4))
def test_collocates_and_profile_match_naive_scans(tmp_path, text, word, window):
    src = tmp_path / "t.txt"
    src.write_text(text, encoding="utf-8")
    segments = segments_of(text, "han")
    if not segments:
        return
    idx = mf.CorpusIndex.build(src)
    shards = mf.build_shards([src], tmp_path / "s.idx", shard_bytes=40)
    for index in (idx, shards):
        check_collocates(index, segments, word, window)
    sentence = segments[0][:12]
    prof = idx.boundary_profile(sentence, order=2)
    n = len(sentence)
    for b in range(n + 1):
        if b > 0:
            assert prof["h_right"][b] == pytest.approx(naive_entropy(segments, sentence[max(0, b - 2):b], "right"))
        if b < n:
            assert prof["h_left"][b] == pytest.approx(naive_entropy(segments, sentence[b:b + 2], "left"))
    sharded = shards.boundary_profile(sentence, order=2)
    for key in ("h_left", "h_right", "autonomy"):
        assert len(prof[key]) == n + 1
        np.testing.assert_allclose(prof[key], sharded[key], rtol=1e-9, atol=1e-12)


def test_profile_rises_at_word_ends_on_a_novel():
    """On 红楼梦 the autonomy is higher at the boundaries between words of
    "宝玉笑道" and "林黛玉听了" than inside them."""
    if not SHARED.is_dir():
        pytest.skip("shared data not found")
    idx = mf.CorpusIndex.build(SHARED / "zh" / "红楼梦.txt")
    a = idx.boundary_profile("宝玉笑道")["autonomy"]
    assert a[2] > a[1] and a[2] > a[3]
    b = idx.boundary_profile("林黛玉听了", order=3)["autonomy"]
    assert b[3] > max(b[1], b[2])
    top = idx.collocates("宝玉", by="loglik", min_count=20).column("word").to_pylist()[:5]
    assert "道" in top and "笑" in top


def test_collocates_bad_arguments():
    idx = mf.CorpusIndex.build(mf.sample_path())
    with pytest.raises(ValueError):
        idx.collocates("的", window=0)
    with pytest.raises(ValueError):
        idx.collocates("的", by="dice")
    with pytest.raises(TypeError):
        idx.collocates("的", min_count=1.5)
    with pytest.raises(TypeError):
        idx.boundary_profile(None)
    with pytest.raises(ValueError):
        idx.boundary_profile("的", order=0)
    assert idx.collocates("不在语料里的词").num_rows == 0
    assert all(len(v) == 1 for v in idx.boundary_profile("").values())
