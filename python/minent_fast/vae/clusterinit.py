"""Initial clusterings of the autoencoder's codes, from which ``ClusterVAE`` starts its cluster means.

Pure NumPy in, NumPy out (scikit-learn imported on first use); no torch, no model state.
:meth:`ClusterVAE._init_clusters <.models.ClusterVAE._init_clusters>` encodes the data,
calls :func:`_initial_clusters` on the latent means and then rescales the latent and sets
μ_y from the result. The methods (``init=`` of ``ClusterVAE.fit``):

* 'tsne' (default): a 2-D t-SNE map of the codes, then a full-covariance Gaussian mixture
  on the map (:func:`_tsne_gmm_labels`); μ_y are the means of each cluster's codes.
* 'spectral': spectral clustering on the k-nearest-neighbour graph of the codes,
  k = max(10, n/1000) (the default before 'tsne').
* 'kmeans': k-means, 10 restarts; μ_y its centres.
* 'gmm': a diagonal Gaussian mixture on the codes, 3 restarts; μ_y its means.

All of them are seeded by ``seed`` (scikit-learn's ``random_state``).
"""

from __future__ import annotations

import numpy as np

_CLUSTERINGS = ("tsne", "spectral", "kmeans", "gmm")


def _tsne_gmm_labels(codes: np.ndarray, k: int, seed: int, *, gmm_restarts: int = 10) -> np.ndarray:
    """Clusters of ``codes`` (n, d): a 2-D t-SNE map of the codes (perplexity 30, PCA
    start), then a full-covariance Gaussian mixture with ``k`` components fitted to the map,
    keeping the restart with the highest likelihood (N2D's manifold-then-GMM step, with
    t-SNE in place of UMAP). On the autoencoder's MNIST codes the map separates the digits
    that spectral clustering splits (the slanted and upright 1s) or merges (4/9, 3/5)."""
    from sklearn.manifold import TSNE
    from sklearn.mixture import GaussianMixture

    n = len(codes)
    perplexity = float(min(30.0, max(1.0, (n - 1) / 3.0)))
    emb = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(codes)
    gm = GaussianMixture(n_components=k, covariance_type="full", n_init=gmm_restarts, random_state=seed).fit(emb)
    return gm.predict(emb).astype(np.int64)


def _cluster_means(codes: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """(k, d): the mean of each cluster's codes; the mean of all codes for an empty cluster."""
    return np.stack([codes[labels == c].mean(0) if np.any(labels == c) else codes.mean(0) for c in range(k)])


def _initial_clusters(codes: np.ndarray, init: str, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, centers)``: a clustering of ``codes`` (n, d) into ``k`` clusters by the
    method ``init`` (one of ``_CLUSTERINGS``, see the module docstring), labels (n,) and
    centers (k, d)."""
    if init == "kmeans":
        from sklearn.cluster import KMeans

        km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(codes)
        return km.labels_, km.cluster_centers_
    if init == "gmm":
        from sklearn.mixture import GaussianMixture

        gm = GaussianMixture(n_components=k, covariance_type="diag", n_init=3, random_state=seed).fit(codes)
        return gm.predict(codes), gm.means_
    if init == "tsne":
        labels = _tsne_gmm_labels(codes, k, seed)
        return labels, _cluster_means(codes, labels, k)
    if init == "spectral":
        from sklearn.cluster import SpectralClustering

        n_neighbors = int(min(max(10, round(0.001 * len(codes))), len(codes) - 1))
        sc = SpectralClustering(n_clusters=k, affinity="nearest_neighbors", n_neighbors=n_neighbors,
                                assign_labels="cluster_qr", random_state=seed)
        labels = sc.fit_predict(codes)
        return labels, _cluster_means(codes, labels, k)
    raise ValueError(f"init must be one of {_CLUSTERINGS}, got {init!r}")
