"""``minent-fast vae-cluster``: train article 4's clustering VAE and write pictures of it.

This module imports only the standard library at load time, so the main CLI can register
the subcommand without PyTorch; :func:`run` imports torch and reports a missing install as
a ValueError with the install hint (the main CLI prints it as one line, exit code 2).

Note: ``import minent_fast.vae.cli`` first runs ``minent_fast/vae/__init__.py``, which
raises ImportError when torch is absent. A caller that must register the subcommand
without torch loads this file by path, e.g.
``importlib.util.spec_from_file_location("minent_fast._vae_cli", Path(vae_dir, "cli.py"))``;
it uses only absolute imports, so it works under any module name.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

OUTPUTS = frozenset({"samples.png", "members.png", "model.pt", "report.json"})  # what OUT holds
INSTALL_HINT = "minent-fast vae-cluster needs PyTorch: pip install 'minent_fast[vae]'"


def add_parser(sub: Any, parser_class: Any = None) -> argparse.ArgumentParser:
    """Add the ``vae-cluster`` subcommand to ``sub`` (an argparse subparsers action).

    ``parser_class`` is accepted for symmetry with ``add_subparsers(parser_class=...)``;
    the subparser is built by ``sub`` itself, so it inherits that class.
    """
    p = sub.add_parser(
        "vae-cluster",
        help="cluster images with the one-step clustering VAE (needs minent_fast[vae])",
        description=(
            "Train the one-step clustering VAE (Su Jianlin, VAE article 4) on the MNIST test set "
            "or scikit-learn's digits, print the clustering accuracy (best one-to-one mapping, "
            "Hungarian) and the majority-vote accuracy, and write OUT/samples.png (generated "
            "images, one row per cluster), OUT/members.png (real members, one row per cluster), "
            "OUT/model.pt and OUT/report.json."
        ),
    )
    p.add_argument("--data", required=True, metavar="DIR",
                   help="directory with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, "
                        "or the word 'digits' for scikit-learn's bundled 8x8 digits")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output directory: created, or replaced whole if it holds only an earlier run's four files")
    p.add_argument("--clusters", type=int, default=10, help="number of clusters K (default 10)")
    p.add_argument("--epochs", type=int, default=None, help="epochs of the clustering loss (default: the recipe's)")
    p.add_argument("--pretrain-epochs", type=int, default=None,
                   help="autoencoder pre-training epochs, 0 = none (default: the recipe's)")
    p.add_argument("--init", choices=["tsne", "spectral", "kmeans", "gmm", "random"], default=None,
                   help="initial clustering of the pre-trained codes: tsne (GMM on a t-SNE map, default), "
                        "spectral, kmeans, gmm, or random (the article's)")
    p.add_argument("--arch", choices=["mlp", "conv"], default="mlp",
                   help="mlp: 500-500-2000 encoder, mirrored decoder (default); conv: the article's conv net")
    p.add_argument("--latent-dim", type=int, default=20, help="latent dimension (default 20)")
    p.add_argument("--batch-size", type=int, default=100, help="batch size of the clustering stage (default 100)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="use only the first N images")
    p.add_argument("--per-cluster", type=int, default=10, metavar="M", help="images per row in the PNGs (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda when available)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _grid(rows: list[Any], per_row: int, shape: tuple[int, int, int]) -> Any:
    """A Pillow image: one row of up to ``per_row`` images (float arrays (m, C, H, W) in [0, 1]) per entry."""
    import numpy as np
    from PIL import Image

    c, h, w = shape
    zoom = max(1, 28 // max(h, w))
    pad = 2
    cell_h, cell_w = h * zoom + pad, w * zoom + pad
    canvas = np.full((len(rows) * cell_h + pad, per_row * cell_w + pad, 3), 255, dtype=np.uint8)
    for r, imgs in enumerate(rows):
        for j, img in enumerate(np.asarray(imgs)[:per_row]):
            a = (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
            a = np.repeat(np.repeat(a, zoom, axis=1), zoom, axis=2)  # (C, H·zoom, W·zoom)
            rgb = np.repeat(a, 3, axis=0) if c == 1 else a[:3]
            y0, x0 = pad + r * cell_h, pad + j * cell_w
            canvas[y0 : y0 + h * zoom, x0 : x0 + w * zoom] = rgb.transpose(1, 2, 0)
    return Image.fromarray(canvas, mode="RGB")


def run(args: argparse.Namespace) -> int:
    """Train, print the accuracies, write samples.png, members.png, model.pt, report.json."""
    try:
        import torch
    except ImportError as e:
        raise ValueError(INSTALL_HINT) from e
    try:
        import numpy as np

        from minent_fast.vae import ClusterVAE, cluster_accuracy, load_digits, load_mnist_test
    except ImportError as e:  # scipy / scikit-learn / Pillow missing
        raise ValueError(f"{INSTALL_HINT} ({e})") from e

    for name in ("clusters", "per_cluster", "latent_dim", "batch_size"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be ≥ 1, got {getattr(args, name)}")
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be ≥ 1, got {args.threads}")
        torch.set_num_threads(args.threads)

    if args.data == "digits":
        x, y = load_digits()
        source = "sklearn digits"
    else:
        x, y = load_mnist_test(args.data)
        source = str(Path(args.data).resolve())
    if args.limit is not None:
        if args.limit < 1:
            raise ValueError(f"--limit must be ≥ 1, got {args.limit}")
        x, y = x[: args.limit], y[: args.limit]
    from minent_fast._io import check_replaceable, replaced_directory

    out = Path(args.output)
    check_replaceable(out, OUTPUTS.__contains__, "vae-cluster")  # before training, not after

    fit_kwargs: dict[str, Any] = {"batch_size": args.batch_size, "device": args.device}
    if args.epochs is not None:
        fit_kwargs["epochs"] = args.epochs
    if args.pretrain_epochs is not None:
        fit_kwargs["pretrain_epochs"] = args.pretrain_epochs
    if args.init is not None:
        fit_kwargs["init"] = args.init
    model = ClusterVAE(num_clusters=args.clusters, latent_dim=args.latent_dim, input_shape=x.shape[1:],
                       arch=args.arch, seed=args.seed)
    progress = not args.quiet and sys.stderr.isatty()
    t0 = time.perf_counter()
    model.fit(x, progress=progress, **fit_kwargs)
    train_seconds = time.perf_counter() - t0
    pred = model.predict(x)
    acc = cluster_accuracy(y, pred)
    print(f"accuracy: {acc.hungarian:.3f}")
    print(f"majority-vote accuracy: {acc.majority:.3f}")
    print(f"trained in {train_seconds:.1f} s on {len(x)} images ({source}), device {model.device}")

    m, k = args.per_cluster, args.clusters
    rng = np.random.default_rng(args.seed)
    generated = [model.sample(c, m, seed=args.seed + c) for c in range(k)]
    members = []
    for c in range(k):
        idx = np.flatnonzero(pred == c)
        members.append(x[np.sort(rng.choice(idx, size=min(m, idx.size), replace=False))] if idx.size else x[:0])
    shape = tuple(x.shape[1:])
    report = {
        "accuracy_hungarian": acc.hungarian,
        "accuracy_majority": acc.majority,
        "mapping": {str(c): int(cls) for c, cls in acc.mapping.items()},
        "cluster_sizes": np.bincount(pred, minlength=k).tolist(),
        "train_seconds": train_seconds,
        "n": int(len(x)),
        "data": source,
        "device": str(model.device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "model": model.config(),
        "fit": {k_: v for k_, v in fit_kwargs.items() if k_ != "device"},
        "final_loss": model.history_[-1]["loss"] if model.history_ else None,
    }
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    # the four files are written into a new directory that then replaces OUT whole: no
    # mix of an earlier run's files with this one's, nothing half-written on a failure
    with replaced_directory(out, OUTPUTS.__contains__, "vae-cluster") as tmp:
        _grid(generated, m, shape).save(tmp / "samples.png", format="PNG")
        _grid(members, m, shape).save(tmp / "members.png", format="PNG")
        model.save(tmp / "model.pt")
        (tmp / "report.json").write_bytes(text.encode())
    print(f"wrote {out / 'samples.png'}, {out / 'members.png'}, {out / 'model.pt'}, {out / 'report.json'}")
    return 0

