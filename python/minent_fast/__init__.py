"""minent_fast: minimum-entropy unsupervised NLP at corpus scale.

The package follows the pipeline, one folder a stage (each folder's ``__init__`` says
what it takes and gives; the compiled core in ``rust/minent-core/src`` has the same rooms)::

    index/       corpus → index      CorpusIndex, ShardedIndex, build_shards, ngram_tables, distributed
    discovery/   index → lexicon     discover_words, entropy_report, WordFinder (nlp-zero compat)
    segment/     lexicon → words     Lexicon, Tokenizer (unigram Viterbi, nlp-zero semantics)
    templates.py words → templates   TemplateFinder, Template, Parser, SentTree (飞象过河)
    evaluate.py                      score (word precision / recall / F1), read_lines
    vae/                             optional PyTorch VAE clustering (minent_fast[vae])
    cli.py, demo.py                  the ``minent-fast`` command line
    _io.py, _progress.py, errors.py  what every stage uses: inputs and outputs, progress, exceptions

Public names are imported here; so are the 0.1 module paths (``minent_fast.corpus``,
``.shards``, ``.distributed``, ``.discover``, ``.wordfinder``, ``.lexicon``,
``.tokenize``), which name the same modules in their new rooms.
"""

from __future__ import annotations

import sys as _sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import discovery, evaluate, index, segment
from .discovery import words as _words
from .discovery.wordfinder import WordFinder
from .discovery.words import discover_words, entropy_report
from .errors import CorpusError, EmptyInputWarning, IndexFormatError, MinentError
from .index import corpus as _corpus
from .index import distributed as _distributed
from .index import shards as _shards
from .index.corpus import CorpusIndex
from .index.shards import ShardedIndex, build_shards, ngram_tables
from .segment import _default as _default_dic
from .segment import lexicon as _lexicon
from .segment import tokenize as _tokenize
from .segment.lexicon import Lexicon
from .segment.tokenize import Tokenizer
from .templates import Parser, SentTree, Template, TemplateFinder

# the flat module paths of 0.1 stay importable (import minent_fast.corpus, from
# minent_fast.discover import autonomy_scores, monkeypatching minent_fast.shards...)
_OLD_PATHS = {
    "corpus": _corpus, "shards": _shards, "distributed": _distributed, "discover": _words,
    "wordfinder": _sys.modules[WordFinder.__module__], "lexicon": _lexicon, "tokenize": _tokenize,
    "_default": _default_dic,
}
for _name, _module in _OLD_PATHS.items():
    _sys.modules[f"{__name__}.{_name}"] = _module
    globals()[_name] = _module
del _name, _module

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
