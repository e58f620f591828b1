"""minent_fast: minimum-entropy unsupervised NLP at corpus scale.

Public names::

    CorpusIndex                       suffix-array statistics of a corpus (Rust core)
    build_shards, ShardedIndex        the same over a directory of shards (corpora larger than memory)
    ngram_tables                      exact n-gram counts as hash-partitioned Parquet files
    Lexicon, Tokenizer                word counts and unigram Viterbi segmentation (nlp-zero semantics)
    evaluate.score                    word precision / recall / F1
    MinentError, CorpusError, IndexFormatError
    sample_path()                     the bundled public-domain sample corpus
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import evaluate
from .corpus import CorpusIndex
from .discover import discover_words, entropy_report
from .errors import CorpusError, EmptyInputWarning, IndexFormatError, MinentError
from .lexicon import Lexicon
from .shards import ShardedIndex, build_shards, ngram_tables
from .templates import Parser, SentTree, Template, TemplateFinder
from .tokenize import Tokenizer
from .wordfinder import WordFinder

try:
    __version__ = version("minent_fast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"


def sample_path() -> Path:
    """Path of the bundled sample: the first ~300 KB of 红楼梦 (public domain), one sentence a line."""
    return Path(__file__).with_name("data") / "sample.txt"


__all__ = [
    "CorpusIndex",
    "ShardedIndex",
    "build_shards",
    "ngram_tables",
    "Lexicon",
    "Tokenizer",
    "WordFinder",
    "Template",
    "TemplateFinder",
    "Parser",
    "SentTree",
    "discover_words",
    "entropy_report",
    "evaluate",
    "CorpusError",
    "IndexFormatError",
    "EmptyInputWarning",
    "MinentError",
    "sample_path",
    "__version__",
]
