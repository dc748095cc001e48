"""predict_waist.py as the grader calls it: another process, another cwd, only torch and numpy."""

import ast
import sys

import pytest
from padl_shared.contract import run_deliverable
from padl_shared.tracking import tracked_run
from q4_waist.data import load_measurements
from q4_waist.train import TrainConfig, train


@pytest.fixture
def deliverable(measurements, store):
    """A deliverable folder written by a tiny training run."""
    folder = store / "deliverable"
    folder.mkdir()
    config = TrainConfig(members=2, epochs=3, hidden=8)
    with tracked_run("q4_test", "t", 0, config, {"measurements": measurements}):
        train(config, load_measurements(measurements), folder)
    return folder


SCRIPT = """
import torch
import predict_waist
x = torch.tensor([[1000., 1000., 1700., 77., 0.], [950., 990., 1600., 60., 1.], [1100., 1080., 1800., 95., 0.]])
out = predict_waist.predict(x)
assert out.shape == (3, 1) and out.dtype == torch.float32, (out.shape, out.dtype)
assert ((out > 400) & (out < 1600)).all(), out
one = predict_waist.predict(x[1:2])
assert one.shape == (1, 1) and torch.allclose(one, out[1:2], atol=1e-3)
expect_loaded_once_safely(WEIGHT_LOADS)
expect_value_errors({
    "B×5": (predict_waist.predict, x[:, :4]),
    "got shape (5,)": (predict_waist.predict, x[0]),
    "gender (column 5) must be 0 or 1": (predict_waist.predict, torch.tensor([[1., 2., 3., 4., 2.]])),
    "NaN": (predict_waist.predict, torch.tensor([[float("nan"), 2., 3., 4., 0.]])),
    "expected a torch.Tensor": (predict_waist.predict, x.numpy()),
    "column 2 (hip mm) holds a value beyond float32's range (1e+300)":
        (predict_waist.predict, torch.tensor([[1000., 1e300, 1700., 77., 0.]], dtype=torch.float64)),
    "column 4 (weight kg) holds NaN or infinite values":
        (predict_waist.predict, torch.tensor([[1000., 1000., 1700., float("inf"), 0.]])),
    "column 3 (height mm) holds a negative value (-1700)":
        (predict_waist.predict, torch.tensor([[1000., 1000., -1700., 77., 0.]])),
})
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    in_cm = predict_waist.predict(torch.tensor([[100., 100., 170., 77., 0.]], dtype=torch.float64))
assert in_cm.shape == (1, 1) and torch.isfinite(in_cm).all()
messages = [str(w.message) for w in caught]
assert len(messages) == 3, messages
assert "column 1 (chest mm)" in messages[0] and "in centimetres? predict expects mm" in messages[0], messages
with warnings.catch_warnings():
    warnings.simplefilter("error")
    predict_waist.predict(x)  # measurements in range: no warning
print("contract ok")
"""


def test_predict_waist_contract_from_a_foreign_cwd(deliverable, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_deliverable(deliverable, SCRIPT, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "contract ok" in result.stdout


def test_predict_waist_imports_only_torch_and_the_standard_library(deliverable):
    tree = ast.parse((deliverable / "predict_waist.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} - set(sys.stdlib_module_names) == {"torch"}
