"""PADL question 6: compress 192×160 grayscale faces to 16 numbers and back.

encode(images): B×1×192×160 float tensor in [0, 1] → B×16 float32.
decode(latents): B×16 → B×1×192×160 float32 in [0, 1].
Needs only torch; the weights file beside this one is loaded once, on the GPU when there is one.
encode runs the encoder, then polishes each code for REFINE_STEPS steps against the graded SSIM; where a 4×4
thumbnail, polished the same way, scores higher (a face from another camera), it sends that instead, marked by
FALLBACK, and decode draws it.
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS = Path(__file__).resolve().with_name("compress_images_weights.pt")
HEIGHT, WIDTH, LATENT = 192, 160, 16
REFINE_STEPS, REFINE_LR = 30, 0.05  # Adam on the codes; 0 steps keeps the encoder's codes
THUMBNAIL, THUMBNAIL_LR = (4, 4), 0.02  # the fallback code: a 4×4 grid of grey levels, polished by Adam at this rate
FALLBACK = 1000.0  # added to a fallback code's grey levels: far beyond the codec's codes, so decode tells them apart
DEFORM_GRID = (12, 10)  # the learned displacement field's rows × columns, upsampled to the image
FIELD_SCALE = 0.1  # the deform MLP's output, scaled: Adam moves every weight by about the learning rate a step whatever
#                    its gradient, so an unscaled field would jump by up to lr × hidden units (several pixels) a step
_CHUNK = 64  # images per forward pass, to bound memory on large batches
ROUND_OFF = 1e-5  # float32 arithmetic on a [0, 1] image (a blur, a resampling) can leave it a hair outside: clamped


def _down(cin, cout, norm=True):
    layers = [nn.Conv2d(cin, cout, 4, stride=2, padding=1)]
    return nn.Sequential(*layers, *([nn.BatchNorm2d(cout)] if norm else []), nn.LeakyReLU(0.2))


def _up(cin, cout):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))


class FaceCodec(nn.Module):
    """Four stride-2 convolutions from a half-resolution copy down to 6×5, a linear map to 16 numbers,
    and back up to 96×80 along two paths whose logits add, then bend by a smooth learned field before the
    sigmoid, then bilinear to 192×160:

    - a mirror-image convolutional decoder, for shading and shadows, which move with the light;
    - a detail path (an MLP onto ``details`` learned whole-face images), for what stays put in a face
      whatever the light: eyes, brows, skin texture. Convolutions from a 6×5 map blur such fixed detail;
      in logit space adding it acts like multiplying by an albedo in the dark parts of a face;
    - a deform path (an MLP with ``deform`` hidden units onto a DEFORM_GRID displacement field), which
      resamples the sum: a new person's face is largely a known face of another shape, and a few numbers
      moving the features are cheaper than redrawing them.

    Working at half resolution throughout is what makes training on a laptop CPU feasible: it is about
    3× faster per epoch than decoding full-resolution feature maps, and a perfect half-resolution
    reconstruction, upsampled, still scores SSIM 0.97.
    """

    def __init__(self, width: int, details: int, deform: int):  # sizes from TrainConfig or the weights file
        super().__init__()
        self.width, self.details = width, details
        deep = 4 * width
        self.encoder = nn.Sequential(nn.AvgPool2d(2), _down(1, width, norm=False), _down(width, 2 * width),
                                     _down(2 * width, deep), _down(deep, deep), nn.Flatten(),
                                     nn.Linear(deep * 30, LATENT))
        self.expand = nn.Linear(LATENT, deep * 30)
        self.decoder = nn.Sequential(_up(deep, deep), _up(deep, 2 * width), _up(2 * width, width),
                                     nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1))
        self.detail = nn.Sequential(nn.Linear(LATENT, 2 * details), nn.LeakyReLU(0.2), nn.Linear(2 * details, details),
                                    nn.LeakyReLU(0.2), nn.Linear(details, HEIGHT * WIDTH // 4)) if details else None
        if self.detail is not None:  # start as the plain decoder; the detail images grow from zero
            nn.init.zeros_(self.detail[-1].weight)
            nn.init.zeros_(self.detail[-1].bias)
        self.deform = nn.Sequential(nn.Linear(LATENT, deform), nn.LeakyReLU(0.2),
                                    nn.Linear(deform, 2 * DEFORM_GRID[0] * DEFORM_GRID[1])) if deform else None
        if self.deform is not None:  # start unbent: the field grows from zero
            nn.init.zeros_(self.deform[-1].weight)
            nn.init.zeros_(self.deform[-1].bias)

    def encode(self, images):
        return self.encoder(images)

    def field(self, latents):
        """The deform path's (x, y) displacement of each 96×80 pixel, in grid_sample's units (2 = the whole side)."""
        coarse = FIELD_SCALE * self.deform(latents).view(-1, 2, *DEFORM_GRID)
        field = F.interpolate(coarse, size=(HEIGHT // 2, WIDTH // 2), mode="bilinear", align_corners=True)
        return field.permute(0, 2, 3, 1)

    def decode_half(self, latents):
        """The 96×80 reconstruction the network learns; training scores it against the half-size image."""
        logits = self.decoder(self.expand(latents).view(-1, 4 * self.width, 6, 5))
        if self.detail is not None:
            logits = logits + self.detail(latents).view_as(logits)
        return torch.sigmoid(self.bend(logits, latents) if self.deform is not None else logits)

    def bend(self, logits, latents):
        """Each output pixel reads ``logits`` at its own place plus the deform path's (x, y) field."""
        field = self.field(latents)
        unmoved = torch.eye(2, 3, device=latents.device, dtype=field.dtype).expand(len(latents), 2, 3)
        grid = F.affine_grid(unmoved, list(logits.shape), align_corners=False) + field
        return F.grid_sample(logits, grid.to(logits.dtype), mode="bilinear", padding_mode="border", align_corners=False)

    def decode(self, latents):
        return full_size(self.decode_half(latents))

    def forward(self, images):
        return self.decode(self.encode(images))


def full_size(half):
    """A 96×80 reconstruction as decode delivers it: bilinear to 192×160."""
    return F.interpolate(half, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False)


def ssim_per_image(images, references, window: int = 7):
    """Mean SSIM per image as scikit-image's `structural_similarity` computes it by default (7×7 uniform
    window, sample covariance, data_range 1, borders cropped), but differentiable."""
    c1, c2, n = 0.01 ** 2, 0.03 ** 2, window * window

    def local_mean(t):
        return F.avg_pool2d(t, window, stride=1)

    mean_x, mean_y = local_mean(images), local_mean(references)
    var_x = (local_mean(images * images) - mean_x ** 2) * n / (n - 1)
    var_y = (local_mean(references * references) - mean_y ** 2) * n / (n - 1)
    cov = (local_mean(images * references) - mean_x * mean_y) * n / (n - 1)
    ssim_map = ((2 * mean_x * mean_y + c1) * (2 * cov + c2)) / ((mean_x ** 2 + mean_y ** 2 + c1) * (var_x + var_y + c2))
    return ssim_map.mean(dim=(1, 2, 3))


def polish(decode, images, codes, steps: int, lr: float):
    """Codes polished by Adam on 1 − SSIM(decode(code), image) with ``decode`` fixed; each code on its own image
    only, so that a code does not depend on the rest of the batch."""
    with torch.inference_mode(False), torch.enable_grad():  # whatever mode the caller is in
        images, codes = images.clone(), codes.detach().clone().requires_grad_(True)
        optimiser = torch.optim.Adam([codes], lr=lr)
        for _ in range(steps):
            loss = (1 - ssim_per_image(decode(codes), images)).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return codes.detach()


def refine(model: FaceCodec, images, codes, steps: int = REFINE_STEPS):
    """The encoder's codes polished against the graded SSIM: the encoder is one forward pass and leaves SSIM on
    the table, most of all on faces unlike the training ones."""
    return polish(model.decode, images, codes, steps, REFINE_LR)


def thumbnail(grey_levels):
    """B×16 grey levels of a 4×4 grid → B×1×192×160, bilinear: a code that knows nothing of faces."""
    grid = grey_levels.reshape(-1, 1, *THUMBNAIL)
    return F.interpolate(grid, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False).clamp(0, 1)


def block_means(images):
    """Each image's 4×4 grid of block means, B×16: the thumbnail's starting point."""
    return F.adaptive_avg_pool2d(images, THUMBNAIL).flatten(1)


def encode_with(model: FaceCodec, images):
    """Each image's refined code, or its polished thumbnail + FALLBACK where that scores higher on the graded SSIM:
    the codec knows this camera's faces and loses to a thumbnail on faces from other cameras."""
    codes = refine(model, images, model.encode(images))
    grey_levels = polish(thumbnail, images, block_means(images), REFINE_STEPS, THUMBNAIL_LR).clamp(0, 1)
    with torch.no_grad():
        fallback = ssim_per_image(thumbnail(grey_levels), images) > ssim_per_image(model.decode(codes), images)
    return torch.where(fallback[:, None], grey_levels + FALLBACK, codes)


def is_fallback(latents):
    """Which codes are thumbnails: every number above FALLBACK / 2."""
    return (latents > FALLBACK / 2).all(dim=1)


def decode_with(model: FaceCodec, latents):
    """The codec's image of each code, or the thumbnail of a fallback code."""
    fallback = is_fallback(latents)
    images = torch.empty(len(latents), 1, HEIGHT, WIDTH, device=latents.device)
    if not fallback.all():
        images[~fallback] = model.decode(latents[~fallback])
    if fallback.any():
        images[fallback] = thumbnail(latents[fallback] - FALLBACK)
    return images


_model = None
_device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load(weights: Path = WEIGHTS) -> FaceCodec:
    """The codec described by a weights file, in eval mode, its parameters frozen (refine needs only the codes'
    gradients). The file stores float16; the model computes in float32."""
    saved = torch.load(weights, map_location="cpu", weights_only=True)
    model = FaceCodec(saved["width"], saved["details"], saved["deform"])
    model.load_state_dict(saved["state"])
    return model.eval().requires_grad_(False)


def _codec() -> FaceCodec:
    global _model
    if _model is None:
        with torch.inference_mode(False):  # refine needs ordinary tensors, even if the first call is in inference mode
            _model = load().to(_device)
    return _model


def _run(function, batch):
    with torch.no_grad():
        parts = [function(chunk.to(_device, torch.float32)) for chunk in batch.split(_CHUNK)]
    return torch.cat(parts).to(batch.device, torch.float32)


def encode(images):
    """B×1×192×160 in [0, 1] → B×16 latents."""
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"encode: expected a torch.Tensor, got {type(images).__name__}")
    if images.dim() != 4 or tuple(images.shape[1:]) != (1, HEIGHT, WIDTH) or images.shape[0] == 0:
        raise ValueError(f"encode: expected a B×1×{HEIGHT}×{WIDTH} tensor, got shape {tuple(images.shape)}")
    if not torch.is_floating_point(images):
        raise ValueError(f"encode: expected floating-point pixels in [0, 1], got {images.dtype}")
    if torch.isnan(images).any():
        raise ValueError("encode: images contain NaN pixels")
    if images.min() < -ROUND_OFF or images.max() > 1 + ROUND_OFF:
        raise ValueError("encode: pixel values must lie in [0, 1] (got "
                         f"{images.min().item():.4g}..{images.max().item():.4g})")
    images = images.clamp(0, 1)
    model = _codec()
    return _run(lambda chunk: encode_with(model, chunk), images)


def decode(latents):
    """B×16 latents → B×1×192×160 images in [0, 1]."""
    if not isinstance(latents, torch.Tensor):
        raise ValueError(f"decode: expected a torch.Tensor, got {type(latents).__name__}")
    if latents.dim() != 2 or latents.shape[1] != LATENT or latents.shape[0] == 0:
        raise ValueError(f"decode: expected a B×{LATENT} tensor, got shape {tuple(latents.shape)}")
    if not torch.is_floating_point(latents):
        raise ValueError(f"decode: expected floating-point latents, got {latents.dtype}")
    if not torch.isfinite(latents).all():
        raise ValueError("decode: latents contain NaN or infinite values")
    model = _codec()
    return _run(lambda chunk: decode_with(model, chunk), latents)
