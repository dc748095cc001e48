"""Run a graded deliverable the way the grader does: a fresh Python process, a foreign working
directory, and nothing importable but torch, numpy, pillow and the standard library."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# Installed here but absent on the grader's machine: importing one is a contract failure.
FORBIDDEN = ("sklearn", "scipy", "pandas", "mlflow", "skimage", "gensim", "joblib", "matplotlib", "torchvision",
             "skops", "padl_shared", "q1_regression", "q2_clustering", "q3_embeddings", "q4_waist", "q5_garments",
             "q6_compression")

_PRELUDE = """
import importlib.abc, sys
class _GraderEnvironment(importlib.abc.MetaPathFinder):  # finds nothing of the forbidden, as if not installed:
    def __init__(self, finder):                           # importing one is "No module named …", and
        self.finder = finder                              # importlib.util.find_spec answers None
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {forbidden!r} or not hasattr(self.finder, "find_spec"):
            return None
        return self.finder.find_spec(name, path, target)
    def invalidate_caches(self):
        getattr(self.finder, "invalidate_caches", lambda: None)()
sys.meta_path[:] = [_GraderEnvironment(finder) for finder in sys.meta_path]
sys.path.insert(0, {folder!r})

def expect_loaded_once_safely(loads):  # ``loads``: torch.load's keyword arguments, one dict per call
    assert len(loads) == 1 and loads[0].get("weights_only") is True, f"weights loaded as {{loads}}"

def expect_value_errors(cases):  # each (function, value) must raise a ValueError containing its key
    for message, (function, value) in cases.items():
        try:
            function(value)
        except ValueError as error:
            assert message in str(error), (message, str(error))
        else:
            raise AssertionError(f"no ValueError for {{message}}")
"""


# Records every torch.load call's keyword arguments in WEIGHT_LOADS, before the graded file is imported.
_TRACK_LOADS = """
import torch
WEIGHT_LOADS = []
_real_load = torch.load
torch.load = lambda *args, **kwargs: WEIGHT_LOADS.append(kwargs) or _real_load(*args, **kwargs)
"""


def run_deliverable(folder: Path, script: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``script`` with ``folder`` on sys.path, from ``cwd``, in the grader-like environment, where
    ``expect_value_errors({message: (function, value)})`` checks a graded file's input errors and
    ``expect_loaded_once_safely(WEIGHT_LOADS)`` that its weights were loaded once with weights_only=True."""
    prelude = _PRELUDE.format(forbidden=set(FORBIDDEN), folder=str(Path(folder).resolve()))
    if "WEIGHT_LOADS" in script:
        prelude += _TRACK_LOADS
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def import_deliverable(path: Path):
    """Import a graded file by its path, as a grader would, not from the installed package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"graded_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
