"""The distractors the coursework's test images carry (noise, drawn lines, warps) and the training
augmentation built from them. The held-out distractors use torchvision's warps, one photo at a time; training
draws the same kinds of geometry and colour per photo but applies them to a whole batch at once."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage
from torchvision.transforms import v2

from q5_garments.data import border_sides


def draw_lines(images: torch.Tensor, generator: torch.Generator, max_lines: int = 4,
               max_width: float = 0.02) -> torch.Tensor:
    """Up to ``max_lines`` straight strokes of random colour per image; widths are a share of the side."""
    batch, _, height, width = images.shape
    size = torch.tensor([height, width], dtype=torch.float32)
    counts = torch.randint(0, max_lines + 1, (batch, 1), generator=generator)
    start = torch.rand(batch, max_lines, 2, generator=generator) * size
    direction = torch.rand(batch, max_lines, 2, generator=generator) * size - start
    half_thickness = (0.003 + torch.rand(batch, max_lines, generator=generator) * max_width) * max(height, width) / 2
    colours = torch.rand(batch, max_lines, 3, generator=generator)
    dy = torch.arange(height, dtype=torch.float32).view(1, 1, height, 1) - start[..., 0, None, None]
    dx = torch.arange(width, dtype=torch.float32).view(1, 1, 1, width) - start[..., 1, None, None]
    vy, vx = direction[..., 0, None, None], direction[..., 1, None, None]
    along = ((dy * vy + dx * vx) / (vy ** 2 + vx ** 2).clamp_min(1e-6)).clamp(0, 1)  # nearest point on the segment
    near = (dy - along * vy) ** 2 + (dx - along * vx) ** 2 <= half_thickness[..., None, None] ** 2
    near &= (torch.arange(max_lines).view(1, max_lines) < counts)[..., None, None]
    out = images.clone()
    for line in range(max_lines):  # in order: a later stroke covers an earlier one
        out = torch.where(near[:, line, None], colours[:, line, :, None, None], out)
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


def _uniform(count: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(count, generator=generator)


def _homography(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """B×3×3 projective maps taking each image's four ``source`` points (B×4×2) onto its ``target`` points."""
    x, y = source.unbind(-1)
    u, v = target.unbind(-1)
    zero, one = torch.zeros_like(x), torch.ones_like(x)
    rows_u = torch.stack([x, y, one, zero, zero, zero, -u * x, -u * y], -1)
    rows_v = torch.stack([zero, zero, zero, x, y, one, -v * x, -v * y], -1)
    coefficients = torch.linalg.solve(torch.cat([rows_u, rows_v], 1), torch.cat([u, v], 1))
    return torch.cat([coefficients, torch.ones(len(source), 1)], 1).view(-1, 3, 3)


def random_geometry(count: int, generator: torch.Generator, min_area: float = 0.6) -> torch.Tensor:
    """count×3×3 maps from output to input coordinates (both in [-1, 1]) composing, as the photo goes: a random
    resized crop (``min_area``–100 % of the area, aspect 0.8–1.25), a horizontal flip for half the photos, a perspective
    tilt (corners moved in by up to 35 % of the half side) for half, then rotation (±15°), shear (±8°),
    scaling (0.85–1.1) and a shift (±8 %): torchvision's training transforms, drawn per photo."""
    area = _uniform(count, min_area, 1.0, generator)
    aspect = torch.exp(_uniform(count, -0.223, 0.223, generator))  # ln 1.25
    crop_w, crop_h = (area * aspect).sqrt().clamp(max=1), (area / aspect).sqrt().clamp(max=1)
    crop = torch.zeros(count, 3, 3)
    crop[:, 0, 0], crop[:, 1, 1], crop[:, 2, 2] = crop_w, crop_h, 1
    crop[:, 0, 2] = (torch.rand(count, generator=generator) * 2 - 1) * (1 - crop_w)
    crop[:, 1, 2] = (torch.rand(count, generator=generator) * 2 - 1) * (1 - crop_h)
    flip = torch.eye(3).repeat(count, 1, 1)
    flip[:, 0, 0] = torch.where(torch.rand(count, generator=generator) < 0.5, -1.0, 1.0)
    corners = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]).repeat(count, 1, 1)
    tilted = torch.rand(count, 1, 1, generator=generator) < 0.5
    inward = torch.rand(count, 4, 2, generator=generator) * 0.35 * tilted
    perspective = _homography(corners * (1 - inward), corners)  # the photo shrinks onto a tilted quadrilateral
    angle, shear = _uniform(count, -15, 15, generator).deg2rad(), _uniform(count, -8, 8, generator).deg2rad()
    scale = _uniform(count, 0.85, 1.1, generator)
    affine = torch.zeros(count, 3, 3)
    affine[:, 0, 0], affine[:, 0, 1] = scale * torch.cos(angle), scale * (torch.cos(angle) * torch.tan(shear)
                                                                          - torch.sin(angle))
    affine[:, 1, 0], affine[:, 1, 1] = scale * torch.sin(angle), scale * (torch.sin(angle) * torch.tan(shear)
                                                                          + torch.cos(angle))
    affine[:, :2, 2] = _uniform(2 * count, -0.16, 0.16, generator).view(count, 2)
    affine[:, 2, 2] = 1
    return crop @ flip @ perspective @ torch.linalg.inv(affine)


def warp(images: torch.Tensor, geometry: torch.Tensor, size: int | None = None) -> torch.Tensor:
    """float images resampled through per-image output→input maps into size×size (default: the input's size);
    outside the photo is black."""
    batch, _, height, width = images.shape
    height, width = (size, size) if size else (height, width)
    ys = torch.linspace(-1 + 1 / height, 1 - 1 / height, height)
    xs = torch.linspace(-1 + 1 / width, 1 - 1 / width, width)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([grid_x, grid_y, torch.ones_like(grid_x)], -1).view(1, -1, 3) @ geometry.transpose(1, 2)
    grid = (points[..., :2] / points[..., 2:].clamp_min(1e-6)).view(batch, height, width, 2)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def jitter_colour(images: torch.Tensor, generator: torch.Generator, strength: float = 0.3) -> torch.Tensor:
    """Brightness, contrast and saturation each scaled by a random factor in 1 ± ``strength`` per photo."""
    def factor():
        return _uniform(len(images), 1 - strength, 1 + strength, generator).view(-1, 1, 1, 1)

    def grey(rgb):  # luma, as torchvision's grayscale
        return (rgb * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)

    images = (images * factor()).clamp(0, 1)
    mean = grey(images).mean((2, 3), keepdim=True)
    images = ((images - mean) * factor() + mean).clamp(0, 1)
    luma = grey(images)
    return ((images - luma) * factor() + luma).clamp(0, 1)


def recolour(images: torch.Tensor, generator: torch.Generator, share: float) -> torch.Tensor:
    """``share`` of the photos with their RGB channels in another order: a garment (and a room) of another colour,
    the same shapes."""
    if not share:
        return images
    orders = torch.tensor([[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])
    picked = orders[torch.randint(0, len(orders), (len(images),), generator=generator)]
    permuted = torch.gather(images, 1, picked[:, :, None, None].expand_as(images))
    chosen = torch.rand(len(images), generator=generator) < share
    return torch.where(chosen[:, None, None, None], permuted, images)


def erase(images: torch.Tensor, generator: torch.Generator, share: float, low: float = 0.02,
          high: float = 0.2) -> torch.Tensor:
    """Random erasing: ``share`` of the photos get a rectangle of ``low``–``high`` of their area filled with uniform
    noise. By hand rather than torchvision's RandomErasing, which draws one rectangle a call from the global
    generator: this draws one a photo for the whole batch from the training's own generator."""
    if not share:
        return images
    count, _, height, width = images.shape
    area = _uniform(count, low, high, generator)
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


def _silhouette(candidate: np.ndarray, min_solidity: float) -> np.ndarray:
    """The largest connected region of a boolean image, its holes filled; empty if there is none or it is ragged
    (its area under ``min_solidity`` of its convex hull's: a print or a floor taken for the garment)."""
    from skimage.measure import regionprops

    regions, count = ndimage.label(ndimage.binary_fill_holes(candidate))
    if not count:
        return candidate & False
    largest = regions == 1 + int(np.argmax(np.bincount(regions.ravel())[1:]))
    return largest if regionprops(largest.astype(np.uint8))[0].solidity >= min_solidity else largest & False


def _box_mean(images: torch.Tensor, side: int) -> torch.Tensor:
    """The mean over a side×side window, in two 1-D passes; windows cut by the edge average what they cover."""
    rows = F.avg_pool2d(images, (side, 1), 1, (side // 2, 0), count_include_pad=False)
    return F.avg_pool2d(rows, (1, side), 1, (0, side // 2), count_include_pad=False)


def garment_layers(photos: torch.Tensor, border: int = 4, min_share: float = 0.05, max_share: float = 0.9,
                   min_solidity: float = 0.6) -> tuple[torch.Tensor, torch.Tensor]:
    """Each uint8 photo's garment mask (N×H×W bool), found without any trained network: pixels far in colour from
    the border's median (Otsu's threshold on the distance), the largest region with its holes filled; and the
    backgrounds to paste onto (M×3×H×W uint8: the photos with their garment filled in from the colours around it).
    A mask under ``min_share`` or over ``max_share`` of the photo (a garment the colour of its background, a busy
    print) is left empty and its photo gives no background: it is neither pasted nor pasted onto."""
    from skimage.filters import threshold_otsu

    pixels = photos.float()
    background = torch.cat([side.flatten(2) for side in border_sides(pixels, border)], 2).median(2).values
    distance = (pixels - background[..., None, None]).norm(dim=1).numpy()
    masks = torch.from_numpy(np.stack([_silhouette(d > threshold_otsu(d), min_solidity) if np.ptp(d) > 0 else d > 0
                                       for d in distance]))
    hole = F.max_pool2d(masks[:, None].float(), 5, 1, 2) > 0  # the garment's blurred edge too
    for side in (9, 33, 129):  # normalised convolution, ever wider: a hole takes the mean of what surrounds it
        known = (~hole).float()
        total, weight = _box_mean(pixels * known, side), _box_mean(known, side)
        reached = hole & (weight > 0.05)
        pixels = torch.where(reached, total / weight.clamp_min(0.05), pixels)
        hole &= ~reached
    share = masks.float().mean((1, 2))
    usable = (share >= min_share) & (share <= max_share)
    return masks & usable[:, None, None], pixels[usable].round().clamp(0, 255).to(torch.uint8)


def paste_on_backgrounds(images: torch.Tensor, masks: torch.Tensor, backgrounds: torch.Tensor,
                         generator: torch.Generator, share: float) -> torch.Tensor:
    """Copy-paste (Dwibedi et al. 2017; Ghiasi et al. 2021): ``share`` of the uint8 photos with a mask get their
    garment pasted onto a background drawn from ``backgrounds`` (``garment_layers``): the same garment in another
    shoot's room and light."""
    if not share:
        return images
    donors = backgrounds[torch.randint(0, len(backgrounds), (len(images),), generator=generator)]
    chosen = (torch.rand(len(images), generator=generator) < share) & masks.flatten(1).any(1)
    pasted = torch.where(masks[:, None], images, donors)
    return torch.where(chosen[:, None, None, None], pasted, images)


def augment_batch(images: torch.Tensor, generator: torch.Generator, size: int | None, erase_share: float,
                  recolour_share: float, min_area: float = 0.6,
                  paste: tuple[torch.Tensor, torch.Tensor, float] | None = None) -> torch.Tensor:
    """uint8 batch → float size×size batch (None: the input's size) in [0, 1]: on a share, the garment pasted onto
    another background (``paste``: the batch's masks, every background, the share), then geometry (crops of at
    least ``min_area`` of the photo), colour, drawn lines and noise, then channels reordered and a rectangle erased
    on a share of the photos, each drawn per photo. Batched by hand: torchvision's v2 transforms draw one set of
    parameters per call, so per-photo draws cost a call per photo, 30 % of a training epoch on 2 CPU cores."""
    if paste is not None:
        images = paste_on_backgrounds(images, *paste[:2], generator, paste[2])
    geometric = warp(images.float() / 255, random_geometry(len(images), generator, min_area), size)
    distracted = add_noise(draw_lines(jitter_colour(geometric, generator), generator), generator)
    return erase(recolour(distracted, generator, recolour_share), generator, erase_share)
