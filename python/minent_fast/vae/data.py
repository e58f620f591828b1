"""Offline data loaders: the MNIST test set (IDX files) and scikit-learn's bundled digits.

Both return ``(x, y)`` with ``x`` float32 of shape ``(n, 1, H, W)`` scaled to [0, 1] and
``y`` int64 class labels. Nothing is downloaded: the MNIST files must already be on disk.
Needs numpy only (scikit-learn for :func:`load_digits`).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]

MNIST_TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
MNIST_TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
#: Environment variable naming the default MNIST directory of :func:`load_mnist_test`.
MNIST_DIR_ENV = "MINENT_FAST_MNIST_DIR"

# IDX magic: two zero bytes, a type code (0x08 = unsigned byte) and the number of dimensions.
_IDX_UBYTE = 0x08


def _default_mnist_dir() -> Path:
    env = os.environ.get(MNIST_DIR_ENV)
    if env:
        return Path(env)
    # A source checkout keeps shared data next to the repository: <repo>/../shared/data/mnist.
    return Path(__file__).resolve().parents[3].parent / "shared" / "data" / "mnist"


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """Read a (gzip-compressed or raw) IDX file of unsigned bytes with ``ndim`` dimensions."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error) as e:
        if isinstance(e, (FileNotFoundError, PermissionError)):
            raise
        raise ValueError(f"{path}: corrupt IDX file (cannot decompress: {e})") from None
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: corrupt IDX file (only {len(data)} bytes, header needs {header})")
    zero, dtype_code, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != _IDX_UBYTE or dims != ndim:
        raise ValueError(
            f"{path}: not an IDX file of unsigned bytes with {ndim} dimension(s) "
            f"(magic {data[:4].hex()}, expected 0000080{ndim})"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    if len(data) - header != expected:
        raise ValueError(
            f"{path}: corrupt IDX file (header says shape {shape} = {expected} bytes, "
            f"file holds {len(data) - header})"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find(directory: Path, name: str) -> Path:
    for candidate in (directory / name, directory / name[: -len(".gz")]):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{directory}: {name} not found (MNIST test set, IDX format, optionally gzipped)")


def load_mnist_test(dir: Optional[PathLike] = None) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test digits from ``dir`` (no network access).

    ``dir`` must hold ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``
    (the uncompressed names work too). Default: ``$MINENT_FAST_MNIST_DIR``, else
    ``shared/data/mnist`` next to the source checkout. Returns ``x`` float32
    ``(10000, 1, 28, 28)`` in [0, 1] and ``y`` int64 ``(10000,)``. Raises
    FileNotFoundError for a missing directory/file and ValueError for a corrupt file.
    """
    directory = Path(dir) if dir is not None else _default_mnist_dir()
    if not directory.is_dir():
        hint = "" if dir is not None else f" (pass dir= or set ${MNIST_DIR_ENV})"
        raise FileNotFoundError(f"{directory}: MNIST directory not found{hint}")
    images_path = _find(directory, MNIST_TEST_IMAGES)
    labels_path = _find(directory, MNIST_TEST_LABELS)
    images = _read_idx(images_path, 3)
    labels = _read_idx(labels_path, 1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{directory}: {images.shape[0]} images but {labels.shape[0]} labels "
            f"({images_path.name} / {labels_path.name})"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: corrupt labels (value {int(labels.max())} > 9)")
    x = (images.astype(np.float32) / np.float32(255.0))[:, None, :, :]
    return np.ascontiguousarray(x), labels.astype(np.int64)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 digits (1,797 images, no download).

    Returns ``x`` float32 ``(1797, 1, 8, 8)`` scaled from 0..16 to [0, 1] and ``y`` int64.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    x = (np.asarray(bunch.images, dtype=np.float32) / np.float32(16.0))[:, None, :, :]
    return np.ascontiguousarray(x), np.asarray(bunch.target, dtype=np.int64)
