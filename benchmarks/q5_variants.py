"""Question 5's recipe with one thing changed: the variations measured and not kept.

Each variant is the default split run with other settings (``TrainConfig``) or other pieces (``Pieces``: the
augmentation, the network, the optimiser), which ``train`` takes as arguments. The run goes to the project's
MLflow store under the experiment `q5_variants`, which `evaluate` and `bundle` never read, and what it writes
for the deliverable is thrown away (a swapped block would not load in the shipped predict_class.py anyway). The
package README's numbers ran one thread a run, two runs at a time; the thread count changes the order of bfloat16
sums, and with it the last photo or two.

Usage: .venv/bin/python benchmarks/q5_variants.py VARIANT [--seed S] [--threads N] [--data FOLDER]
"""

import functools

import numpy as np
import torch
import torch.nn.functional as F
from q5_garments import train as training
from q5_garments.augment import augment_batch
from q5_garments.data import DEFAULT_FOLDER
from q5_garments.deliverable.predict_class import GarmentNet, Residual
from q5_garments.train import Pieces
from torch import nn
from torchvision.transforms import v2
from variant_run import main


class SqueezeExcitationResidual(Residual):
    """A channel gate from the block's pooled output, a quarter as many hidden channels (Hu et al., 2018)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__(cin, cout, stride)
        hidden = max(cout // 4, 4)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cout, hidden, 1), nn.ReLU(True),
                                  nn.Conv2d(hidden, cout, 1), nn.Sigmoid())

    def forward(self, x):
        body = self.body(x)
        return F.relu(body * self.gate(body) + self.skip(x))


class BagOfTricksResidual(Residual):
    """Two of He et al.'s (2019) tricks: the body's last batch norm starts at zero, so the block starts as its
    skip, and a strided skip averages 2×2 before its 1×1 convolution (ResNet-D) instead of striding it."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__(cin, cout, stride)
        pool = [nn.AvgPool2d(stride)] if stride > 1 else []
        self.skip = nn.Sequential(*pool, nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))
        nn.init.zeros_(self.body[-1].weight)


def quarter_resolution_net(width: int, resolution: int) -> GarmentNet:
    """The first residual block strides as well as the first layer: every block after it works at a quarter of
    the input's side, as ImageNet ResNets' stem does, so a larger input costs what 96 px did."""
    network = GarmentNet(width, resolution)
    network.features[3] = Residual(width, width, 2)
    return network


def with_blocks(block):
    """The recipe's network with each residual block rebuilt as ``block`` of the same sizes."""
    def network(width: int, resolution: int) -> GarmentNet:
        built = GarmentNet(width, resolution)
        for index, layer in enumerate(built.features):
            if isinstance(layer, Residual):
                first = layer.body[0]
                built.features[index] = block(first.in_channels, first.out_channels, first.stride[0])
        return built
    return network


def mix_styles(features: torch.Tensor, rng: np.random.Generator, alpha: float) -> torch.Tensor:
    """MixStyle (Zhou et al., 2021): each photo's per-channel feature mean and sd, mixed with another photo's of the
    batch by a Beta(alpha, alpha) share; the statistics carry a shoot's light and background, the normalised
    features the garment. Statistics in float32 (the features may be bf16), detached as in the paper."""
    floats = features.float()
    mean = floats.mean(dim=(2, 3), keepdim=True).detach()
    sd = (floats.var(dim=(2, 3), keepdim=True) + 1e-6).sqrt().detach()
    share = torch.from_numpy(rng.beta(alpha, alpha, size=(len(features), 1, 1, 1))).float()
    other = torch.from_numpy(rng.permutation(len(features)))
    mixed_mean, mixed_sd = share * mean + (1 - share) * mean[other], share * sd + (1 - share) * sd[other]
    return ((floats - mean) / sd * mixed_sd + mixed_mean).to(features.dtype)


def mixstyle_net(width: int, resolution: int, stages=(3, 4, 5), probability: float = 0.5,
                 alpha: float = 0.1) -> GarmentNet:
    """The recipe's network with MixStyle after its first three residual stages (the paper's setting for
    classification across domains), in training only, on a batch at a time with ``probability``: a forward hook,
    so the weights and predict_class.py are the recipe's. Its draws come from the run's seed."""
    network = GarmentNet(width, resolution)
    rng = np.random.default_rng(torch.initial_seed())

    def hook(module, inputs, output):
        if module.training and rng.random() < probability:
            return mix_styles(output, rng, alpha)
        return None

    for stage in stages:
        network.features[stage].register_forward_hook(hook)
    return network


def deeper_last_stage(width: int, resolution: int) -> GarmentNet:
    """A second residual block in the last stage (8× width at a sixteenth of the input's side), where the whole
    garment is in view: more capacity for how sleeves sit against the body, at about a third more arithmetic."""
    network = GarmentNet(width, resolution)
    network.features.insert(7, Residual(8 * width, 8 * width, 1))
    return network


TRIVIAL_AUGMENT = v2.TrivialAugmentWide()


def trivial_augment_batch(images, generator, size, erase_share, recolour_share):
    """TrivialAugment (Müller & Hutter, 2021) on each photo first: one of torchvision's photometric or geometric ops
    at a random strength (posterise, solarise, equalise, sharpness, contrast, …), for light and cameras unlike the
    stand-ins'; then the recipe's augmentation. Its draws come from torch's global generator, which the run seeds."""
    return augment_batch(torch.stack([TRIVIAL_AUGMENT(photo) for photo in images]), generator, size, erase_share,
                         recolour_share)


def nesterov_sgd(parameters, lr, weight_decay):
    return torch.optim.SGD(parameters, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)


# each: (what it changes in TrainConfig, the pieces it trains with)
VARIANTS = {
    "default": ({}, Pieces()),
    "without-erasing-recolour": ({"erase_share": 0.0, "recolour_share": 0.0}, Pieces()),  # the recipe until issue 29
    "width24-112px": ({"width": 24, "resolution": 112}, Pieces()),
    "quarter-128px": ({"resolution": 128}, Pieces(network=quarter_resolution_net)),
    "lr-1.5e-3": ({"lr": 1.5e-3}, Pieces()),
    "lr-6e-3": ({"lr": 6e-3}, Pieces()),
    "sgd": ({"lr": 0.05}, Pieces(optimiser=nesterov_sgd)),
    "squeeze-excitation": ({}, Pieces(network=with_blocks(SqueezeExcitationResidual))),
    "bag-of-tricks": ({}, Pieces(network=with_blocks(BagOfTricksResidual))),
    "one-cycle": ({"average_from": 1.0}, Pieces()),  # the recipe until stochastic weight averaging (issue 29)
    "mixstyle": ({}, Pieces(network=mixstyle_net)),  # another shoot's feature statistics (issue 29)
    "swa-half": ({"average_from": 0.5}, Pieces()),  # the weights averaged over the run's second half (issue 29)
    "erase-all": ({"erase_share": 1.0}, Pieces()),  # a rectangle of noise on every photo, not half (issue 29)
    "weight-decay-5e-3": ({"weight_decay": 5e-3}, Pieces()),  # ten times the recipe's (issue 29)
    # crops of 85-100 % of the area, not 60-100 %: a smaller crop can cut the sleeves, the cue between a t-shirt and a
    # jumper, out of the frame (issue 29)
    "crop-85": ({}, Pieces(augment=functools.partial(augment_batch, min_area=0.85))),
    "deeper": ({}, Pieces(network=deeper_last_stage)),  # a second block in the last stage (issue 29)
    "swa-rate-0.5": ({"held_rate": 0.5}, Pieces()),  # weights averaged at twice the held rate: more spread (issue 29)
    "trivial-augment": ({}, Pieces(augment=trivial_augment_batch)),  # one random op of 14 on each photo (issue 29)
}

if __name__ == "__main__":
    main("q5", training, DEFAULT_FOLDER, "garments", VARIANTS, ("accuracy", "accuracy_distorted", "train_minutes"))
