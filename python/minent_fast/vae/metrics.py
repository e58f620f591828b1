"""Clustering accuracy: the best one-to-one cluster→class mapping and the majority-vote figure.

Needs only numpy and scipy (no torch), so it can score any clustering.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class ClusterAccuracy(NamedTuple):
    """Result of :func:`cluster_accuracy` (fractions in [0, 1]).

    ``hungarian``: accuracy under the best one-to-one mapping of clusters to classes
    (the usual "unsupervised clustering accuracy" of DEC/VaDE papers; each class gets at
    most one cluster). ``majority``: every cluster is labelled with its most frequent
    class, several clusters may share a class -- the figure Su Jianlin's article 4
    reports; always ≥ ``hungarian``. ``mapping``: cluster id → class of the Hungarian
    mapping (clusters left unmatched when there are more clusters than classes are absent).
    """

    hungarian: float
    majority: float
    mapping: dict[int, Any]


def _as_labels(a: Any, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def cluster_accuracy(y_true: Any, y_pred: Any) -> ClusterAccuracy:
    """Accuracy of a clustering ``y_pred`` against the classes ``y_true``.

    Labels may be any hashable values (ints, strings); the two arrays must have the same
    length and at least one element. Returns a :class:`ClusterAccuracy`
    ``(hungarian, majority, mapping)``; the Hungarian mapping is found with
    ``scipy.optimize.linear_sum_assignment`` on the cluster × class contingency table.
    """
    from scipy.optimize import linear_sum_assignment

    t = _as_labels(y_true, "y_true")
    p = _as_labels(y_pred, "y_pred")
    if t.shape[0] != p.shape[0]:
        raise ValueError(f"y_true and y_pred differ in length: {t.shape[0]} vs {p.shape[0]}")
    if t.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty")
    classes, t_idx = np.unique(t, return_inverse=True)
    clusters, p_idx = np.unique(p, return_inverse=True)
    contingency = np.zeros((clusters.size, classes.size), dtype=np.int64)
    np.add.at(contingency, (p_idx, t_idx), 1)
    rows, cols = linear_sum_assignment(contingency, maximize=True)
    n = t.shape[0]
    hungarian = float(contingency[rows, cols].sum()) / n
    majority = float(contingency.max(axis=1).sum()) / n
    mapping = {_py(clusters[r]): _py(classes[c]) for r, c in zip(rows, cols)}
    return ClusterAccuracy(hungarian, majority, mapping)


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
