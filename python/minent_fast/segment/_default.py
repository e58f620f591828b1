"""The bundled general dictionary (nlp-zero 0.1.6's dic.txt, MIT), loaded once per process.

Building its 495k-word trie takes ~3 s, so the built lexicon is cached (like jieba's
dictionary cache) in ``$MINENT_FAST_CACHE`` or ``$XDG_CACHE_HOME/minent_fast`` or
``~/.cache/minent_fast``. The cache is checksummed; a missing, stale or damaged cache is
rebuilt, and an unwritable cache directory only costs the rebuild.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import os
from pathlib import Path

from .. import _core

DEFAULT_DIC = Path(__file__).parents[1] / "data" / "nlpzero_dic.txt.gz"


def _cache_dir() -> Path:
    if os.environ.get("MINENT_FAST_CACHE"):
        return Path(os.environ["MINENT_FAST_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "minent_fast"


@functools.lru_cache(maxsize=1)
def default_lexicon() -> _core.Lexicon:
    raw = DEFAULT_DIC.read_bytes()
    key = hashlib.sha256(raw).hexdigest()[:16]
    cache = _cache_dir() / f"default-lexicon-{key}.mlx"
    with contextlib.suppress(OSError, ValueError):
        return _core.Lexicon.from_bytes(cache.read_bytes())
    lex = _core.Lexicon.parse(gzip.decompress(raw).decode("utf-8"), str(DEFAULT_DIC))
    with contextlib.suppress(OSError):
        from .._io import atomic_output

        with atomic_output(cache, "wb") as f:
            f.write(lex.to_bytes())
    return lex
