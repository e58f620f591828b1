"""minent_fast.vae: the VAE and one-step VAE clustering of Su Jianlin's VAE articles 1–4.

Optional; needs PyTorch, SciPy, scikit-learn and Pillow: ``pip install 'minent_fast[vae]'``.
The rest of minent_fast never imports this package.

Public names::

    VAE                 Gaussian VAE (articles 1–3): fit, encode, decode, sample(n), save/load
    ClusterVAE          one-step clustering VAE (article 4): fit, predict, predict_proba,
                        encode, sample(cluster, n), save/load
    cluster_accuracy    Hungarian (one-to-one) and majority-vote clustering accuracy
    ClusterAccuracy     its result: (hungarian, majority, mapping)
    load_mnist_test     the 10,000 MNIST test digits from local IDX .gz files
    load_digits         scikit-learn's bundled 8×8 digits

Modules: ``models`` (the two classes, their losses and training loops) uses ``networks``
(encoder, decoder, cluster head), ``clusterinit`` (t-SNE + GMM and the other initial
clusterings) and ``checkpoint`` (model files: atomic save, checked load); ``metrics``,
``data`` and ``cli`` (the ``vae-cluster`` subcommand) stand beside them.

See docs/vae.md for the model, the loss, the training recipe and measured accuracies.
"""

from __future__ import annotations

try:
    import torch  # noqa: F401
except ImportError as _e:
    raise ImportError("minent_fast.vae needs PyTorch: pip install 'minent_fast[vae]'") from _e

from .data import load_digits, load_mnist_test
from .metrics import ClusterAccuracy, cluster_accuracy
from .models import VAE, ClusterVAE

__all__ = ["VAE", "ClusterVAE", "ClusterAccuracy", "cluster_accuracy", "load_digits", "load_mnist_test"]
