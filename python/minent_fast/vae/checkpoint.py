"""The VAE model file: writing it atomically and reading it back with its checks.

A model file is ``torch.save`` of a dict::

    {"format": "minent_fast.vae/<kind>", "version": _FORMAT_VERSION,
     "config": constructor arguments, "state_dict": CPU tensors, "history": epoch records}

where ``<kind>`` is the class ("VAE", "ClusterVAE"). It is written to a temporary file
beside the target, fsynced and renamed (so a crash never leaves a file that loads), and read
with ``torch.load(weights_only=True)`` (no arbitrary pickles). Every way a file can be wrong
(missing, not a torch file, no format tag, another kind, another version, config or
state_dict missing) raises FileNotFoundError or ValueError with the path in the message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Union

import torch

from .._io import atomic_output

PathLike = Union[str, "os.PathLike[str]"]

_FORMAT_VERSION = 1


def _atomic_torch_save(obj: Any, path: PathLike) -> None:
    """torch.save to a temporary file in the target's directory, fsync, then os.replace."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"{parent}: directory does not exist (saving {target.name})")
    with atomic_output(target, "wb") as f:  # temporary beside it, fsync, rename
        torch.save(obj, f)


def _save_checkpoint(path: PathLike, kind: str, config: dict, state_dict: dict, history: list) -> None:
    """Write a model file of class ``kind`` (see the module docstring) atomically."""
    _atomic_torch_save(
        {
            "format": f"minent_fast.vae/{kind}",
            "version": _FORMAT_VERSION,
            "config": config,
            "state_dict": state_dict,
            "history": history,
        },
        path,
    )


def _load_checkpoint(path: PathLike, expected: str) -> dict:
    """The checked contents of the model file ``path`` of class ``expected`` (on the CPU)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such file")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle errors, zip errors, truncated files ...
        raise ValueError(f"{p}: not a minent_fast VAE model file ({type(e).__name__}: {e})") from None
    if not isinstance(ckpt, dict) or not str(ckpt.get("format", "")).startswith("minent_fast.vae/"):
        raise ValueError(f"{p}: not a minent_fast VAE model file (no format tag)")
    kind = ckpt["format"].split("/", 1)[1]
    if kind != expected:
        raise ValueError(f"{p}: is a {kind} file, not a {expected} file (use {kind}.load)")
    if ckpt.get("version") != _FORMAT_VERSION:
        raise ValueError(f"{p}: unsupported {expected} file version {ckpt.get('version')!r}")
    if not isinstance(ckpt.get("config"), dict) or not isinstance(ckpt.get("state_dict"), dict):
        raise ValueError(f"{p}: corrupt {expected} file (config or state_dict missing)")
    return ckpt
