"""What q5_variants.py and q6_variants.py share: a question's split run with one piece swapped in for this
process, logged to the MLflow experiment `<question>_variants` (which `evaluate` and `bundle` never read), its
deliverable written to a temporary folder and thrown away, its headline metrics printed as JSON."""

import argparse
import dataclasses
import json
import os
import tempfile
from unittest import mock

import torch
from padl_shared.paths import OUTPUT_ENV, repo_root, resolve_data
from padl_shared.tracking import train_in_run


def run_variant(question: str, training, default_folder: str, data_role: str, variants: dict,
                headline: tuple[str, ...]) -> None:
    """``variants``: name → (what it changes in ``training.TrainConfig``, a context manager that swaps in the
    piece it changes); the name comes from the command line. ``data_role`` names the data folder's tag as
    `invoke train` names it, so the runs compare in the MLflow UI."""
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=sorted(variants))
    parser.add_argument("--seed", type=int, default=0, help="the split and the initialisation, as `invoke train`")
    parser.add_argument("--threads", type=int, default=1, help="1, as the README's runs")
    parser.add_argument("--data", default=None, help=f"a folder like {default_folder}/ (default: as `invoke train`)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    changes, swap = variants[args.variant]
    config = dataclasses.replace(training.TrainConfig(seed=args.seed), **changes)
    folder = resolve_data(default_folder, args.data)
    with swap, tempfile.TemporaryDirectory() as scratch, mock.patch.dict(os.environ, {OUTPUT_ENV: scratch}):
        metrics = train_in_run(f"{question}_variants", question, f"{question} {args.variant} seed={args.seed}", config,
                               {data_role: folder}, lambda output: training.train(config, folder, output,
                                                                               repo_root() / ".cache"))
    print(json.dumps({key: metrics.get(key) for key in headline}))
