"""`python -m q3_embeddings train|evaluate …`: what `invoke train --q 3` and `invoke evaluate --q 3` run."""

from padl_shared.cli import run_cli

from q3_embeddings.evaluate import run_evaluation
from q3_embeddings.train import run_training

raise SystemExit(run_cli(run_training, run_evaluation))
