"""The networks of the VAE models: encoder, decoder, the Gaussian cluster head and their builders.

Plain ``torch.nn`` modules with no training logic; :mod:`.models` builds them inside its
seeded context (so their initial weights follow the model's ``seed``) and owns the losses.

* ``_build_mlp``: the VaDE / DEC MLP (``DEFAULT_HIDDEN`` = 500-500-2000) and its mirror.
* ``_build_conv``: article 4's network, two (stride-2, stride-1) 3×3 conv pairs and the
  mirrored transposed convolutions.
* ``_VAENet`` holds an encoder and a decoder; ``_ClusterVAENet`` adds the cluster means μ_y
  and the classifier p(y|z) (``head`` 'gaussian': ``_GaussianHead``; 'mlp': the article's
  Dense(256)-softmax).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

_ARCHS = ("mlp", "conv")
_HEADS = ("gaussian", "mlp")
DEFAULT_HIDDEN = (500, 500, 2000)  # VaDE / DEC encoder widths


class _Encoder(nn.Module):
    """x → (μ(x), log σ²(x)); ``body`` maps x to features, two linear heads give μ and log σ²."""

    def __init__(self, body: nn.Module, features: int, latent_dim: int) -> None:
        super().__init__()
        self.body = body
        self.mu = nn.Linear(features, latent_dim)
        self.logvar = nn.Linear(features, latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.mu(h), self.logvar(h)


class _Decoder(nn.Module):
    """z → logits of x (shape ``input_shape``); the first layer is ``self.first`` (linear)."""

    def __init__(self, first: nn.Linear, rest: nn.Module, input_shape: Sequence[int]) -> None:
        super().__init__()
        self.first = first
        self.rest = rest
        self.input_shape = tuple(input_shape)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.rest(self.first(z))
        return out.reshape(z.shape[0], *self.input_shape)


class _Reshape(nn.Module):
    def __init__(self, *shape: int) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)


def _build_mlp(input_shape: Sequence[int], latent_dim: int, hidden: Sequence[int]) -> tuple[_Encoder, _Decoder]:
    d = int(np.prod(input_shape))
    layers: list[nn.Module] = [nn.Flatten()]
    prev = d
    for h in hidden:
        layers += [nn.Linear(prev, h), nn.ReLU()]
        prev = h
    encoder = _Encoder(nn.Sequential(*layers), prev, latent_dim)
    rev = list(hidden)[::-1]
    first = nn.Linear(latent_dim, rev[0])
    rest: list[nn.Module] = [nn.ReLU()]
    prev = rev[0]
    for h in rev[1:]:
        rest += [nn.Linear(prev, h), nn.ReLU()]
        prev = h
    rest.append(nn.Linear(prev, d))
    return encoder, _Decoder(first, nn.Sequential(*rest), input_shape)


def _build_conv(input_shape: Sequence[int], latent_dim: int) -> tuple[_Encoder, _Decoder]:
    """Article 4's network: two (stride-2, stride-1) 3×3 conv pairs with 32 and 64 filters,
    LeakyReLU(0.2), and the mirrored transposed convolutions."""
    c, h, w = input_shape
    if h % 4 or w % 4:
        raise ValueError(f"arch='conv' needs height and width divisible by 4, got {h}×{w}")
    act = lambda: nn.LeakyReLU(0.2)  # noqa: E731
    body = nn.Sequential(
        nn.Conv2d(c, 32, 3, stride=2, padding=1), act(),
        nn.Conv2d(32, 32, 3, stride=1, padding=1), act(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), act(),
        nn.Conv2d(64, 64, 3, stride=1, padding=1), act(),
        nn.Flatten(),
    )
    features = 64 * (h // 4) * (w // 4)
    first = nn.Linear(latent_dim, features)
    rest = nn.Sequential(
        _Reshape(64, h // 4, w // 4),
        nn.ConvTranspose2d(64, 64, 3, stride=1, padding=1), act(),
        nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), act(),
        nn.ConvTranspose2d(64, 32, 3, stride=1, padding=1), act(),
        nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1), act(),
        nn.ConvTranspose2d(32, c, 3, stride=1, padding=1),
    )
    return _Encoder(body, features, latent_dim), _Decoder(first, rest, input_shape)


class _GaussianHead(nn.Module):
    """p(y|z) = softmax_y(−‖z − μ_y‖²/2 + b_y): the posterior of the prior mixture."""

    def __init__(self, cluster_means: nn.Parameter, num_clusters: int) -> None:
        super().__init__()
        self.cluster_means = cluster_means
        self.bias = nn.Parameter(torch.zeros(num_clusters))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return -0.5 * torch.cdist(z, self.cluster_means).pow(2) + self.bias


class _VAENet(nn.Module):
    def __init__(self, encoder: _Encoder, decoder: _Decoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder


class _ClusterVAENet(_VAENet):
    def __init__(self, encoder: _Encoder, decoder: _Decoder, num_clusters: int, latent_dim: int, head: str) -> None:
        super().__init__(encoder, decoder)
        # q(z|y) = N(μ_y, I); zeros as in the article, replaced by ``init`` after pre-training.
        self.cluster_means = nn.Parameter(torch.zeros(num_clusters, latent_dim))
        if head == "gaussian":
            self.classifier: nn.Module = _GaussianHead(self.cluster_means, num_clusters)
            # The article's zero init makes every cluster identical; spread them a little.
            with torch.no_grad():
                self.cluster_means.normal_(0.0, 1.0)
        else:
            self.classifier = nn.Sequential(nn.Linear(latent_dim, 256), nn.ReLU(), nn.Linear(256, num_clusters))
