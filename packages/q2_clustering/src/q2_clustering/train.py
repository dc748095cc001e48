"""Question 2: k-means in the full space and on PC1–PC2, scored against the labels, logged to MLflow."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from padl_shared.metrics import cluster_class_matching, clustering_accuracy
from sklearn.cluster import KMeans

from q2_clustering import model as models
from q2_clustering.data import DEFAULT_FILE, load_labelled

QUESTION = "q2_clustering"
VALIDATION = ("a deterministic fit with no held-out data to choose on: k-means (10 seeded restarts) on every row, "
              "scored against the labels it never saw; `--seed` draws other restarts")


@dataclasses.dataclass
class TrainConfig:
    data: str | None = None  # a labelled CSV (last column: label); None: PADL-Q2.csv from the default places
    seed: int = 0
    n_init: int = 10  # k-means restarts; the best inertia wins


def majority_vote_accuracy(truth: np.ndarray, clusters: np.ndarray) -> float:
    """Each cluster takes its commonest class, even one another cluster took: the flawed score, for contrast."""
    table = pd.crosstab(clusters, truth)
    return float(table.max(axis=1).sum() / len(truth))


def _contingency(truth, clusters, class_names) -> pd.DataFrame:
    return pd.crosstab(pd.Series(np.asarray(class_names)[truth], name="class"), pd.Series(clusters, name="cluster"))


def _scatter(points, colours, title, centres=None):
    figure, axes = plt.subplots(figsize=(5.5, 4.5))
    scatter = axes.scatter(points[:, 0], points[:, 1], c=colours, cmap="tab10", s=12, alpha=0.8)
    axes.legend(*scatter.legend_elements(), loc="best", fontsize="small")
    if centres is not None:
        axes.scatter(centres[:, 0], centres[:, 1], marker="X", s=160, c="black")
    axes.set(xlabel="PC1", ylabel="PC2", title=title)
    figure.tight_layout()
    return figure


def train(config: TrainConfig, path: Path, output: Path | None = None) -> dict:
    """Fit both pipelines, score them, log tables, figures and models to the active run; the metrics."""
    import mlflow
    from padl_shared.tracking import log_figure, log_sklearn_model

    X, truth, class_names = load_labelled(path)
    k = len(class_names)
    full = models.full_space(k, config.seed, config.n_init).fit(X)
    plane = models.pca_plane(k, config.seed, config.n_init).fit(X)
    clusters_full, clusters_plane = full["kmeans"].labels_, plane["kmeans"].labels_
    variance = plane["pca"].explained_variance_ratio_
    unscaled = KMeans(k, n_init=config.n_init, random_state=config.seed).fit(X).labels_

    metrics = {
        "accuracy_full": clustering_accuracy(truth, clusters_full),
        "accuracy_pca2": clustering_accuracy(truth, clusters_plane),
        "explained_variance_pc1": float(variance[0]),
        "explained_variance_pc2": float(variance[1]),
        "explained_variance_pc1_pc2": float(variance.sum()),
        "accuracy_full_majority_vote": majority_vote_accuracy(truth, clusters_full),
        "accuracy_full_unscaled": clustering_accuracy(truth, unscaled),
        "n": int(len(truth)),
        "k": k,
    }
    metrics["relative_accuracy_lost"] = (metrics["accuracy_full"] - metrics["accuracy_pca2"]) / metrics["accuracy_full"]
    metrics["variance_dropped"] = 1.0 - metrics["explained_variance_pc1_pc2"]
    mlflow.log_metrics(metrics)

    mappings = {"class_names": class_names,
                "full": cluster_class_matching(truth, clusters_full),
                "pca2": cluster_class_matching(truth, clusters_plane)}
    mlflow.log_dict(mappings, "mappings.json")
    for name, clusters in (("full", clusters_full), ("pca2", clusters_plane)):
        mlflow.log_text(_contingency(truth, clusters, class_names).to_csv(), f"tables/contingency_{name}.csv")

    points = plane[:-1].transform(X)
    centres = plane["kmeans"].cluster_centers_
    log_figure(_scatter(points, truth, "PC1–PC2 by true class"), "pca_true_class")
    log_figure(_scatter(points, clusters_full, f"by full-space k-means (accuracy {metrics['accuracy_full']:.3f})"),
               "pca_full_clusters")
    log_figure(_scatter(points, clusters_plane, f"by PC1–PC2 k-means (accuracy {metrics['accuracy_pca2']:.3f})",
                        centres), "pca_plane_clusters")
    log_sklearn_model(full, "model_full", X.head(5))
    log_sklearn_model(plane, "model_pca2", X.head(5))
    if output is not None:
        (output / "summary.json").write_text(json.dumps({"metrics": metrics, "mappings": mappings}, indent=2))
    return metrics


def run_training(args) -> dict:
    """The `train` command: validate the CSV, then cluster inside a tagged MLflow run."""
    from padl_shared.cli import train_config
    from padl_shared.paths import resolve_data
    from padl_shared.tracking import train_in_run

    config = train_config(TrainConfig, args)
    path = resolve_data(DEFAULT_FILE, config.data)
    load_labelled(path)  # fail on bad input before a run or an output is touched
    metrics = train_in_run(QUESTION, "q2", f"q2 {path.name} seed={config.seed}", config, {"labelled": path},
                           lambda folder: train(config, path, folder))
    return {key: metrics[key] for key in ("accuracy_full", "accuracy_pca2", "explained_variance_pc1_pc2", "n", "k")}
