"""Question 6's figures: reconstructions beside their originals, the SSIM histogram, a latent sweep, the curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from q6_compression.deliverable.compress_images import LATENT, FaceCodec

SET_TITLES = {"seen": "seen people", "unseen": "unseen people", "other_camera": "faces from other cameras (LFW)"}


def reconstructions(originals, reconstructions, scores, title):
    """Best, median and worst three reconstructions, each beside its original."""
    order = np.argsort(scores)
    picks = {"worst": order[:3], "median": order[len(order) // 2 - 1: len(order) // 2 + 2], "best": order[-3:]}
    figure, axes = plt.subplots(3, 6, figsize=(12, 7.5))
    for row, (label, indices) in enumerate(picks.items()):
        for column, index in enumerate(indices):
            axes[row, 2 * column].imshow(originals[index, 0], cmap="gray", vmin=0, vmax=1)
            axes[row, 2 * column + 1].imshow(reconstructions[index, 0], cmap="gray", vmin=0, vmax=1)
            axes[row, 2 * column + 1].set_title(f"{label}: {scores[index]:.3f}", fontsize=9)
    for axis in axes.flat:
        axis.axis("off")
    figure.suptitle(f"{title}: original | reconstruction (SSIM)")
    figure.tight_layout()
    return figure


def ssim_histogram(scores: dict[str, np.ndarray]):
    figure, axis = plt.subplots(figsize=(6, 4))
    for name, values in scores.items():
        axis.hist(values, bins=30, range=(0, 1), alpha=0.6, label=f"{SET_TITLES[name]} (mean {values.mean():.3f})")
    axis.set(xlabel="SSIM per image", ylabel="images", title="Reconstruction SSIM")
    axis.legend()
    figure.tight_layout()
    return figure


def latent_sweep(model: FaceCodec, train_images: torch.Tensor, device):
    """Each latent dimension swept from −2 to +2 standard deviations around the mean code."""
    model.eval()
    with torch.no_grad():
        codes = torch.cat([model.encode(chunk.to(device).float() / 255).cpu() for chunk in train_images.split(64)])
        mean, std = codes.mean(0), codes.std(0)
        steps = torch.linspace(-2, 2, 5)
        sweep = mean.repeat(LATENT * len(steps), 1)
        for dim in range(LATENT):
            sweep[dim * len(steps):(dim + 1) * len(steps), dim] += steps * std[dim]
        images = model.decode(sweep.to(device)).cpu()
    figure, axes = plt.subplots(LATENT, len(steps), figsize=(len(steps) * 1.2, LATENT * 1.4))
    for index, axis in enumerate(axes.flat):
        axis.imshow(images[index, 0], cmap="gray", vmin=0, vmax=1)
        axis.axis("off")
    for dim in range(LATENT):
        axes[dim, 0].set_title(f"z{dim}", fontsize=7, loc="left")
    figure.suptitle("Latent sweep: −2σ … +2σ", fontsize=9)
    figure.tight_layout()
    return figure


def curves(history: list[dict]):
    figure, loss_axis = plt.subplots(figsize=(6, 4))
    epochs = [h["epoch"] for h in history]
    loss_axis.plot(epochs, [h["train_loss"] for h in history], color="tab:blue", label="training loss")
    loss_axis.set(xlabel="epoch", ylabel="training loss")
    checked = [h for h in history if any(key.startswith("epoch_ssim_") for key in h)]
    if checked:
        ssim_axis = loss_axis.twinx()
        for name, colour in (("seen", "tab:green"), ("unseen", "tab:red"), ("other_camera", "tab:purple")):
            if f"epoch_ssim_{name}" in checked[0]:
                ssim_axis.plot([h["epoch"] for h in checked], [h[f"epoch_ssim_{name}"] for h in checked], "o-",
                               color=colour, label=f"SSIM, {SET_TITLES[name]} (encoder's codes)")
        ssim_axis.set(ylabel="held-out SSIM", ylim=(0, 1))
    figure.legend(loc="lower center", ncol=3, fontsize=8)
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    return figure
