"""Question 6's recipe with one thing changed: the variations measured on 2026-11-30 and not kept.

Each variant swaps one piece of the default split run (the detail path's activations, the weights it ships,
the loss's mix) for this process only; the package stays as it is. The run goes to the project's MLflow store
under the experiment `q6_variants`, which `evaluate` and `bundle` never read, and what it writes for the
deliverable is thrown away. The numbers in packages/q6_compression/README.md ran one thread a run; the thread
count changes the order of bfloat16 sums, and with it the last digit.

Usage: .venv/bin/python benchmarks/q6_variants.py VARIANT [--seed S] [--threads N] [--data FOLDER]
"""

import argparse
import contextlib
import dataclasses
import json
import os
import tempfile
from unittest import mock

import torch
from padl_shared.paths import OUTPUT_ENV, repo_root, resolve_data
from padl_shared.tracking import train_in_run
from q6_compression import train as training
from q6_compression.data import DEFAULT_FOLDER
from q6_compression.deliverable.compress_images import FaceCodec
from torch import nn
from torch.optim.optimizer import register_optimizer_step_post_hook
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


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
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--seed", type=int, default=0, help="the split and the initialisation, as `invoke train`")
    parser.add_argument("--threads", type=int, default=1, help="1, as the README's runs")
    parser.add_argument("--data", default=None, help="a folder of faces (default: face_images/, as `invoke train`)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    changes, swap = VARIANTS[args.variant]
    config = dataclasses.replace(training.TrainConfig(seed=args.seed), **changes)
    folder = resolve_data(DEFAULT_FOLDER, args.data)
    with swap, tempfile.TemporaryDirectory() as scratch, mock.patch.dict(os.environ, {OUTPUT_ENV: scratch}):
        metrics = train_in_run("q6_variants", "q6", f"q6 {args.variant} seed={args.seed}", config, {"faces": folder},
                               lambda output: training.train(config, folder, output, repo_root() / ".cache"))
    print(json.dumps({key: metrics.get(key) for key in ("ssim_seen", "ssim_unseen", "ssim_other_camera")}))
