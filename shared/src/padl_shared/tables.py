"""Read a question's CSV once and validate it, so every bad file ends in one line naming the file, the
column and the first bad line, before a run or an output is touched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from padl_shared.errors import DataError


def _first_line(rows) -> int:
    """The file line of the first row where the boolean ``rows`` holds (the header is line 1)."""
    return int(np.flatnonzero(np.asarray(rows))[0]) + 2


def read_table(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    """The CSV at ``path``, with at least one data row and the ``required`` columns, its headers' white space
    folded (``"Waist  (mm) "`` → ``"Waist (mm)"``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: not found")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name}: empty (expected a header line, then data rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as error:
        raise DataError(f"{path.name}: not a readable CSV ({str(error).splitlines()[0]})") from None
    frame.columns = [" ".join(str(c).split()) for c in frame.columns]
    absent = [column for column in required if column not in frame.columns]
    if absent:
        raise DataError(f"{path.name}: column '{absent[0]}' not found (have: {', '.join(frame.columns)})")
    if frame.empty:
        raise DataError(f"{path.name}: no data rows (only the header: {', '.join(frame.columns)})")
    return frame


def check_numbers(frame: pd.DataFrame, path: Path, columns, allow_missing: bool = False) -> None:
    """Each of ``columns`` holds numbers, all finite and, unless ``allow_missing``, all present."""
    path = Path(path)
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            converted = pd.to_numeric(values, errors="coerce")
            bad = converted.isna() & values.notna()
            raise DataError(f"{path.name}: column '{column}' is not numeric "
                            f"({values[bad].iloc[0]!r} on line {_first_line(bad)})")
        if not allow_missing and values.isna().any():
            raise DataError(f"{path.name}: column '{column}' has a missing value on line "
                            f"{_first_line(values.isna())} ({int(values.isna().sum())} in all)")
        infinite = np.isinf(values.to_numpy(dtype=float))
        if infinite.any():
            raise DataError(f"{path.name}: column '{column}' has a non-finite value "
                            f"({values[infinite].iloc[0]} on line {_first_line(infinite)})")
