"""PADL question 4: waist circumference from five body measurements.

predict(measurements): a B×5 float tensor [chest mm, hip mm, height mm, weight kg, gender 0/1]
→ a B×1 float32 tensor of waist circumference in mm. Needs only torch; the weights file beside this
one holds the ensemble and its input/output scaling, and is loaded once.
"""

import warnings
from pathlib import Path

import torch
from torch import nn

WEIGHTS = Path(__file__).resolve().with_name("predict_waist_weights.pt")
COLUMNS = ("chest mm", "hip mm", "height mm", "weight kg", "gender")
# Other units a measurement may arrive in, and what one of them is in the column's unit.
OTHER_UNITS = {"mm": {"centimetres": 10.0, "inches": 25.4, "metres": 1000.0},
               "kg": {"pounds": 0.4536, "grams": 0.001}}


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
        self.register_buffer("x_low", torch.zeros(len(COLUMNS)))  # the training inputs' range, to warn on
        self.register_buffer("x_high", torch.ones(len(COLUMNS)))  # measurements in another unit

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


def _checked(measurements) -> torch.Tensor:
    """The measurements as float32 on the CPU, or a ValueError naming the column at fault."""
    if not isinstance(measurements, torch.Tensor):
        raise ValueError(f"predict: expected a torch.Tensor, got {type(measurements).__name__}")
    if measurements.dim() != 2 or measurements.shape[1] != len(COLUMNS):
        raise ValueError(f"predict: expected a B×5 tensor [{', '.join(COLUMNS)}], "
                         f"got shape {tuple(measurements.shape)}")
    if measurements.shape[0] == 0:
        raise ValueError("predict: expected at least one row, got an empty batch")
    if measurements.is_complex():
        raise ValueError(f"predict: expected real numbers, got {measurements.dtype}")
    values = measurements.detach().to("cpu", torch.float64)
    for column, name in enumerate(COLUMNS):
        where = f"predict: column {column + 1} ({name})"
        if not torch.isfinite(values[:, column]).all():
            raise ValueError(f"{where} holds NaN or infinite values")
        if (values[:, column] < 0).any():
            raise ValueError(f"{where} holds a negative value ({values[:, column].min().item():.4g})")
        if values[:, column].max() > torch.finfo(torch.float32).max:
            raise ValueError(f"{where} holds a value beyond float32's range ({values[:, column].max().item():.4g})")
    gender = values[:, 4]
    if not ((gender == 0) | (gender == 1)).all():
        raise ValueError(f"predict: gender (column 5) must be 0 or 1, got {sorted(set(gender.tolist()))[:5]}")
    return values.float()


def _warn_if_in_another_unit(values: torch.Tensor, low: torch.Tensor, high: torch.Tensor) -> None:
    """A warning for a measurement column far outside the training range (under half its least value, or over
    twice its largest), naming the unit it looks like it is in."""
    for column, name in enumerate(COLUMNS[:4]):
        column_values = values[:, column]
        lowest, highest = low[column].item(), high[column].item()
        far = (column_values < lowest / 2) | (column_values > highest * 2)
        if not far.any():
            continue
        example = column_values[far][0].item()
        unit = name.split()[-1]
        likely = [other for other, factor in OTHER_UNITS[unit].items() if lowest <= example * factor <= highest]
        hint = f"; in {likely[0]}? predict expects {unit}" if likely else ""
        warnings.warn(f"predict: column {column + 1} ({name}) has {int(far.sum())} value(s) far outside the training "
                      f"range {lowest:.0f}..{highest:.0f} (e.g. {example:.4g}){hint}", stacklevel=3)


def predict(measurements):
    """Waist circumference in mm, B×1 float32, on the input's device."""
    global _model
    values = _checked(measurements)
    if _model is None:
        _model = load()
    _warn_if_in_another_unit(values, _model.x_low, _model.x_high)
    with torch.no_grad():
        waist = _model(values)
    return waist.to(measurements.device)
