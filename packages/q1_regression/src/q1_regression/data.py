"""Load and validate the question-1 CSVs: numeric feature columns and a numeric target ``out``."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from padl_shared.errors import DataError

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
    if not path.is_file():
        raise DataError(f"{path}: not found")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path.name}: not a readable CSV ({str(error).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if TARGET not in frame.columns:
        raise DataError(f"{path.name}: column '{TARGET}' not found (have: {', '.join(frame.columns)})")
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            converted = pd.to_numeric(frame[column], errors="coerce")
            bad = frame[column][converted.isna() & frame[column].notna()]
            line = bad.index[0] + 2  # header is line 1
            raise DataError(f"{path.name}: column '{column}' is not numeric ({bad.iloc[0]!r} on line {line})")
    missing = frame.isna().any(axis=1)
    if missing.any():
        first = missing.idxmax() + 2
        raise DataError(f"{path.name}: {int(missing.sum())} rows have missing values (first on line {first})")
    features = frame.drop(columns=TARGET)
    if features.shape[1] == 0 or len(frame) < MIN_ROWS:
        raise DataError(f"{path.name}: need at least one feature column and {MIN_ROWS} rows, got "
                        f"{features.shape[1]} columns and {len(frame)} rows")
    return features.astype(float), frame[TARGET].astype(float)
