"""`python -m q6_compression train|evaluate …`: what `invoke train --q 6` and `invoke evaluate --q 6` run."""

from padl_shared.cli import run_cli

from q6_compression.evaluate import run_evaluation
from q6_compression.train import run_training

raise SystemExit(run_cli(run_training, run_evaluation, holdout=True))
