import numpy as np
import pytest
from padl_shared.errors import DataError
from q4_waist.data import load_measurements


def test_headers_are_normalised_and_incomplete_rows_dropped(measurements):
    x, y, dropped = load_measurements(measurements)
    assert dropped == 3 and x.shape == (197, 5) and y.shape == (197,)
    assert x.dtype == np.float32 and set(np.unique(x[:, 4])) <= {0.0, 1.0}
    assert not np.isnan(x).any()


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("Gender,Chest Circumference (mm)\n0,1\n")
    with pytest.raises(DataError, match=r"m.csv: column 'Hip Circumference \(mm\)' not found \(have: Gender, Chest"):
        load_measurements(path)


def test_gender_other_than_0_or_1(measurements):
    text = measurements.read_text().splitlines()
    text[5] = "2" + text[5][1:]
    measurements.write_text("\n".join(text))
    with pytest.raises(DataError, match=r"column 'Gender' must be 0 or 1, got \[2"):
        load_measurements(measurements)
