import numpy as np
import pytest
from q1_regression.synthetic import write_files


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    """A throwaway MLflow store and output folder, so tests never touch the user's."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}")
    monkeypatch.setenv("PADL_OUTPUT_DIR", str(tmp_path / "outputs"))
    (tmp_path / "mlruns").mkdir()
    return tmp_path


@pytest.fixture
def q1_files(tmp_path):
    return write_files(tmp_path / "data", n=200, seed=1)
