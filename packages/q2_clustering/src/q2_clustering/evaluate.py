"""Score the latest trained clusterings on another labelled CSV, through the training run's matching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from padl_shared.errors import DataError

from q2_clustering.data import DEFAULT_FILE, load_labelled
from q2_clustering.train import QUESTION


def score(path: Path, models: dict, mappings: dict) -> dict:
    """Accuracy of each trained pipeline's clusters, mapped to classes as learned in training."""
    X, codes, class_names = load_labelled(path)
    trained_names = mappings["class_names"]
    unknown = sorted(set(class_names) - set(trained_names))
    if unknown:
        raise DataError(f"{Path(path).name}: labels {unknown} were not in the training data ({trained_names})")
    truth = np.array([trained_names.index(class_names[c]) for c in codes])
    result = {}
    for name, pipeline in models.items():
        mapping = {int(cluster): cls for cluster, cls in mappings[name].items()}
        predicted = np.array([mapping.get(int(c), -1) for c in pipeline.predict(X)])
        result[f"accuracy_{name}"] = float(np.mean(predicted == truth))
    result["n"] = int(len(truth))
    return result


def run_evaluation(args) -> dict:
    import mlflow
    from padl_shared.paths import resolve_data
    from padl_shared.tracking import latest_run

    run_id = latest_run(QUESTION).info.run_id
    mappings = mlflow.artifacts.load_dict(f"runs:/{run_id}/mappings.json")
    models = {name: mlflow.sklearn.load_model(f"runs:/{run_id}/model_{name}") for name in ("full", "pca2")}
    return score(resolve_data(DEFAULT_FILE, args.data), models, mappings)
