"""File helpers shared by the CLI and the library: where outputs go and how inputs are read.

Outputs (:func:`atomic_output`, :func:`replaced_directory`): a new path or a regular file
is replaced atomically; a stream (``-`` for stdout, a character device, a FIFO, a Unix
socket) is written in place; a block device is refused; a directory of many files is
built beside the destination and swapped in whole.

Inputs (:func:`local_sources`, :func:`read_bytes`): a regular uncompressed file is used
as it is (the core memory-maps it); ``-`` (stdin), a FIFO or pipe (``<(cmd)``), a
character device and a compressed file (gzip, zstd, xz, bzip2, told by its first bytes)
are decompressed and copied, in 1 MiB pieces, into a temporary file that the core maps,
removed when the call ends (also on an error or Ctrl-C). Errors name what the user gave,
and byte offsets then count in the decompressed stream and say so.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
import tempfile
import warnings
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable, Iterable, Iterator, Optional, Sequence, Union

from .errors import EmptyInputWarning

PathLike = Union[str, "os.PathLike[str]"]
CHUNK = 1 << 20
STDIN = "-"
STDIN_NAME = "<stdin>"


# --------------------------------------------------------------------------- outputs
def _stream_kind(path: PathLike) -> Optional[str]:
    """"stdout", "stream" (character device or FIFO, followed through symlinks such as
    /dev/fd/N), "socket", or None for a path that is replaced atomically (new, a regular
    file, a symlink to one, a dangling link, a directory). A block device raises."""
    if os.fspath(path) == "-":
        return "stdout"
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISBLK(mode):
        raise ValueError(f"{os.fspath(path)}: is a block device; refusing to write over it (give a file, a FIFO or '-')")
    return None


@contextlib.contextmanager
def _stream_output(path: PathLike, kind: str, mode: str) -> Iterator[IO]:
    """Write a stream in place; a failed write or flush (ENOSPC on a full device, EPIPE)
    raises OSError naming the destination."""
    name = "<stdout>" if kind == "stdout" else os.fspath(path)
    binary = "b" in mode
    opts: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    sock = None
    try:
        if kind == "stdout":
            sys.stdout.flush()
            f = os.fdopen(os.dup(sys.stdout.fileno()), "wb" if binary else "w", **opts)
        elif kind == "socket":
            import socket

            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(os.fspath(path))
            f = sock.makefile("wb" if binary else "w", **opts)
        else:
            f = open(path, "wb" if binary else "w", **opts)  # O_TRUNC means nothing to a device or FIFO
        with f:
            yield f
            f.flush()
    except OSError as e:
        if e.filename is None and e.errno is not None:
            raise OSError(e.errno, e.strerror or os.strerror(e.errno), name) from None
        raise
    finally:
        if sock is not None:
            sock.close()


@contextlib.contextmanager
def atomic_output(path: PathLike, mode: str = "w") -> Iterator[IO]:
    """Open ``path`` for writing. A new path or a regular file: a temporary file beside
    it, on success fsynced and renamed over ``path``, on any error deleted (an existing
    ``path`` is untouched until the new file is complete). A stream (``-``, a character
    device, a FIFO, a socket): written in place."""
    kind = _stream_kind(path)
    if kind is not None:
        with _stream_output(path, kind, mode) as f:
            yield f
        return
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


def read_utf8(path: PathLike) -> str:
    """The whole text of a UTF-8 input (a leading BOM dropped): a file, ``-`` (stdin), a
    pipe or a compressed file (see the module doc). Invalid UTF-8 raises
    :class:`~minent_fast.errors.CorpusError` naming the input and the byte offset, as the
    compiled core does, instead of a bare UnicodeDecodeError."""
    name = _display(path)
    data, codec = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        where = f" of the {codec}-decompressed stream" if codec else ""
        raise _corpus_error(f"{name}: invalid UTF-8 at byte offset {e.start}{where}", name, e.start) from None
    if not text:
        _report_empty(name)
    return text[1:] if text.startswith("\ufeff") else text


# --------------------------------------------------------------------------- inputs
# first bytes of each codec's stream; bzip2's "BZh1".."BZh9" is followed by a block or
# end-of-stream magic, checked too so that a text starting "BZh9" stays text
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"\xfd7zXZ\x00", "xz"))
_BZ2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
HEAD = 10


def codec_of(head: bytes) -> Optional[str]:
    """The compression format a stream starting with ``head`` (10 bytes) is in, or None."""
    for magic, codec in _MAGIC:
        if head.startswith(magic):
            return codec
    if len(head) >= 10 and head[:3] == b"BZh" and 0x31 <= head[3] <= 0x39 and head[4:10] in _BZ2_BLOCKS:
        return "bzip2"
    return None


def _report_empty(name: str) -> None:
    warnings.warn(f"0 chars read from {name}", EmptyInputWarning, stacklevel=4)


def _display(path: PathLike) -> str:
    return STDIN_NAME if os.fspath(path) == STDIN else os.fspath(path)


def _corpus_error(msg: str, path: str, offset: Optional[int] = None) -> Exception:
    from .errors import CorpusError

    err = CorpusError(msg)
    err.path, err.offset = path, offset
    return err


class _Prefixed(io.RawIOBase):
    """A stream's first bytes (already read to tell its format) followed by the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._rest.readinto(b)  # type: ignore[attr-defined]


class _Waiting(io.RawIOBase):
    """A pipe, FIFO or device read so that Ctrl-C is seen within a quarter second: each
    read first waits for data with a timeout (a signal that lands just before a blocking
    read(2) would otherwise be noticed only when more data comes, or never)."""

    def __init__(self, fd: int, closefd: bool) -> None:
        self._fd, self._closefd = fd, closefd

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        import select

        while True:
            ready, _, _ = select.select([self._fd], [], [], 0.25)
            if ready:
                return os.readv(self._fd, [b])

    def close(self) -> None:
        if not self.closed and self._closefd:
            os.close(self._fd)
        super().close()


def _open_raw(path: PathLike) -> tuple[BinaryIO, bool]:
    """The byte stream of an input and whether it is a regular file. Refuses what is not
    text: a directory, a socket, a block device."""
    name = os.fspath(path)
    if name == STDIN:
        return _Waiting(sys.stdin.fileno(), closefd=False), False  # type: ignore[return-value]
    mode = os.stat(name).st_mode  # FileNotFoundError / PermissionError name the path
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", name)
    if stat.S_ISSOCK(mode):
        raise _corpus_error(f"{name}: is a socket, not a text file or stream", name)
    if stat.S_ISBLK(mode):
        raise _corpus_error(f"{name}: is a block device, not a text file or stream", name)
    if stat.S_ISREG(mode):
        return open(name, "rb", buffering=0), True  # type: ignore[return-value]
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    return _Waiting(fd, closefd=True), False  # type: ignore[return-value]


def _read_head(raw: BinaryIO) -> bytes:
    head = b""
    while len(head) < HEAD:
        piece = raw.read(HEAD - len(head))
        if not piece:
            break
        head += piece
    return head


def _decoded(raw: BinaryIO, head: bytes, codec: Optional[str]) -> BinaryIO:
    """The decompressed stream (``codec`` None: the bytes as they are)."""
    stream: BinaryIO = io.BufferedReader(_Prefixed(head, raw), CHUNK)  # type: ignore[arg-type]
    if codec is None:
        return stream
    if codec == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    if codec == "bzip2":
        import bz2

        return bz2.BZ2File(stream)  # type: ignore[return-value]
    if codec == "xz":
        import lzma

        return lzma.LZMAFile(stream)  # type: ignore[return-value]
    return _ZstdReader(stream)  # type: ignore[return-value]


class _ZstdReader:
    """Decompressed bytes of a zstd stream of one or more frames. (zstandard's
    stream_reader ends quietly at a truncated frame; this says so.)"""

    def __init__(self, raw: BinaryIO) -> None:
        import zstandard

        self._raw, self._dctx = raw, zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._fed = False  # input given to the current frame

    def read(self, size: int = -1) -> bytes:
        while True:
            data = self._raw.read(CHUNK)
            if not data:
                if self._fed and not self._obj.eof:
                    raise EOFError("zstd stream ended inside a frame (truncated)")
                return b""
            out = []
            while data:
                if self._obj.eof:  # the next frame
                    self._obj, self._fed = self._dctx.decompressobj(), False
                out.append(self._obj.decompress(data))
                self._fed = True
                data = self._obj.unused_data if self._obj.eof else b""
            piece = b"".join(out)
            if piece:
                return piece


def _codec_errors() -> tuple[type[BaseException], ...]:
    import lzma
    import zlib

    errors: list[type[BaseException]] = [EOFError, zlib.error, lzma.LZMAError]
    with contextlib.suppress(ImportError):
        import zstandard

        errors.append(zstandard.ZstdError)
    return tuple(errors)


def _copy_decoded(name: str, src: BinaryIO, codec: Optional[str], write: Callable[[bytes], Any]) -> int:
    """Copy ``src`` piece by piece into ``write``; a corrupt or truncated compressed
    stream raises CorpusError naming the input. Returns the bytes copied."""
    done = 0
    try:
        while True:
            piece = src.read(CHUNK)
            if not piece:
                return done
            write(piece)
            done += len(piece)
    except _codec_errors() as e:
        raise _corpus_error(f"{name}: corrupt or truncated {codec} data after {done} decompressed bytes ({e})",
                            name, done) from None
    except OSError as e:
        if codec is not None and e.filename is None and not isinstance(e, (BlockingIOError, InterruptedError)):
            # gzip's BadGzipFile and CRC/length checks are OSErrors without a file name
            raise _corpus_error(f"{name}: corrupt {codec} data after {done} decompressed bytes ({e})",
                                name, done) from None
        raise


def read_bytes(path: PathLike) -> tuple[bytes, Optional[str]]:
    """All the (decompressed) bytes of an input, and its codec (None for plain bytes)."""
    name = _display(path)
    raw, regular = _open_raw(path)
    try:
        if regular:
            head = _read_head(raw)
            codec = codec_of(head)
            if codec is None:
                return head + raw.read(), None  # type: ignore[operator]
        else:
            head = _read_head(raw)
            codec = codec_of(head)
        buf = io.BytesIO()
        _copy_decoded(name, _decoded(raw, head, codec), codec, buf.write)
        return buf.getvalue(), codec
    finally:
        raw.close()


class Sources:
    """Inputs as the core reads them: ``paths`` (files it can map), ``names`` (what the
    user gave, for messages and the index's source list), ``codecs``."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.names: list[str] = []
        self.codecs: list[Optional[str]] = []
        self.copied: list[str] = []  # the temporary copies among paths

    @property
    def any_copied(self) -> bool:
        return bool(self.copied)

    def translate(self, e: BaseException) -> Optional[BaseException]:
        """The error ``e`` (raised by the core on one of ``paths``) reworded to name the
        input the user gave, or None when it names no temporary copy."""
        from .errors import MinentError

        where = getattr(e, "path", None) if isinstance(e, MinentError) else getattr(e, "filename", None)
        if where not in self.copied:
            where = next((c for c in self.copied if c in str(e)), None)  # e.g. a lexicon's parse error
            if where is None:
                return None
        i = self.paths.index(where)
        name, codec = self.names[i], self.codecs[i]
        msg = str(e).replace(where, name)
        if codec and getattr(e, "offset", None) is not None and "byte offset" in msg:
            msg += f" of the {codec}-decompressed stream"
        if isinstance(e, MinentError):
            new = type(e)(msg)
            new.path, new.offset = name, e.offset
            return new
        if isinstance(e, OSError):
            return type(e)(e.errno, e.strerror, name)
        if type(e) in (ValueError, TypeError):
            return type(e)(msg)
        return None


def _copy_to_temp(name: str, raw: BinaryIO, head: bytes, codec: Optional[str], directory: Optional[str],
                  prefix: str) -> tuple[str, int]:
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".txt", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            def write(piece: bytes) -> None:
                try:
                    out.write(piece)
                except OSError as e:
                    raise OSError(e.errno, f"{e.strerror} (writing the temporary copy of {name})",
                                  os.path.dirname(tmp) or ".") from None
            done = _copy_decoded(name, _decoded(raw, head, codec), codec, write)
            try:
                out.flush()
            except OSError as e:
                raise OSError(e.errno, f"{e.strerror} (writing the temporary copy of {name})",
                              os.path.dirname(tmp) or ".") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp, done


def prepare_sources(paths: Sequence[str], directory: Optional[str] = None, prefix: str = ".minent-input-") -> Sources:
    """Resolve ``paths`` into a :class:`Sources`, copying what cannot be mapped into
    ``directory`` (default: TMPDIR). The caller removes ``copied`` (see :func:`local_sources`)."""
    out = Sources()
    if sum(os.fspath(p) == STDIN for p in paths) > 1:
        raise ValueError("'-' (standard input) can be given only once")
    try:
        for p in paths:
            name = _display(p)
            raw, regular = _open_raw(p)
            try:
                head = _read_head(raw)
                codec = codec_of(head)
                if regular and codec is None:
                    path, size = os.fspath(p), os.fstat(raw.fileno()).st_size
                else:
                    path, size = _copy_to_temp(name, raw, head, codec, directory, prefix)
                    out.copied.append(path)
            finally:
                raw.close()
            out.paths.append(path)
            out.names.append(name)
            out.codecs.append(codec)
            if size == 0:
                _report_empty(name)
    except BaseException:
        remove_copies(out)
        raise
    return out


def remove_copies(sources: Sources) -> None:
    for tmp in sources.copied:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@contextlib.contextmanager
def local_sources(paths: Sequence[str], directory: Optional[str] = None) -> Iterator[Sources]:
    """:func:`prepare_sources` for the length of a ``with`` block: the temporary copies
    are removed when it ends (an error or Ctrl-C included), and an error of the core
    naming one of them is raised naming the input the user gave."""
    src = prepare_sources(paths, directory)
    try:
        yield src
    except BaseException as e:
        new = src.translate(e)
        if new is not None:
            raise new from None
        raise
    finally:
        remove_copies(src)


# -------------------------------------------------------------- directory outputs
def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where the
    system or file system does not offer it."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), b)


def _fsync_tree(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as h:
                os.fsync(h.fileno())
        fd = os.open(dirpath, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def check_replaceable(path: PathLike, ours: Callable[[str], bool], what: str = "this command") -> None:
    """Raise unless ``path`` is missing or a directory holding only entries ``ours`` accepts
    (see :func:`replaced_directory`; call it before long work to fail early)."""
    dest = Path(path)
    if dest.exists() or dest.is_symlink():
        if not dest.is_dir() or dest.is_symlink():
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory (give a directory for this output)", str(dest))
        foreign = sorted(n for n in os.listdir(dest) if not ours(n))
        if foreign:
            raise FileExistsError(
                errno.EEXIST, f"holds files {what} did not write ({', '.join(foreign[:3])}"
                f"{', …' if len(foreign) > 3 else ''}); refusing to replace it: give a new or empty directory",
                str(dest))


@contextlib.contextmanager
def replaced_directory(path: PathLike, ours: Callable[[str], bool], what: str = "this command") -> Iterator[Path]:
    """A new, empty directory beside ``path`` to write a set of files into; on success it
    replaces ``path`` whole (one atomic exchange on Linux file systems that offer it,
    else two renames), so a reader never sees old and new files mixed and a failed run
    leaves the old set as it was. An existing ``path`` is replaced only when every entry
    in it is one ``ours(name)`` accepts (files an earlier run wrote): a directory holding
    anything else is refused, not deleted."""
    import shutil

    dest = Path(path)
    check_replaceable(dest, ours, what)
    parent = dest.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=parent))
    try:
        yield tmp
        _fsync_tree(tmp)
        if dest.exists():
            if _exchange(str(tmp), str(dest)):
                shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old set
            else:
                old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=parent))
                os.rename(dest, old / "x")
                os.rename(tmp, dest)
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
