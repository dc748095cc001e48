import numpy as np
import pytest
from PIL import Image

SHOOTS = ((40, 40, 40), (200, 190, 170), (90, 60, 30))  # backgrounds: a dark floor, a pale wall, a wooden floor


def write_garments(folder, per_class=6, size=256, seed=0):
    """Three classes told apart by the colour of a garment-like rectangle, as JPEGs in class_0/1/2, each photo on
    one of three shoots' backgrounds, so that shoots and classes cross."""
    rng = np.random.default_rng(seed)
    for label in range(3):
        (folder / f"class_{label}").mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            pixels = np.empty((size, size, 3), dtype=np.uint8)
            pixels[:] = SHOOTS[index % len(SHOOTS)]
            top = rng.integers(size // 8, size // 2)
            garment = pixels[top: top + size // 3, size // 4: 3 * size // 4]
            garment[:] = 60
            garment[..., label] = 230
            Image.fromarray(pixels).save(folder / f"class_{label}" / f"{index}.jpg")
    return folder


@pytest.fixture
def garments(tmp_path):
    return write_garments(tmp_path / "garment_images")

