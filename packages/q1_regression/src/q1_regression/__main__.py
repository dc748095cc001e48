"""`python -m q1_regression train|evaluate …`: what `invoke train --q 1` and `invoke evaluate --q 1` run."""

from padl_shared.cli import run_cli

from q1_regression.evaluate import run_evaluation
from q1_regression.train import run_training

raise SystemExit(run_cli(run_training, run_evaluation))
