import numpy as np
import pytest
from PIL import Image


def write_faces(folder, people=4, per_person=6, seed=0):
    """Smooth synthetic 'faces': a per-person blob pattern under a per-photo light gradient."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:192, 0:160] / 160.0
    for person in range(people):
        centre = rng.uniform(0.3, 0.9, size=2)
        base = np.exp(-((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) * 8)
        for photo in range(per_person):
            light = 0.5 + 0.5 * np.tanh((xx - 0.5) * rng.normal(0, 3))
            pixels = np.clip(255 * (0.2 + 0.6 * base * light), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"yaleB{person:02d}_P00A{photo:+04d}.png")
    return folder


@pytest.fixture
def faces(tmp_path):
    return write_faces(tmp_path / "faces")

