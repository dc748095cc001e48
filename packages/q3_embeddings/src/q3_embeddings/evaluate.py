"""Score the latest trained embedding against the co-occurrence of another walk file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from padl_shared.errors import DataError

from q3_embeddings import model as models
from q3_embeddings.data import DEFAULT_FILE, load_walks, node_order
from q3_embeddings.train import QUESTION, TrainConfig


def score(path: Path, embeddings: pd.DataFrame, reach: int = TrainConfig.reach) -> dict:
    """Agreement (mean Spearman) of the embedding's similarities with the file's co-occurrence counts."""
    walks = load_walks(path)
    nodes = [node for node in node_order(walks) if node in embeddings.index]
    if len(nodes) < 3:
        raise DataError(f"{Path(path).name}: fewer than 3 of its nodes were embedded in training")
    vectors = embeddings.loc[nodes].to_numpy()
    similarities = models.cosine_similarities(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    counts = models.cooccurrence(walks, nodes, reach)
    return {"agreement": models.mean_row_spearman(similarities, counts), "n_walks": len(walks),
            "n_nodes": len(nodes)}


def run_evaluation(args) -> dict:
    import mlflow
    from padl_shared.paths import resolve_data
    from padl_shared.tracking import latest_run

    run_id = latest_run(QUESTION).info.run_id
    text = mlflow.artifacts.load_text(f"runs:/{run_id}/embeddings.csv")
    embeddings = pd.read_csv(io.StringIO(text), index_col="node")
    embeddings.index = embeddings.index.astype(str)
    return score(resolve_data(DEFAULT_FILE, args.data), embeddings)
