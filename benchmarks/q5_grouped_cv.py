"""Question 5's recipe across every fold of its shoot-grouped hold-out: the estimate of accuracy on new photos.

The split run (`invoke train --q 5 --holdout`) holds out one fold of five, each shoot (a cluster of photos sharing a
background and light, `q5_garments.data.shoots`) wholly on one side. This trains the recipe with each fold held
out in turn, into the MLflow experiment `q5_cv` (which `evaluate` and `bundle` never read), and prints each fold's
accuracy and their mean ± sd. `--variant` trains one of `q5_variants.py`'s instead, into `q5_cv_variants`, each
run tagged with its name, and prints the recipe's folds beside it. A run that ships averaged weights (the recipe's
stochastic weight averaging) also scores its last step's, so the report gives the averaging's paired gain.
`--report` only prints, from the finished runs in the store. Several seeds (`--seed 1 2 3 4 5`) run each seed's
partition into shoots and folds in turn, and the report pools their hold-outs. It prints what each run logged: runs
trained before 2026-12-07 scored each photo alone, since then as `predict_class.py` does, with its mirror image;
`q5_test_time.py --seed 1 2 3 4 5` rescores the stored networks both ways (the package README's estimate).

Usage: .venv/bin/python benchmarks/q5_grouped_cv.py [--variant NAME] [--folds 0 1 2 3 4] [--seed S [S ...]]
       [--threads N] [--report]
"""

import argparse
import dataclasses
import json
import os
import tempfile

import mlflow
import numpy as np
import torch
from padl_shared.errors import DataError
from padl_shared.paths import OUTPUT_ENV, repo_root, resolve_data
from padl_shared.tracking import latest_run, recipe_of, train_in_run
from q5_garments import train as training
from q5_garments.data import DEFAULT_FOLDER
from q5_variants import VARIANTS

EXPERIMENT, VARIANTS_EXPERIMENT = "q5_cv", "q5_cv_variants"
HEADLINE = ("accuracy", "accuracy_distorted")


def variant_of(name: str) -> tuple[training.TrainConfig, training.Pieces]:
    """``name``'s config (seed 0, fold 0) and pieces from q5_variants.py; "default" is the recipe."""
    changes, pieces = VARIANTS[name]
    return dataclasses.replace(training.TrainConfig(), **changes), pieces


def train_fold(config, folder, variant: str = "default") -> dict:
    _, pieces = variant_of(variant)
    data = training.load(config, folder, repo_root() / ".cache")

    def fit(output):
        if variant != "default":
            mlflow.set_tag("variant", variant)
        return training.train(config, data, output, pieces=pieces)

    experiment, name = (EXPERIMENT, "q5") if variant == "default" else (VARIANTS_EXPERIMENT, f"q5 {variant}")
    with tempfile.TemporaryDirectory() as scratch:
        os.environ[OUTPUT_ENV] = scratch
        return train_in_run(experiment, "q5", f"{name} fold {config.fold} seed={config.seed}", config,
                            {"garments": folder}, fit)


def report(config, variant: str = "default") -> dict:
    """Each fold's newest finished run of this recipe (or variant) and seed, and the mean ± sd over them. A run that
    ships averaged weights also logs its last step's (`last_step_…`): those get a mean ± sd too, and the paired gain of
    the averaging as mean ± standard error."""
    folds = {}
    experiment, tags = (EXPERIMENT, None) if variant == "default" else (VARIANTS_EXPERIMENT, {"variant": variant})
    for fold in range(round(1 / config.val_fraction)):
        recipe = recipe_of(dataclasses.replace(config, fold=fold)) | {"seed": config.seed}
        try:
            run = latest_run(experiment, params=recipe, tags=tags)
        except DataError:  # a fold not run yet
            continue
        folds[fold] = {key: value for key, value in run.data.metrics.items()
                       if key.removeprefix("last_step_") in HEADLINE or key == "n_val"}
    summary = {"folds": folds}
    for key in (*HEADLINE, *(f"last_step_{key}" for key in HEADLINE)):
        values = np.array([fold[key] for fold in folds.values() if key in fold])
        if len(values):
            summary[key] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1 else None}
    for key in HEADLINE:
        paired = [fold for fold in folds.values() if f"last_step_{key}" in fold]
        gains = np.array([fold[key] - fold[f"last_step_{key}"] for fold in paired])
        if len(gains) > 1:
            summary[f"averaging_gain_{key}"] = {"mean": float(gains.mean()),
                                                "se": float(gains.std(ddof=1) / np.sqrt(len(gains)))}
    return summary


def pooled(summaries: list[dict]) -> dict:
    """The mean ± sd over every hold-out of several partitions' reports (``report``'s, one a seed)."""
    result = {"hold_outs": sum(len(summary["folds"]) for summary in summaries)}
    for key in HEADLINE:
        values = np.array([fold[key] for summary in summaries for fold in summary["folds"].values()])
        if len(values) > 1:
            result[key] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1))}
    return result


def fold_arguments(several_seeds: bool = False, trains: bool = True) -> argparse.ArgumentParser:
    """The command line of a benchmark over the grouped folds (this one, q5_ensemble.py and q5_test_time.py); one that
    ``trains`` may be asked only to report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    if several_seeds:
        parser.add_argument("--seed", type=int, nargs="+", default=[0],
                            help="the shoots' clustering and the folds' shuffle; several: each partition in turn, and "
                                 "their hold-outs pooled")
    else:
        parser.add_argument("--seed", type=int, default=0, help="the shoots' clustering and the folds' shuffle")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default=None, help=f"a folder like {DEFAULT_FOLDER}/ (default: as `invoke train`)")
    if trains:
        parser.add_argument("--report", action="store_true", help="only print what the store holds")
    return parser


def main() -> None:
    parser = fold_arguments(several_seeds=True)
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="default", help="one of q5_variants.py's")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    configs = [dataclasses.replace(variant_of(args.variant)[0], seed=seed) for seed in args.seed]
    if not args.report:
        folder = resolve_data(DEFAULT_FOLDER, args.data)
        for config in configs:
            for fold in args.folds:
                metrics = train_fold(dataclasses.replace(config, fold=fold), folder, args.variant)
                print(json.dumps({"seed": config.seed, "fold": fold, **{k: metrics[k] for k in (*HEADLINE, "n_val")}}),
                      flush=True)
    summaries = [report(config, args.variant) for config in configs]
    for config, summary in zip(configs, summaries, strict=True):
        print(json.dumps({"seed": config.seed, **summary}))
    if len(summaries) > 1:
        print(json.dumps({"pooled": pooled(summaries)}))
    if args.variant != "default":  # the recipe's folds beside it, from the store
        for seed in args.seed:
            print(json.dumps({"recipe": {"seed": seed, **report(training.TrainConfig(seed=seed))}}))


if __name__ == "__main__":
    main()
