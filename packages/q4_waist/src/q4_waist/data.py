"""Load body measurements: normalise the headers, validate, and drop incomplete rows (counted)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from padl_shared.errors import DataError
from padl_shared.tables import check_numbers, read_table

DEFAULT_FILE = "body_measurements.csv"
# The deliverable's input order.
FEATURES = ["Chest Circumference (mm)", "Hip Circumference (mm)", "Height (mm)", "Weight (kg)", "Gender"]
TARGET = "Waist Circumference (mm)"


def load_measurements(path: Path) -> tuple[np.ndarray, np.ndarray, int]:
    """Inputs (N×5, deliverable order), waist (N) and how many incomplete rows were dropped.

    A row missing any of the six values is dropped: imputing a body measurement would invent the
    very signal the model learns from, and the file has only a handful of such rows.
    """
    path = Path(path)
    frame = read_table(path, required=(*FEATURES, TARGET))[FEATURES + [TARGET]]
    check_numbers(frame, path, frame.columns, allow_missing=True)
    complete = frame.dropna()
    gender = complete["Gender"]
    if not gender.isin([0, 1]).all():
        raise DataError(f"{path.name}: column 'Gender' must be 0 or 1, got {sorted(set(gender) - {0, 1})[:5]}")
    if len(complete) < 20:
        raise DataError(f"{path.name}: need at least 20 complete rows, got {len(complete)}")
    return (complete[FEATURES].to_numpy(np.float32), complete[TARGET].to_numpy(np.float32),
            int(len(frame) - len(complete)))
