"""Training one ensemble member; the network itself lives in the deliverable so both share it."""

from __future__ import annotations

import numpy as np
import torch

from q4_waist.deliverable.predict_waist import WaistEnsemble, WaistMLP


def fit_member(x: torch.Tensor, y: torch.Tensor, hidden: int, epochs: int, batch_size: int, lr: float,
               weight_decay: float, seed: int, device) -> WaistMLP:
    """One MLP on standardised inputs and target, minimising absolute error (the graded MAE)."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    member = WaistMLP(hidden).to(device)
    optimiser = torch.optim.AdamW(member.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * int(np.ceil(len(x) / batch_size))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps)
    x, y = x.to(device), y.to(device)
    member.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(x), generator=generator).split(batch_size):
            loss = torch.nn.functional.l1_loss(member(x[batch]).squeeze(1), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    return member.cpu().eval()


def assemble(members: list[WaistMLP], hidden: int, x: np.ndarray, y_mean, y_std) -> WaistEnsemble:
    """The members behind one module, with the scaling of the training inputs ``x`` and target, and the
    inputs' range (the deliverable warns on measurements far outside it)."""
    x_mean, x_std = x.mean(axis=0), x.std(axis=0)
    ensemble = WaistEnsemble(len(members), hidden)
    for slot, member in zip(ensemble.members, members):
        slot.load_state_dict(member.state_dict())
    ensemble.x_mean.copy_(torch.as_tensor(x_mean))
    ensemble.x_std.copy_(torch.as_tensor(x_std))
    ensemble.x_low.copy_(torch.as_tensor(x.min(axis=0)))
    ensemble.x_high.copy_(torch.as_tensor(x.max(axis=0)))
    ensemble.y_mean.fill_(float(y_mean))
    ensemble.y_std.fill_(float(y_std))
    return ensemble.eval()
