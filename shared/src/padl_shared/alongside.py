"""`train` for questions 5 and 6: the split run that measures the recipe runs in a second process alongside the refit
that is handed in, each on half the threads. Their small convolutions scale poorly past one core (on 2 cores, two
one-thread question-6 runs step 1.4× as fast in all as one two-thread run; whole runs with their scoring, about 1.25×),
so the pair ends sooner side by side than one after the other, and neither changes: the same settings, seeds and data
as in turn."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator

from padl_shared.errors import DataError


def split_run_command(module: str, args: argparse.Namespace) -> list[str]:
    """The train command ``args`` came from, as a split run (``--holdout``) of the same recipe."""
    command = [sys.executable, "-m", module, "train", "--holdout", "--seed", str(args.seed)]
    command += ["--data", str(args.data)] if args.data else []
    command += ["--fast"] if args.fast else []
    command += ["--epochs", str(args.epochs)] if args.epochs is not None else []
    return command + [argument for pair in args.set for argument in ("--set", pair)]


def thread_shares(total: int) -> tuple[int, int]:
    """The split run's threads and the refit's, out of ``total`` (at least one each)."""
    split = max(1, total // 2)
    return split, max(1, total - split)


class SplitRun:
    """The split run's process: ``wait()`` for it (the refit does, before it links to the run it rests on), then
    ``metrics``, its JSON last line."""

    def __init__(self, process: subprocess.Popen, module: str):
        self.process, self.module, self.metrics = process, module, {}

    def wait(self) -> None:
        if self.metrics:
            return
        output, _ = self.process.communicate()
        lines = output.strip().splitlines()
        if self.process.returncode != 0 or not lines:
            raise DataError(f"{self.module}: the split run alongside the refit ended with exit code "
                            f"{self.process.returncode} (its error is above); `train --holdout` reruns it alone")
        self.metrics = json.loads(lines[-1])


@contextlib.contextmanager
def split_run_alongside(module: str, args: argparse.Namespace) -> Iterator[SplitRun]:
    """Start the split run of ``args``' recipe in a subprocess on half this process's threads (the block runs the
    refit on the rest), logging to the same store, with its deliverable in a scratch folder and no progress bar
    (the refit's is the one shown). Leaving the block waits for it; an error or a stop signal in the block stops
    it first (it ends its own run as KILLED)."""
    import torch

    from padl_shared.paths import OUTPUT_ENV
    from padl_shared.tracking import ALONGSIDE_ENV, TRACKING_ENV, tracking_uri

    total = torch.get_num_threads()
    split_threads, refit_threads = thread_shares(total)
    with tempfile.TemporaryDirectory(prefix="padl-split-run-") as scratch:
        environment = {**os.environ, OUTPUT_ENV: scratch, TRACKING_ENV: tracking_uri(), ALONGSIDE_ENV: "1",
                       "OMP_NUM_THREADS": str(split_threads), "MKL_NUM_THREADS": str(split_threads),
                       "TQDM_DISABLE": "1", "PYTHONUNBUFFERED": "1"}
        print(f"{module}: the split run measures the recipe alongside, on {split_threads} of {total} threads",
              file=sys.stderr, flush=True)
        process = subprocess.Popen(split_run_command(module, args), env=environment, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, text=True)
        split_run = SplitRun(process, module)
        torch.set_num_threads(refit_threads)
        try:
            yield split_run
            split_run.wait()
        finally:
            torch.set_num_threads(total)
            if process.poll() is None:
                process.terminate()
                process.wait()


def refit_beside_split_run(module: str, args: argparse.Namespace, run: Callable[..., dict],
                           measured: tuple[str, ...]) -> dict:
    """What `train` does for a recipe that refits: ``run(config, measuring)`` trains the refit here while the split
    run goes on beside it (``measuring`` waits for it, before the refit links to it); the refit's metrics, with the
    split run's ``measured`` ones under ``split_run``."""
    with split_run_alongside(module, args) as split_run:
        refit = run(split_run.wait)
    return {**refit, "split_run": {key: split_run.metrics[key] for key in measured if key in split_run.metrics}}
