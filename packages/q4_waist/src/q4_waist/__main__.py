"""`python -m q4_waist train|evaluate …`: what `invoke train --q 4` and `invoke evaluate --q 4` run."""

from padl_shared.cli import run_cli

from q4_waist.evaluate import run_evaluation
from q4_waist.train import run_training

raise SystemExit(run_cli(run_training, run_evaluation, holdout=True))
