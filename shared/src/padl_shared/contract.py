"""Run a graded deliverable the way the grader does: a fresh Python process, a foreign working
directory, and nothing importable but torch, numpy, pillow and the standard library."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# Installed here but absent on the grader's machine: importing one is a contract failure.
FORBIDDEN = ("sklearn", "scipy", "pandas", "mlflow", "skimage", "gensim", "joblib", "matplotlib", "torchvision",
             "pytorch_msssim", "skops", "padl_shared", "q1_regression", "q2_clustering", "q3_embeddings",
             "q4_waist", "q5_garments", "q6_compression")

_PRELUDE = """
import importlib.abc, sys
class _GraderEnvironment(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {forbidden!r}:
            raise ImportError(f"{{name}} is not installed where the grader runs")
        return None
sys.meta_path.insert(0, _GraderEnvironment())
sys.path.insert(0, {folder!r})

def expect_value_errors(cases):  # each (function, value) must raise a ValueError containing its key
    for message, (function, value) in cases.items():
        try:
            function(value)
        except ValueError as error:
            assert message in str(error), (message, str(error))
        else:
            raise AssertionError(f"no ValueError for {{message}}")
"""


def run_deliverable(folder: Path, script: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``script`` with ``folder`` on sys.path, from ``cwd``, in the grader-like environment, where
    ``expect_value_errors({message: (function, value)})`` checks a graded file's input errors."""
    prelude = _PRELUDE.format(forbidden=set(FORBIDDEN), folder=str(Path(folder).resolve()))
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def import_deliverable(path: Path):
    """Import a graded file by its path, as a grader would, not from the installed package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"graded_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
