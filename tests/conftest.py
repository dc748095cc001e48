import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def isolated_env(tmp_path):
    """Environment for a task run that writes only under tmp_path: its own MLflow store and outputs."""
    env = dict(os.environ)
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    env["PADL_OUTPUT_DIR"] = str(tmp_path / "outputs")
    (tmp_path / "mlruns").mkdir()
    return env


@pytest.fixture
def invoke():
    """Run `invoke ARGS` exactly as a user types it, from the repository root."""

    def run(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout)

    return run


@pytest.fixture
def q4_folder(tmp_path):
    """A data folder with a small body_measurements.csv: waist a linear function of the inputs plus noise."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 150
    frame = pd.DataFrame({"Gender": rng.integers(0, 2, n), "Chest Circumference (mm)": rng.normal(1000, 80, n),
                          "Hip Circumference (mm)": rng.normal(1010, 70, n), "Height (mm)": rng.normal(1700, 90, n),
                          "Weight (kg)": rng.normal(77, 12, n)})
    frame["Waist Circumference (mm)"] = 0.7 * frame.iloc[:, 1] + 2 * frame.iloc[:, 4] + rng.normal(0, 10, n)
    folder = tmp_path / "q4-data"
    folder.mkdir()
    frame.to_csv(folder / "body_measurements.csv", index=False)
    return folder
