"""Fixtures every package's tests share (pytest loads this for every test below the repository root)."""

import os

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # One thread per pytest-xdist worker, here and in the training subprocesses the tests start: the workers
    # already fill the cores, and two workers' default thread pools on 2 cores made a 22-second test take
    # 130-156 seconds (14 with one thread each).
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A throwaway MLflow store and outputs folder, so tests never touch the user's."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("PADL_OUTPUT_DIR", str(tmp_path / "outputs"))
    return tmp_path


@pytest.fixture
def tail_averages(monkeypatch):
    """The weight averages ``padl_shared.averaging.schedule`` builds during the test, in order (None where a run
    does not average): what a training will ship, to compare with what it wrote."""
    from padl_shared import averaging

    built, build = [], averaging.schedule

    def recorded(*args):
        scheduler, averaged = build(*args)
        built.append(averaged)
        return scheduler, averaged

    monkeypatch.setattr(averaging, "schedule", recorded)
    return built
