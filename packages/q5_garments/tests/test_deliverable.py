"""predict_class.py as the grader calls it: another process, another cwd, only torch and numpy."""

import pytest
import torch
from padl_shared.contract import run_deliverable
from padl_shared.tracking import tracked_run
from q5_garments.data import load_folder
from q5_garments.deliverable.predict_class import GarmentNet, class_probabilities, resize
from q5_garments.train import TrainConfig, train

SCRIPT = """
import torch
import predict_class
images = torch.rand(5, 3, 256, 256)
labels = predict_class.predict(images)
assert labels.shape == (5, 1) and labels.dtype == torch.int64, (labels.shape, labels.dtype)
assert set(labels.flatten().tolist()) <= {0, 1, 2}
one = predict_class.predict(images[:1])
assert one.shape == (1, 1) and one.item() == labels[0].item()
nudged = images.clone()  # a blur or a resampling in float32 can leave a [0, 1] image a hair outside it
nudged[0, 0, 0, 0], nudged[1, 0, 0, 0] = 1 + 1e-6, -1e-6
assert torch.equal(predict_class.predict(nudged), predict_class.predict(nudged.clamp(0, 1)))
expect_loaded_once_safely(WEIGHT_LOADS)
expect_value_errors({
    "expected a B×3×256×256 tensor, got shape (3, 256, 256)": (predict_class.predict, images[0]),
    "expected a B×3×256×256 tensor, got shape (5, 1, 256, 256)": (predict_class.predict, images[:, :1]),
    "pixel values must lie in [0, 1]": (predict_class.predict, images * 255),
    "pixel values must lie in [0, 1] (got 0.01": (predict_class.predict, images + 0.01),
    "expected a torch.Tensor": (predict_class.predict, images.numpy()),
    "expected floating-point pixels in [0, 1], got torch.uint8": (predict_class.predict, images.to(torch.uint8)),
    "images contain NaN pixels": (predict_class.predict, torch.where(images > 0.99, float("nan"), images)),
    "..inf)": (predict_class.predict, torch.where(images > 0.99, float("inf"), images)),
})
for precision in (torch.float16, torch.bfloat16, torch.float64):  # the contract's "float" is any of them
    assert predict_class.predict(images.to(precision)).shape == (5, 1)
print("contract ok")
"""


@pytest.fixture
def deliverable(garments, store):
    folder = store / "deliverable"
    folder.mkdir()
    config = TrainConfig(width=4, resolution=32, epochs=1, batch_size=6, val_fraction=0.34)
    with tracked_run("q5_test", "t", 0, config, {"garments": garments}):
        train(config, load_folder(garments), folder)
    return folder


def test_predict_class_contract_from_a_foreign_cwd(deliverable, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_deliverable(deliverable, SCRIPT, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "contract ok" in result.stdout


def test_a_photo_and_its_mirror_image_get_one_answer_the_mean_of_the_two_views():
    torch.manual_seed(0)
    network = GarmentNet(4, 32).eval()
    network.head[1].weight.data *= 30  # logits far apart, as a trained network's are
    photos = torch.rand(16, 3, 1, 1) * torch.linspace(0, 1, 256) ** 3  # bright on the right, each its colour
    with torch.no_grad():
        probabilities, of_mirrors = class_probabilities(network, photos), class_probabilities(network, photos.flip(-1))
        small = resize(photos, 32)
        alone, alone_mirrored = network(small).softmax(1), network(small.flip(-1)).softmax(1)  # not symmetric itself
    assert not torch.allclose(alone, alone_mirrored, atol=1e-3)
    assert torch.allclose(probabilities, (alone + alone_mirrored) / 2, atol=1e-6)
    assert torch.allclose(probabilities, of_mirrors, atol=1e-6)
    assert torch.allclose(probabilities.sum(1), torch.ones(16))
