"""Load and validate the question-1 CSVs: numeric feature columns and a numeric target ``out``."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from padl_shared.errors import DataError
from padl_shared.tables import check_numbers, read_table

TARGET = "out"
PART_FILES = {"a": "PADL-Q11-train.csv", "b": "PADL-Q12-train.csv", "c": "PADL-Q13-train.csv"}
MIN_ROWS = 10


def part_of(path: Path) -> str:
    """The question-1 part a file belongs to, from its name: PADL-Q11… → a, Q12 → b, Q13 → c."""
    match = re.search(r"Q1([123])", Path(path).name)
    if not match:
        raise DataError(f"{Path(path).name}: cannot tell the part from the name (expected PADL-Q11/12/13-…)")
    return "abc"[int(match.group(1)) - 1]


def load_xy(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Features and target of one CSV, or a one-line DataError naming the file and the problem."""
    path = Path(path)
    frame = read_table(path, required=(TARGET,))
    check_numbers(frame, path, frame.columns)
    features = frame.drop(columns=TARGET)
    if features.shape[1] == 0 or len(frame) < MIN_ROWS:
        raise DataError(f"{path.name}: need at least one feature column and {MIN_ROWS} rows, got "
                        f"{features.shape[1]} columns and {len(frame)} rows")
    return features.astype(float), frame[TARGET].astype(float)
