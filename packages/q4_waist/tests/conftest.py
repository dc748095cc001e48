import numpy as np
import pandas as pd
import pytest

HEADER = ["Gender", "Chest Circumference (mm)", "Hip Circumference (mm)", "Height (mm)", "Weight (kg)",
          "Waist Circumference (mm) "]  # the stray space, as in the coursework file


def write_measurements(path, n=200, seed=0, missing=3):
    """Waist as a known linear function of the inputs plus 10 mm noise; ``missing`` rows lose a value."""
    rng = np.random.default_rng(seed)
    gender = rng.integers(0, 2, n)
    chest = rng.normal(1000, 80, n)
    hip = rng.normal(1010, 70, n)
    height = rng.normal(1700, 90, n)
    weight = rng.normal(77, 12, n)
    waist = 0.6 * chest + 0.3 * hip - 0.1 * height + 2 * weight - 30 * gender + 100 + rng.normal(0, 10, n)
    frame = pd.DataFrame(np.column_stack([gender, chest, hip, height, weight, waist]), columns=HEADER)
    frame["Gender"] = frame["Gender"].astype(int)
    for row in range(missing):
        frame.iloc[row * 7, 1 + row % 4] = np.nan
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def make_measurements():
    return write_measurements


@pytest.fixture
def measurements(tmp_path):
    return write_measurements(tmp_path / "body_measurements.csv")

