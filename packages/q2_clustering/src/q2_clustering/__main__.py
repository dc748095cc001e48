"""`python -m q2_clustering train|evaluate …`: what `invoke train --q 2` and `invoke evaluate --q 2` run."""

from padl_shared.cli import run_cli

from q2_clustering.evaluate import run_evaluation
from q2_clustering.train import run_training

raise SystemExit(run_cli(run_training, run_evaluation))
