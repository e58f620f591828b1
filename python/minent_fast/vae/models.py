"""The Gaussian VAE (articles 1–3) and the one-step clustering VAE (article 4) in PyTorch.

Design notes
------------
* ``ClusterVAE`` is article 4's model: an encoder p(z|x) = N(μ(x), σ²(x)), a classifier
  p(y|z) over K clusters, per-cluster priors q(z|y) = N(μ_y, I) with learnable means, and a
  decoder q(x|z). Per-sample loss (article 4, the equation after "得到"):

      λ·recon(x, x̂) + Σ_y p(y|z)·KL(N(μ(x), σ²(x)) ‖ N(μ_y, I)) + Σ_y p(y|z) log p(y|z)

  with z = μ + σ·ε (reparameterisation). The Gaussian KL is taken in closed form,
  ½ Σ_d (σ² + (μ − μ_y)² − 1 − log σ²), rather than the article's one-sample estimate.
* The default classifier (``head="gaussian"``) is p(y|z) = softmax_y(−‖z − μ_y‖²/2 + b_y):
  for fixed encoder outputs the loss above is minimised by p(y|z) ∝ exp(−KL_y), i.e. by the
  posterior of the mixture Σ_y N(μ_y, I)/K, so this head is the classifier the loss asks for
  and it stays consistent with the cluster means from the start. ``head="mlp"`` is the
  article's Dense(256)-softmax classifier.
* The default recipe (``arch="mlp"``, Bernoulli likelihood) follows VaDE: a 500-500-2000
  MLP encoder and mirrored decoder pre-trained as a plain autoencoder; cluster means
  initialised from a clustering of the latent means (by default a Gaussian mixture on a 2-D
  t-SNE map of them: 0.95 on MNIST-test where spectral clustering on a k-NN graph gets 0.78
  and k-means 0.62, see docs/vae.md), the latent rescaled
  so that clusters have unit variance per dimension (the prior's N(μ_y, I) fixes that
  scale), then "anchored" epochs of the article's loss with p(y|z) fixed to that clustering
  (these clusters are not convex in the latent space; anchoring makes them so, after
  which the nearest-mean classifier reproduces them). Free epochs of the article's loss
  after that lower the Hungarian accuracy on MNIST-test (its optimum on these codes is a
  worse partition), so the default runs none; pass ``epochs > anchor_epochs`` for them.
  ``arch="conv"``,
  ``likelihood="gaussian"``, ``recon_weight=5``, ``head="mlp"``, ``pretrain_epochs=0`` is
  the article's own model.
* Models are plain Python objects holding a ``torch.nn.Module`` (``.net``); ``fit`` draws
  all randomness from ``seed`` (torch's RNG is forked, the caller's state is untouched), so
  training on CPU is reproducible bit for bit for a given seed and thread count.

Layout
------
This module holds the model classes, their losses and training loops. The networks they
train are in :mod:`.networks`, the initial clusterings of the codes in :mod:`.clusterinit`
and the model file (atomic save, checked load) in :mod:`.checkpoint`; those three import
nothing from each other or from here.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Sequence, Union

import numpy as np
import torch
from torch.nn import functional as F

from .._progress import ProgressArg, make_progress
from .checkpoint import PathLike, _load_checkpoint, _save_checkpoint
from .clusterinit import _CLUSTERINGS, _initial_clusters
from .networks import (
    _ARCHS,
    _HEADS,
    DEFAULT_HIDDEN,
    _build_conv,
    _build_mlp,
    _ClusterVAENet,
    _Decoder,
    _Encoder,
    _VAENet,
)

# Defined here before networks, clusterinit and checkpoint were split out; still importable
# from this module (the tests import _tsne_gmm_labels from here).
from .checkpoint import _FORMAT_VERSION, _atomic_torch_save  # noqa: F401
from .clusterinit import _tsne_gmm_labels  # noqa: F401
from .networks import _GaussianHead, _Reshape  # noqa: F401

ArrayLike = Union[np.ndarray, torch.Tensor]
EpochCallback = Callable[[Any, dict], Any]

_LIKELIHOODS = ("bernoulli", "gaussian")
_INITS = (*_CLUSTERINGS, "random")


# --------------------------------------------------------------------------- helpers
def _resolve_device(device: Any) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"invalid device {device!r}: {e}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return dev


@contextmanager
def _seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Fork torch's RNG (CPU, and the CUDA device in use) and seed it; restore afterwards.

    Also turns on ``torch.use_deterministic_algorithms(warn_only=True)`` for the duration,
    which costs nothing for the layers used here on CPU.
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(was_deterministic, warn_only=was_warn_only)


def _random_affine(x: torch.Tensor, rotate: float = 12.0, scale: float = 0.1, shift: float = 2.5 / 28) -> torch.Tensor:
    """Randomly rotated (±``rotate``°), scaled (±``scale``) and shifted (±``shift`` of the
    image size) copies of the images ``x`` (n, C, H, W); bilinear, zero padding. Draws from
    torch's global RNG (seeded by ``fit``)."""
    n = x.shape[0]
    angle = (torch.rand(n, device=x.device) * 2 - 1) * math.radians(rotate)
    zoom = 1.0 + (torch.rand(n, device=x.device) * 2 - 1) * scale
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    tx, ty = ((torch.rand(2, n, device=x.device) * 2 - 1) * 2 * shift).unbind(0)
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be ≥ {minimum}, got {value}")
    return int(value)


def _check_float(name: str, value: Any, positive: bool = True) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or (positive and v <= 0) or v < 0:
        raise ValueError(f"{name} must be a finite {'positive' if positive else 'non-negative'} number, got {value!r}")
    return v


# --------------------------------------------------------------------------- base model
class _BaseVAE:
    _kind = "base"

    def __init__(
        self,
        latent_dim: int = 20,
        input_shape: Sequence[int] = (1, 28, 28),
        *,
        arch: str = "mlp",
        hidden: Sequence[int] = DEFAULT_HIDDEN,
        likelihood: str = "bernoulli",
        recon_weight: float = 1.0,
        seed: int = 0,
    ) -> None:
        self.latent_dim = _check_int("latent_dim", latent_dim, 1)
        try:
            shape = tuple(int(s) for s in input_shape)
        except (TypeError, ValueError):
            raise ValueError(f"input_shape must be a tuple (C, H, W), got {input_shape!r}") from None
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"input_shape must be (C, H, W) with positive sizes, got {input_shape!r}")
        self.input_shape = shape
        if arch not in _ARCHS:
            raise ValueError(f"arch must be one of {_ARCHS}, got {arch!r}")
        self.arch = arch
        self.hidden = tuple(_check_int("hidden size", h, 1) for h in hidden)
        if arch == "mlp" and not self.hidden:
            raise ValueError("hidden must list at least one layer width for arch='mlp'")
        if likelihood not in _LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {_LIKELIHOODS}, got {likelihood!r}")
        self.likelihood = likelihood
        self.recon_weight = _check_float("recon_weight", recon_weight)
        self.seed = _check_int("seed", seed, 0)
        self.device = torch.device("cpu")
        self.history_: list[dict] = []
        with _seeded(self.seed, self.device):
            self.net = self._build()

    # -- construction ----------------------------------------------------------------
    def _build_pair(self) -> tuple[_Encoder, _Decoder]:
        if self.arch == "mlp":
            return _build_mlp(self.input_shape, self.latent_dim, self.hidden)
        return _build_conv(self.input_shape, self.latent_dim)

    def _build(self) -> _VAENet:
        raise NotImplementedError

    def config(self) -> dict:
        """Constructor arguments; ``type(self)(**model.config())`` builds an untrained twin."""
        return {
            "latent_dim": self.latent_dim,
            "input_shape": list(self.input_shape),
            "arch": self.arch,
            "hidden": list(self.hidden),
            "likelihood": self.likelihood,
            "recon_weight": self.recon_weight,
            "seed": self.seed,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"

    def to(self, device: Any) -> "_BaseVAE":
        """Move the model to ``device`` ('cpu', 'cuda', 'cuda:1', a torch.device)."""
        self.device = _resolve_device(device)
        self.net.to(self.device)
        return self

    # -- inputs --------------------------------------------------------------------
    def _as_tensor(self, x: ArrayLike, name: str = "x") -> torch.Tensor:
        """Validate ``x`` and return a float32 CPU tensor of shape (n, *input_shape)."""
        if isinstance(x, torch.Tensor):
            t = x.detach().to("cpu", torch.float32)
        else:
            try:
                arr = np.asarray(x, dtype=np.float32)
            except (TypeError, ValueError) as e:
                raise ValueError(f"{name} must be a numeric array: {e}") from None
            t = torch.from_numpy(np.ascontiguousarray(arr))
        shape = self.input_shape
        d = int(np.prod(shape))
        if t.ndim >= 1 and t.shape[0] == 0:
            raise ValueError(f"{name} is empty (0 samples)")
        if tuple(t.shape[1:]) == shape:
            pass
        elif t.ndim == 2 and t.shape[1] == d:
            t = t.reshape(-1, *shape)
        elif shape[0] == 1 and tuple(t.shape[1:]) == shape[1:]:
            t = t.unsqueeze(1)
        else:
            raise ValueError(
                f"{name} has shape {tuple(t.shape)}; expected (n, {', '.join(map(str, shape))}) "
                f"or (n, {d}) for input_shape={shape}"
            )
        if not torch.isfinite(t).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        if self.likelihood == "bernoulli" and (t.min() < 0 or t.max() > 1):
            raise ValueError(
                f"{name} values must lie in [0, 1] for likelihood='bernoulli' "
                f"(got {float(t.min()):.3g}..{float(t.max()):.3g}); scale the data first"
            )
        return t.contiguous()

    # -- pieces of the model ---------------------------------------------------------
    def _recon_loss(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Per-sample reconstruction loss, summed over pixels (nats for Bernoulli)."""
        if self.likelihood == "bernoulli":
            bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
            return bce.flatten(1).sum(1)
        # Article 4: ½‖x − x̂‖² with x̂ = sigmoid(decoder); λ multiplies it in the total.
        return 0.5 * (torch.sigmoid(logits) - x).pow(2).flatten(1).sum(1)

    def _batches(self, n: int, batch_size: int, rng: np.random.Generator) -> Iterator[torch.Tensor]:
        order = torch.from_numpy(rng.permutation(n))
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]

    @torch.no_grad()
    def _map_batches(self, x: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor], batch_size: int) -> torch.Tensor:
        was_training = self.net.training
        self.net.eval()
        try:
            outs = [fn(x[i : i + batch_size].to(self.device)).cpu() for i in range(0, x.shape[0], batch_size)]
        finally:
            self.net.train(was_training)
        return torch.cat(outs)

    def encode(self, x: ArrayLike, *, return_logvar: bool = False, batch_size: int = 1024) -> Any:
        """Latent means μ(x) as a float32 numpy array (n, latent_dim); with
        ``return_logvar=True`` the pair (μ, log σ²)."""
        t = self._as_tensor(x)
        both = self._map_batches(t, lambda b: torch.cat(self.net.encoder(b), 1), batch_size).numpy()
        mu, logvar = both[:, : self.latent_dim], both[:, self.latent_dim :]
        return (mu, logvar) if return_logvar else mu

    def decode(self, z: ArrayLike, *, batch_size: int = 1024) -> np.ndarray:
        """Decoder means for latent codes ``z`` (n, latent_dim): float32 images in [0, 1]."""
        zt = torch.as_tensor(np.asarray(z, dtype=np.float32) if not isinstance(z, torch.Tensor) else z)
        zt = zt.detach().to("cpu", torch.float32)
        if zt.ndim != 2 or zt.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}), got {tuple(zt.shape)}")
        if zt.shape[0] == 0:
            return np.zeros((0, *self.input_shape), dtype=np.float32)
        out = self._map_batches(zt, lambda b: torch.sigmoid(self.net.decoder(b)), batch_size)
        return out.numpy().astype(np.float32, copy=False)

    def reconstruct(self, x: ArrayLike, *, batch_size: int = 1024) -> np.ndarray:
        """Decoder means at z = μ(x): float32 images in [0, 1], shape (n, *input_shape)."""
        return self.decode(self.encode(x, batch_size=batch_size), batch_size=batch_size)

    # -- persistence -----------------------------------------------------------------
    def save(self, path: PathLike) -> None:
        """Write config + weights + training history to ``path`` atomically
        (a temporary file in the same directory, then ``os.replace``)."""
        state = {k: v.detach().to("cpu").clone() for k, v in self.net.state_dict().items()}
        _save_checkpoint(path, self._kind, self.config(), state, [dict(r) for r in self.history_])

    @classmethod
    def load(cls, path: PathLike, device: Any = "cpu") -> Any:
        """Load a model written by :meth:`save` (``torch.load(weights_only=True)``).

        Raises FileNotFoundError for a missing file and ValueError for anything that is
        not a saved model of this class.
        """
        ckpt = _load_checkpoint(path, cls._kind)
        try:
            model = cls(**ckpt["config"])
            model.net.load_state_dict(ckpt["state_dict"])
        except (TypeError, RuntimeError, KeyError) as e:
            raise ValueError(f"{path}: corrupt {cls._kind} file ({e})") from None
        model.history_ = list(ckpt.get("history") or [])
        return model.to(device)

    def _start_fit(self, x: ArrayLike, epochs: Any, batch_size: Any, lr: Any, device: Any, seed: Any
                   ) -> tuple[torch.Tensor, int, int, float, int]:
        t = self._as_tensor(x)
        epochs = _check_int("epochs", epochs, 0)
        batch_size = _check_int("batch_size", batch_size, 1)
        lr = _check_float("lr", lr)
        seed = self.seed if seed is None else _check_int("seed", seed, 0)
        self.to(device)
        return t, epochs, batch_size, lr, seed

    def _record(self, stage: str, epoch: int, sums: dict, n: int, t0: float, callback: Optional[EpochCallback]) -> dict:
        rec = {"stage": stage, "epoch": epoch, **{k: v / n for k, v in sums.items()},
               "seconds": time.perf_counter() - t0}
        if not all(math.isfinite(v) for k, v in rec.items() if k not in ("stage", "epoch")):
            raise FloatingPointError(f"{stage} epoch {epoch}: loss became non-finite ({rec}); lower lr")
        self.history_.append(rec)
        if callback is not None:
            callback(self, rec)
        return rec


# --------------------------------------------------------------------------- VAE
class VAE(_BaseVAE):
    """A Gaussian VAE (Su Jianlin's VAE articles 1–3): p(z|x) = N(μ(x), σ²(x)), prior N(0, I).

    Loss per sample: λ·recon(x, x̂) + KL(N(μ, σ²) ‖ N(0, I)), the KL in closed form
    ½ Σ (μ² + σ² − 1 − log σ²) (article 1, eq. for the KL term), z = μ + σ·ε.

    ``input_shape`` is (C, H, W); ``arch`` 'mlp' (500-500-2000, default) or 'conv'
    (article 4's conv net); ``likelihood`` 'bernoulli' (binary cross-entropy in nats,
    inputs in [0, 1]) or 'gaussian' (½‖x − x̂‖²); ``recon_weight`` is λ.
    """

    _kind = "VAE"

    def _build(self) -> _VAENet:
        return _VAENet(*self._build_pair())

    def _loss(self, x: torch.Tensor, beta: float) -> tuple[torch.Tensor, dict]:
        mu, logvar = self.net.encoder(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = self._recon_loss(self.net.decoder(z), x)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)
        loss = self.recon_weight * recon + beta * kl
        return loss.mean(), {"loss": loss.sum().item(), "recon": recon.sum().item(), "kl": kl.sum().item()}

    def fit(
        self,
        x: ArrayLike,
        epochs: int = 50,
        batch_size: int = 100,
        *,
        lr: float = 1e-3,
        kl_warmup: int = 0,
        progress: ProgressArg = False,
        device: Any = None,
        seed: Optional[int] = None,
        callback: Optional[EpochCallback] = None,
    ) -> "VAE":
        """Train on ``x`` (numpy or torch, (n, *input_shape) or (n, C·H·W)) with Adam.

        ``kl_warmup``: epochs over which the KL weight rises linearly from 0 to 1.
        ``progress``: False (silent), True (tqdm bar) or ``progress(stage, done, total)``.
        ``device``: None = CUDA when available, else CPU. ``seed``: default the model's.
        ``callback(model, record)`` runs after every epoch; records are also appended to
        ``model.history_`` (keys stage, epoch, loss, recon, kl, seconds; per-sample means).
        """
        t, epochs, batch_size, lr, seed = self._start_fit(x, epochs, batch_size, lr, device, seed)
        kl_warmup = _check_int("kl_warmup", kl_warmup, 0)
        report, close = make_progress(progress)
        rng = np.random.default_rng(seed)
        t0 = time.perf_counter()
        try:
            with _seeded(seed, self.device):
                opt = torch.optim.Adam(self.net.parameters(), lr=lr)
                self.net.train()
                xd = t.to(self.device)
                for epoch in range(epochs):
                    beta = min(1.0, (epoch + 1) / kl_warmup) if kl_warmup else 1.0
                    sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0}
                    for idx in self._batches(t.shape[0], batch_size, rng):
                        loss, parts = self._loss(xd[idx.to(self.device)], beta)
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        opt.step()
                        for k in sums:
                            sums[k] += parts[k]
                    self._record("train", epoch, sums, t.shape[0], t0, callback)
                    if report:
                        report("train", epoch + 1, epochs)
        finally:
            self.net.eval()
            close()
        return self

    def sample(self, n: int = 64, *, seed: Optional[int] = None) -> np.ndarray:
        """``n`` images decoded from z ~ N(0, I): float32 (n, *input_shape) in [0, 1]."""
        n = _check_int("n", n, 0)
        g = torch.Generator().manual_seed(self.seed if seed is None else _check_int("seed", seed, 0))
        return self.decode(torch.randn(n, self.latent_dim, generator=g))


# --------------------------------------------------------------------------- ClusterVAE
class ClusterVAE(_BaseVAE):
    """Article 4's one-step clustering VAE, with VaDE-style pre-training by default.

    ``num_clusters`` K ≥ 2; ``head`` 'gaussian' (p(y|z) = softmax(−‖z − μ_y‖²/2 + b_y),
    default) or 'mlp' (the article's classifier); the other arguments as for :class:`VAE`.
    ``ClusterVAE(arch="conv", likelihood="gaussian", recon_weight=5, head="mlp")`` fitted
    with ``pretrain_epochs=0, init="random"`` is the article's model.
    """

    _kind = "ClusterVAE"

    def __init__(
        self,
        num_clusters: int = 10,
        latent_dim: int = 20,
        input_shape: Sequence[int] = (1, 28, 28),
        *,
        arch: str = "mlp",
        hidden: Sequence[int] = DEFAULT_HIDDEN,
        likelihood: str = "bernoulli",
        recon_weight: float = 1.0,
        head: str = "gaussian",
        seed: int = 0,
    ) -> None:
        self.num_clusters = _check_int("num_clusters", num_clusters, 2)
        if head not in _HEADS:
            raise ValueError(f"head must be one of {_HEADS}, got {head!r}")
        self.head = head
        super().__init__(latent_dim, input_shape, arch=arch, hidden=hidden, likelihood=likelihood,
                         recon_weight=recon_weight, seed=seed)

    def _build(self) -> _ClusterVAENet:
        enc, dec = self._build_pair()
        return _ClusterVAENet(enc, dec, self.num_clusters, self.latent_dim, self.head)

    def config(self) -> dict:
        return {"num_clusters": self.num_clusters, **super().config(), "head": self.head}

    @property
    def cluster_means(self) -> np.ndarray:
        """μ_y, float32 (num_clusters, latent_dim)."""
        return self.net.cluster_means.detach().cpu().numpy().copy()

    # -- the article's loss ------------------------------------------------------------
    def _loss(self, x: torch.Tensor, beta: float, assigned: Optional[torch.Tensor] = None,
              recon_weight: Optional[float] = None) -> tuple[torch.Tensor, dict]:
        """The article's loss; with ``assigned`` (cluster per sample) p(y|z) is replaced by
        that one-hot assignment (the anchoring stage), whose entropy term is 0."""
        net = self.net
        mu, logvar = net.encoder(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        recon = self._recon_loss(net.decoder(z), x)
        if assigned is None:
            log_p = F.log_softmax(net.classifier(z), dim=1)  # log p(y|z)
        else:
            log_p = torch.log(F.one_hot(assigned, self.num_clusters).float().clamp_min(1e-12))
        p = log_p.exp()
        # KL(N(μ, σ²) ‖ N(μ_y, I)) for every y: (batch, K)
        diff2 = torch.cdist(mu, net.cluster_means).pow(2)
        kl_y = 0.5 * (diff2 + (logvar.exp() - 1.0 - logvar).sum(1, keepdim=True))
        kl = (p * kl_y).sum(1)
        cat = (p * log_p).sum(1)  # KL(p(y|z) ‖ uniform) − log K
        lam = self.recon_weight if recon_weight is None else recon_weight
        loss = lam * recon + beta * (kl + cat)
        return loss.mean(), {"loss": loss.sum().item(), "recon": recon.sum().item(),
                             "kl": kl.sum().item(), "cat": cat.sum().item()}

    # -- training ------------------------------------------------------------------------
    def fit(
        self,
        x: ArrayLike,
        epochs: int = 4,
        batch_size: int = 100,
        *,
        lr: float = 1e-3,
        lr_decay: float = 1.0,
        pretrain_epochs: int = 100,
        pretrain_batch_size: int = 256,
        init: str = "tsne",
        augment: bool = False,
        anchor_epochs: int = 4,
        anchor_recon_weight: float = 0.1,
        kl_warmup: int = 0,
        progress: ProgressArg = False,
        device: Any = None,
        seed: Optional[int] = None,
        callback: Optional[EpochCallback] = None,
    ) -> "ClusterVAE":
        """Train on ``x`` (numpy or torch, (n, *input_shape) or (n, C·H·W)).

        Four stages, all seeded by ``seed`` (default: the model's):

        1. ``pretrain_epochs`` of a plain autoencoder (z = μ(x), reconstruction loss only,
           batch ``pretrain_batch_size``); 0 skips it. With ``augment=True`` it is a
           denoising autoencoder: the input is a randomly rotated/scaled/shifted copy and the
           target the original image, which makes the codes of a digit's variants close.
        2. ``init``: 'tsne' (default: a 2-D t-SNE map of the latent means, perplexity 30,
           then a full-covariance Gaussian mixture on the map, best of 10 restarts by
           likelihood), 'spectral' (spectral clustering on the k-nearest-neighbour graph of
           the latent means, k = max(10, n/1000); the previous default), 'kmeans' (10
           restarts) or 'gmm' (diagonal Gaussian mixture) on the latent means gives the
           clusters and μ_y (the mean of each cluster's codes); the latent is rescaled so
           that clusters have unit variance per dimension, as the prior N(μ_y, I) assumes;
           'random' keeps the initial means (the article's procedure).
        3. ``anchor_epochs`` of the article's loss with p(y|z) replaced by the initial
           clustering's one-hot assignment: the encoder gathers each initial cluster around its
           mean, so that the nearest-mean classifier starts from that clustering (its
           clusters are not convex in the latent space), with λ = ``anchor_recon_weight``
           so that the KL pull dominates. Counted within ``epochs``; skipped with
           ``init="random"`` (there is no initial clustering to anchor to).
        4. the remaining epochs of the article's loss with Adam (``lr``, multiplied by ``lr_decay``
           after every epoch), the KL terms' weight rising linearly from 0 to 1 over
           ``kl_warmup`` epochs.

        ``progress``: False, True (tqdm) or ``progress(stage, done, total)`` with stages
        'pretrain', 'init', 'train' (records of anchored epochs have stage 'anchor'). ``callback(model, record)`` runs after every epoch;
        records (per-sample means) are appended to ``model.history_``.
        """
        t, epochs, batch_size, lr, seed = self._start_fit(x, epochs, batch_size, lr, device, seed)
        pretrain_epochs = _check_int("pretrain_epochs", pretrain_epochs, 0)
        pretrain_batch_size = _check_int("pretrain_batch_size", pretrain_batch_size, 1)
        kl_warmup = _check_int("kl_warmup", kl_warmup, 0)
        anchor_epochs = _check_int("anchor_epochs", anchor_epochs, 0)
        anchor_recon_weight = _check_float("anchor_recon_weight", anchor_recon_weight)
        lr_decay = _check_float("lr_decay", lr_decay)
        if init not in _INITS:
            raise ValueError(f"init must be one of {_INITS}, got {init!r}")
        if init != "random" and t.shape[0] < self.num_clusters:
            raise ValueError(f"need at least num_clusters={self.num_clusters} samples, got {t.shape[0]}")
        report, close = make_progress(progress)
        rng = np.random.default_rng(seed)
        t0 = time.perf_counter()
        n = t.shape[0]
        try:
            with _seeded(seed, self.device):
                xd = t.to(self.device)
                if pretrain_epochs:
                    self._pretrain(xd, pretrain_epochs, pretrain_batch_size, lr, rng, t0, report, callback,
                                   augment=bool(augment))
                assigned: Optional[torch.Tensor] = None
                if init != "random":
                    if report:
                        report("init", 0, 1)
                    assigned = torch.as_tensor(self._init_clusters(t, init, seed), dtype=torch.long,
                                               device=self.device)
                    if report:
                        report("init", 1, 1)
                opt = torch.optim.Adam(self.net.parameters(), lr=lr)
                sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=lr_decay)
                self.net.train()
                for epoch in range(epochs):
                    beta = min(1.0, (epoch + 1) / kl_warmup) if kl_warmup else 1.0
                    sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0, "cat": 0.0}
                    anchored = assigned is not None and epoch < anchor_epochs
                    for idx in self._batches(n, batch_size, rng):
                        idx = idx.to(self.device)
                        loss, parts = (self._loss(xd[idx], beta, assigned[idx], anchor_recon_weight) if anchored
                                       else self._loss(xd[idx], beta))
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        opt.step()
                        for k in sums:
                            sums[k] += parts[k]
                    sched.step()
                    self._record("anchor" if anchored else "train", epoch, sums, n, t0, callback)
                    if report:
                        report("train", epoch + 1, epochs)
        finally:
            self.net.eval()
            close()
        return self

    def _pretrain(self, xd: torch.Tensor, epochs: int, batch_size: int, lr: float, rng: np.random.Generator,
                  t0: float, report: Any, callback: Optional[EpochCallback], augment: bool = False) -> None:
        """Plain autoencoder x → μ(x) → x̂ (DEC/VaDE pre-training); denoising with ``augment``."""
        enc, dec = self.net.encoder, self.net.decoder
        params = list(enc.body.parameters()) + list(enc.mu.parameters()) + list(dec.parameters())
        opt = torch.optim.Adam(params, lr=lr)
        self.net.train()
        n = xd.shape[0]
        for epoch in range(epochs):
            total = 0.0
            for idx in self._batches(n, batch_size, rng):
                xb = xd[idx.to(self.device)]
                xin = _random_affine(xb) if augment else xb
                recon = self._recon_loss(dec(enc.mu(enc.body(xin))), xb)
                loss = recon.mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += recon.sum().item()
            self._record("pretrain", epoch, {"loss": total, "recon": total}, n, t0, callback)
            if report:
                report("pretrain", epoch + 1, epochs)

    @torch.no_grad()
    def _init_clusters(self, t: torch.Tensor, init: str, seed: int) -> np.ndarray:
        """μ_y from a clustering of the latent means (t-SNE + GMM, spectral, k-means or a
        GMM; :mod:`.clusterinit`); rescale the latent to unit within-cluster variance (scaling the μ layer by s and
        the decoder's first layer by 1/s leaves the autoencoder's function unchanged)."""
        mu = self.encode(t).astype(np.float64)
        labels, centers = _initial_clusters(mu, init, self.num_clusters, seed)
        within = float(np.mean((mu - centers[labels]) ** 2))
        scale = 1.0 / math.sqrt(within) if within > 0 else 1.0
        net = self.net
        net.encoder.mu.weight.mul_(scale)
        net.encoder.mu.bias.mul_(scale)
        net.decoder.first.weight.div_(scale)
        # Posterior variance starts well inside the unit prior clusters.
        net.encoder.logvar.weight.mul_(0.01)
        net.encoder.logvar.bias.fill_(math.log(0.1))
        net.cluster_means.copy_(torch.as_tensor(centers * scale, dtype=torch.float32))
        if self.head == "gaussian":
            net.classifier.bias.zero_()
        else:
            self._fit_mlp_head(torch.as_tensor(mu * scale, dtype=torch.float32), labels, seed)
        return labels

    @torch.enable_grad()
    def _fit_mlp_head(self, z: torch.Tensor, labels: np.ndarray, seed: int) -> None:
        """Train the article's MLP classifier on the initial clustering's labels, so that it
        starts consistent with the initial means (cross-entropy, 20 epochs)."""
        net = self.net
        z = z.to(self.device)
        target = F.one_hot(torch.as_tensor(labels, dtype=torch.long), self.num_clusters).float().to(self.device)
        opt = torch.optim.Adam(net.classifier.parameters(), lr=1e-3)
        rng = np.random.default_rng(seed)
        for _ in range(20):
            for idx in self._batches(z.shape[0], 256, rng):
                idx = idx.to(self.device)
                loss = -(target[idx] * F.log_softmax(net.classifier(z[idx]), 1)).sum(1).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

    # -- inference ----------------------------------------------------------------------
    def predict_proba(self, x: ArrayLike, *, batch_size: int = 1024) -> np.ndarray:
        """p(y|z = μ(x)), float32 (n, num_clusters)."""
        t = self._as_tensor(x)
        probs = self._map_batches(t, lambda b: F.softmax(self.net.classifier(self.net.encoder(b)[0]), 1), batch_size)
        return probs.numpy()

    def predict(self, x: ArrayLike, *, batch_size: int = 1024) -> np.ndarray:
        """Cluster of every sample: argmax_y p(y|z = μ(x)), int64 (n,)."""
        return self.predict_proba(x, batch_size=batch_size).argmax(1).astype(np.int64)

    def sample(self, cluster: int, n: int = 64, *, seed: Optional[int] = None) -> np.ndarray:
        """``n`` images of cluster ``cluster``: decoder means at z ~ N(μ_y, I).

        Returns float32 (n, *input_shape) in [0, 1]."""
        cluster = _check_int("cluster", cluster, 0)
        if cluster >= self.num_clusters:
            raise ValueError(f"cluster must be < num_clusters={self.num_clusters}, got {cluster}")
        n = _check_int("n", n, 0)
        g = torch.Generator().manual_seed(self.seed if seed is None else _check_int("seed", seed, 0))
        z = torch.randn(n, self.latent_dim, generator=g) + self.net.cluster_means[cluster].detach().cpu()
        return self.decode(z)
