"""Question 5's recipe with one thing changed: the variations measured and not kept.

Each variant is the default split run with other settings (``TrainConfig``) or other pieces (``Pieces``: the
augmentation, the network, the optimiser), which ``train`` takes as arguments. The run goes to the project's
MLflow store under the experiment `q5_variants`, which `evaluate` and `bundle` never read, and what it writes
for the deliverable is thrown away (a swapped block would not load in the shipped predict_class.py anyway). The
package README's numbers ran one thread a run, two runs at a time; the thread count changes the order of bfloat16
sums, and with it the last photo or two.

Usage: .venv/bin/python benchmarks/q5_variants.py VARIANT [--seed S] [--threads N] [--data FOLDER]
"""

import torch
import torch.nn.functional as F
from q5_garments import train as training
from q5_garments.augment import augment_batch
from q5_garments.data import DEFAULT_FOLDER
from q5_garments.deliverable.predict_class import GarmentNet, Residual
from q5_garments.train import Pieces
from torch import nn
from variant_run import main


def erased(images, generator, share=0.5, low=0.02, high=0.2):
    """Random erasing: half the photos get a rectangle of 2-20 % of their area filled with uniform noise. By
    hand rather than torchvision's RandomErasing, which draws one rectangle a call from the global generator:
    this draws one a photo for the whole batch from the training's own generator, as augment_batch does."""
    count, _, height, width = images.shape
    area = low + (high - low) * torch.rand(count, generator=generator)
    aspect = torch.exp((torch.rand(count, generator=generator) * 2 - 1) * 1.2)
    box_height = (area * aspect).sqrt().clamp(max=1) * height
    box_width = (area / aspect).sqrt().clamp(max=1) * width
    top = torch.rand(count, generator=generator) * (height - box_height)
    left = torch.rand(count, generator=generator) * (width - box_width)
    chosen = torch.rand(count, generator=generator) < share
    rows = torch.arange(height).view(1, height, 1)
    columns = torch.arange(width).view(1, 1, width)
    inside = ((rows >= top.view(-1, 1, 1)) & (rows < (top + box_height).view(-1, 1, 1))
              & (columns >= left.view(-1, 1, 1)) & (columns < (left + box_width).view(-1, 1, 1)))
    inside &= chosen.view(-1, 1, 1)
    return torch.where(inside[:, None], torch.rand(images.shape, generator=generator), images)


def recoloured(images, generator, share=0.2):
    """A fifth of the photos with their RGB channels in another order: a garment of another colour, same shape."""
    orders = torch.tensor([[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])
    picked = orders[torch.randint(0, len(orders), (len(images),), generator=generator)]
    permuted = torch.gather(images, 1, picked[:, :, None, None].expand_as(images))
    chosen = torch.rand(len(images), generator=generator) < share
    return torch.where(chosen[:, None, None, None], permuted, images)


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


def nesterov_sgd(parameters, lr, weight_decay):
    return torch.optim.SGD(parameters, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)


def then(extra):
    """The recipe's augmentation, then ``extra`` on its output."""
    def augment(images, generator, size):
        return extra(augment_batch(images, generator, size), generator)
    return augment


# each: (what it changes in TrainConfig, the pieces it trains with)
VARIANTS = {
    "default": ({}, Pieces()),
    "erasing": ({}, Pieces(augment=then(erased))),
    "recolour": ({}, Pieces(augment=then(recoloured))),
    "width24-112px": ({"width": 24, "resolution": 112}, Pieces()),
    "quarter-128px": ({"resolution": 128}, Pieces(network=quarter_resolution_net)),
    "lr-1.5e-3": ({"lr": 1.5e-3}, Pieces()),
    "lr-6e-3": ({"lr": 6e-3}, Pieces()),
    "sgd": ({"lr": 0.05}, Pieces(optimiser=nesterov_sgd)),
    "squeeze-excitation": ({}, Pieces(network=with_blocks(SqueezeExcitationResidual))),
    "bag-of-tricks": ({}, Pieces(network=with_blocks(BagOfTricksResidual))),
}

if __name__ == "__main__":
    main("q5", training, DEFAULT_FOLDER, "garments", VARIANTS, ("accuracy", "accuracy_distorted", "train_minutes"))
