"""The distractors the coursework's test images carry (noise, drawn lines, warps) and the training
augmentation built from them. torchvision supplies the geometry and colour; drawn lines it lacks."""

from __future__ import annotations

import torch
from torchvision.transforms import v2


def draw_lines(images: torch.Tensor, generator: torch.Generator, max_lines: int = 4,
               max_width: float = 0.02) -> torch.Tensor:
    """Up to ``max_lines`` straight strokes of random colour per image; widths are a share of the side."""
    batch, _, height, width = images.shape
    ys = torch.arange(height, dtype=torch.float32).view(1, height, 1)
    xs = torch.arange(width, dtype=torch.float32).view(1, 1, width)
    counts = torch.randint(0, max_lines + 1, (batch,), generator=generator)
    out = images.clone()
    for line in range(max_lines):
        active = (counts > line).view(batch, 1, 1)
        start = torch.rand(batch, 2, generator=generator) * torch.tensor([height, width])
        end = torch.rand(batch, 2, generator=generator) * torch.tensor([height, width])
        thickness = (0.003 + torch.rand(batch, generator=generator) * max_width) * max(height, width)
        colour = torch.rand(batch, 3, 1, 1, generator=generator)
        direction = end - start
        length2 = (direction ** 2).sum(1).clamp_min(1e-6).view(batch, 1, 1)
        dy, dx = ys - start[:, 0].view(batch, 1, 1), xs - start[:, 1].view(batch, 1, 1)
        along = ((dy * direction[:, 0].view(batch, 1, 1) + dx * direction[:, 1].view(batch, 1, 1)) / length2)
        along = along.clamp(0, 1)
        distance = torch.hypot(dy - along * direction[:, 0].view(batch, 1, 1),
                               dx - along * direction[:, 1].view(batch, 1, 1))
        mask = ((distance <= thickness.view(batch, 1, 1) / 2) & active).unsqueeze(1)
        out = torch.where(mask, colour.expand_as(out), out)
    return out


def add_noise(images: torch.Tensor, generator: torch.Generator, max_std: float = 0.12) -> torch.Tensor:
    """Gaussian pixel noise of a random strength per image."""
    std = torch.rand(len(images), 1, 1, 1, generator=generator) * max_std
    return (images + std * torch.randn(images.shape, generator=generator)).clamp(0, 1)


WARP = v2.Compose([v2.RandomPerspective(distortion_scale=0.35, p=0.7),
                   v2.RandomAffine(degrees=15, translate=(0.08, 0.08), scale=(0.85, 1.1), shear=8),
                   v2.ElasticTransform(alpha=30.0, sigma=6.0)])


def distort(images: torch.Tensor, seed: int) -> torch.Tensor:
    """A fixed, seeded version of the test's distractors on float images in [0, 1]: warp, lines, noise."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # torchvision's random transforms draw from the global generator
    warped = torch.stack([WARP(image) for image in images])
    return add_noise(draw_lines(warped, generator), generator)


def training_transform(resolution: int) -> v2.Compose:
    """Per-image geometry and colour for uint8 images at the training resolution."""
    return v2.Compose([
        v2.RandomResizedCrop(resolution, scale=(0.6, 1.0), ratio=(0.8, 1.25), antialias=True),
        v2.RandomHorizontalFlip(),
        v2.RandomApply([v2.RandomPerspective(distortion_scale=0.35, p=1.0)], p=0.5),
        v2.RandomAffine(degrees=15, translate=(0.08, 0.08), scale=(0.85, 1.1), shear=8),
        v2.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3),  # hue jitter would cost 4× as much
    ])


def augment_batch(images: torch.Tensor, transform: v2.Compose, generator: torch.Generator) -> torch.Tensor:
    """uint8 batch → float batch in [0, 1] with geometry, colour, drawn lines and noise."""
    geometric = torch.stack([transform(image) for image in images]).float() / 255
    return add_noise(draw_lines(geometric, generator), generator)
