"""Skip-gram embeddings of the walks and the similarity measures used to choose them."""

from __future__ import annotations

import numpy as np
from gensim.models import Word2Vec
from scipy.stats import spearmanr


def embed(walks: list[list[str]], nodes: list[str], dim: int, window: int, epochs: int, seed: int) -> np.ndarray:
    """Unit-length skip-gram vectors, one row per node in ``nodes`` order.

    One worker thread: gensim is only deterministic for a seed when it trains single-threaded.
    """
    model = Word2Vec(sentences=walks, vector_size=dim, window=window, epochs=epochs, seed=seed, sg=1,
                     min_count=1, workers=1)
    vectors = np.array([model.wv[node] for node in nodes], dtype=np.float64)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def cosine_similarities(vectors: np.ndarray) -> np.ndarray:
    return vectors @ vectors.T


def cooccurrence(walks: list[list[str]], nodes: list[str], reach: int = 2) -> np.ndarray:
    """How often two nodes appear within ``reach`` steps of each other in the walks (symmetric counts)."""
    index = {node: i for i, node in enumerate(nodes)}
    counts = np.zeros((len(nodes), len(nodes)))
    for walk in walks:
        ids = [index[node] for node in walk if node in index]
        for step in range(1, reach + 1):
            for a, b in zip(ids[:-step], ids[step:]):
                counts[a, b] += 1
                counts[b, a] += 1
    np.fill_diagonal(counts, 0)
    return counts


def mean_row_spearman(first: np.ndarray, second: np.ndarray) -> float:
    """Mean over nodes of the Spearman correlation of their rows, the node itself left out."""
    off_diagonal = ~np.eye(len(first), dtype=bool)
    scores = [spearmanr(first[i][off_diagonal[i]], second[i][off_diagonal[i]]).statistic for i in range(len(first))]
    return float(np.nanmean(scores))


def ranking(similarities: np.ndarray, nodes: list[str]) -> list[list[str]]:
    """Row K: node K, then every other node by falling similarity (ties by node order)."""
    rows = []
    for i, node in enumerate(nodes):
        order = sorted((j for j in range(len(nodes)) if j != i), key=lambda j: (-similarities[i, j], j))
        rows.append([node] + [nodes[j] for j in order])
    return rows
