"""PADL question 5: t-shirt (0), jumper/hoody (1) or jeans (2) from a photo.

predict(images): a B×3×256×256 float tensor in [0, 1] → a B×1 int64 tensor of labels.
Needs only torch; the weights file beside this one (network, input size, normalisation) is loaded once,
on the GPU when there is one. Each photo is classified with its mirror image.
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS = Path(__file__).resolve().with_name("predict_class_weights.pt")
SIZE, CLASSES = 256, 3
_CHUNK = 64
ROUND_OFF = 1e-5  # float32 arithmetic on a [0, 1] image (a blur, a resampling) can leave it a hair outside: clamped


class Residual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True),
                                  nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.body(x) + self.skip(x))


class GarmentNet(nn.Module):
    """A small ResNet that halves the resolution in its first layer: most work runs at 1/4 size and below."""

    def __init__(self, width: int, resolution: int):
        super().__init__()
        self.resolution = resolution
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 0.5))
        self.register_buffer("std", torch.full((1, 3, 1, 1), 0.25))
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),
            Residual(width, width, 1), Residual(width, 2 * width, 2), Residual(2 * width, 4 * width, 2),
            Residual(4 * width, 8 * width, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(8 * width, CLASSES))

    def forward(self, images):
        """Logits for images in [0, 1] at the network's own resolution."""
        return self.head(self.features((images - self.mean) / self.std))


def resize(images, resolution: int):
    """Downsize as training did: bilinear with antialiasing."""
    if images.shape[-1] == resolution and images.shape[-2] == resolution:
        return images
    return F.interpolate(images, size=(resolution, resolution), mode="bilinear", antialias=True, align_corners=False)


def class_probabilities(model: GarmentNet, images):
    """Softmax averaged over each photo and its mirror image, at the network's resolution: training flips photos at
    random, so both views are photos of the same garment, and their average errs less than either."""
    small = resize(images, model.resolution)
    return (model(small).float().softmax(1) + model(small.flip(-1)).float().softmax(1)) / 2


_model = None
_device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load(weights: Path = WEIGHTS) -> GarmentNet:
    saved = torch.load(weights, map_location="cpu", weights_only=True)
    model = GarmentNet(saved["width"], saved["resolution"])
    model.load_state_dict(saved["state"])
    return model.eval()


def predict(images):
    """B×1 int64 class labels for B×3×256×256 images in [0, 1]."""
    global _model
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"predict: expected a torch.Tensor, got {type(images).__name__}")
    if images.dim() != 4 or images.shape[1] != 3 or tuple(images.shape[2:]) != (SIZE, SIZE) or len(images) == 0:
        raise ValueError(f"predict: expected a B×3×{SIZE}×{SIZE} tensor, got shape {tuple(images.shape)}")
    if not torch.is_floating_point(images):
        raise ValueError(f"predict: expected floating-point pixels in [0, 1], got {images.dtype}")
    if torch.isnan(images).any():
        raise ValueError("predict: images contain NaN pixels")
    if images.min() < -ROUND_OFF or images.max() > 1 + ROUND_OFF:
        raise ValueError(f"predict: pixel values must lie in [0, 1] (got {images.min().item():.4g}.."
                         f"{images.max().item():.4g})")
    if _model is None:
        _model = load().to(_device)
    with torch.no_grad():
        labels = [class_probabilities(_model, chunk.to(_device, torch.float32).clamp(0, 1)).argmax(1)
                  for chunk in images.split(_CHUNK)]
    return torch.cat(labels).view(-1, 1).to(images.device, torch.int64)
