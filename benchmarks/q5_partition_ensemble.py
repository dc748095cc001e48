"""Question 5: what an ensemble of full networks would buy, an upper bound from networks already trained.

Each partition into shoots and folds (`benchmarks/q5_grouped_cv.py --seed S`, experiment `q5_cv`) holds every photo
out of exactly one of its five fold networks. So every photo can be scored by one network of each partition that never
saw it, and their softmax averaged: an ensemble of as many networks as partitions, each trained as the recipe trains
(the compute of that many `invoke train --q 5`). Prints the accuracy, clean and with distractors, of every ensemble
of m of the partitions (mean, min and max over the choices of m), and the leak that makes it an upper bound: the
networks of other partitions clustered the shoots otherwise, so they trained on some of a photo's shoot-mates (the
share is printed; within a partition it is none).

Usage: .venv/bin/python benchmarks/q5_partition_ensemble.py [--seed S [S ...]] [--threads N] [--data FOLDER]
"""

import argparse
import dataclasses
import itertools
import json

import numpy as np
import torch
from padl_shared.paths import repo_root, resolve_data
from padl_shared.tracking import deliverable_of
from q5_ensemble import VIEWS
from q5_garments import train as training
from q5_garments.augment import distort
from q5_garments.data import CLASSES, DEFAULT_FOLDER
from q5_garments.deliverable import GRADED
from q5_garments.deliverable.predict_class import load
from q5_test_time import fold_run

DISTORTION_SEED = 1  # one distorted copy of every photo, shared by every network


def held_out_probabilities(config: training.TrainConfig, images: torch.Tensor, labels: torch.Tensor,
                           views: dict[str, torch.Tensor]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """For ``config``'s partition: each photo's class probabilities (per view) from the fold network that held it
    out, each photo's fold and its shoot."""
    probabilities = {view: np.zeros((len(labels), len(CLASSES))) for view in views}
    fold_of = np.full(len(labels), -1)
    shoot_of, _, _ = training.split(config, images, labels)  # the shoots are the partition's, whichever fold
    for fold in range(round(1 / config.val_fraction)):
        fold_config = dataclasses.replace(config, fold=fold)
        _, val_rows = training.split_rows(labels, shoot_of, fold_config)
        fold_of[val_rows] = fold
        with deliverable_of(fold_run(fold_config, None).info.run_id) as folder:
            model = load(folder / GRADED.weights)
        for view, photos in views.items():
            probabilities[view][val_rows] = training.predict_probabilities(model, photos[val_rows], "cpu").numpy()
    return probabilities, fold_of, shoot_of


def ensembles(probabilities: list[dict[str, np.ndarray]], labels: np.ndarray) -> dict[str, dict]:
    """Accuracy of the averaged softmax of every choice of m partitions' networks, m = 1 … all: mean, min, max."""
    summary = {}
    for view in probabilities[0]:
        for size in range(1, len(probabilities) + 1):
            accuracies = [float((np.mean([probabilities[member][view] for member in chosen], 0).argmax(1) == labels)
                                .mean()) for chosen in itertools.combinations(range(len(probabilities)), size)]
            summary[f"{view}_{size}"] = {"mean": float(np.mean(accuracies)), "min": min(accuracies),
                                         "max": max(accuracies)}
    return summary


def shoot_mates_seen(fold_of: list[np.ndarray], shoot_of: list[np.ndarray]) -> float:
    """Over ordered pairs of partitions (a, b) and photos: the share of a photo's shoot-mates under a's clustering
    that b's network for the photo trained on."""
    shares = []
    for a, b in itertools.permutations(range(len(fold_of)), 2):
        for photo in range(len(fold_of[a])):
            mates = np.flatnonzero(shoot_of[a] == shoot_of[a][photo])
            mates = mates[mates != photo]
            if len(mates):
                shares.append(np.mean(fold_of[b][mates] != fold_of[b][photo]))
    return float(np.mean(shares))


def partition_ensemble(config: training.TrainConfig, seeds: list[int], garments) -> dict:
    images, labels = garments
    floats = images.float() / 255
    views = dict(zip(VIEWS, (floats, distort(floats, seed=DISTORTION_SEED)), strict=True))
    scored = [held_out_probabilities(dataclasses.replace(config, seed=seed), images, labels, views) for seed in seeds]
    probabilities, fold_of, shoot_of = zip(*scored, strict=True)
    return {"partitions": len(seeds), "photos": len(labels), **ensembles(list(probabilities), labels.numpy()),
            "shoot_mates_seen": shoot_mates_seen(list(fold_of), list(shoot_of)) if len(seeds) > 1 else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, nargs="+", default=[1, 2, 3, 4, 5], help="the partitions")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default=None, help=f"a folder like {DEFAULT_FOLDER}/ (default: as `invoke train`)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = training.TrainConfig()
    garments = training.load(config, resolve_data(DEFAULT_FOLDER, args.data), repo_root() / ".cache")
    print(json.dumps(partition_ensemble(config, args.seed, garments)))


if __name__ == "__main__":
    main()
