"""Question 1 on an honest hold-out: split each training file 80/20, train on 80 % with
`invoke train --q 1`, score the 20 % with `invoke evaluate` as if it were the unseen file.

Usage: .venv/bin/python benchmarks/q1_holdout.py [--seed 0]
Writes only to a temporary folder (its own MLflow store and outputs).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from padl_shared.paths import repo_root, resolve_data
from q1_regression.data import PART_FILES


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{scratch / 'mlflow.db'}",
                   PADL_OUTPUT_DIR=str(scratch / "outputs"), PADL_DATA_DIR=str(scratch))
        held_out = {}
        for name in PART_FILES.values():
            frame = pd.read_csv(resolve_data(name))
            unseen = frame.sample(frac=0.2, random_state=args.seed)
            frame.drop(unseen.index).to_csv(scratch / name, index=False)
            held_out[name] = scratch / name.replace("-train", "-unseen")
            unseen.to_csv(held_out[name], index=False)
        invoke = [sys.executable, "-m", "invoke"]
        subprocess.run([*invoke, "train", "--q", "1", "--seed", str(args.seed)], env=env, cwd=repo_root(),
                       check=True, capture_output=True)
        for path in held_out.values():
            result = subprocess.run([*invoke, "evaluate", "--q", "1", "--data", str(path)], env=env,
                                    cwd=repo_root(), check=True, capture_output=True, text=True)
            print(json.dumps(json.loads(result.stdout.strip().splitlines()[-1])))


if __name__ == "__main__":
    main()
