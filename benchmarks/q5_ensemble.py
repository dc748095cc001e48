"""Question 5: an ensemble for the time of one network. Each member is the recipe trained for 1/members of its
epochs (its own initialisation and augmentation draws), and the ensemble averages the members' softmax; it is
scored on the shoot-grouped folds of `benchmarks/q5_grouped_cv.py` (the same clustering and folds for the seed), so
it compares fold by fold with the single network of the experiment `q5_cv`. Runs go to the MLflow experiment
`q5_ensemble` (each member a nested run with its curves), which `evaluate` and `bundle` never read; nothing is
shipped. Prints each fold's accuracy, clean and distorted, of the ensemble and of each member alone, then the
mean ± sd of each beside the single network's.

Usage: .venv/bin/python benchmarks/q5_ensemble.py [--members 2] [--folds 0 1 2 3 4] [--seed S] [--threads N]
"""

import dataclasses
import json
from pathlib import Path

import mlflow
import numpy as np
import torch
from padl_shared.device import select_device
from padl_shared.errors import DataError
from padl_shared.paths import repo_root, resolve_data
from padl_shared.seeding import seed_everything
from padl_shared.tracking import PROCESS_TAG, flatten, latest_run, recipe_of, this_process, tracked_run
from q5_garments import train as training
from q5_garments.augment import distort
from q5_garments.data import DEFAULT_FOLDER
from q5_garments.deliverable.predict_class import resize
from q5_grouped_cv import fold_arguments
from q5_grouped_cv import report as single_network_report

EXPERIMENT = "q5_ensemble"
VIEWS = ("accuracy", "accuracy_distorted")  # clean, and with the seeded distractors score_held_out uses


def member_config(config: training.TrainConfig, members: int) -> training.TrainConfig:
    return dataclasses.replace(config, epochs=max(1, round(config.epochs / members)))


def run_fold(config: training.TrainConfig, members: int, folder: Path, garments) -> dict:
    """Train ``members`` networks on the fold's training shoots, each for 1/members of the recipe's epochs, and
    score each alone and their averaged softmax on its held-out shoots; logged to one run of `q5_ensemble`."""
    images, labels = garments
    _, train_rows, val_rows = training.split(config, images, labels)
    photos = training.downsized(images[train_rows], config.resolution)
    val_images, val_labels = images[val_rows].float() / 255, labels[val_rows]
    views = dict(zip(VIEWS, (val_images, distort(val_images, seed=config.seed + 1)), strict=True))
    validation = (resize(val_images, config.resolution), val_labels)  # the curves' check, resized once for all members
    device = select_device(config.device)
    short = member_config(config, members)
    probabilities: dict[str, list[torch.Tensor]] = {view: [] for view in VIEWS}
    metrics: dict[str, float] = {"n_train": len(train_rows), "n_val": len(val_rows)}
    name = f"q5 fold {config.fold} {members} members × {short.epochs} epochs seed={config.seed}"
    params = flatten(config) | {"members": members}
    with tracked_run(EXPERIMENT, name, config.seed, params, {"garments": folder}) as run:
        for member in range(members):
            seed_everything(config.seed + member)  # member 0 starts as the recipe's run would
            with mlflow.start_run(experiment_id=run.info.experiment_id, run_name=f"member {member}", nested=True,
                                  tags={PROCESS_TAG: this_process()}):
                model, _, _ = training.fit(dataclasses.replace(short, seed=config.seed + member), photos,
                                           labels[train_rows], device, validation)
            for view in VIEWS:
                probability = training.predict_probabilities(model.cpu(), views[view], "cpu")
                probabilities[view].append(probability)
                metrics[f"{view}_member_{member}"] = float((probability.argmax(1) == val_labels).float().mean())
        for view in VIEWS:
            averaged = torch.stack(probabilities[view]).mean(0)
            metrics[view] = float((averaged.argmax(1) == val_labels).float().mean())
        mlflow.log_metrics(metrics)
    return metrics


def summary(config: training.TrainConfig, members: int) -> dict:
    """Mean ± sd over the folds in the store: the ensemble's, each member's alone, and the single network's."""
    folds = {}
    for fold in range(round(1 / config.val_fraction)):
        recipe = recipe_of(dataclasses.replace(config, fold=fold)) | {"seed": config.seed, "members": members}
        try:
            folds[fold] = latest_run(EXPERIMENT, params=recipe).data.metrics
        except DataError:  # a fold not run yet
            continue
    keys = [*VIEWS, *(f"{view}_member_{m}" for view in VIEWS for m in range(members))]
    result = {"folds": sorted(folds)}
    for key in keys:
        values = np.array([folds[fold][key] for fold in folds])
        if len(values):
            result[key] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1 else None}
    result["single network (q5_cv)"] = {k: v for k, v in single_network_report(config).items() if k in VIEWS}
    return result


def main() -> None:
    parser = fold_arguments()
    parser.add_argument("--members", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = training.TrainConfig(seed=args.seed)
    if not args.report:
        folder = resolve_data(DEFAULT_FOLDER, args.data)
        garments = training.load(config, folder, repo_root() / ".cache")
        for fold in args.folds:
            metrics = run_fold(dataclasses.replace(config, fold=fold), args.members, folder, garments)
            print(json.dumps({"fold": fold, **metrics}), flush=True)
    print(json.dumps(summary(config, args.members)))


if __name__ == "__main__":
    main()
