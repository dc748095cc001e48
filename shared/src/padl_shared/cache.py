"""Decoded data cached as a torch file, keyed by the caller (usually the source folder's checksum)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path


def cached_tensors(path: Path | None, build: Callable[[], dict]) -> dict:
    """``build()``'s tensors, read from ``path`` when it exists, else built and saved there atomically: readers
    never see a torn file, and two processes building the same cache at once both succeed."""
    import torch

    if path is not None and path.exists():
        return torch.load(path, weights_only=True)
    value = build()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a partial file of this process's own: two runs decoding the same data at once each write theirs
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.stem, suffix=".partial", delete=False) as handle:
            try:
                torch.save(value, handle)
            except BaseException:
                Path(handle.name).unlink()
                raise
        Path(handle.name).replace(path)
    return value
