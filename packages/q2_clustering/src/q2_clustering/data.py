"""Load a labelled CSV: numeric feature columns, the label in the last column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from padl_shared.errors import DataError

DEFAULT_FILE = "PADL-Q2.csv"


def load_labelled(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Features, integer class codes and the class names, or a one-line DataError."""
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as error:
        raise DataError(f"{path}: not a readable CSV ({str(error).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] < 2:
        raise DataError(f"{path.name}: need feature columns and a label column, got {list(frame.columns)}")
    features, label = frame.iloc[:, :-1], frame.iloc[:, -1]
    for column in features.columns:
        if not pd.api.types.is_numeric_dtype(features[column]):
            raise DataError(f"{path.name}: feature column '{column}' is not numeric")
    missing = frame.isna().any(axis=1)
    if missing.any():
        raise DataError(f"{path.name}: {int(missing.sum())} rows have missing values (first on line "
                        f"{missing.idxmax() + 2})")
    names, codes = np.unique(label.astype(str) if label.dtype == object else label, return_inverse=True)
    if len(names) < 2 or len(frame) < 2 * len(names):
        raise DataError(f"{path.name}: need at least 2 classes and 2 rows per class, got {len(names)} classes "
                        f"in {len(frame)} rows")
    return features.astype(float), codes, [str(n) for n in names]
