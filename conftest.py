"""Fixtures every package's tests share (pytest loads this for every test below the repository root)."""

import pytest


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A throwaway MLflow store and outputs folder, so tests never touch the user's."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("PADL_OUTPUT_DIR", str(tmp_path / "outputs"))
    return tmp_path
