import numpy as np
import pytest
from PIL import Image


def write_garments(folder, per_class=6, size=256, seed=0):
    """Three classes told apart by colour and a shape, as JPEGs in class_0/1/2."""
    rng = np.random.default_rng(seed)
    for label in range(3):
        (folder / f"class_{label}").mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            pixels = np.full((size, size, 3), 40, dtype=np.uint8)
            pixels[..., label] = 200
            top = rng.integers(10, size // 2)
            pixels[top: top + size // 3, size // 4: 3 * size // 4] = 255 - 60 * label
            Image.fromarray(pixels).save(folder / f"class_{label}" / f"{index}.jpg")
    return folder


@pytest.fixture
def garments(tmp_path):
    return write_garments(tmp_path / "garment_images")

