"""Question 5's figures: confusion matrices, the misclassified photos, the training curves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

from q5_garments.data import CLASSES


def confusion(truth, predicted, title):
    figure, axis = plt.subplots(figsize=(5, 4.5))
    matrix = confusion_matrix(truth, predicted, labels=list(range(len(CLASSES))))
    ConfusionMatrixDisplay(matrix, display_labels=CLASSES).plot(ax=axis, colorbar=False)
    axis.set_title(title)
    figure.tight_layout()
    return figure


def misclassified(images, truth, predicted, limit: int = 16):
    wrong = np.flatnonzero(truth != predicted)[:limit]
    columns = 4
    rows = max(1, int(np.ceil(len(wrong) / columns)))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 2.5, rows * 2.7), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, index in zip(axes.flat, wrong):
        axis.imshow(images[index].permute(1, 2, 0).numpy())
        axis.set_title(f"true {CLASSES[truth[index]]}\nsaid {CLASSES[predicted[index]]}", fontsize=8)
    figure.suptitle(f"{len(np.flatnonzero(truth != predicted))} held-out photos misclassified (clean)")
    figure.tight_layout()
    return figure


def curves(history: list[dict]):
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = [h["epoch"] for h in history]
    loss_axis.plot(epochs, [h["train_loss"] for h in history], label="training")
    accuracy_axis.plot(epochs, [h["train_accuracy"] for h in history], label="training (augmented)")
    checked = [h for h in history if "val_loss" in h]  # every eval_every epochs; a refit has no held-out photos
    if checked:
        loss_axis.plot([h["epoch"] for h in checked], [h["val_loss"] for h in checked], "o-", label="held-out")
        accuracy_axis.plot([h["epoch"] for h in checked], [h["val_accuracy"] for h in checked], "o-",
                           label="held-out (clean)")
    loss_axis.set(xlabel="epoch", ylabel="cross-entropy")
    loss_axis.legend()
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1))
    accuracy_axis.legend()
    figure.tight_layout()
    return figure
