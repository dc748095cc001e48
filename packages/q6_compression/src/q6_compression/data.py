"""Decode the face PNGs once into a cached uint8 tensor, and split them by photo and by person."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from padl_shared.errors import DataError
from PIL import Image

DEFAULT_FOLDER = "face_images"
HEIGHT, WIDTH = 192, 160
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".pgm", ".bmp"}
GRAYSCALE_MODES = {"1", "L", "LA", "I", "I;16", "F"}


def person_of(name: str) -> str:
    """The person id a file name starts with (`yaleB01_P00A…` → `yaleB01`)."""
    return re.split(r"[_\-.]", Path(name).stem, maxsplit=1)[0]


def names_carry_people(names: list[str]) -> bool:
    """Whether the file names start with person ids: two or more ids, some shared by several photos."""
    return 1 < len({person_of(name) for name in names}) < len(names)


def people_of(names: list[str]) -> np.ndarray:
    """Each photo's person: the id its file name starts with where the names carry them, else each photo is its own
    person (`IMG_0001.png`, `IMG_0002.png`, …): a split still holds photos out, but *unseen* may then hold photos
    of people also trained on."""
    if names_carry_people(names):
        return np.array([person_of(name) for name in names])
    return np.array([Path(name).stem for name in names])


def image_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder of face images")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{folder}: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) found")
    return files


def decode_images(files: list[Path]) -> torch.Tensor:
    """N×1×192×160 uint8; a file of another size or an unreadable one is a DataError naming it. A colour
    image is converted to grayscale (the codec's input), with a warning that counts them."""
    images = np.empty((len(files), 1, HEIGHT, WIDTH), dtype=np.uint8)
    colour = []
    for index, path in enumerate(files):
        try:
            with Image.open(path) as image:
                if image.mode not in GRAYSCALE_MODES:
                    colour.append(path.name)
                pixels = np.asarray(image.convert("L"))
        except OSError as error:
            raise DataError(f"{path}: not a readable image ({error})") from None
        if pixels.shape != (HEIGHT, WIDTH):
            raise DataError(f"{path.name}: expected {HEIGHT}×{WIDTH} pixels (height×width), got "
                            f"{pixels.shape[0]}×{pixels.shape[1]}")
        images[index, 0] = pixels
    if colour:
        print(f"warning: {files[0].parent.name}: {len(colour)} colour image(s) converted to grayscale "
              f"(first: {colour[0]})", file=sys.stderr)
    return torch.from_numpy(images)


def load_faces(folder: Path, cache_dir: Path | None = None) -> tuple[torch.Tensor, list[str]]:
    """Images and file names; decoded once per distinct folder content, then read from the cache."""
    from padl_shared.cache import cached_tensors
    from padl_shared.paths import sha256_of

    files = image_files(folder)
    cache = Path(cache_dir) / f"faces-{sha256_of(Path(folder))[:16]}.pt" if cache_dir is not None else None
    saved = cached_tensors(cache, lambda: {"images": decode_images(files), "names": [p.name for p in files]})
    return saved["images"], saved["names"]


def lfw_faces(count: int) -> torch.Tensor:
    """A face set from other cameras, for the issue's report beside Yale B: the first ``count`` of the 100 faces
    from Labeled Faces in the Wild that scikit-image ships (25×25 crops of press photos: other people, poses,
    expressions and lighting), centre-cropped to 192×160's 6:5 and upsampled bilinearly, as N×1×192×160 uint8.
    Upsampled from 25 pixels they have no fine detail, which makes them easier than real photos of that size."""
    from skimage.data import lfw_subset

    faces = torch.from_numpy(lfw_subset()[: min(count, 100)]).float()[:, None, :, 2:23]  # 25×21 ≈ 6:5
    faces = F.interpolate(faces, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False)
    return (faces.clamp(0, 1) * 255).round().to(torch.uint8)


def split_by_person(names: list[str], unseen_people: int, seen_fraction: float, seed: int,
                    fold: int = 0) -> dict[str, np.ndarray]:
    """Indices of: train; other photos of people in train (`seen`); every photo of held-out people (`unseen`).
    The people, shuffled by ``seed``, fall into folds of ``unseen_people``; fold ``fold`` is held out."""
    people = people_of(names)
    rng = np.random.default_rng(seed)
    distinct = rng.permutation(np.unique(people))
    if unseen_people >= len(distinct):
        raise DataError(f"need more than {unseen_people} people to hold some out, got {len(distinct)}")
    folds = len(distinct) // unseen_people
    if not 0 <= fold < folds:
        raise DataError(f"fold must be 0-{folds - 1} ({len(distinct)} people, {unseen_people} held out a fold), "
                        f"got {fold}")
    held_out = distinct[fold * unseen_people:(fold + 1) * unseen_people]
    unseen = np.flatnonzero(np.isin(people, held_out))
    rest = rng.permutation(np.flatnonzero(~np.isin(people, held_out)))
    n_seen = max(1, int(round(len(rest) * seen_fraction)))
    return {"train": np.sort(rest[n_seen:]), "seen": np.sort(rest[:n_seen]), "unseen": unseen}
