"""Question 6's recipe with one thing changed: the variations measured on 2026-11-30 and not kept, and longer runs.

Each variant swaps one piece of the default split run (the detail path's activations or its mixing, the weights it
ships, the loss's mix, the learning rate, the run's length) for this process only; the package stays as it is. The
run goes to the project's MLflow store under the experiment `q6_variants`, which `evaluate` and `bundle` never
read, and what it writes for the deliverable is thrown away. The numbers in packages/q6_compression/README.md ran
one thread a run; the thread count changes the order of bfloat16 sums, and with it the last digit.

Usage: .venv/bin/python benchmarks/q6_variants.py VARIANT [--seed S] [--threads N] [--data FOLDER]
"""

import contextlib
from unittest import mock

import torch
import torch.nn.functional as F
from q6_compression import train as training
from q6_compression.data import DEFAULT_FOLDER
from q6_compression.deliverable import compress_images
from q6_compression.deliverable.compress_images import HEIGHT, LATENT, WIDTH, FaceCodec
from torch import nn
from torch.optim.optimizer import register_optimizer_step_post_hook
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from variant_run import run_variant


def detail_dropout(share: float):
    """Dropout after each hidden layer of the detail path, against memorising the training people (no
    parameters of its own, so the weights keep their layout)."""
    class DroppingCodec(FaceCodec):
        def __init__(self, *sizes):
            super().__init__(*sizes)
            for hidden in (1, 3):  # the detail path's two activations
                self.detail[hidden] = nn.Sequential(nn.LeakyReLU(0.2), nn.Dropout(share))
    return mock.patch.object(training, "FaceCodec", DroppingCodec)


def moving_average(decay: float):
    """Ship the exponential moving average of the weights (buffers too), updated after every optimiser step.
    The held-out curves during training still follow the live weights."""
    fit = training.fit

    def fit_and_average(config, train_images, held_out, epochs, device):
        built, averaged = [], []

        class RememberedCodec(FaceCodec):
            def __init__(self, *sizes):
                super().__init__(*sizes)
                built.append(self)

        def follow(optimiser, args, kwargs):
            if not averaged:
                averaged.append(AveragedModel(built[0], multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True))
            averaged[0].update_parameters(built[0])

        handle = register_optimizer_step_post_hook(follow)
        try:
            with mock.patch.object(training, "FaceCodec", RememberedCodec):
                model, history = fit(config, train_images, held_out, epochs, device)
        finally:
            handle.remove()
        model.load_state_dict(averaged[0].module.state_dict())
        return model, history

    return mock.patch.object(training, "fit", fit_and_average)


def regional_detail(images: int, grid: tuple[int, int]):
    """The detail path mixes its learned images region by region: the MLP gives each of ``images`` a weight at
    each point of a coarse ``grid``, spread bilinearly over 96×80, so a new face can take its eyes from one known
    face and its mouth from another. A layout of its own, so the shipped file's loader is swapped too."""
    class RegionalDetail(nn.Module):
        def __init__(self, hidden: int):
            super().__init__()
            self.mix = nn.Sequential(nn.Linear(LATENT, 2 * hidden), nn.LeakyReLU(0.2), nn.Linear(2 * hidden, hidden),
                                     nn.LeakyReLU(0.2), nn.Linear(hidden, images * grid[0] * grid[1]))
            self.basis = nn.Parameter(torch.zeros(images, HEIGHT // 2 * WIDTH // 2))  # grows from zero, as before
            corners = torch.eye(grid[0] * grid[1]).view(-1, 1, *grid)  # each grid point's bilinear spread, fixed
            spread = F.interpolate(corners, size=(HEIGHT // 2, WIDTH // 2), mode="bilinear", align_corners=True)
            self.register_buffer("spread", spread.flatten(1), persistent=False)

        def forward(self, latents):
            weights = self.mix(latents).view(len(latents), images, -1)  # B × images × grid points
            # each grid point's own mix, one matmul; upsampling the B × images weight maps instead: 4× slower an epoch
            per_point = torch.einsum("bkr,kp->brp", weights, self.basis)
            return (per_point * self.spread).sum(1)

    class RegionalCodec(FaceCodec):
        def __init__(self, width, details, deform):
            super().__init__(width, details, deform)
            self.detail = RegionalDetail(details)

    return together(mock.patch.object(training, "FaceCodec", RegionalCodec),
                    mock.patch.object(compress_images, "FaceCodec", RegionalCodec))


@contextlib.contextmanager
def together(*swaps):
    """Several swaps as one context manager, as VARIANTS holds one a variant."""
    with contextlib.ExitStack() as stack:
        for swap in swaps:
            stack.enter_context(swap)
        yield


# each: (what it changes in TrainConfig, the piece it swaps in)
VARIANTS = {
    "default": ({}, contextlib.nullcontext()),
    "detail-dropout": ({}, detail_dropout(0.1)),
    "moving-average": ({}, moving_average(0.999)),
    "ssim-only": ({"ssim_weight": 1.0}, contextlib.nullcontext()),
    "ssim-0.7": ({"ssim_weight": 0.7}, contextlib.nullcontext()),
    "regional-detail": ({}, regional_detail(128, (6, 5))),
    "lr-1.5e-3": ({"lr": 1.5e-3}, contextlib.nullcontext()),
    "lr-6e-3": ({"lr": 6e-3}, contextlib.nullcontext()),
    # the same recipe with two and four times the 15-minute budget's epochs: does compute close the gap?
    "epochs-360": ({"epochs": 360}, contextlib.nullcontext()),
    "epochs-720": ({"epochs": 720}, contextlib.nullcontext()),
}

if __name__ == "__main__":
    run_variant("q6", training, DEFAULT_FOLDER, "faces", VARIANTS, ("ssim_seen", "ssim_unseen", "ssim_other_camera"))
