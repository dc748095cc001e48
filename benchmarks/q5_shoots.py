"""Why question 5's random held-out split flatters, and how many shoots to find: two cheap measurements on the
stand-ins, each over the five folds of a random stratified split and of shoot-grouped splits.

1. How far the held-out photos sit from the training ones: a classifier on whole-photo colour statistics (mean and
   spread of each channel) tells a fold's photos from the rest at this ROC AUC. New photos from the same collection
   differ from the stand-ins at AUC ≈ 0.67 (measured outside the project); a random split, at 0.5.
2. What that does to a classifier: a 1-nearest-neighbour and a logistic regression on 16 px thumbnails, scored on
   each fold. Nothing here trains the CNN or reads its numbers, so the grouping is not chosen on them.

Usage: .venv/bin/python benchmarks/q5_shoots.py [--counts 43 86 172] [--seed S]
"""

import argparse
import json

import numpy as np
import torch.nn.functional as F
from padl_shared.paths import repo_root, resolve_data
from q5_garments.data import DEFAULT_FOLDER, load_folder, shoots
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier


def fold_shift(statistics, labels, folds) -> list[float]:
    """For each fold, the cross-validated ROC AUC of telling its photos from the others by colour statistics."""
    aucs = []
    for _, held_out in folds:
        member = np.zeros(len(labels), dtype=int)
        member[held_out] = 1
        guess = cross_val_predict(HistGradientBoostingClassifier(max_depth=3, max_iter=100), statistics, member,
                                  cv=StratifiedKFold(5, shuffle=True, random_state=1), method="predict_proba")[:, 1]
        aucs.append(roc_auc_score(member, guess))
    return aucs


def fold_accuracy(model, thumbnails, labels, folds) -> list[float]:
    return [float(np.mean(model.fit(thumbnails[train], labels[train]).predict(thumbnails[test]) == labels[test]))
            for train, test in folds]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", type=int, nargs="*", default=[43, 86, 172], help="shoots to find")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    images, labels = load_folder(resolve_data(DEFAULT_FOLDER), cache_dir=repo_root() / ".cache")
    labels = labels.numpy()
    photos = images.float() / 255
    statistics = np.concatenate([photos.mean((2, 3)).numpy(), photos.std((2, 3)).numpy()], 1)
    thumbnails = F.interpolate(photos, size=(16, 16), mode="area").flatten(1).numpy()
    splits = {"random": list(StratifiedKFold(5, shuffle=True, random_state=args.seed).split(statistics, labels))}
    for count in args.counts:
        groups = shoots(images, count, args.seed)
        splits[f"{count} shoots"] = list(StratifiedGroupKFold(5, shuffle=True, random_state=args.seed)
                                         .split(statistics, labels, groups))
    for name, folds in splits.items():
        row = {"split": name, "shift_auc": fold_shift(statistics, labels, folds),
               "nearest_neighbour": fold_accuracy(KNeighborsClassifier(1), thumbnails, labels, folds),
               "logistic": fold_accuracy(LogisticRegression(max_iter=2000, C=0.1), thumbnails, labels, folds)}
        print(json.dumps({key: value if isinstance(value, str) else f"{np.mean(value):.3f} ± {np.std(value):.3f}"
                          for key, value in row.items()}), flush=True)


if __name__ == "__main__":
    main()
