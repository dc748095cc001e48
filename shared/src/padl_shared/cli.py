"""The command line every question package shares: ``python -m qN_x train|evaluate …``.

It parses, seeds, opens the MLflow run, calls the package's plain functions and prints their metrics
as one JSON object on the last stdout line. User errors end in one line on stderr and exit code 2; a stop
signal ends the open run as KILLED, keeps the earlier outputs, says so in one line and exits 128 + signal
(130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from typing import Any

from padl_shared.errors import DataError, Interrupted, raise_on_stop_signals


def print_json(metrics: dict[str, Any]) -> None:
    print(json.dumps(metrics, sort_keys=False), flush=True)


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def apply_train_options(config, args: argparse.Namespace, fast: dict[str, Any]):
    """A copy of the ``config`` dataclass with the train command's options applied: ``--fast`` sets the
    question's ``fast`` fields, then ``--epochs N`` sets ``epochs``."""
    if args.fast:
        config = dataclasses.replace(config, **fast)
    if args.epochs is not None:
        config = dataclasses.replace(config, epochs=args.epochs)
    return config


def run_cli(train: Callable[[argparse.Namespace], dict], evaluate: Callable[[argparse.Namespace], dict],
            argv: list[str] | None = None, holdout: bool = False) -> int:
    """``holdout``: the question's train command takes ``--holdout`` (a split run that measures the recipe on
    held-out examples, instead of the model to hand in, trained on every example)."""
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    train_args = commands.add_parser("train")
    train_args.add_argument("--data", default=None, help="a data file, or a folder holding the question's files")
    train_args.add_argument("--seed", type=int, default=0)
    train_args.add_argument("--fast", action="store_true", help="a quick, smaller run")
    train_args.add_argument("--epochs", type=_at_least_one, default=None)
    if holdout:
        train_args.add_argument("--holdout", action="store_true",
                                help="hold examples out and score them (a split run), instead of training on all")
    evaluate_args = commands.add_parser("evaluate")
    evaluate_args.add_argument("--data", required=True)
    args = parser.parse_args(argv)
    raise_on_stop_signals()
    try:
        metrics = train(args) if args.command == "train" else evaluate(args)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        ended = f"run {stop.run_id} marked KILLED" if stop.run_id else "no run was open"
        print(f"interrupted by {stop}: {ended}; earlier runs and outputs kept", file=sys.stderr)
        return stop.exit_code
    print_json(metrics)
    return 0
