"""Metrics the questions report, each the definition the coursework grades with."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.metrics.cluster import contingency_matrix


def r2(y_true, y_pred) -> float:
    return float(r2_score(y_true, y_pred))


def mae(y_true, y_pred) -> float:
    return float(mean_absolute_error(y_true, y_pred))


def cluster_class_matching(labels_true, labels_cluster) -> dict[int, int]:
    """One-to-one cluster → class map maximising agreement (Hungarian assignment on the contingency table)."""
    classes = np.unique(labels_true)
    clusters = np.unique(labels_cluster)
    table = contingency_matrix(labels_true, labels_cluster)  # rows: sorted classes, columns: sorted clusters
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {int(clusters[c]): int(classes[r]) for r, c in zip(rows, cols)}


def clustering_accuracy(labels_true, labels_cluster) -> float:
    """Share of points whose cluster maps to their class under the best one-to-one matching."""
    labels_true = np.asarray(labels_true)
    labels_cluster = np.asarray(labels_cluster)
    mapping = cluster_class_matching(labels_true, labels_cluster)
    mapped = np.array([mapping.get(int(c), -1) for c in labels_cluster])
    return float(np.mean(mapped == labels_true))


def ssim_per_image(originals, reconstructions) -> np.ndarray:
    """Per-image SSIM as the grader scores it: scikit-image, data_range=1, images in [0, 1].

    Accepts arrays shaped (N, H, W) or (N, 1, H, W).
    """
    from skimage.metrics import structural_similarity

    originals = np.asarray(originals, dtype=np.float64)
    originals = originals.reshape(len(originals), *originals.shape[-2:])
    reconstructions = np.asarray(reconstructions, dtype=np.float64).reshape(originals.shape)
    return np.array([structural_similarity(a, b, data_range=1.0) for a, b in zip(originals, reconstructions)])
