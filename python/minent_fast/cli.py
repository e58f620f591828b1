"""The ``minent-fast`` command line (also ``python -m minent_fast``).

Every subcommand exits 0 on success and 2 with a one-line message on bad input (missing
file, invalid UTF-8 with its byte offset, corrupt index, bad option); never a traceback
for a user mistake. Long work shows a progress bar when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from typing import Any, Optional, Sequence

from . import __version__
from .index.corpus import CorpusIndex
from .errors import EmptyInputWarning, MinentError

EXIT_USAGE = 2
SOURCES_HELP = "UTF-8 text: files, '-' for stdin, pipes, gzip/zstd/xz/bzip2 files (told by content)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _progress(args: argparse.Namespace) -> bool:
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def _parse_range(text: str) -> tuple[int, int]:
    try:
        if ":" in text:
            a, b = text.split(":", 1)
            return int(a), int(b)
        return int(text), int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or MIN:MAX, got {text!r}") from None


def _count_arg(text: str) -> int:
    """A non-negative integer option (argparse type): a negative limit is a mistake, not 'all'."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


# --------------------------------------------------------------------------- commands
def _client(args: argparse.Namespace):
    """A Dask client for --scheduler (an address, or 'local' for a LocalCluster), else None."""
    if not getattr(args, "scheduler", None):
        return None
    from .index import distributed

    try:
        return distributed.connect(None if args.scheduler == "local" else args.scheduler)
    except ImportError as e:
        raise ValueError(str(e)) from None


def cmd_index_build(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    if args.shard_mb is not None or args.scheduler:
        from .index.shards import DEFAULT_SHARD_BYTES, build_shards

        if args.shard_mb is not None and not 0 < args.shard_mb < 2**40:
            raise ValueError(f"--shard-mb must be a positive number of MiB, got {args.shard_mb}")
        shard_bytes = max(1, int(args.shard_mb * 2**20)) if args.shard_mb is not None else DEFAULT_SHARD_BYTES
        client = _client(args)
        try:
            idx = build_shards(args.sources, args.output, shard_bytes=shard_bytes, segmenter=args.segmenter,
                               num_threads=args.threads, client=client)
        finally:
            if client is not None:
                client.close()
        print(f"{idx!r}\nbuilt in {time.perf_counter() - t0:.2f} s")
        return 0
    idx = CorpusIndex.build(
        args.sources, args.output, segmenter=args.segmenter, num_threads=args.threads, progress=_progress(args)
    )
    dt = time.perf_counter() - t0
    print(f"{idx!r}\nbuilt in {dt:.2f} s")
    return 0


def cmd_index_info(args: argparse.Namespace) -> int:
    idx = CorpusIndex.open(args.index, progress=_progress(args))
    print(repr(idx))
    print(f"sources: {', '.join(idx.sources) or '-'}")
    h = idx.char_entropy()
    print(f"char entropy: {h:.4f} nats = {h / math.log(2):.4f} bits")
    return 0


def cmd_count(args: argparse.Namespace) -> int:
    idx = CorpusIndex.open(args.index, verify=not args.no_verify)
    for s, c in zip(args.strings, idx.count_many(args.strings)):
        print(f"{s}\t{c}")
    return 0


def cmd_ngrams(args: argparse.Namespace) -> int:
    from ._io import write_table, write_tsv

    if args.partitions is not None:
        from .index.shards import ngram_tables

        if args.output in (None, "-") or args.limit is not None:
            raise ValueError("--partitions writes a directory of Parquet files: give -o DIR (and no --limit)")
        client = _client(args)
        try:
            names = ngram_tables(args.index, args.output, args.n, args.min_count, partitions=args.partitions,
                                 client=client)
        finally:
            if client is not None:
                client.close()
        print(f"{len(names)} partitions -> {args.output}", file=sys.stderr)
        return 0
    idx = CorpusIndex.open(args.index, progress=_progress(args))
    table = idx.ngrams(args.n, min_count=args.min_count, order=args.order, progress=_progress(args))
    if args.limit is not None:
        table = table.slice(0, args.limit)
    if args.output in (None, "-"):
        write_tsv(table, sys.stdout)
    else:
        write_table(table, args.output)
        print(f"{table.num_rows:,} n-grams -> {args.output}", file=sys.stderr)
    return 0


def cmd_segment(args: argparse.Namespace) -> int:
    from .segment.lexicon import Lexicon
    from .segment.tokenize import Tokenizer

    lex = Lexicon.load(args.lexicon) if args.lexicon else Lexicon.default()
    tok = Tokenizer(lex, null_score=args.null_score, symbols=args.symbols,
                    combine_alnum=False if args.no_combine_alnum else None)
    t0 = time.perf_counter()
    stats = tok.tokenize_file(args.source, args.output, num_threads=args.threads, progress=_progress(args))
    dt = time.perf_counter() - t0
    print(f"{stats['lines']:,} lines, {stats['bytes_in'] / 1e6:.1f} MB in {dt:.2f} s "
          f"({stats['bytes_in'] / 1e6 / max(dt, 1e-9):.1f} MB/s) -> {args.output}", file=sys.stderr)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .evaluate import read_lines, score

    words = read_lines(args.words) if args.words else None
    r = score(read_lines(args.pred), read_lines(args.gold), words=words)
    for k in ("precision", "recall", "f1", "oov_recall"):
        if k in r:
            print(f"{k}\t{r[k]:.4f}")
    for k in ("words_gold", "words_pred", "words_correct", "oov_gold", "lines"):
        if k in r:
            print(f"{k}\t{r[k]}")
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from .discovery.words import discover_words
    from .segment.lexicon import Lexicon

    t0 = time.perf_counter()
    if args.method == "nlpzero" and (args.known or args.union):
        raise ValueError("--known and --union are for --method minent")
    if args.union and not args.known:
        raise ValueError("--union needs --known DICT")
    if args.method == "nlpzero":
        from .evaluate import read_lines
        from .discovery.wordfinder import WordFinder

        wf = WordFinder(min_proba=args.min_proba, min_pmi=args.min_pmi)
        lines = [line for src in args.sources for line in read_lines(src)]
        wf.train(lines)
        lex = Lexicon(wf.find(lines, progress=_progress(args)))
    else:
        lex = discover_words(args.sources, max_len=args.max_len, length_bonus=args.length_bonus,
                             iterations=args.iterations, min_count=args.min_count, prune=not args.no_prune,
                             symbols=args.symbols, merge=args.merge, known=args.known, union=args.union,
                             self_train=not args.no_self_train, memory_budget=args.memory,
                             num_threads=args.threads, progress=_progress(args))
    dt = time.perf_counter() - t0
    fmt = args.format
    if fmt == "tsv":
        lex.save(args.output)
    elif fmt == "jieba":
        lex.to_jieba(args.output)
    elif fmt == "hf":
        lex.to_hf_tokenizer(args.output)
    else:
        lex.to_sentencepiece(args.output)
    print(f"{len(lex):,} words in {dt:.2f} s -> {args.output}", file=sys.stderr)
    return 0


def _tokenizer_for(args: argparse.Namespace):
    from .segment.lexicon import Lexicon
    from .segment.tokenize import Tokenizer

    return Tokenizer(Lexicon.load(args.lexicon) if args.lexicon else Lexicon.default(), symbols=args.symbols)


def cmd_templates(args: argparse.Namespace) -> int:
    from .evaluate import read_lines
    from .templates import TemplateFinder

    tok = _tokenizer_for(args)
    lines = [line for src in args.sources for line in read_lines(src)]
    t0 = time.perf_counter()
    tf = TemplateFinder(tok, window=args.window, min_proba=args.min_proba, min_pmi=args.min_pmi,
                        max_paths=args.max_paths)
    tf.train(lines)
    tf.find(lines)
    tf.save(args.output)
    nontrivial = sum(not t.is_trivial() for t in tf.templates)
    print(f"{len(tf.templates):,} templates ({nontrivial:,} non-trivial) in {time.perf_counter() - t0:.2f} s "
          f"-> {args.output}", file=sys.stderr)
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from .templates import Parser, load_templates

    templates = load_templates(args.templates)
    tok = _tokenizer_for(args)
    parser = Parser(templates, tok.tokenize, null_score=args.null_score, compat=args.compat)
    for sent in args.sentences:
        print(parser.parse(sent).plot())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from .serve import load_app, run_app, run_workers
        from .serve import protocol  # noqa: F401  (uvicorn with httptools)
    except ImportError as e:
        raise ImportError(f"the explorer needs Starlette, uvicorn and httptools: pip install 'minent_fast[serve]' ({e})") from None
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be between 0 and 65535, got {args.port}")
    if not 1 <= args.workers <= 64:
        raise ValueError(f"--workers must be between 1 and 64, got {args.workers}")
    app = load_app(args.index, lexicon=args.lexicon, templates=args.templates)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"minent-fast: warning: serving on {args.host}: other machines can reach it", file=sys.stderr)
    print(f"minent-fast: serving {args.index} on http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
    if args.workers > 1:
        del app  # each worker opens its own
        run_workers(args.workers, args.index, args.lexicon, args.templates, host=args.host, port=args.port)
    else:
        run_app(app, host=args.host, port=args.port)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.corpus, progress=_progress(args))


TOKENIZER_SYMBOLS_HELP = ("what cuts a sentence before Viterbi: han (default, nlp-zero's separators, ASCII runs glued), "
                          "unicode (every non-letter/mark/digit of any script; no gluing; for a lexicon discovered "
                          "with the default symbols in a language other than Chinese), all (whitespace only)")


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="minent-fast",
        description="Minimum-entropy corpus statistics (suffix arrays, n-grams, entropy, PMI).",
    )
    p.add_argument("--version", action="version", version=f"minent-fast {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    d = sub.add_parser("demo", help="run the main job on the bundled sample corpus (or on FILE)")
    d.add_argument("corpus", nargs="*", help="UTF-8 text: files, '-', pipes or compressed files "
                   "(default: the bundled sample)")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    d.set_defaults(func=cmd_demo)

    ix = sub.add_parser("index", help="build or inspect a corpus index")
    ixs = ix.add_subparsers(dest="index_command", metavar="ACTION", parser_class=_Parser)
    ixs.required = True
    b = ixs.add_parser("build", help="index UTF-8 files into a directory")
    b.add_argument("sources", nargs="+", help=SOURCES_HELP)
    b.add_argument("-o", "--output", required=True, help="index directory (created; replaced atomically)")
    b.add_argument("--segmenter", "--symbols", choices=["han", "unicode", "all", "line"], default="han",
                   help="han: runs of CJK/ASCII alphanumerics (nlp-zero's filter); line: whole lines")
    b.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    b.add_argument("--shard-mb", type=float, default=None,
                   help="cut the inputs into shards of about this many MiB at line ends, one index each "
                        "(memory bounded by a shard; queries stay exact)")
    b.add_argument("--scheduler", default=None,
                   help="build shards on Dask: a scheduler address, or 'local' for a LocalCluster")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    b.set_defaults(func=cmd_index_build)
    i = ixs.add_parser("info", help="describe a saved index")
    i.add_argument("index", help="index directory")
    i.add_argument("-q", "--quiet", action="store_true")
    i.set_defaults(func=cmd_index_info)

    c = sub.add_parser("count", help="exact counts of strings in an index")
    c.add_argument("index", help="index directory")
    c.add_argument("strings", nargs="+", help="strings to count")
    c.add_argument("--no-verify", action="store_true", help="skip the checksum check when opening")
    c.set_defaults(func=cmd_count)

    n = sub.add_parser("ngrams", help="all n-grams with counts, to Parquet or TSV")
    n.add_argument("index", help="index directory")
    n.add_argument("-n", type=_parse_range, default=(2, 2), metavar="N|MIN:MAX", help="n-gram length(s) (default 2)")
    n.add_argument("--min-count", type=int, default=2, help="keep n-grams seen at least this often (default 2)")
    n.add_argument("--order", choices=["count", "ngram"], default="count", help="row order (default count)")
    n.add_argument("--limit", type=_count_arg, default=None, help="keep only the first N rows")
    n.add_argument("--partitions", type=int, default=None,
                   help="write exact counts as this many hash-partitioned Parquet files into directory -o "
                        "(bounded memory, for sharded indexes)")
    n.add_argument("--scheduler", default=None, help="with --partitions: run on Dask (address or 'local')")
    n.add_argument("-o", "--output", default=None,
                   help="output file: .parquet/.pq for Parquet, anything else TSV; '-' or omitted: TSV on stdout")
    n.add_argument("-q", "--quiet", action="store_true")
    n.set_defaults(func=cmd_ngrams)
    ds = sub.add_parser("discover", help="discover the words of a corpus (minimum-entropy lexicon construction)")
    ds.add_argument("sources", nargs="+", help=SOURCES_HELP)
    ds.add_argument("-o", "--output", required=True, help="lexicon file to write (atomic; '-' for stdout; a device or FIFO is written in place)")
    ds.add_argument("--method", choices=["minent", "nlpzero"], default="minent",
                    help="minent: branching-entropy autonomy + unigram re-estimation (default); "
                         "nlpzero: nlp-zero's Word_Finder, identical output")
    ds.add_argument("--format", choices=["tsv", "jieba", "hf", "sentencepiece"], default="tsv",
                    help="tsv (word<TAB>count), jieba user dict, HF tokenizer.json, sentencepiece .model")
    ds.add_argument("--symbols", choices=["han", "unicode", "all"], default=None,
                    help="[minent] what words are made of: unicode (default: letters, marks, digits of every script), "
                         "han (nlp-zero's [\\u4e00-\\u9fa5a-zA-Z0-9]), all (every non-space char, a line a "
                         "segment); a sharded index uses its own")
    ds.add_argument("--max-len", type=int, default=None,
                    help="[minent] longest word of the initial segmentation, 1-4 (default: 3 for text mostly in "
                         "Han/kana/hangul, else 4)")
    ds.add_argument("--length-bonus", type=float, default=3.0, help="[minent] per-character bonus of a group")
    ds.add_argument("--iterations", type=int, default=3,
                    help="[minent] unigram re-estimation rounds at most, and pruning passes at most (0: neither)")
    ds.add_argument("--min-count", type=int, default=1, help="[minent] drop rarer words")
    ds.add_argument("--merge", action=argparse.BooleanOptionalAction, default=None,
                    help="[minent] join adjacent words where that shortens the description (finds words longer "
                         "than --max-len; default: on with self-training, off with --no-self-train; "
                         "docs/discovery.md)")
    ds.add_argument("--known", default=None, metavar="DICT",
                    help="[minent] new-word discovery: a dictionary (word list, TSV or jieba format); write only "
                         "the discovered words it lacks, most frequent first")
    ds.add_argument("--union", action="store_true",
                    help="[minent] with --known: write the known and the new words together, with their counts in "
                         "the corpus, to segment with both")
    ds.add_argument("--no-self-train", action="store_true",
                    help="[minent] one setting only, no boundary tagger self-trained on the agreement of twelve "
                         "(faster; the MDL lexicon: shortest two-part code, lower F1: docs/discovery.md)")
    ds.add_argument("--no-prune", action="store_true",
                    help="[minent] keep the words that do not pay for their own spelling (no MDL pruning)")
    ds.add_argument("--min-proba", type=float, default=1e-6, help="[nlpzero] frequency threshold")
    ds.add_argument("--min-pmi", type=float, default=1.0, help="[nlpzero] PMI threshold (nats)")
    ds.add_argument("--memory", default=None, metavar="SIZE",
                    help="[minent] memory budget, e.g. 6G (default: a quarter of the machine's RAM); past it the "
                         "branching entropies are read in partitions, with the same result (docs/scaling.md)")
    ds.add_argument("--threads", type=int, default=None)
    ds.add_argument("-q", "--quiet", action="store_true")
    ds.set_defaults(func=cmd_discover)

    tp = sub.add_parser("templates", help="discover sentence templates (飞象过河, nlp-zero Template_Finder)")
    tp.add_argument("sources", nargs="+", help=SOURCES_HELP)
    tp.add_argument("-o", "--output", required=True, help="templates TSV: count, trivial, n_words, template ('-' for stdout)")
    tp.add_argument("--lexicon", default=None, help="lexicon for the tokenizer (default: the bundled dictionary)")
    tp.add_argument("--window", type=int, default=5, help="skip-gram window (default 5; nlp-zero's README uses 3)")
    tp.add_argument("--min-proba", type=float, default=1e-5)
    tp.add_argument("--min-pmi", type=float, default=2.0)
    tp.add_argument("--max-paths", type=int, default=10_000, help="cap on paths enumerated per chunk")
    tp.add_argument("--symbols", choices=["han", "unicode", "all"], default="han", help=TOKENIZER_SYMBOLS_HELP)
    tp.set_defaults(func=cmd_templates)

    pa_ = sub.add_parser("parse", help="parse sentences into nested templates")
    pa_.add_argument("sentences", nargs="+", help="sentences to parse")
    pa_.add_argument("--templates", required=True, help="templates TSV (from `minent-fast templates`)")
    pa_.add_argument("--lexicon", default=None, help="lexicon for the tokenizer (default: the bundled dictionary)")
    pa_.add_argument("--null-score", type=float, default=-20.0, help="score per extra word of a flat run")
    pa_.add_argument("--compat", action="store_true", help="nlp-zero 0.1.6's over-matching matcher")
    pa_.add_argument("--symbols", choices=["han", "unicode", "all"], default="han", help=TOKENIZER_SYMBOLS_HELP)
    pa_.set_defaults(func=cmd_parse)

    sv = sub.add_parser("serve", help="a local web explorer over an index (KWIC, next characters, collocates, "
                                      "sentence profiles and parses) with a JSON API under /api")
    sv.add_argument("index", help="index directory (from `minent-fast index build`; sharded or not)")
    sv.add_argument("--lexicon", default=None, help="lexicon for the sentence view's segmentation (default: bundled)")
    sv.add_argument("--templates", default=None, help="templates TSV: the sentence view parses with them")
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    sv.add_argument("--workers", type=int, default=1, help="server processes over the same memory-mapped index "
                    "(default 1)")
    sv.set_defaults(func=cmd_serve)

    sg = sub.add_parser("segment", help="segment a UTF-8 file line by line (unigram Viterbi, nlp-zero semantics)")
    sg.add_argument("source", help="UTF-8 text: a file, '-' for stdin, a pipe or a gzip/zstd/xz/bzip2 file")
    sg.add_argument("-o", "--output", required=True, help="output file: words separated by spaces (atomic; '-' for stdout; "
                         "a device or FIFO is written in place)")
    sg.add_argument("--lexicon", default=None,
                    help="lexicon file (word<TAB>count, or nlp-zero/jieba 'word count [tag]'); "
                         "default: the bundled general dictionary")
    sg.add_argument("--null-score", type=float, default=-100.0, help="score of a character no word covers")
    sg.add_argument("--no-combine-alnum", action="store_true",
                    help="do not glue runs of ASCII letters/digits (only --symbols han glues)")
    sg.add_argument("--symbols", choices=["han", "unicode", "all"], default="han", help=TOKENIZER_SYMBOLS_HELP)
    sg.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    sg.add_argument("-q", "--quiet", action="store_true")
    sg.set_defaults(func=cmd_segment)

    sc = sub.add_parser("score", help="word precision/recall/F1 of a segmentation against a gold one")
    sc.add_argument("pred", help="predicted segmentation (words separated by spaces)")
    sc.add_argument("gold", help="gold segmentation (words separated by spaces)")
    sc.add_argument("--words", default=None, help="training word list (one per line) for OOV recall")
    sc.set_defaults(func=cmd_score)

    _vae_cli().add_parser(sub, _Parser)
    return p


def _vae_cli():
    """vae/cli.py loaded by path: it needs only the standard library until a run, whereas
    importing the package minent_fast.vae imports torch (slow, and absent without the
    [vae] extra). Its run() reports a missing torch as one line, exit 2."""
    import importlib.util
    from pathlib import Path

    name = "minent_fast._vae_cli"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("vae") / "cli.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


def _warning_line(message: Warning | str, category: type, filename: str, lineno: int, file: Any = None,
                  line: Optional[str] = None) -> None:
    print(f"minent-fast: warning: {message}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", EmptyInputWarning)
        warnings.showwarning = _warning_line  # "0 chars read from X": one line, not a source excerpt
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("minent-fast: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (MinentError, OSError, ValueError, TypeError, ImportError) as e:  # ImportError: an optional package
        # for a failed rename (atomic outputs) the destination is filename2, not the temp file
        name = getattr(e, "filename2", None) or getattr(e, "filename", None)
        msg = str(e) if not isinstance(e, OSError) or not name else f"{e.strerror or e}: {name}"
        print(f"minent-fast: error: {msg}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
