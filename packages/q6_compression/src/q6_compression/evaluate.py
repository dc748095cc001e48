"""Score the latest trained codec on a folder of faces, calling compress_images.py as the grader does."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import torch
from padl_shared.metrics import ssim_per_image

from q6_compression.data import decode_images, image_files
from q6_compression.train import QUESTION


def import_deliverable(folder: Path):
    spec = importlib.util.spec_from_file_location("graded_compress_images", folder / "compress_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(faces_folder: Path, deliverable: Path) -> dict:
    images = decode_images(image_files(faces_folder)).float() / 255
    codec = import_deliverable(deliverable)
    restored = codec.decode(codec.encode(images))
    return {"ssim": float(ssim_per_image(images, restored).mean()),
            "mse": float(torch.mean((images - restored) ** 2)), "n": int(len(images))}


def run_evaluation(args) -> dict:
    import mlflow
    from padl_shared.tracking import latest_run

    run_id = latest_run(QUESTION).info.run_id
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="deliverable",
                                                          dst_path=scratch))
        return score(Path(args.data), folder)
