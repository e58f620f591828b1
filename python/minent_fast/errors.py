"""Exceptions raised by minent_fast.

The compiled core raises these (never a bare RuntimeError for a user mistake):
``CorpusError`` for bad input text (invalid UTF-8, with ``path`` and byte ``offset``),
``IndexFormatError`` for a missing-piece, truncated, corrupt or foreign index file.
Missing files raise the built-in ``FileNotFoundError``; bad arguments ``ValueError`` or
``TypeError``; Ctrl-C ``KeyboardInterrupt``. An empty input is not an error: it warns
with ``EmptyInputWarning``.
"""

from __future__ import annotations


class MinentError(Exception):
    """Base class of minent_fast's own errors."""

    path: str | None = None
    offset: int | None = None


class CorpusError(MinentError, ValueError):
    """The input text cannot be used (e.g. invalid UTF-8 at ``offset`` in ``path``)."""


class IndexFormatError(MinentError, ValueError):
    """An index file is truncated, corrupt, of another format version, or not an index."""


class EmptyInputWarning(UserWarning):
    """An input held no text: allowed, but said ("0 chars read from …"), since it is often
    a mistake (a pipe read before, an empty download)."""
