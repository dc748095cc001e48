import numpy as np
import pytest
from q1_regression.synthetic import write_files


@pytest.fixture
def rng():
    return np.random.default_rng(0)



@pytest.fixture
def q1_files(tmp_path):
    return write_files(tmp_path / "data", n=200, seed=1)
