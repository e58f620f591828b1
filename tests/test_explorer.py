"""Explorer queries (issue 21): the ∞-gram next-character distribution and probability,
against naive scans of the segments, on one index and on shards."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

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
