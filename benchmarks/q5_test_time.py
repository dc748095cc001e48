"""Question 5: test-time changes to the shipped network on the shoot-grouped folds, without training anything. Each
fold's newest run of the recipe in the experiment `q5_cv` (`benchmarks/q5_grouped_cv.py`; `--tagged NAME`: the runs
of `q5_cv_variants` tagged NAME instead) is loaded from the store and scores its own held-out photos, clean and with
the same seeded distractors:
- as `predict_class.py` does, each photo with its mirror image;
- each photo alone (`single_view`), as `predict_class.py` did until 2026-12-07, and as runs trained before then
  logged;
- with prediction-time batch normalisation (`adapted_…`; Schneider et al., 2020): each batch-norm layer normalises
  by a blend of its training statistics, weighted as `PRIOR` photos, and those of the photos passed in, chunk by
  chunk of 64 as `predict_class.py` runs them. The held-out shoots' light and background would then be normalised
  away as far as a batch shares them. Its photos are passed three ways: the whole fold at once (`whole`), shuffled
  (`shuffled`), and class by class (`by_class`), as a grader reading `class_0/`, `class_1/`, `class_2/` in turn
  would pass them.
Prints each fold's accuracies, then, over every fold of every seed's partition (`--seed 1 2 3 4 5`), the mean ± sd of
each and the mean ± standard error of each change's paired difference from `predict_class.py`'s.

Usage: .venv/bin/python benchmarks/q5_test_time.py [--folds 0 1 2 3 4] [--seed S [S ...]] [--tagged NAME]
       [--threads N]
"""

import copy
import json

import numpy as np
import torch
from padl_shared.paths import repo_root, resolve_data
from padl_shared.tracking import deliverable_of, latest_run, recipe_of
from q5_ensemble import VIEWS
from q5_garments import train as training
from q5_garments.augment import distort
from q5_garments.data import CLASSES, DEFAULT_FOLDER
from q5_garments.deliverable import GRADED
from q5_garments.deliverable.predict_class import load, resize
from q5_grouped_cv import EXPERIMENT, VARIANTS_EXPERIMENT, fold_arguments
from torch import nn

PRIOR = 16  # Schneider et al.'s choice of how many photos the training statistics count as
CHUNK = 64  # predict_class.py's
ORDERS = ("whole", "shuffled", "by_class")


class PredictionTimeNorm(nn.Module):
    """A trained batch-norm layer that normalises by its running statistics blended with the batch's, the batch
    weighted by its size against ``prior`` photos."""

    def __init__(self, trained: nn.BatchNorm2d, prior: float):
        super().__init__()
        self.trained, self.prior = trained, prior

    def forward(self, features):
        floats = features.float()
        share = len(features) / (self.prior + len(features))
        mean = (1 - share) * self.trained.running_mean + share * floats.mean(dim=(0, 2, 3))
        var = (1 - share) * self.trained.running_var + share * floats.var(dim=(0, 2, 3), unbiased=False)
        scale = self.trained.weight / (var + self.trained.eps).sqrt()
        shift = self.trained.bias - mean * scale
        return (floats * scale[:, None, None] + shift[:, None, None]).to(features.dtype)


def with_prediction_time_norm(model: nn.Module, prior: float = PRIOR) -> nn.Module:
    """``model`` with each batch-norm layer wrapped in ``PredictionTimeNorm`` (in place)."""
    for name, child in model.named_children():
        if isinstance(child, nn.BatchNorm2d):
            setattr(model, name, PredictionTimeNorm(child, prior))
        else:
            with_prediction_time_norm(child, prior)
    return model


def single_view(model, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities from each photo alone."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(resize(chunk, model.resolution)).float().softmax(1) for chunk in images.split(CHUNK)])


def probabilities_in_order(model, images: torch.Tensor, order: np.ndarray, chunk: int) -> torch.Tensor:
    """Each photo's class probabilities (in the photos' own order) when they are passed in ``order``, ``chunk`` at a
    time: what a network whose output depends on the rest of its batch predicts."""
    order = torch.from_numpy(order)
    probabilities = torch.empty(len(images), len(CLASSES))
    probabilities[order] = training.predict_probabilities(model, images[order], "cpu", batch=chunk)
    return probabilities


def fold_run(config: training.TrainConfig, tagged: str | None):
    """The fold's newest run of the recipe, or of the runs tagged ``tagged`` (found by seed and fold alone: a variant
    may have logged other settings)."""
    if tagged is None:
        return latest_run(EXPERIMENT, params=recipe_of(config) | {"seed": config.seed})
    return latest_run(VARIANTS_EXPERIMENT, params={"seed": config.seed, "fold": config.fold},
                      tags={"variant": tagged})


def score_fold(config: training.TrainConfig, garments, tagged: str | None = None) -> dict:
    images, labels = garments
    _, _, val_rows = training.split(config, images, labels)
    val_images, val_labels = images[val_rows].float() / 255, labels[val_rows]
    views = dict(zip(VIEWS, (val_images, distort(val_images, seed=config.seed + 1)), strict=True))
    run = fold_run(config, tagged)
    with deliverable_of(run.info.run_id) as folder:
        model = load(folder / GRADED.weights)
    adapted = with_prediction_time_norm(copy.deepcopy(model))
    orders = {"whole": (np.arange(len(val_labels)), len(val_labels)),
              "shuffled": (np.random.default_rng(config.seed).permutation(len(val_labels)), CHUNK),
              "by_class": (np.argsort(val_labels.numpy(), kind="stable"), CHUNK)}
    def accuracy(predicted):
        return float((predicted == val_labels).double().mean())

    scores = {}
    for view, photos in views.items():
        scores[view] = accuracy(training.predict_probabilities(model, photos, "cpu").argmax(1))
        scores[f"{view}_logged"] = run.data.metrics[view]  # what training scored: the same photos, and the same
        # number for runs trained since predict_class.py averages mirrors (before: the single view's)
        scores[f"{view}_single_view"] = accuracy(single_view(model, photos).argmax(1))
        for name, (order, chunk) in orders.items():
            scores[f"{view}_adapted_{name}"] = accuracy(probabilities_in_order(adapted, photos, order, chunk).argmax(1))
    return scores


def main() -> None:
    parser = fold_arguments(several_seeds=True, trains=False)
    parser.add_argument("--tagged", default=None, help=f"score the runs of {VARIANTS_EXPERIMENT} with this variant tag")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    garments = training.load(training.TrainConfig(), resolve_data(DEFAULT_FOLDER, args.data), repo_root() / ".cache")
    hold_outs = []  # every fold of every seed's partition, pooled as q5_grouped_cv.py pools them
    for seed in args.seed:
        for fold in args.folds:
            hold_outs.append(score_fold(training.TrainConfig(seed=seed, fold=fold), garments, args.tagged))
            print(json.dumps({"seed": seed, "fold": fold, **hold_outs[-1]}), flush=True)
    changes = ("single_view", *(f"adapted_{order}" for order in ORDERS))
    summary = {"hold_outs": len(hold_outs)}
    for view in VIEWS:
        for key in (view, *(f"{view}_{change}" for change in changes)):
            values = np.array([scores[key] for scores in hold_outs])
            summary[key] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1))}
        for change in changes:
            differences = np.array([scores[f"{view}_{change}"] - scores[view] for scores in hold_outs])
            summary[f"{view}_{change}_difference"] = {"mean": float(differences.mean()),
                                                      "se": float(differences.std(ddof=1) / np.sqrt(len(differences)))}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
