"""Stochastic weight averaging for the variants of questions 5 and 6 (q5_variants.py, q6_variants.py): a schedule
that holds the learning rate up over the run's last quarter, and the equal average of the weights over it."""

import math

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel

SWA_START, SWA_LR_SHARE = 0.75, 0.25  # the tail's share of the run, and its constant rate's share of the peak


def swa_schedule(optimiser, lr: float, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """The one-cycle's cosine climb from a 25th of the peak over the first 30 % of the steps, its cosine fall down to
    ``SWA_LR_SHARE`` of the peak by ``SWA_START`` of them, then that rate held: the weights keep wandering along the
    low-loss region instead of settling into one point of it."""
    climb, tail = 0.3 * steps, SWA_START * steps

    def cosine(start: float, end: float, progress: float) -> float:
        return end + (start - end) * (1 + math.cos(math.pi * progress)) / 2

    def share_of_peak(step: int) -> float:
        if step < climb:
            return cosine(1 / 25, 1.0, step / climb)
        return cosine(1.0, SWA_LR_SHARE, (step - climb) / (tail - climb)) if step < tail else SWA_LR_SHARE
    return torch.optim.lr_scheduler.LambdaLR(optimiser, share_of_peak)


class TailAverage(AveragedModel):
    """The equal average of the weights (and batch-norm statistics) after each step of the run's last
    1 − ``SWA_START``, where the rate is held: stochastic weight averaging (Izmailov et al., 2018), taken densely, as
    SWAD (Cha et al., 2021) takes it against a shift of domain: a new photo shoot, a new person."""

    def __init__(self, network: nn.Module, steps: int):
        super().__init__(network, use_buffers=True)
        self.skipped, self.first_averaged = 0, int(SWA_START * steps)

    def update_parameters(self, model: nn.Module) -> None:
        if self.skipped < self.first_averaged:
            self.skipped += 1
        else:
            super().update_parameters(model)
