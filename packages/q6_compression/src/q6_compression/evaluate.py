"""Score the latest trained codec on a folder of faces, calling compress_images.py as the grader does."""

from __future__ import annotations

from pathlib import Path

import torch
from padl_shared.contract import import_deliverable
from padl_shared.metrics import ssim_per_image

from q6_compression.data import DEFAULT_FOLDER, decode_images, image_files
from q6_compression.train import QUESTION


def score(faces_folder: Path, deliverable: Path) -> dict:
    images = decode_images(image_files(faces_folder)).float() / 255
    codec = import_deliverable(deliverable / "compress_images.py")
    restored = codec.decode(codec.encode(images))
    return {"ssim": float(ssim_per_image(images, restored).mean()),
            "mse": float(torch.mean((images - restored) ** 2)), "n": int(len(images))}


def run_evaluation(args) -> dict:
    from padl_shared.paths import resolve_data
    from padl_shared.tracking import latest_deliverable

    data = resolve_data(DEFAULT_FOLDER, args.data)
    with latest_deliverable(QUESTION) as folder:
        return score(data, folder)
