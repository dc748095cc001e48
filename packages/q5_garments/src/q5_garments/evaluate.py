"""Score the latest trained classifier on a class_0/1/2 folder, calling predict_class.py as the grader does."""

from __future__ import annotations

from pathlib import Path

import torch
from padl_shared.contract import import_deliverable

from q5_garments.data import CLASSES, DEFAULT_FOLDER, load_folder
from q5_garments.train import QUESTION


def score(images_folder: Path, deliverable: Path) -> dict:
    images, labels = load_folder(images_folder)
    classifier = import_deliverable(deliverable / "predict_class.py")
    predicted = torch.cat([classifier.predict(chunk.float() / 255) for chunk in images.split(64)]).view(-1)
    correct = predicted == labels
    per_class = {str(label): float(correct[labels == label].float().mean()) for label in range(len(CLASSES))
                 if (labels == label).any()}
    return {"accuracy": float(correct.float().mean()), "per_class": per_class, "n": int(len(labels))}


def run_evaluation(args) -> dict:
    from padl_shared.paths import resolve_data
    from padl_shared.tracking import latest_deliverable

    data = resolve_data(DEFAULT_FOLDER, args.data)
    with latest_deliverable(QUESTION) as folder:
        return score(data, folder)
