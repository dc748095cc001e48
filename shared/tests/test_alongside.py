import argparse
import sys
from types import SimpleNamespace

import pytest
import torch
from padl_shared.alongside import split_run_alongside, split_run_command, thread_shares
from padl_shared.errors import DataError
from padl_shared.timings import minutes


def options(**given):
    return argparse.Namespace(**({"data": None, "seed": 0, "fast": False, "epochs": None, "set": [],
                                  "holdout": False} | given))


def test_the_split_run_is_the_same_command_held_out():
    command = split_run_command("q9_x", options(data="/d", seed=3, fast=True, epochs=4, set=["lr=1e-3", "width=8"]))
    assert command[:3] == [sys.executable, "-m", "q9_x"]
    assert command[3:] == ["train", "--holdout", "--seed", "3", "--data", "/d", "--fast", "--epochs", "4",
                           "--set", "lr=1e-3", "--set", "width=8"]
    assert split_run_command("q9_x", options())[3:] == ["train", "--holdout", "--seed", "0"]


def test_threads_are_shared_and_never_zero():
    assert thread_shares(2) == (1, 1)
    assert thread_shares(8) == (4, 4)
    assert thread_shares(3) == (1, 2)
    assert thread_shares(1) == (1, 1)


def test_a_failed_split_run_is_one_clear_error_and_threads_come_back(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    threads = torch.get_num_threads()
    with pytest.raises(DataError, match=r"q9_missing: the split run alongside the refit ended with exit code 1"):
        with split_run_alongside("q9_missing", options()) as split_run:  # no such module: the child fails
            assert torch.get_num_threads() == thread_shares(threads)[1]
    assert torch.get_num_threads() == threads and split_run.metrics == {}


def test_side_by_side_runs_take_the_span_from_first_start_to_last_end():
    run = lambda start, end: SimpleNamespace(info=SimpleNamespace(start_time=start, end_time=end))  # noqa: E731
    assert minutes([run(0, 600_000), run(60_000, 660_000)]) == 11.0
    assert minutes([run(0, 120_000)]) == 2.0
