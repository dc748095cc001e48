"""Score the latest trained deliverable on an unseen CSV, calling predict_waist.py as the grader does."""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path

import numpy as np
import torch
from padl_shared.metrics import mae, r2

from q4_waist.data import load_measurements
from q4_waist.train import QUESTION


def import_deliverable(folder: Path):
    """Import ``predict_waist.py`` from a folder by path, as a grader would, not from this package."""
    spec = importlib.util.spec_from_file_location("graded_predict_waist", folder / "predict_waist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(path: Path, folder: Path) -> dict:
    x, y, dropped = load_measurements(path)
    predicted = import_deliverable(folder).predict(torch.tensor(x)).squeeze(1).numpy()
    halfwidth = json.loads((folder / "predict_waist_interval.json").read_text())["halfwidth_mm"]
    return {"mae": mae(y, predicted), "r2": r2(y, predicted), "n": int(len(y)),
            "interval_coverage": float(np.mean(np.abs(y - predicted) <= halfwidth)),
            "interval_halfwidth_mm": halfwidth, "rows_dropped_incomplete": dropped}


def run_evaluation(args) -> dict:
    import mlflow
    from padl_shared.tracking import latest_run

    run_id = latest_run(QUESTION).info.run_id
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="deliverable",
                                                          dst_path=scratch))
        return score(Path(args.data), folder)
