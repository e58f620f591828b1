"""Small file helpers shared by the CLI and the library: atomic writes of outputs."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator, Union


@contextlib.contextmanager
def atomic_output(path: Union[str, "os.PathLike[str]"], mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success fsync it and rename it over
    ``path``; on any error delete it. An existing ``path`` is untouched until the new file
    is complete."""
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8", "newline": "\n"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_table(table, path: Union[str, "os.PathLike[str]"]) -> None:
    """Write a pyarrow table as Parquet (``.parquet``/``.pq``) or TSV (anything else), atomically."""
    import pyarrow.parquet as pq

    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        with atomic_output(path, "wb") as f:
            pq.write_table(table, f)
        return
    with atomic_output(path) as f:
        write_tsv(table, f)


def write_tsv(table, f: IO[str], header: bool = True) -> None:
    cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
    if header:
        f.write("\t".join(table.column_names) + "\n")
    for row in zip(*cols):
        f.write("\t".join(str(v) for v in row) + "\n")


BATCH = 200_000


def batches(texts: Iterable[str], size: int = BATCH) -> Iterator[Union[list[str], tuple[str, ...]]]:
    """Lists (or the given list or tuple itself) of up to ``size`` strings from ``texts``.

    One str is refused. The items of a list or tuple are not checked here (that took ~5 ms
    per call on 130k lines): the compiled core checks each one as it reads it; wrap the
    call in :func:`items_checked` for this module's error message. Other iterables are
    checked item by item as they are read."""
    if isinstance(texts, str):
        raise TypeError("texts must be an iterable of str (e.g. a list of lines), not one str")
    if isinstance(texts, (list, tuple)):
        if len(texts) <= size:
            yield texts
        else:
            for i in range(0, len(texts), size):
                yield texts[i : i + size]
        return
    batch: list[str] = []
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"texts must contain str, not {type(t).__name__}")
        batch.append(t)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextlib.contextmanager
def items_checked(batch: Iterable[object]) -> Iterator[None]:
    """Reword a TypeError raised while the compiled core reads ``batch`` as
    "texts must contain str, not <type>" when an item is not a str."""
    try:
        yield
    except TypeError:
        bad = next((t for t in batch if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(f"texts must contain str, not {type(bad).__name__}") from None
        raise


def read_utf8(path: Union[str, "os.PathLike[str]"]) -> str:
    """The whole text of a UTF-8 file (a leading BOM dropped). Invalid UTF-8 raises
    :class:`~minent_fast.errors.CorpusError` naming the file and the byte offset, as the
    compiled core does, instead of a bare UnicodeDecodeError."""
    from .errors import CorpusError

    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        err = CorpusError(f"{os.fspath(path)}: invalid UTF-8 at byte offset {e.start}")
        err.path, err.offset = os.fspath(path), e.start
        raise err from None
    return text[1:] if text.startswith("\ufeff") else text
