"""Question 6's recipe with one thing changed: the variations measured on 2026-11-30 and not kept.

Each variant swaps one piece of the default split run (the detail path's activations, the weights it ships,
the loss's mix) for this process only; the package stays as it is. The run goes to the project's MLflow store
under the experiment `q6_variants`, which `evaluate` and `bundle` never read, and what it writes for the
deliverable is thrown away. The numbers in packages/q6_compression/README.md ran one thread a run; the thread
count changes the order of bfloat16 sums, and with it the last digit.

Usage: .venv/bin/python benchmarks/q6_variants.py VARIANT [--seed S] [--threads N] [--data FOLDER]
"""

import contextlib
from unittest import mock

from q6_compression import train as training
from q6_compression.data import DEFAULT_FOLDER
from q6_compression.deliverable.compress_images import FaceCodec
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


# each: (what it changes in TrainConfig, the piece it swaps in)
VARIANTS = {
    "default": ({}, contextlib.nullcontext()),
    "detail-dropout": ({}, detail_dropout(0.1)),
    "moving-average": ({}, moving_average(0.999)),
    "ssim-only": ({"ssim_weight": 1.0}, contextlib.nullcontext()),
    "ssim-0.7": ({"ssim_weight": 0.7}, contextlib.nullcontext()),
}

if __name__ == "__main__":
    run_variant("q6", training, DEFAULT_FOLDER, "faces", VARIANTS, ("ssim_seen", "ssim_unseen", "ssim_other_camera"))
