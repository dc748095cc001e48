"""The clustering pipelines: standardise → k-means, and standardise → PCA(2) → k-means."""

from __future__ import annotations

from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def full_space(k: int, seed: int, n_init: int) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("kmeans", KMeans(k, n_init=n_init, random_state=seed))])


def pca_plane(k: int, seed: int, n_init: int) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("pca", PCA(2, random_state=seed)),
                     ("kmeans", KMeans(k, n_init=n_init, random_state=seed))])
