"""Garment photos: validate the class_0/1/2 layout, decode once into a cached uint8 tensor."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from padl_shared.errors import DataError
from PIL import Image

DEFAULT_FOLDER = "garment_images"
CLASSES = ("t-shirt", "jumper/hoody", "jeans")
SIZE = 256
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def class_files(folder: Path) -> list[tuple[Path, int]]:
    """(file, label) for every image under class_0 … class_2, sorted; a DataError if the layout is off."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder (expected class_0/, class_1/, class_2/ inside)")
    found = []
    for label in range(len(CLASSES)):
        sub = folder / f"class_{label}"
        if not sub.is_dir():
            raise DataError(f"{folder}: missing class_{label}/ ({CLASSES[label]})")
        files = sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DataError(f"{sub}: no images")
        found += [(path, label) for path in files]
    return found


def decode(path: Path, size: int) -> np.ndarray:
    """3×size×size uint8 RGB; a DataError naming an unreadable file."""
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
            if image.size != (size, size):
                image = image.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
            return np.asarray(image).transpose(2, 0, 1)
    except OSError as error:
        raise DataError(f"{path}: not a readable image ({error})") from None


def load_folder(folder: Path, size: int = SIZE, limit_per_class: int | None = None,
                cache_dir: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """N×3×size×size uint8 images and N int64 labels; decoded once per folder content and size."""
    from padl_shared.cache import cached_tensors
    from padl_shared.paths import sha256_of

    files = class_files(folder)
    if limit_per_class is not None:
        files = [f for label in range(len(CLASSES)) for f in [x for x in files if x[1] == label][:limit_per_class]]
    cache = None
    if cache_dir is not None and limit_per_class is None:
        cache = Path(cache_dir) / f"garments-{sha256_of(Path(folder))[:16]}-{size}.pt"
    saved = cached_tensors(cache, lambda: {
        "images": torch.from_numpy(np.stack([decode(path, size) for path, _ in files])),
        "labels": torch.tensor([label for _, label in files], dtype=torch.int64)})
    return saved["images"], saved["labels"]


def originals(images: torch.Tensor) -> np.ndarray:
    """For each photo, the row of the first photo with the same pixels (its own row if none). Photo sets
    gathered from the web hold the same photo saved twice; the held-out split keeps such copies together."""
    first: dict[bytes, int] = {}
    return np.array([first.setdefault(hashlib.sha1(image.numpy().tobytes()).digest(), row)
                     for row, image in enumerate(images)], dtype=np.int64)


def border_sides(images: torch.Tensor, width: int = 4) -> tuple[torch.Tensor, ...]:
    """The outer ``width`` rows and columns of each photo, top, bottom, left, right: its bed, floor or wall, and the
    shoot's light, wherever the garment leaves them free."""
    return images[..., :width, :], images[..., -width:, :], images[..., :, :width], images[..., :, -width:]


def shoots(images: torch.Tensor, count: int, seed: int, batch: int = 256) -> np.ndarray:
    """A shoot for each photo: k-means into ``count`` clusters of what a shoot shares, the background and the light
    at the photo's border (the mean colour of each side, 4 px of a 32 px thumbnail, and the border's spread).
    Photos are taken in shoots (one bed, floor or wall, one light, several garments); a held-out split that keeps
    each shoot on one side scores photos the way new photos, from other shoots, will be scored."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    features = []
    for chunk in images.split(batch):
        small = F.interpolate(chunk.float() / 255, size=(32, 32), mode="area")
        sides = border_sides(small)
        border = torch.cat([side.flatten(2) for side in sides], 2)
        features.append(torch.cat([*(side.mean((2, 3)) for side in sides), border.std(2)], 1))
    scaled = StandardScaler().fit_transform(torch.cat(features).numpy())
    return KMeans(min(count, len(images)), n_init=10, random_state=seed).fit_predict(scaled)
