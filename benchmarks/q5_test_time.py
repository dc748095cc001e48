"""Question 5: test-time averaging on the shoot-grouped folds, without training anything. Each fold's newest run of
the recipe in the experiment `q5_cv` (`benchmarks/q5_grouped_cv.py`) is loaded from the store and scores its own
held-out photos, clean and with the same seeded distractors, once as `predict_class.py` does and once averaging
the softmax of each photo and its mirror image. Prints each fold's accuracy both ways, then the mean ± sd of each
and the mean ± standard error of the paired differences.

Usage: .venv/bin/python benchmarks/q5_test_time.py [--folds 0 1 2 3 4] [--seed S] [--threads N]
"""

import dataclasses
import json

import numpy as np
import torch
from padl_shared.paths import repo_root, resolve_data
from padl_shared.tracking import deliverable_of, latest_run, recipe_of
from q5_ensemble import VIEWS
from q5_garments import train as training
from q5_garments.augment import distort
from q5_garments.data import DEFAULT_FOLDER
from q5_garments.deliverable import GRADED
from q5_garments.deliverable.predict_class import load
from q5_grouped_cv import EXPERIMENT, fold_arguments


def mirrored_average(model, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities averaged over each photo and its left-right mirror image."""
    return sum(training.predict_logits(model, view, "cpu").softmax(1) for view in (images, images.flip(-1))) / 2


def score_fold(config: training.TrainConfig, garments) -> dict:
    images, labels = garments
    _, _, val_rows = training.split(config, images, labels)
    val_images, val_labels = images[val_rows].float() / 255, labels[val_rows]
    views = dict(zip(VIEWS, (val_images, distort(val_images, seed=config.seed + 1)), strict=True))
    run = latest_run(EXPERIMENT, params=recipe_of(config) | {"seed": config.seed})
    with deliverable_of(run.info.run_id) as folder:
        model = load(folder / GRADED.weights)
    scores = {}
    for view, photos in views.items():
        single = training.predict_logits(model, photos, "cpu").argmax(1)
        scores[view] = float((single == val_labels).double().mean())
        scores[f"{view}_mirrored"] = float((mirrored_average(model, photos).argmax(1) == val_labels).double().mean())
        scores[f"{view}_logged"] = run.data.metrics[view]  # what training scored: the same photos, the same number
    return scores


def main() -> None:
    args = fold_arguments().parse_args()
    torch.set_num_threads(args.threads)
    config = training.TrainConfig(seed=args.seed)
    garments = training.load(config, resolve_data(DEFAULT_FOLDER, args.data), repo_root() / ".cache")
    folds = {}
    for fold in args.folds:
        folds[fold] = score_fold(dataclasses.replace(config, fold=fold), garments)
        print(json.dumps({"fold": fold, **folds[fold]}), flush=True)
    summary = {}
    for key in (*VIEWS, *(f"{view}_mirrored" for view in VIEWS)):
        values = np.array([scores[key] for scores in folds.values()])
        summary[key] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1))}
    for view in VIEWS:
        gains = np.array([scores[f"{view}_mirrored"] - scores[view] for scores in folds.values()])
        summary[f"{view}_gain"] = {"mean": float(gains.mean()), "se": float(gains.std(ddof=1) / np.sqrt(len(gains)))}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
