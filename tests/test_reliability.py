"""Cancellation (SIGINT), crashes (SIGKILL) during writes, and concurrent readers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import minent_fast as mf

CHARS = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切"


def make_corpus(path: Path, n_chars: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    words = ["".join(rng.choices(CHARS, k=rng.randint(1, 4))) for _ in range(20000)]
    lines, size = [], 0
    while size < n_chars:
        line = "".join(rng.choices(words, k=12)) + "。"
        lines.append(line)
        size += len(line)
    path.write_text("\n".join(lines), encoding="utf-8")


CHILD = textwrap.dedent("""
    import signal, sys, time
    import minent_fast as mf
    # a background job may inherit SIGINT as ignored; restore Python's Ctrl-C handling
    signal.signal(signal.SIGINT, signal.default_int_handler)
    src, small = sys.argv[1], sys.argv[2]
    {setup}
    print("ready", flush=True)
    i = 0
    try:
        for i in range(20):  # long enough that the signal always lands inside the loop
            {call}
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", i, flush=True)
    idx = mf.CorpusIndex.build(small)
    print("usable", idx.count("宝玉") > 0, flush=True)
""")


LINES = "lines = open(src, encoding='utf-8').read().split(chr(10))"
# a long sentence and templates that match much of it: a parse of seconds
PARSE_SETUP = ("import random; rng = random.Random(0); vocab = [chr(0x4e00 + k) for k in range(12)]; "
               "words = [rng.choice(vocab) for _ in range(2500)]; "
               "p = mf.Parser({(a, None, b): 5 for a in vocab for b in vocab} | {(a, b): 3 for a in vocab for b in vocab}, list)")


@pytest.mark.parametrize("setup, call", [
    ("pass", "mf.CorpusIndex.build(src)"),
    ("pass", "mf.CorpusIndex.build(src).ngrams((1, 8), min_count=1)"),
    ("pass", "mf.Tokenizer.default().tokenize_file(src, f'{src}.seg{i}', num_threads=1)"),
    (LINES, "mf.Tokenizer.default().tokenize_batch(lines, num_threads=1)"),
    (LINES, "wf = mf.WordFinder(min_proba=1e-6); wf.train(lines); wf.find(lines)"),
    (LINES, "tf = mf.TemplateFinder(list, window=3); tf.train(lines); tf.find(lines)"),
    (PARSE_SETUP, "p.parse_words(words)"),
    ("from minent_fast import _core",
     "_core.autonomy_table([src], segmenter='unicode', max_len=3, candidates=[src], key_memory=1 << 20)"),
    ("import os, tempfile; from minent_fast import _core; from minent_fast.discovery import budget; "
     "tempfile.tempdir = src + '.spill'; os.makedirs(tempfile.tempdir)",
     "with budget.key_runs() as runs: _core.autonomy_table([src], segmenter='unicode', max_len=3, candidates=[src], "
     "key_memory=1 << 20, **runs)"),
], ids=["build", "ngrams", "tokenize_file", "tokenize_batch", "WordFinder", "TemplateFinder-callable", "parse",
        "autonomy-partitioned", "autonomy-run-files"])
def test_ctrl_c_stops_long_calls_within_a_second(tmp_path, setup, call):
    src = tmp_path / "big.txt"
    make_corpus(src, 12_000_000)
    code = CHILD.format(setup=setup, call=call)
    proc = subprocess.Popen([sys.executable, "-c", code, str(src), str(mf.sample_path())],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        line = proc.stdout.readline().strip()
        latency = time.monotonic() - sent
        rest, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert line.startswith("interrupted"), (line, err)
    assert latency < 1.0, f"stopped {latency:.2f} s after Ctrl-C"
    assert "usable True" in rest
    i = int(line.split()[1])
    assert not [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]  # no temporary files left
    if "key_runs" in call:  # the run files' directory is removed
        assert list(Path(f"{src}.spill").iterdir()) == []
    if "tokenize_file" in call:
        # Ctrl-C before the output was complete publishes nothing; Ctrl-C during its final
        # rename lets that finish: the interrupted call's output is absent or complete, and
        # so is every earlier one, never half-written
        expected = src.read_text(encoding="utf-8").count("\n") + 1
        for k in range(i + 1):
            seg = Path(f"{src}.seg{k}")
            assert seg.exists() or k == i
            if seg.exists():
                assert seg.read_text(encoding="utf-8").count("\n") == expected


def test_sigkill_during_index_writes_never_leaves_a_bad_index(tmp_path):
    old_src, new_src = tmp_path / "old.txt", tmp_path / "new.txt"
    old_src.write_text("宝玉笑道\n" * 1000, encoding="utf-8")
    make_corpus(new_src, 6_000_000, seed=3)
    dest = tmp_path / "idx"
    mf.CorpusIndex.build(old_src, path=dest)
    code = "import sys, minent_fast as mf; mf.CorpusIndex.build(sys.argv[1], path=sys.argv[2])"
    rng = random.Random(5)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", code, str(new_src), str(dest)])
        time.sleep(rng.uniform(0.3, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        idx = mf.CorpusIndex.open(dest)  # the old index or the complete new one, never a broken one
        assert idx.count("宝玉笑道") == 1000 or idx.count("宝玉笑道") == 0
        assert idx.num_chars in (4000, mf.CorpusIndex.build(new_src).num_chars)


def test_one_index_read_from_threads_and_processes(tmp_path):
    src = tmp_path / "c.txt"
    make_corpus(src, 300_000, seed=9)
    mf.CorpusIndex.build(src, path=tmp_path / "idx")
    text = src.read_text(encoding="utf-8")
    rng = random.Random(1)
    probes = [text[i:i + rng.randint(1, 5)] for i in (rng.randrange(len(text) - 5) for _ in range(500))]
    reference = mf.CorpusIndex.open(tmp_path / "idx").count_many(probes).tolist()

    def answer(_):
        idx = mf.CorpusIndex.open(tmp_path / "idx")
        return [idx.count(p) for p in probes], idx.ngrams((1, 3), min_count=3).num_rows

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(answer, range(8)))
    assert all(r[0] == reference for r in results) and len({r[1] for r in results}) == 1
    shared = mf.CorpusIndex.open(tmp_path / "idx")
    outs: list = []
    threads = [threading.Thread(target=lambda: outs.append(shared.count_many(probes).tolist())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outs == [reference] * 8
    code = ("import sys, json, minent_fast as mf; idx = mf.CorpusIndex.open(sys.argv[1]); "
            "print(json.dumps(idx.count_many(json.loads(sys.stdin.read())).tolist()))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "idx")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    import json
    for p in procs:
        out, _ = p.communicate(json.dumps(probes), timeout=60)
        assert json.loads(out) == reference


def test_degenerate_long_chunks_stay_fast_and_do_not_crash(tmp_path):
    """One 200k-character repetitive line: the rough cut makes it a single candidate word
    and the template graph one 150k-node chain; neither may go quadratic or overflow."""
    line = "中国人民" * 50000
    wf = mf.WordFinder(min_proba=1e-3)
    wf.train([line])
    assert wf.find([line]) == {line: 1}
    tf = mf.TemplateFinder(mf.Tokenizer({"中国": 3}), window=3, min_pmi=0.0, max_paths=50)
    tf.train([line])
    tf.find([line])
    assert tf.capped_chunks == 1 and sum(tf.templates.values()) <= 50
    src = tmp_path / "long.txt"
    src.write_text(line, encoding="utf-8")
    assert mf.CorpusIndex.build(src).count("中国人民" * 1000) == 49001
    out = tmp_path / "long.seg"
    assert mf.Tokenizer.default().tokenize_file(src, out)["lines"] == 1
    assert out.read_text(encoding="utf-8").replace(" ", "").strip() == line


def test_discover_words_on_a_huge_latin_run(tmp_path):
    """A 200k-character Latin run is glued into one token whatever the lexicon holds; as a
    lexicon entry it made each re-segmentation walk the run from each of its positions
    (50 s a pass). It is left out of the lexicon, and the words around it are found."""
    run = "a" * 200_000
    src = tmp_path / "mixed.txt"
    src.write_text("我爱北京天安门\n天安门上太阳升\n" * 20 + run + "\n" + "北京天安门" + run + "\n", encoding="utf-8")
    for prune in (True, False):
        lex = mf.discover_words(src, prune=prune)
        assert run not in lex and lex["天安门"] == 41 and max(map(len, lex.to_dict())) <= 64
        assert mf.Tokenizer(lex).tokenize("北京天安门" + run) == ["北京", "天安门", run]


def test_discover_words_when_a_character_occurs_only_inside_a_long_glued_run(tmp_path):
    """乙 occurs only before 'b', so 乙b and the letters glued after it form one token longer
    than any lexicon entry; once pruning splits things differently, 乙 may become a token of
    its own: the pruning's character model must know it (it raised KeyError)."""
    rng = random.Random(7)
    chars = "天地人和日月山水风云花草木石金火土春秋"
    words = [rng.choice(chars) + rng.choice(chars) for _ in range(25)] + list("的了是在")
    text = "".join("".join(rng.choice(words) for _ in range(8)) + "\n" for _ in range(300))
    text += "".join("我乙b" + rng.choice("cdefg") * 100 + "\n" for _ in range(12))
    src = tmp_path / "glued.txt"
    src.write_text(text, encoding="utf-8")
    for iterations in (1, 2, 3):
        lex = mf.discover_words(src, iterations=iterations)
        assert len(lex) > 20 and max(map(len, lex.to_dict())) <= 64
    assert mf.discover_words(src, iterations=0) == mf.discover_words(src, iterations=0, prune=False)
