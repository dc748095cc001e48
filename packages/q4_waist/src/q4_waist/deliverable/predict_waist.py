"""PADL question 4: waist circumference from five body measurements.

predict(measurements): a B×5 float tensor [chest mm, hip mm, height mm, weight kg, gender 0/1]
→ a B×1 float32 tensor of waist circumference in mm. Needs only torch; the weights file beside this
one holds the ensemble and its input/output scaling, and is loaded once.
"""

from pathlib import Path

import torch
from torch import nn

WEIGHTS = Path(__file__).resolve().with_name("predict_waist_weights.pt")
COLUMNS = ("chest mm", "hip mm", "height mm", "weight kg", "gender")


class WaistMLP(nn.Module):
    """One member: standardised inputs → two hidden layers → standardised waist."""

    def __init__(self, hidden: int):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(len(COLUMNS), hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                    nn.Linear(hidden, 1))

    def forward(self, x):
        return self.layers(x)


class WaistEnsemble(nn.Module):
    """The mean of several members, with the scaling to and from millimetres built in."""

    def __init__(self, members: int, hidden: int):
        super().__init__()
        self.members = nn.ModuleList(WaistMLP(hidden) for _ in range(members))
        self.register_buffer("x_mean", torch.zeros(len(COLUMNS)))
        self.register_buffer("x_std", torch.ones(len(COLUMNS)))
        self.register_buffer("y_mean", torch.zeros(1))
        self.register_buffer("y_std", torch.ones(1))

    def forward(self, measurements):
        x = (measurements - self.x_mean) / self.x_std
        standardised = torch.stack([member(x) for member in self.members]).mean(dim=0)
        return standardised * self.y_std + self.y_mean


_model = None


def load(weights: Path = WEIGHTS) -> WaistEnsemble:
    """The ensemble described by a weights file, in eval mode on the CPU."""
    saved = torch.load(weights, map_location="cpu", weights_only=True)
    model = WaistEnsemble(saved["members"], saved["hidden"])
    model.load_state_dict(saved["state"])
    return model.eval()


def _check(measurements) -> None:
    if not isinstance(measurements, torch.Tensor):
        raise ValueError(f"predict: expected a torch.Tensor, got {type(measurements).__name__}")
    if measurements.dim() != 2 or measurements.shape[1] != len(COLUMNS):
        raise ValueError(f"predict: expected a B×5 tensor [{', '.join(COLUMNS)}], "
                         f"got shape {tuple(measurements.shape)}")
    if measurements.shape[0] == 0:
        raise ValueError("predict: expected at least one row, got an empty batch")
    if not torch.is_floating_point(measurements):
        measurements = measurements.float()
    if torch.isnan(measurements).any() or torch.isinf(measurements).any():
        raise ValueError("predict: measurements contain NaN or infinite values")
    gender = measurements[:, 4]
    if not ((gender == 0) | (gender == 1)).all():
        raise ValueError(f"predict: gender (column 5) must be 0 or 1, got {sorted(set(gender.tolist()))[:5]}")


def predict(measurements):
    """Waist circumference in mm, B×1 float32, on the input's device."""
    global _model
    _check(measurements)
    if _model is None:
        _model = load()
    with torch.no_grad():
        waist = _model(measurements.detach().to("cpu", torch.float32))
    return waist.to(measurements.device)
