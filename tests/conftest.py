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
