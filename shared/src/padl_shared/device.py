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


PRECISION_ENV = "PADL_PRECISION"


def fast_dtype(device):
    """bfloat16 where the hardware computes it natively (CUDA with bf16, CPUs with AVX512-BF16 or AMX), else
    float32: on a CPU without it, bf16 autocast is emulated and slower. PADL_PRECISION=fp32|bf16 overrides."""
    import torch

    choice = os.environ.get(PRECISION_ENV, "").lower()
    if choice in ("fp32", "bf16"):
        return torch.bfloat16 if choice == "bf16" else torch.float32
    if choice:
        raise ValueError(f"{PRECISION_ENV}={choice}: expected fp32 or bf16")
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device.type == "cpu":
        capabilities = torch.cpu.get_capabilities()
        if capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"):
            return torch.bfloat16
    return torch.float32


def autocast(device):
    """Mixed precision for training steps on ``device`` at :func:`fast_dtype`; a no-op in float32."""
    import torch

    dtype = fast_dtype(device)
    return torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32)
