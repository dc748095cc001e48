"""What q5_variants.py and q6_variants.py share: a question's split run with one variant of its recipe (settings
of its TrainConfig, and the pieces its ``train`` accepts), logged to the MLflow experiment `<question>_variants`
(which `evaluate` and `bundle` never read), its deliverable written to a temporary folder and thrown away, its
headline metrics printed as JSON."""

import argparse
import dataclasses
import json
import os
import tempfile
from pathlib import Path

import torch
from padl_shared.paths import OUTPUT_ENV, repo_root, resolve_data
from padl_shared.tracking import train_in_run


def train_variant(training, question: str, variant: str, variants: dict, folder: Path, data_role: str,
                  **settings) -> dict:
    """The split run of ``variants[variant]`` = (TrainConfig changes, pieces) on ``folder``; ``settings`` change the
    config further and win (the seed; the tests' tiny sizes)."""
    changes, pieces = variants[variant]
    config = dataclasses.replace(training.TrainConfig(), **{**changes, **settings})
    data = training.load(config, folder, repo_root() / ".cache")
    with tempfile.TemporaryDirectory() as scratch:
        os.environ[OUTPUT_ENV] = scratch
        return train_in_run(f"{question}_variants", question, f"{question} {variant} seed={config.seed}", config,
                            {data_role: folder}, lambda output: training.train(config, data, output, pieces=pieces))


def main(question: str, training, default_folder: str, data_role: str, variants: dict,
         headline: tuple[str, ...]) -> None:
    """The command line: ``VARIANT [--seed S] [--threads N] [--data FOLDER]``. ``data_role`` names the data folder's
    tag as `invoke train` names it, so the runs compare in the MLflow UI."""
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=sorted(variants))
    parser.add_argument("--seed", type=int, default=0, help="the split and the initialisation, as `invoke train`")
    parser.add_argument("--threads", type=int, default=1, help="1, as the README's runs")
    parser.add_argument("--data", default=None, help=f"a folder like {default_folder}/ (default: as `invoke train`)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    folder = resolve_data(default_folder, args.data)
    metrics = train_variant(training, question, args.variant, variants, folder, data_role, seed=args.seed)
    print(json.dumps({key: metrics.get(key) for key in headline}))
