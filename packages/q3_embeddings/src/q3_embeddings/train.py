"""Question 3: choose the skip-gram settings by measurement, embed the walks, write the result file."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from padl_shared.errors import DataError

from q3_embeddings import model as models
from q3_embeddings.data import DEFAULT_FILE, RESULT_FILE, load_walks, node_order

QUESTION = "q3_embeddings"
VALIDATION = ("`invoke train --q 3` chooses its settings on 20 % of the walks held out and checks two seeds agree, "
              "then refits on every walk: a deterministic fit for a seed")


@dataclasses.dataclass
class TrainConfig:
    data: str | None = None  # a walk file; None: PADL-Q3.txt from the default places
    seed: int = 0
    dims: tuple[int, ...] = (8, 16, 32)
    windows: tuple[int, ...] = (2, 3, 5)
    epochs: tuple[int, ...] = (5, 20, 50)
    holdout_fraction: float = 0.2  # walks kept out of fitting to measure co-occurrence agreement
    reach: int = 2  # co-occurrence counts nodes within this many steps of each other
    min_stability: float = 0.9  # settings whose two-seed ranking agreement falls below are passed over
    query_node: str = "5"
    query_targets: tuple[str, ...] = tuple(str(n) for n in range(21, 31))


def check_query_nodes(config: TrainConfig, nodes: list[str], source: str) -> None:
    for node in (config.query_node, *config.query_targets):
        if node not in nodes:
            raise DataError(f"{source}: node {node} does not occur in the walks (nodes: {nodes[0]}..{nodes[-1]}, "
                            f"{len(nodes)} in all)")


def split_walks(count: int, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the walks to fit on and of those held out (``holdout_fraction`` of them, drawn by ``seed``)."""
    order = np.random.default_rng(config.seed).permutation(count)
    cut = int(round(count * (1 - config.holdout_fraction)))
    return order[:cut], order[cut:]


def compare_settings(walks: list[list[str]], config: TrainConfig) -> pd.DataFrame:
    """Each candidate's agreement with held-out co-occurrence and its stability across two seeds, on the nodes
    the fitted walks contain (a node seen only in held-out walks has no embedding to score)."""
    fit_rows, held_rows = split_walks(len(walks), config)
    fit_walks = [walks[i] for i in fit_rows]
    fitted = node_order(fit_walks)
    counts = models.cooccurrence([walks[i] for i in held_rows], fitted, config.reach)
    rows = []
    for dim, window, epochs in itertools.product(config.dims, config.windows, config.epochs):
        first, second = (models.cosine_similarities(models.embed(fit_walks, fitted, dim, window, epochs, seed))
                         for seed in (config.seed, config.seed + 1))
        rows.append({"dim": dim, "window": window, "epochs": epochs,
                     "agreement": models.mean_row_spearman(first, counts),
                     "stability": models.mean_row_spearman(first, second)})
    return pd.DataFrame(rows)


def choose(candidates: pd.DataFrame, min_stability: float) -> pd.Series:
    """The best-agreeing stable setting; the most stable one if none reaches ``min_stability``."""
    stable = candidates[candidates.stability >= min_stability]
    if stable.empty:
        return candidates.sort_values("stability", ascending=False).iloc[0]
    return stable.sort_values(["agreement", "stability"], ascending=False).iloc[0]


def _projection_figure(vectors: np.ndarray, nodes: list[str]):
    from sklearn.decomposition import PCA

    points = PCA(2).fit_transform(vectors)
    figure, axes = plt.subplots(figsize=(6, 6))
    axes.scatter(points[:, 0], points[:, 1], s=30)
    for (x, y), node in zip(points, nodes):
        axes.annotate(node, (x, y), textcoords="offset points", xytext=(3, 3), fontsize=8)
    axes.set(xlabel="PC1", ylabel="PC2", title="Node embeddings, 2-D PCA projection")
    figure.tight_layout()
    return figure


def _candidates_figure(candidates: pd.DataFrame, chosen: pd.Series, min_stability: float):
    figure, axes = plt.subplots(figsize=(6, 4.5))
    axes.scatter(candidates.stability, candidates.agreement, c=np.log2(candidates.dim), cmap="viridis")
    axes.scatter([chosen.stability], [chosen.agreement], s=200, facecolors="none", edgecolors="red")
    axes.axvline(min_stability, color="gray", linestyle="--", linewidth=1)
    axes.set(xlabel="two-seed ranking stability (mean Spearman)",
             ylabel="agreement with held-out co-occurrence (mean Spearman)",
             title=f"chosen: dim {chosen.dim}, window {chosen.window}, {chosen.epochs} epochs")
    figure.tight_layout()
    return figure


def train(config: TrainConfig, path: Path, output: Path | None = None) -> dict:
    """Choose settings, embed all walks, log everything to the active run; the metrics and part (a)."""
    import mlflow
    from padl_shared.tracking import log_figure

    walks = load_walks(path)
    nodes = node_order(walks)
    check_query_nodes(config, nodes, Path(path).name)
    candidates = compare_settings(walks, config)
    chosen = choose(candidates, config.min_stability)
    dim, window, epochs = int(chosen.dim), int(chosen.window), int(chosen.epochs)
    vectors = models.embed(walks, nodes, dim, window, epochs, config.seed)
    similarities = models.cosine_similarities(vectors)
    rerun = models.cosine_similarities(models.embed(walks, nodes, dim, window, epochs, config.seed + 1))
    index = {node: i for i, node in enumerate(nodes)}
    query = {target: float(similarities[index[config.query_node], index[target]]) for target in config.query_targets}
    result_text = "\n".join(" ".join(row) for row in models.ranking(similarities, nodes)) + "\n"

    metrics = {"n_nodes": len(nodes), "n_walks": len(walks), "dim": dim, "window": window, "epochs": epochs,
               "agreement": float(chosen.agreement), "stability": models.mean_row_spearman(similarities, rerun)}
    mlflow.log_metrics({k: v for k, v in metrics.items()})
    mlflow.log_metrics({f"sim_{config.query_node}_{target}": value for target, value in query.items()})
    mlflow.log_text(candidates.to_csv(index=False), "tables/settings_compared.csv")
    mlflow.log_text(pd.DataFrame(vectors, index=pd.Index(nodes, name="node")).to_csv(), "embeddings.csv")
    mlflow.log_text(result_text, RESULT_FILE)
    log_figure(_projection_figure(vectors, nodes), "embedding_pca")
    log_figure(_candidates_figure(candidates, chosen, config.min_stability), "settings_compared")
    if output is not None:
        (output / RESULT_FILE).write_text(result_text)
    return {**metrics, f"sim_{config.query_node}": query}


def similarity_table(query_node: str, similarities: dict[str, float]) -> str:
    lines = [f"cosine similarity of node {query_node} to:", "node  similarity"]
    lines += [f"{node:>4}  {value:+.4f}" for node, value in similarities.items()]
    return "\n".join(lines)


def run_training(args) -> dict:
    """The `train` command: validate the walks, choose and fit inside a tagged run, print part (a)."""
    from padl_shared.cli import train_config
    from padl_shared.paths import output_dir, resolve_data
    from padl_shared.tracking import train_in_run

    config = train_config(TrainConfig, args)
    path = resolve_data(DEFAULT_FILE, config.data)
    check_query_nodes(config, node_order(load_walks(path)), path.name)  # fail before a run is opened
    metrics = train_in_run(QUESTION, "q3", f"q3 {path.name} seed={config.seed}", config, {"walks": path},
                           lambda folder: train(config, path, folder))
    print(similarity_table(config.query_node, metrics[f"sim_{config.query_node}"]))
    return {"result_file": str(output_dir("q3") / RESULT_FILE), **metrics}
