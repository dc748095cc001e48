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


def train_config(config_type, args: argparse.Namespace, fast: dict[str, Any] | None = None):
    """The question's ``config_type`` (its ``TrainConfig``) as the train command's options make it: ``--data`` and
    ``--seed``; ``--holdout`` (a split run, where the recipe refits); ``--fast`` sets the question's ``fast``
    fields, ``--epochs N`` sets ``epochs``, then each ``--set key=value``. A bad ``--set`` raises DataError."""
    from padl_shared.settings import parse_overrides

    overrides = parse_overrides(config_type, args.set, config_type.__module__.split(".")[0])
    config = config_type(data=args.data, seed=args.seed)
    if "refit" in {field.name for field in dataclasses.fields(config_type)}:
        config = dataclasses.replace(config, refit=not getattr(args, "holdout", False))
    if args.fast and fast:
        config = dataclasses.replace(config, **fast)
    if args.epochs is not None:
        config = dataclasses.replace(config, epochs=args.epochs)
    return dataclasses.replace(config, **overrides)


def run_cli(train: Callable[[argparse.Namespace], dict], evaluate: Callable[[argparse.Namespace], dict],
            argv: list[str] | None = None, holdout: bool = False) -> int:
    """``holdout``: the question's train command takes ``--holdout`` (only the split run that measures the recipe
    on held-out examples, not the model to hand in, trained on every example)."""
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    train_args = commands.add_parser("train")
    train_args.add_argument("--data", default=None, help="a data file, or a folder holding the question's files")
    train_args.add_argument("--seed", type=int, default=0)
    train_args.add_argument("--fast", action="store_true", help="a quick, smaller run")
    train_args.add_argument("--epochs", type=_at_least_one, default=None)
    train_args.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                            help="change one setting of the recipe (a field of TrainConfig); repeat for more")
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
