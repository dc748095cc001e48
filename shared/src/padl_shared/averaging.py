"""The learning-rate schedule of questions 5 and 6, with or without stochastic weight averaging (Izmailov et al.,
2018) over the run's tail, taken after every step as SWAD (Cha et al., 2021) takes it against a shift of domain: a
new photo shoot, a new person."""

from __future__ import annotations

import math

import torch
from torch.optim.swa_utils import AveragedModel


def cosine(start: float, end: float, progress: float) -> float:
    return end + (start - end) * (1 + math.cos(math.pi * progress)) / 2


class TailAverage(AveragedModel):
    """An ``AveragedModel`` (weights and buffers) that skips the first ``skip`` updates: the mean of the rest."""

    def __init__(self, network: torch.nn.Module, skip: int):
        super().__init__(network, use_buffers=True)
        self.skip = skip

    def update_parameters(self, model: torch.nn.Module) -> None:
        if self.skip:
            self.skip -= 1
        else:
            super().update_parameters(model)


def current(network: torch.nn.Module, averaged: TailAverage | None) -> torch.nn.Module:
    """The weights a check during training should read: the average once it holds some (one over the run's tail holds
    none before it), else the network's own."""
    return averaged.module if averaged is not None and averaged.n_averaged else network


def schedule(network: torch.nn.Module, optimiser: torch.optim.Optimizer, steps: int, average_from: float,
             held_rate: float) -> tuple[torch.optim.lr_scheduler.LRScheduler, TailAverage | None]:
    """The rate over ``steps`` optimiser steps, peaking at the optimiser's own, and the weights to ship, both to be
    stepped after each step (None: the last step's weights). ``average_from`` ≥ 1: the one-cycle policy, down to
    nearly nothing at the end. Else the same cosine climb over the first 30 % of the steps, a cosine fall to
    ``held_rate`` × the peak by ``average_from`` of them, that rate held to the end, and the equal average of the
    weights (and batch-norm statistics) after each held step: the weights keep moving along the low-loss region
    rather than settling into one point of it, and their mean lies inside it."""
    peak = optimiser.param_groups[0]["lr"]
    if average_from >= 1:
        return torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=peak, total_steps=steps), None
    climb, held = 0.3 * steps, average_from * steps

    def share_of_peak(step: int) -> float:
        if step < climb:
            return cosine(1 / 25, 1.0, step / climb)  # from the one-cycle's start, a 25th of the peak
        return cosine(1.0, held_rate, (step - climb) / (held - climb)) if step < held else held_rate

    return torch.optim.lr_scheduler.LambdaLR(optimiser, share_of_peak), TailAverage(network, int(held))
