"""compress_images.py as the grader calls it: another process, another cwd, only torch and numpy."""

import pytest
from padl_shared.contract import run_deliverable
from padl_shared.tracking import tracked_run
from q6_compression.data import load_faces
from q6_compression.train import TrainConfig, train

SCRIPT = """
import torch
import compress_images
images = torch.rand(5, 1, 192, 160)
codes = compress_images.encode(images)
assert codes.shape == (5, 16) and codes.dtype == torch.float32, (codes.shape, codes.dtype)
restored = compress_images.decode(codes)
assert restored.shape == (5, 1, 192, 160) and restored.dtype == torch.float32
assert restored.min() >= 0 and restored.max() <= 1
one = compress_images.decode(compress_images.encode(images[:1]))  # each code depends on its own image only, up to
# round-off that differs with the batch size and that Adam's normalised steps amplify (up to 8e-6 seen)
assert one.shape == (1, 1, 192, 160) and torch.allclose(one, restored[:1], atol=1e-3), (one - restored[:1]).abs().max()
nudged = images.clone()  # a blur or a resampling in float32 can leave a [0, 1] image a hair outside it
nudged[0, 0, 0, 0], nudged[1, 0, 0, 0] = 1 + 1e-6, -1e-6
assert torch.allclose(compress_images.encode(nudged), compress_images.encode(nudged.clamp(0, 1)), atol=1e-5)
with torch.inference_mode():  # refinement needs gradients whatever mode the grader calls it in
    assert torch.allclose(compress_images.encode(images), codes, atol=1e-5)
expect_loaded_once_safely(WEIGHT_LOADS)
below = images - 0.5
below[0, 0, 0, 0] = -0.5  # the message's minimum, whatever torch.rand drew
expect_value_errors({
    "encode: expected a B×1×192×160 tensor, got shape (1, 192, 160)": (compress_images.encode, images[0]),
    "encode: pixel values must lie in [0, 1]": (compress_images.encode, images * 255),
    "encode: pixel values must lie in [0, 1] (got -0.5": (compress_images.encode, below),
    "encode: expected a torch.Tensor": (compress_images.encode, images.numpy()),
    "decode: expected a B×16 tensor, got shape (5, 8)": (compress_images.decode, codes[:, :8]),
    "encode: expected floating-point pixels in [0, 1], got torch.uint8":
        (compress_images.encode, images.to(torch.uint8)),
    "encode: images contain NaN pixels": (compress_images.encode, torch.where(images > 0.99, float("nan"), images)),
    "decode: latents contain NaN or infinite values": (compress_images.decode, codes / 0),
    "decode: expected floating-point latents, got torch.int64": (compress_images.decode, codes.long()),
})
assert compress_images.decode(compress_images.encode(images[:2].double())).shape == (2, 1, 192, 160)
print("contract ok")
"""


FIRST_CALL_IN_INFERENCE_MODE = """
import torch
import compress_images
with torch.inference_mode():
    codes = compress_images.encode(torch.rand(2, 1, 192, 160))
assert codes.shape == (2, 16)
print("contract ok")
"""


@pytest.fixture
def deliverable(faces, store):
    folder = store / "deliverable"
    folder.mkdir()
    config = TrainConfig(width=4, details=8, epochs=1, batch_size=8, unseen_people=1, seen_fraction=0.2, other_camera=0)
    with tracked_run("q6_test", "t", 0, config, {"faces": faces}):
        train(config, load_faces(faces), folder)
    return folder


@pytest.mark.parametrize("script", [SCRIPT, FIRST_CALL_IN_INFERENCE_MODE], ids=["contract", "inference-mode"])
def test_compress_images_contract_from_a_foreign_cwd(deliverable, tmp_path, script):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_deliverable(deliverable, script, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "contract ok" in result.stdout
