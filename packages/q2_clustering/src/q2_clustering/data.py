"""Load a labelled CSV: numeric feature columns, the label in the last column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from padl_shared.errors import DataError
from padl_shared.tables import check_numbers, read_table

DEFAULT_FILE = "PADL-Q2.csv"


def load_labelled(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Features, integer class codes and the class names, or a one-line DataError."""
    path = Path(path)
    frame = read_table(path)
    header = frame.columns
    if len(header) < 2:
        raise DataError(f"{path.name}: need feature columns and a label column, got {list(header)}")
    check_numbers(frame, path, header[:-1])
    features, label = frame.iloc[:, :-1], frame.iloc[:, -1]
    if label.isna().any():
        raise DataError(f"{path.name}: label column '{header[-1]}' has a missing value on line "
                        f"{int(label.isna().to_numpy().argmax()) + 2} ({int(label.isna().sum())} in all)")
    names, codes = np.unique(label.astype(str) if label.dtype == object else label, return_inverse=True)
    if len(names) < 2 or len(frame) < 2 * len(names):
        raise DataError(f"{path.name}: need at least 2 classes and 2 rows per class, got {len(names)} classes "
                        f"in {len(frame)} rows")
    return features.astype(float), codes, [str(n) for n in names]
