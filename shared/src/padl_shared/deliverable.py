"""A graded file as its question's package declares it, once: its name, its weights, the other files beside it,
the size limit and the check the bundle runs. Training writes it through here, and the bundle reads it."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from padl_shared.errors import DataError


@dataclasses.dataclass(frozen=True)
class GradedFile:
    question: str  # the package, e.g. "q4_waist"
    source: Path  # the graded file inside the package, copied beside its weights
    weights: str  # the weights file's name, beside the graded file
    limit_bytes: int  # the coursework's limit on the weights
    limit_inclusive: bool  # "≤ 20 MiB" (True) or "< 10 MB" (False)
    companions: tuple[str, ...] = ()  # other files the graded file reads beside it
    contract: str = ""  # the bundle's check, run in a grader-like process with BATCH (a real data batch) defined

    @property
    def module(self) -> str:
        return self.source.name

    @property
    def files(self) -> tuple[str, ...]:
        return (self.module, self.weights, *self.companions)

    def check_size(self, size: int) -> None:
        """A DataError when ``size`` bytes of weights break the limit."""
        over = size > self.limit_bytes if self.limit_inclusive else size >= self.limit_bytes
        if over:
            relation = "≤" if self.limit_inclusive else "<"
            raise DataError(f"{self.weights}: {size} bytes, the limit is {relation} {self.limit_bytes}")

    def write(self, output: Path, saved: dict) -> int:
        """The graded file and its weights (``saved``, as torch saves it) into ``output``; the weights' bytes,
        or a DataError when they break the limit."""
        import torch

        torch.save(saved, output / self.weights)
        shutil.copy(self.source, output / self.module)
        size = (output / self.weights).stat().st_size
        self.check_size(size)
        return size
