"""Question 6's recipe with one thing changed: the variations measured and not kept, and longer runs.

Each variant is the default split run with other settings (``TrainConfig``: the loss's mix, the learning rate, the
run's length) or another codec (``Pieces``), which ``train`` takes as arguments. The run goes to the project's
MLflow store under the experiment `q6_variants`, which `evaluate` and `bundle` never read, and what it writes for
the deliverable is thrown away. The package README's numbers ran one thread a run; the thread count changes the
order of bfloat16 sums, and with it the last digit.

Usage: .venv/bin/python benchmarks/q6_variants.py VARIANT [--seed S] [--threads N] [--data FOLDER]
"""

from q6_compression import train as training
from q6_compression.data import DEFAULT_FOLDER
from q6_compression.deliverable.compress_images import FaceCodec
from q6_compression.train import Pieces
from torch import nn
from variant_run import main


def detail_dropout(share: float):
    """Dropout after each hidden layer of the detail path, against memorising the training people (no
    parameters of its own, so the weights keep their layout and the shipped file loads them)."""
    def codec(width: int, details: int, deform: int) -> FaceCodec:
        built = FaceCodec(width, details, deform)
        for hidden in (1, 3):  # the detail path's two activations
            built.detail[hidden] = nn.Sequential(nn.LeakyReLU(0.2), nn.Dropout(share))
        return built
    return codec


# each: (what it changes in TrainConfig, the piece it swaps in)
VARIANTS = {
    "default": ({}, Pieces()),
    "detail-dropout": ({}, Pieces(codec=detail_dropout(0.1))),
    "ssim-only": ({"ssim_weight": 1.0}, Pieces()),
    "ssim-0.7": ({"ssim_weight": 0.7}, Pieces()),
    "lr-1.5e-3": ({"lr": 1.5e-3}, Pieces()),
    "lr-6e-3": ({"lr": 6e-3}, Pieces()),
    # the same recipe with two and four times the 15-minute budget's epochs: does compute close the gap?
    "epochs-360": ({"epochs": 360}, Pieces()),
    "epochs-720": ({"epochs": 720}, Pieces()),
}

if __name__ == "__main__":
    main("q6", training, DEFAULT_FOLDER, "faces", VARIANTS, ("ssim_seen", "ssim_unseen", "ssim_other_camera"))
