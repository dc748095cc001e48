"""Generated question-1 files with a known truth: what the tests check the fitting against."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SPARSE_TRUTH = np.array([3.0, 0, 0, -2.0, 0, 0, 1.5, 0, 0, 0])


def quadratic(n: int, rng: np.random.Generator, noise: float = 0.01) -> pd.DataFrame:
    """Part a: out = 2·X1·X3 − X2² + X4 + 0.5, five features."""
    X = rng.normal(size=(n, 5))
    out = 2 * X[:, 0] * X[:, 2] - X[:, 1] ** 2 + X[:, 3] + 0.5 + noise * rng.normal(size=n)
    return pd.DataFrame(np.column_stack([X, out]), columns=[f"X{i}" for i in range(1, 6)] + ["out"])


def sparse_linear(n: int, rng: np.random.Generator, noise: float = 0.5) -> pd.DataFrame:
    """Part b: ten features, three of which matter (SPARSE_TRUTH)."""
    X = rng.normal(size=(n, SPARSE_TRUTH.size))
    out = X @ SPARSE_TRUTH + noise * rng.normal(size=n)
    return pd.DataFrame(np.column_stack([X, out]), columns=[f"X{i}" for i in range(1, 11)] + ["out"])


def skewed(n: int, rng: np.random.Generator, noise: float = 0.1) -> pd.DataFrame:
    """Part c: a log-normal feature whose log drives the target, and a sine of another."""
    X = np.column_stack([rng.lognormal(0, 1, n), rng.uniform(-3, 3, n), rng.normal(size=n)])
    out = 2 * np.log(X[:, 0]) + np.sin(X[:, 1]) + 0.5 * X[:, 2] + noise * rng.normal(size=n)
    return pd.DataFrame(np.column_stack([X, out]), columns=["X1", "X2", "X3", "out"])


def write_files(folder: Path, n: int = 200, seed: int = 0, kind: str = "train") -> dict[str, Path]:
    """PADL-Q11/12/13-<kind>.csv in ``folder``, drawn from the three truths above."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for part, number, make in (("a", 11, quadratic), ("b", 12, sparse_linear), ("c", 13, skewed)):
        paths[part] = folder / f"PADL-Q{number}-{kind}.csv"
        make(n, rng).to_csv(paths[part], index=False)
    return paths
