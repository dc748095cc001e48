"""Pick the device a run trains on: CUDA, then Apple MPS, then CPU, unless PADL_DEVICE says otherwise."""

from __future__ import annotations

import os

DEVICE_ENV = "PADL_DEVICE"


def select_device(preferred: str | None = None):
    """A torch.device: ``preferred`` or PADL_DEVICE when given, else the fastest one present."""
    import torch

    choice = preferred or os.environ.get(DEVICE_ENV)
    if choice:
        device = torch.device(choice)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"{DEVICE_ENV}={choice}: CUDA is not available on this machine")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
