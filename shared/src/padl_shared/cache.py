"""Decoded data cached as a torch file, keyed by the caller (usually the source folder's checksum)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def cached_tensors(path: Path | None, build: Callable[[], dict]) -> dict:
    """``build()``'s tensors, read from ``path`` when it exists, else built and saved there atomically."""
    import torch

    if path is not None and path.exists():
        return torch.load(path, weights_only=True)
    value = build()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        torch.save(value, partial)
        partial.replace(path)
    return value
