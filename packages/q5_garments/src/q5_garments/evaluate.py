"""Score the latest trained classifier on a class_0/1/2 folder, calling predict_class.py as the grader does."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import torch

from q5_garments.data import CLASSES, load_folder
from q5_garments.train import QUESTION


def import_deliverable(folder: Path):
    spec = importlib.util.spec_from_file_location("graded_predict_class", folder / "predict_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(images_folder: Path, deliverable: Path) -> dict:
    images, labels = load_folder(images_folder)
    classifier = import_deliverable(deliverable)
    predicted = torch.cat([classifier.predict(chunk.float() / 255) for chunk in images.split(64)]).view(-1)
    correct = predicted == labels
    per_class = {str(label): float(correct[labels == label].float().mean()) for label in range(len(CLASSES))
                 if (labels == label).any()}
    return {"accuracy": float(correct.float().mean()), "per_class": per_class, "n": int(len(labels))}


def run_evaluation(args) -> dict:
    import mlflow
    from padl_shared.tracking import latest_run

    run_id = latest_run(QUESTION).info.run_id
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="deliverable",
                                                          dst_path=scratch))
        return score(Path(args.data), folder)
