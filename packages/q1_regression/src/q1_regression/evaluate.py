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


def unseen_files(folder: Path) -> list[Path]:
    """The unseen files of a folder, one a part: PADL-Q11/12/13-unseen.csv."""
    files = [folder / f"PADL-Q1{n}-unseen.csv" for n in (1, 2, 3)]
    found = [path for path in files if path.is_file()]
    if not found:
        raise DataError(f"{folder}: no unseen files (expected {', '.join(path.name for path in files)})")
    return found


def run_evaluation(args) -> dict:
    """The `evaluate` command: the newest finished run's model for each file's part; a file, or a folder of
    unseen files (then one result a part, keyed by the part)."""
    import mlflow
    from padl_shared.tracking import latest_run

    path = Path(args.data)
    files = unseen_files(path) if path.is_dir() else [path]
    for file in files:
        part_of(file)
        load_xy(file)
    run_id = latest_run(QUESTION).info.run_id
    results = {}
    for file in files:
        part = part_of(file)
        model = mlflow.sklearn.load_model(f"runs:/{run_id}/model_{part}")
        baseline = mlflow.sklearn.load_model(f"runs:/{run_id}/model_b_baseline") if part == "b" else None
        results[part] = score(file, model, baseline)
    return results[part] if not path.is_dir() else results
