"""`python -m q5_garments train|evaluate …`: what `invoke train --q 5` and `invoke evaluate --q 5` run."""

from padl_shared.cli import run_cli

from q5_garments.evaluate import run_evaluation
from q5_garments.train import run_training

raise SystemExit(run_cli(run_training, run_evaluation, holdout=True))
