"""Score the latest trained deliverable on an unseen CSV, calling predict_waist.py as the grader does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from padl_shared.contract import import_deliverable
from padl_shared.metrics import mae, r2

from q4_waist.data import DEFAULT_FILE, load_measurements
from q4_waist.deliverable import GRADED, INTERVAL_FILE
from q4_waist.train import QUESTION


def score(path: Path, folder: Path) -> dict:
    x, y, dropped = load_measurements(path)
    predicted = import_deliverable(folder / GRADED.module).predict(torch.tensor(x)).squeeze(1).numpy()
    halfwidth = json.loads((folder / INTERVAL_FILE).read_text())["halfwidth_mm"]
    return {"mae": mae(y, predicted), "r2": r2(y, predicted), "n": int(len(y)),
            "interval_coverage": float(np.mean(np.abs(y - predicted) <= halfwidth)),
            "interval_halfwidth_mm": halfwidth, "rows_dropped_incomplete": dropped}


def run_evaluation(args) -> dict:
    from padl_shared.paths import resolve_data
    from padl_shared.tracking import latest_deliverable

    data = resolve_data(DEFAULT_FILE, args.data)
    with latest_deliverable(QUESTION) as folder:
        return score(data, folder)
