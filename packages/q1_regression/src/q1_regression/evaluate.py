"""Score the latest trained question-1 models on an unseen file (the part comes from its name)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from padl_shared.errors import DataError
from padl_shared.metrics import r2

from q1_regression.data import load_xy, part_of
from q1_regression.train import QUESTION


def score(path: Path, model, baseline=None) -> dict:
    """R² of ``model`` on ``path``; with a baseline (part b), its R² and the zero coefficients too."""
    X, y = load_xy(path)
    expected = list(model.feature_names_in_)
    if list(X.columns) != expected:
        raise DataError(f"{Path(path).name}: columns {list(X.columns)} differ from the trained model's {expected}")
    result = {"part": part_of(path), "r2": r2(y, model.predict(X)), "n": int(len(y))}
    if baseline is not None:
        coefficients = model[-1].coef_
        result.update({"baseline_r2": r2(y, baseline.predict(X)), "zero_coefs": int(np.sum(coefficients == 0)),
                       "n_coefs": int(coefficients.size)})
    return result


def run_evaluation(args) -> dict:
    """The `evaluate` command: the newest finished run's model for the file's part."""
    import mlflow
    from padl_shared.tracking import latest_run

    path = Path(args.data)
    part = part_of(path)
    load_xy(path)
    run_id = latest_run(QUESTION).info.run_id
    model = mlflow.sklearn.load_model(f"runs:/{run_id}/model_{part}")
    baseline = mlflow.sklearn.load_model(f"runs:/{run_id}/model_b_baseline") if part == "b" else None
    return score(path, model, baseline)
