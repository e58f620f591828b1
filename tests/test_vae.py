"""Tests of minent_fast.vae (needs the [vae] extra: torch, scipy, scikit-learn, Pillow).

Everything trains on tiny subsets (≤ 300 of sklearn's 8×8 digits, a few epochs) with
small networks, so the file runs in well under a minute on a CPU.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from minent_fast.vae import VAE, ClusterAccuracy, ClusterVAE, cluster_accuracy, load_digits, load_mnist_test
from minent_fast.vae import cli as vae_cli

SMALL = dict(latent_dim=4, input_shape=(1, 8, 8), hidden=(64, 32))


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    x, y = load_digits()
    return x[:256], y[:256]


@pytest.fixture(scope="module")
def fitted(digits) -> ClusterVAE:
    x, _ = digits
    return ClusterVAE(num_clusters=5, **SMALL, seed=1).fit(x, epochs=3, pretrain_epochs=3, batch_size=64)


# --------------------------------------------------------------------------- metrics
def test_cluster_accuracy_permutation_is_perfect():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    acc = cluster_accuracy(y, np.array([5, 5, 3, 3, 9, 9, 9]))
    assert isinstance(acc, ClusterAccuracy)
    assert acc.hungarian == 1.0 and acc.majority == 1.0
    assert acc.mapping == {5: 0, 3: 1, 9: 2}


def test_cluster_accuracy_hand_case_hungarian_below_majority():
    # clusters: 0 = {0,0}, 1 = {0,1}, 2 = {1,1}, 3 = {2}
    y_true = [0, 0, 0, 1, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 2, 2, 3]
    acc = cluster_accuracy(y_true, y_pred)
    # one-to-one: 0→0 (2) + 2→1 (2) + 3→2 (1) = 5; majority also counts cluster 1's best class (1)
    assert acc.hungarian == pytest.approx(5 / 7)
    assert acc.majority == pytest.approx(6 / 7)
    # two clusters that both hold mostly class 0: Hungarian can match only one
    acc = cluster_accuracy(["a", "a", "a", "a", "b"], [0, 0, 1, 1, 1])
    assert acc.hungarian == pytest.approx(3 / 5)
    assert acc.majority == pytest.approx(4 / 5)
    assert cluster_accuracy([1, 2, 3], [0, 0, 0]).hungarian == pytest.approx(1 / 3)


@pytest.mark.parametrize("y_true,y_pred", [([], []), ([0, 1], [0]), ([[0, 1]], [[0, 1]]), ([0.0, np.nan], [0, 1])])
def test_cluster_accuracy_rejects_bad_input(y_true, y_pred):
    with pytest.raises(ValueError):
        cluster_accuracy(np.array(y_true), np.array(y_pred))


# --------------------------------------------------------------------------- data
def test_load_digits_shape_dtype_range():
    x, y = load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0 and set(np.unique(y)) == set(range(10))


def test_load_mnist_test(shared_data):
    d = shared_data / "mnist"
    if not (d / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"{d} has no MNIST test files")
    x, y = load_mnist_test(d)
    assert x.shape == (10000, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() == 1.0
    assert np.bincount(y).tolist()[:2] == [980, 1135]  # the published class counts


def _write_idx(path: Path, arr: np.ndarray, magic: bytes | None = None) -> None:
    header = magic or bytes([0, 0, 8, arr.ndim])
    header += struct.pack(f">{arr.ndim}I", *arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def test_load_mnist_small_and_corrupt(tmp_path):
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 2, 1]))
    x, y = load_mnist_test(tmp_path)
    assert x.shape == (3, 1, 28, 28) and y.tolist() == [7, 2, 1]
    assert x[0, 0, 0, 1] == pytest.approx(1 / 255)

    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 2]))
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        load_mnist_test(tmp_path)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 2, 1]), magic=b"\x00\x00\x08\x03")
    with pytest.raises(ValueError, match="not an IDX file"):
        load_mnist_test(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="corrupt IDX"):
        load_mnist_test(tmp_path)
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as f:  # truncated payload
        f.write(bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + b"\x07")
    with pytest.raises(ValueError, match="header says"):
        load_mnist_test(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels"):
        load_mnist_test(tmp_path)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_mnist_test(tmp_path / "missing")


# --------------------------------------------------------------------------- models
def test_shapes_and_dtypes(fitted, digits):
    x, _ = digits
    pred = fitted.predict(x)
    assert pred.shape == (256,) and pred.dtype == np.int64 and pred.min() >= 0 and pred.max() < 5
    proba = fitted.predict_proba(x[:7])
    assert proba.shape == (7, 5) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    mu, logvar = fitted.encode(x[:7], return_logvar=True)
    assert mu.shape == (7, 4) and logvar.shape == (7, 4) and mu.dtype == np.float32
    s = fitted.sample(cluster=3, n=6)
    assert s.shape == (6, 1, 8, 8) and s.dtype == np.float32 and 0.0 <= s.min() and s.max() <= 1.0
    assert fitted.sample(0, 0).shape == (0, 1, 8, 8)
    assert fitted.cluster_means.shape == (5, 4)
    # flat input, a torch tensor and (n, H, W) give the same clusters
    assert np.array_equal(fitted.predict(x.reshape(256, 64)), pred)
    assert np.array_equal(fitted.predict(torch.from_numpy(x)), pred)
    assert np.array_equal(fitted.predict(x[:, 0]), pred)
    assert fitted.reconstruct(x[:3]).shape == (3, 1, 8, 8)


def test_loss_finite_and_decreasing(digits):
    x, _ = digits
    model = ClusterVAE(num_clusters=10, **SMALL, seed=0)
    model.fit(x, epochs=8, pretrain_epochs=0, init="random", batch_size=32, lr=3e-3)
    losses = [r["loss"] for r in model.history_ if r["stage"] == "train"]
    assert len(losses) == 8 and all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    for key in ("recon", "kl", "cat"):
        assert np.isfinite(model.history_[-1][key])
    # the per-sample cluster-entropy term Σ p log p lies in [−log K, 0]
    assert -np.log(10) - 1e-4 <= model.history_[-1]["cat"] <= 1e-6


def test_pretraining_clusters_digits_above_chance(digits):
    x, y = digits
    model = ClusterVAE(num_clusters=10, latent_dim=8, input_shape=(1, 8, 8), hidden=(128, 64), seed=0)
    model.fit(x, epochs=0, pretrain_epochs=15, batch_size=32)  # pre-training + initial clustering only
    assert cluster_accuracy(y, model.predict(x)).hungarian > 0.3  # random labels score ~0.15


def test_tsne_init_separates_elongated_clusters():
    # three parallel segments 20 long and 5 apart in 5-D: k-means cuts across them (its
    # clusters are balls), the GMM on the t-SNE map of the points recovers them exactly
    from sklearn.cluster import KMeans

    from minent_fast.vae.models import _tsne_gmm_labels

    rng = np.random.default_rng(0)
    n = 100
    along = rng.uniform(0, 20, size=(3, n))
    pts = np.concatenate([np.stack([along[i], np.full(n, 5.0 * i)], 1) for i in range(3)])
    x = np.concatenate([pts, np.zeros((3 * n, 3))], 1) + rng.normal(0, 0.05, (3 * n, 5))
    y = np.repeat(np.arange(3), n)
    labels = _tsne_gmm_labels(x, 3, seed=0)
    assert labels.shape == (3 * n,) and labels.dtype == np.int64
    assert cluster_accuracy(y, labels).hungarian == 1.0
    assert cluster_accuracy(y, KMeans(3, n_init=10, random_state=0).fit_predict(x)).hungarian < 0.7
    assert np.array_equal(_tsne_gmm_labels(x, 3, seed=0), labels)  # seeded


def test_default_init_is_tsne_and_anchoring_keeps_it(digits, monkeypatch):
    from minent_fast.vae import clusterinit

    seen = {}
    real = clusterinit._tsne_gmm_labels

    def spy(codes, k, seed, **kw):
        seen["labels"] = real(codes, k, seed, **kw)
        return seen["labels"]

    monkeypatch.setattr(clusterinit, "_tsne_gmm_labels", spy)
    x, _ = digits
    model = ClusterVAE(num_clusters=10, latent_dim=8, input_shape=(1, 8, 8), hidden=(128, 64), seed=0)
    model.fit(x, epochs=20, anchor_epochs=20, pretrain_epochs=15, batch_size=32)  # default init
    assert "labels" in seen and len(seen["labels"]) == len(x)
    assert [r["stage"] for r in model.history_].count("anchor") == 20
    # the final prediction (argmax p(y|z = μ(x))) reproduces the t-SNE + GMM clusters
    assert cluster_accuracy(seen["labels"], model.predict(x)).hungarian > 0.9
    with pytest.raises(ValueError, match="init must be one of"):
        model.fit(x, init="umap")


def test_save_load_identical(tmp_path, fitted, digits):
    x, _ = digits
    path = tmp_path / "m.pt"
    fitted.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temporary left behind
    loaded = ClusterVAE.load(path)
    assert loaded.config() == fitted.config()
    assert np.array_equal(loaded.predict(x), fitted.predict(x))
    assert np.array_equal(loaded.encode(x), fitted.encode(x))
    assert np.array_equal(loaded.sample(2, 4, seed=5), fitted.sample(2, 4, seed=5))
    assert loaded.history_ == fitted.history_
    with pytest.raises(ValueError, match="is a ClusterVAE file"):
        VAE.load(path)
    (tmp_path / "junk.pt").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a minent_fast VAE model file"):
        ClusterVAE.load(tmp_path / "junk.pt")
    torch.save({"state_dict": {}}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="no format tag"):
        ClusterVAE.load(tmp_path / "other.pt")
    with pytest.raises(FileNotFoundError):
        ClusterVAE.load(tmp_path / "missing.pt")
    with pytest.raises(FileNotFoundError):
        fitted.save(tmp_path / "no" / "such" / "dir.pt")


def test_deterministic_on_cpu(digits):
    x, _ = digits
    before = torch.random.get_rng_state()
    runs = [ClusterVAE(num_clusters=4, **SMALL, seed=7).fit(x, epochs=2, pretrain_epochs=2, batch_size=64, device="cpu")
            for _ in range(2)]
    assert torch.equal(torch.random.get_rng_state(), before)  # the caller's RNG is untouched
    assert [r["loss"] for r in runs[0].history_] == [r["loss"] for r in runs[1].history_]
    for (k, a), (_, b) in zip(runs[0].net.state_dict().items(), runs[1].net.state_dict().items()):
        assert torch.equal(a, b), k
    other = ClusterVAE(num_clusters=4, **SMALL, seed=7).fit(x, epochs=2, pretrain_epochs=2, batch_size=64, seed=8)
    assert other.history_[-1]["loss"] != runs[0].history_[-1]["loss"]


def test_conv_arch_both_shapes(digits):
    x, _ = digits
    m = ClusterVAE(num_clusters=3, latent_dim=4, input_shape=(1, 8, 8), arch="conv", head="mlp",
                   likelihood="gaussian", recon_weight=5)
    m.fit(x[:64], epochs=1, pretrain_epochs=1, batch_size=32)
    assert m.predict(x[:64]).shape == (64,) and m.sample(1, 2).shape == (2, 1, 8, 8)
    big = ClusterVAE(num_clusters=3, latent_dim=4, input_shape=(1, 28, 28), arch="conv")
    xb = np.random.default_rng(0).random((16, 1, 28, 28), dtype=np.float32)
    big.fit(xb, epochs=1, pretrain_epochs=1, batch_size=8)
    assert big.sample(0, 3).shape == (3, 1, 28, 28) and big.encode(xb).shape == (16, 4)
    with pytest.raises(ValueError, match="divisible by 4"):
        ClusterVAE(input_shape=(1, 10, 10), arch="conv")


def test_vae(tmp_path, digits):
    x, _ = digits
    vae = VAE(**SMALL).fit(x, epochs=4, batch_size=64, kl_warmup=2)
    assert len(vae.history_) == 4 and all(np.isfinite(r["loss"]) for r in vae.history_)
    assert vae.encode(x[:5]).shape == (5, 4)
    s = vae.sample(9)
    assert s.shape == (9, 1, 8, 8) and s.dtype == np.float32 and 0 <= s.min() and s.max() <= 1
    assert vae.decode(np.zeros((2, 4), np.float32)).shape == (2, 1, 8, 8)
    vae.save(tmp_path / "v.pt")
    again = VAE.load(tmp_path / "v.pt")
    assert np.array_equal(again.encode(x), vae.encode(x))
    with pytest.raises(ValueError, match="is a VAE file"):
        ClusterVAE.load(tmp_path / "v.pt")


def test_bad_inputs(digits):
    x, _ = digits
    m = ClusterVAE(num_clusters=3, **SMALL)
    bad_nan = x[:10].copy()
    bad_nan[3, 0, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.fit(bad_nan, epochs=1, pretrain_epochs=0)
    with pytest.raises(ValueError, match="shape"):
        m.fit(np.zeros((10, 1, 28, 28), np.float32), epochs=1)
    with pytest.raises(ValueError, match="empty"):
        m.fit(x[:0], epochs=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        m.fit(x[:10] * 16, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        m.fit(x[:10], epochs=-1)
    with pytest.raises(ValueError, match="num_clusters"):
        m.fit(x[:2], epochs=1, pretrain_epochs=0)
    with pytest.raises(ValueError, match="num_clusters"):
        ClusterVAE(num_clusters=1)
    with pytest.raises(ValueError, match="arch"):
        ClusterVAE(arch="resnet")
    with pytest.raises(ValueError, match="cluster"):
        m.sample(cluster=3, n=2)
    with pytest.raises(ValueError, match="device"):
        m.fit(x[:10], epochs=1, device="tpu")
    with pytest.raises(ValueError, match="shape"):
        m.predict(np.zeros((4, 3)))


# --------------------------------------------------------------------------- CLI
def _cli_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    vae_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_run(tmp_path, capsys):
    from minent_fast import cli as main_cli

    out = tmp_path / "out"
    argv = ["vae-cluster", "--data", "digits", "-o", str(out), "--limit", "300", "--epochs", "2",
            "--pretrain-epochs", "3", "--clusters", "10", "--per-cluster", "6", "--threads", "1", "-q",
            "--init", "spectral"]
    wired = "vae-cluster" in main_cli.build_parser().format_help()
    rc = main_cli.main(argv) if wired else vae_cli.run(_cli_args(argv))
    assert rc == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("accuracy: 0.") and lines[1].startswith("majority-vote accuracy: 0.")
    from PIL import Image

    samples, members = Image.open(out / "samples.png"), Image.open(out / "members.png")
    zoom = 28 // 8
    assert samples.size == (2 + 6 * (8 * zoom + 2), 2 + 10 * (8 * zoom + 2)) == members.size
    report = json.loads((out / "report.json").read_text())
    assert report["accuracy_hungarian"] == pytest.approx(float(lines[0].split()[1]), abs=1e-3)
    assert report["n"] == 300 and sum(report["cluster_sizes"]) == 300
    assert report["fit"]["init"] == "spectral"
    assert ClusterVAE.load(out / "model.pt").num_clusters == 10


def test_cli_output_folder_is_replaced_whole(tmp_path, capsys, monkeypatch):
    """OUT is written beside itself and swapped in: a rerun leaves only its own four files
    (an earlier run's stray file does not survive), and a folder holding anything else is
    refused before any training, untouched."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    args = ["vae-cluster", "--data", "digits", "--limit", "120", "--epochs", "1", "--pretrain-epochs", "1",
            "--clusters", "3", "--per-cluster", "2", "--threads", "1", "-q", "--init", "kmeans"]
    def no_training(*a, **k):
        raise AssertionError("trained before checking the output folder")

    with monkeypatch.context() as m:
        m.setattr(ClusterVAE, "fit", no_training)
        with pytest.raises(FileExistsError, match="refusing"):
            vae_cli.run(_cli_args(args + ["-o", str(mine)]))
    assert os.listdir(mine) == ["notes.txt"]
    out = tmp_path / "out"
    assert vae_cli.run(_cli_args(args + ["-o", str(out)])) == 0
    first = (out / "report.json").read_bytes()
    (out / "members.png").unlink()  # an earlier run's set, partly gone
    assert vae_cli.run(_cli_args(args + ["-o", str(out), "--seed", "1"])) == 0
    assert sorted(os.listdir(out)) == ["members.png", "model.pt", "report.json", "samples.png"]
    assert (out / "report.json").read_bytes() != first
    assert sorted(os.listdir(tmp_path)) == ["mine", "out"]  # no temporary folder left


def test_cli_user_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        vae_cli.run(_cli_args(["vae-cluster", "--data", str(tmp_path / "nope"), "-o", str(tmp_path / "o")]))
    with pytest.raises(ValueError, match="clusters"):
        vae_cli.run(_cli_args(["vae-cluster", "--data", "digits", "-o", str(tmp_path / "o"), "--clusters", "0"]))


# --------------------------------------------------------------------------- without torch
def test_import_without_torch():
    code = textwrap.dedent(
        """
        import importlib.util, sys
        from pathlib import Path

        class HideTorch:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError(f"No module named {name!r} (hidden by the test)")
                return None

        sys.meta_path.insert(0, HideTorch())
        import minent_fast
        assert minent_fast.CorpusIndex is not None
        assert "torch" not in sys.modules
        try:
            import minent_fast.vae
        except ImportError as e:
            assert "pip install 'minent_fast[vae]'" in str(e), str(e)
            assert isinstance(e.__cause__, ImportError)
        else:
            raise AssertionError("import minent_fast.vae succeeded without torch")
        # the metrics and the CLI module need no torch when loaded by path
        vae_dir = Path(minent_fast.__file__).with_name("vae")
        mods = {}
        for name in ("metrics", "cli"):
            spec = importlib.util.spec_from_file_location("_vae_" + name, vae_dir / f"{name}.py")
            mods[name] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mods[name])
        assert mods["metrics"].cluster_accuracy([0, 1], [1, 0]).hungarian == 1.0
        import argparse
        p = argparse.ArgumentParser()
        mods["cli"].add_parser(p.add_subparsers())
        args = p.parse_args(["vae-cluster", "--data", "digits", "-o", "x"])
        try:
            args.func(args)
        except ValueError as e:
            assert "pip install 'minent_fast[vae]'" in str(e), str(e)
        else:
            raise AssertionError("run() without torch did not raise ValueError")
        from minent_fast import cli
        assert cli.main(["--version"]) == 0 if False else True
        print("ok")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("ok")
