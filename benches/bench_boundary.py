"""The Python boundary: what a Python user's call costs, against the peer doing the same work.

Every job runs in its own subprocess (peak RSS = its ``ru_maxrss``), does one untimed
warm-up run and then REPEATS timed runs (the same number for every job, ours and the
peer's); the table gives the median and the spread (min–max). Thread counts are in the
rows: ``RAYON_NUM_THREADS=1`` pins minent_fast's own pool for the one-thread rows.

Cases (inputs built once, in the job, the same object handed to both libraries):

* **tokenize lines → tokens**: the four novels of shared/data/zh (8.86 MB, 三国演义,
  水浒传, 红楼梦, 西游记 concatenated, 1 repetition), as a list of lines without their
  newlines. minent_fast ``Tokenizer.default().tokenize_batch(lines, ...)`` against
  sentencepiece ``encode(lines, out_type=str, ...)`` (a unigram model of 32k pieces
  trained on the same text, benches/out/spm_unigram32k.model). Labelled extra rows: the
  Arrow and numpy outputs, sentencepiece's ids, and ``tokenize_file`` (file to file, no
  Python objects at all).
* **WordFinder train + find**: 红楼梦 (2.63 MB) given as a re-iterable object (a class
  whose ``__iter__`` opens the file and yields its lines, as nlp-zero's README feeds a
  file), min_proba 1e-6, min_pmi 1; the same object to both libraries; words compared.
* **TemplateFinder train + find**: the first 12,000 lines of 红楼梦, window 3, with the
  same Python callable for both: nlp-zero's ``Tokenizer().tokenize`` behind a dict cache
  warmed on every chunk first (so the callable costs almost nothing and the template
  finders are what is timed); templates compared. A second pair, labelled "each its own
  tokenizer": nlp-zero with its uncached ``Tokenizer().tokenize``, minent_fast with its
  ``Tokenizer.default()`` (the same dictionary, identical tokens).
* **parse**: a 150-word sentence (consecutive tokens of 红楼梦, punctuation dropped)
  with the templates of the case above; median of REPEATS parses (nlp-zero is given a
  30-word sentence, which it finishes; longer ones it does not in minutes, §6.4).

    python benches/bench_boundary.py [--repeats 5] [--only CASE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benches" / "out"
NOVELS = [DATA / "zh" / n for n in ("三国演义.txt", "水浒传.txt", "红楼梦.txt", "西游记.txt")]
HLM = DATA / "zh" / "红楼梦.txt"

HEAD = f"""
import collections, collections.abc, hashlib, json, resource, sys, time
collections.Iterable = collections.abc.Iterable  # nlp-zero 0.1.6 on Python >= 3.10
REPEATS = int(sys.argv[1])
NOVELS = {[str(p) for p in NOVELS]!r}
HLM = {str(HLM)!r}
MODEL = {str(OUT / "spm_unigram32k.model")!r}
def novel_lines():
    out = []
    for p in NOVELS:
        with open(p, encoding="utf-8") as f:
            out.extend(l.rstrip("\\n") for l in f)
    return out
class Lines:
    # a re-iterable corpus, as nlp-zero's README feeds a file
    def __init__(self, path, limit=None):
        self.path, self.limit = path, limit
    def __iter__(self):
        with open(self.path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if self.limit is not None and i >= self.limit:
                    return
                yield line
def digest(x):
    return hashlib.sha256(repr(x).encode()).hexdigest()[:16]
def timed(fn):
    out = fn()  # warm-up, untimed
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t0)
    return out, times
def done(times, **kw):
    kw["times"] = times
    kw["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(kw))
"""

NZ_CACHED_TOKENIZE = """
import re
import nlp_zero
_nz = nlp_zero.Tokenizer()
_cache = {}
def tokenize(s):
    r = _cache.get(s)
    if r is None:
        r = _cache[s] = _nz.tokenize(s)
    return r
for line in Lines(HLM, 12000):  # warm the cache on every chunk either library asks for
    for s in re.split("[^\\u4e00-\\u9fa50-9a-zA-Z]+", line):
        if s:
            tokenize(s)
"""

PARSE_SETUP = """
import minent_fast as mf
texts = list(Lines(HLM, 12000)); tok = mf.Tokenizer.default()
tf = mf.TemplateFinder(tok, window=3); tf.train(texts); templates = tf.find(texts)
words = [w for line in texts[100:400] for w in tok.tokenize(line.strip()) if w.strip() and w not in "，。：；！？“”"][:150]
"""

MF_LINES = "import minent_fast as mf\nlines = novel_lines(); tok = mf.Tokenizer.default()\n"
SP_LINES = "import sentencepiece as spm\nlines = novel_lines(); sp = spm.SentencePieceProcessor(model_file=MODEL)\n"


def tokenize_job(setup: str, call: str, tokens: str) -> str:
    """A tokenize job: `call` timed on the novels' lines, `tokens` counts its output `out`."""
    return setup + f"""out, times = timed(lambda: {call})
done(times, mb=sum(len(l.encode()) for l in lines) / 1e6, tokens={tokens})
"""


def wordfinder_job(run: str) -> str:
    return f"""
import os
texts = Lines(HLM)
def run():
    {run}
out, times = timed(run)
done(times, mb=os.path.getsize(HLM) / 1e6, words=len(out), digest=digest(list(out.items())))
"""


def templates_job(setup: str, run: str, words: str) -> str:
    return setup + f"""
texts = list(Lines(HLM, 12000))
def run():
    {run}
out, times = timed(run)
done(times, mb=sum(len(l.encode()) for l in texts) / 1e6, templates=len(out),
     digest=digest([({words}, c) for t, c in out.items()]))
"""


MF_WF = "import minent_fast as mf\n" + wordfinder_job(
    "wf = mf.WordFinder(min_proba=1e-6, min_pmi=1); wf.train(texts); return wf.find(texts)")
MF_TF = templates_job(NZ_CACHED_TOKENIZE + "import minent_fast as mf\n",
                      "tf = mf.TemplateFinder(tokenize, window=3); tf.train(texts); return tf.find(texts)", "t.words")

# the tokenize jobs: name, library, threads, label, setup, call, token count of its output `out`
_TOKENIZE = [
    ("tok_mf_list_1", "minent_fast", 1, "tokenize_batch → list of lists of str", MF_LINES,
     "tok.tokenize_batch(lines, num_threads=1)", "sum(map(len, out))"),
    ("tok_sp_str_1", "sentencepiece", 1, "encode(out_type=str) → list of lists of str", SP_LINES,
     "sp.encode(lines, out_type=str, num_threads=1)", "sum(map(len, out))"),
    ("tok_mf_list_2", "minent_fast", 2, "tokenize_batch → list of lists of str", MF_LINES,
     "tok.tokenize_batch(lines, num_threads=2)", "sum(map(len, out))"),
    ("tok_sp_str_2", "sentencepiece", 2, "encode(out_type=str) → list of lists of str", SP_LINES,
     "sp.encode(lines, out_type=str, num_threads=2)", "sum(map(len, out))"),
    ("tok_mf_arrow_1", "minent_fast", 1, "tokenize_batch(output=\"arrow\") → pyarrow ListArray (extra row)", MF_LINES,
     "tok.tokenize_batch(lines, num_threads=1, output='arrow')", "len(out.values)"),
    ("tok_mf_offsets_1", "minent_fast", 1, "tokenize_batch(output=\"offsets\") → numpy (extra row)", MF_LINES,
     "tok.tokenize_batch(lines, num_threads=1, output='offsets')", "len(out[1])"),
    ("tok_sp_ids_1", "sentencepiece", 1, "encode(out_type=int) → list of lists of int (extra row)", SP_LINES,
     "sp.encode(lines, out_type=int, num_threads=1)", "sum(map(len, out))"),
]

# name -> (case, library, threads, label, code)
JOBS: dict[str, tuple[str, str, int, str, str]] = {
    **{name: ("tokenize", lib, threads, label, tokenize_job(setup, call, tokens))
       for name, lib, threads, label, setup, call, tokens in _TOKENIZE},
    "tok_mf_file_1": ("tokenize", "minent_fast", 1, "tokenize_file, file to file, no Python objects (extra row)", """
import os, tempfile
import minent_fast as mf
tok = mf.Tokenizer.default()
src = tempfile.mktemp(suffix=".txt"); dst = src + ".seg"
with open(src, "w", encoding="utf-8") as g:
    g.write("\\n".join(novel_lines()) + "\\n")
out, times = timed(lambda: tok.tokenize_file(src, dst, num_threads=1))
mb = os.path.getsize(src) / 1e6; os.unlink(src); os.unlink(dst)
done(times, mb=mb, tokens=None)
"""),
    "wf_mf_1": ("wordfinder", "minent_fast", 1, "WordFinder train+find, re-iterable object", MF_WF),
    "wf_mf_2": ("wordfinder", "minent_fast", 2, "WordFinder train+find, re-iterable object", MF_WF),
    "wf_nz_1": ("wordfinder", "nlp-zero", 1, "Word_Finder train+find, re-iterable object", "import nlp_zero\n" + wordfinder_job(
        "wf = nlp_zero.Word_Finder(min_proba=1e-6, min_pmi=1); wf.train(texts); wf.find(texts); return wf.words")),
    "tf_mf_1": ("templates", "minent_fast", 1, "TemplateFinder train+find, the same cached Python callable", MF_TF),
    "tf_mf_2": ("templates", "minent_fast", 2, "TemplateFinder train+find, the same cached Python callable", MF_TF),
    "tf_nz_1": ("templates", "nlp-zero", 1, "Template_Finder train+find, the same cached Python callable", templates_job(
        NZ_CACHED_TOKENIZE, "tf = nlp_zero.Template_Finder(tokenize, window=3); tf.train(texts); tf.find(texts); "
        "return tf.templates", "tuple(t.words)")),
    "tfown_mf_1": ("templates", "minent_fast", 1, "each its own tokenizer: TemplateFinder(Tokenizer.default())",
                   templates_job("import minent_fast as mf\ntok = mf.Tokenizer.default()\n",
                                 "tf = mf.TemplateFinder(tok, window=3); tf.train(texts); return tf.find(texts)", "t.words")),
    "tfown_nz_1": ("templates", "nlp-zero", 1, "each its own tokenizer: Template_Finder(Tokenizer().tokenize), uncached",
                   templates_job("import nlp_zero\ntok = nlp_zero.Tokenizer()\n",
                                 "tf = nlp_zero.Template_Finder(tok.tokenize, window=3); tf.train(texts); tf.find(texts); "
                                 "return tf.templates", "tuple(t.words)")),
    "parse_mf_1": ("parse", "minent_fast", 1, "Parser.parse_words, 150 words", PARSE_SETUP + """
p = mf.Parser(templates, tok.tokenize)
out, times = timed(lambda: p.parse_words(words))
done(times, mb=None, words=len(words), templates=len(templates))
"""),
    "parse12_mf_1": ("parse", "minent_fast", 1, "Parser(compat=True).parse, 12 words", PARSE_SETUP + """
p = mf.Parser(templates, lambda s: words[:12], compat=True)
out, times = timed(lambda: p.parse("").plot())
done(times, mb=None, words=12, templates=len(templates), digest=digest(out))
"""),
    "parse12_nz_1": ("parse", "nlp-zero", 1, "Parser.parse, 12 words (150 do not finish)", PARSE_SETUP + """
import nlp_zero
trie = nlp_zero.XTrie()
for t, c in templates.items():
    trie[t.words] = c
p = nlp_zero.Parser(trie, lambda s: words[:12])
out, times = timed(lambda: p.parse("").plot())
done(times, mb=None, words=12, templates=len(templates), digest=digest(out))
"""),
}

CASES = ("tokenize", "wordfinder", "templates", "parse")


def train_spm() -> None:
    """The sentencepiece model, trained in a child process: a child's ru_maxrss starts at
    its parent's high-water mark, so this process must stay small."""
    model = OUT / "spm_unigram32k.model"
    if model.exists():
        return
    OUT.mkdir(parents=True, exist_ok=True)
    src = OUT / "novels_once.txt"
    src.write_text("".join(p.read_text(encoding="utf-8") for p in NOVELS), encoding="utf-8")
    code = ("import sentencepiece as spm, sys; spm.SentencePieceTrainer.train(input=sys.argv[1], "
            "model_prefix=sys.argv[2], vocab_size=32000, model_type='unigram', character_coverage=0.9995, "
            "num_threads=2, minloglevel=2)")
    subprocess.run([sys.executable, "-c", code, str(src), str(model.with_suffix(""))], check=True)


def run(name: str, repeats: int) -> dict:
    case, lib, threads, label, code = JOBS[name]
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, "-c", HEAD + code, str(repeats)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    r.update(name=name, case=case, library=lib, threads=threads, label=label)
    t = sorted(r["times"])
    r["median_s"] = statistics.median(t)
    r["min_s"], r["max_s"] = t[0], t[-1]
    return r


def fmt_s(x: float) -> str:
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


# our job -> the peer job it is compared with (same input, same work; thread counts in the rows)
PEERS = {
    "tok_mf_list_1": "tok_sp_str_1", "tok_mf_list_2": "tok_sp_str_2", "tok_mf_arrow_1": "tok_sp_str_1",
    "tok_mf_offsets_1": "tok_sp_str_1", "tok_mf_file_1": "tok_sp_str_1",
    "wf_mf_1": "wf_nz_1", "wf_mf_2": "wf_nz_1", "tf_mf_1": "tf_nz_1", "tf_mf_2": "tf_nz_1",
    "tfown_mf_1": "tfown_nz_1", "parse12_mf_1": "parse12_nz_1",
}


def table(rows: list[dict]) -> str:
    by_name = {r["name"]: r for r in rows}
    out = ["| case | library | threads | call | median | spread (min–max) | MB/s | peak RSS (MB) | ratio (medians) | same output |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        peer = by_name.get(PEERS.get(r["name"], ""))
        ratio = same = ""
        if peer is not None:
            ratio = f"**{peer['median_s'] / r['median_s']:.2f}×** {peer['library']} ({peer['threads']} thread)"
            if "digest" in r and "digest" in peer:
                same = str(r["digest"] == peer["digest"])
        mbs = f"{r['mb'] / r['median_s']:.1f}" if r.get("mb") else ""
        out.append(f"| {r['case']} | {r['library']} | {r['threads']} | {r['label']} | {fmt_s(r['median_s'])} "
                   f"| {fmt_s(r['min_s'])}–{fmt_s(r['max_s'])} | {mbs} | {r['peak_rss_mb']:.0f} | {ratio} | {same} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", nargs="*", choices=CASES, default=list(CASES))
    ap.add_argument("--skip", nargs="*", default=[], help="job names to leave out")
    args = ap.parse_args()
    if "tokenize" in args.only:
        train_spm()
    rows = []
    for name, (case, *_rest) in JOBS.items():
        if case not in args.only or name in args.skip:
            continue
        r = run(name, args.repeats)
        rows.append(r)
        print(f"{name:18s} median {fmt_s(r['median_s']):>10s}  spread {fmt_s(r['min_s'])}–{fmt_s(r['max_s'])}  "
              f"peak RSS {r['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
    head = (f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python "
            f"{platform.python_version()}; {args.repeats} timed runs per job after one warm-up.\n\n")
    text = head + table(rows)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_boundary.md").write_text(text + "\n", encoding="utf-8")
    (OUT / "bench_boundary.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
