"""Question 4's figures: the held-out residuals against each input, the error by gender, predicted vs actual."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from q4_waist.data import FEATURES


def evidence(x: np.ndarray, y: np.ndarray, predicted: np.ndarray) -> dict:
    """name → figure, for the held-out inputs ``x``, waists ``y`` and the deliverable's ``predicted`` waists."""
    residual = y - predicted
    figures = {}
    figure, axes = plt.subplots(1, len(FEATURES), figsize=(18, 3.5), sharey=True)
    for axis, column, values in zip(axes, FEATURES, x.T):
        axis.scatter(values, residual, s=6, alpha=0.5)
        axis.axhline(0, color="black", linewidth=1)
        axis.set(xlabel=column)
    axes[0].set_ylabel("residual (mm)")
    figure.suptitle("Held-out residuals against each input")
    figure.tight_layout()
    figures["residuals_by_input"] = figure

    figure, axis = plt.subplots(figsize=(5, 4))
    errors = [np.abs(residual[x[:, 4] == g]) for g in (0, 1)]
    axis.boxplot(errors, tick_labels=["male (0)", "female (1)"], showfliers=False)
    axis.set(ylabel="absolute error (mm)", title="Held-out error by gender: " +
             ", ".join(f"{e.mean():.1f}" for e in errors) + " mm")
    figure.tight_layout()
    figures["error_by_gender"] = figure

    figure, axis = plt.subplots(figsize=(5, 5))
    axis.scatter(y, predicted, s=6, alpha=0.5)
    low, high = float(y.min()), float(y.max())
    axis.plot([low, high], [low, high], color="black", linewidth=1)
    axis.set(xlabel="actual waist (mm)", ylabel="predicted waist (mm)", title="Held-out predictions")
    figure.tight_layout()
    figures["predicted_vs_actual"] = figure
    return figures
