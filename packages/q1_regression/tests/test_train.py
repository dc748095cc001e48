import json

import mlflow
import numpy as np
import pytest
from padl_shared.tracking import tracked_run
from q1_regression.data import load_xy
from q1_regression.evaluate import score
from q1_regression.synthetic import SPARSE_TRUTH, write_files
from q1_regression.train import TrainConfig, fit_part_a, fit_part_b, fit_part_c, lasso_path_alphas, train


def test_part_a_recovers_a_quadratic(q1_files):
    result = fit_part_a(*load_xy(q1_files["a"]), TrainConfig())
    assert result["metrics"]["cv_r2"] > 0.99
    assert result["metrics"]["degree"] == 2
    assert set(list(result["largest_terms"])[:2]) == {"X1 X3", "X2^2"}


def test_part_b_finds_the_sparse_truth(q1_files):
    X, y = load_xy(q1_files["b"])
    result = fit_part_b(X, y, TrainConfig())
    kept = result["coefficients"].index[result["coefficients"]["lasso"] != 0]
    assert list(kept) == [f"X{i + 1}" for i in np.flatnonzero(SPARSE_TRUTH)]
    assert result["metrics"]["zero_coefs"] == 7
    assert result["metrics"]["cv_r2"] >= 0.9 * result["metrics"]["baseline_cv_r2"]


def test_lasso_path_covers_every_segment(q1_files):
    X, y = load_xy(q1_files["b"])
    breakpoints, alphas = lasso_path_alphas(X, y, points_per_segment=3)
    assert len(alphas) == 3 * (len(breakpoints) - 1)
    assert alphas.max() < breakpoints[0] and alphas.min() > 0


def test_part_c_beats_the_plain_linear_model(q1_files):
    result = fit_part_c(*load_xy(q1_files["c"]), TrainConfig())
    assert result["preprocessing"] != "none (plain linear)"
    assert result["metrics"]["gain"] > 0.05


def test_train_logs_a_run_and_same_seed_gives_same_numbers(q1_files, store):
    summaries = []
    for attempt in range(2):
        (store / str(attempt)).mkdir()
        with tracked_run("q1_test", "test", 0, TrainConfig(), q1_files) as run:
            summaries.append(train(TrainConfig(), q1_files, output=store / str(attempt)))
    assert summaries[0] == summaries[1]
    logged = mlflow.get_run(run.info.run_id)
    assert logged.data.tags["seed"] == "0" and len(logged.data.tags["data.b.sha256"]) == 64
    assert logged.data.metrics["b.zero_coefs"] == 7
    assert json.loads((store / "1" / "summary.json").read_text())["a"]["degree"] == 2
    model = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model_b")
    assert np.sum(model[-1].coef_ == 0) == 7


def test_score_on_unseen_file(q1_files, tmp_path):
    unseen = write_files(tmp_path / "unseen", n=100, seed=7, kind="unseen")
    result = fit_part_b(*load_xy(q1_files["b"]), TrainConfig())
    scored = score(unseen["b"], result["model"], result["baseline"])
    assert scored["part"] == "b" and scored["n"] == 100 and scored["zero_coefs"] == 7
    assert scored["r2"] >= 0.9 * scored["baseline_r2"]


def test_score_rejects_other_columns(q1_files):
    from padl_shared.errors import DataError

    result = fit_part_a(*load_xy(q1_files["a"]), TrainConfig())
    with pytest.raises(DataError, match="differ from the trained model"):
        score(q1_files["c"].rename(q1_files["c"].with_name("PADL-Q11-x.csv")), result["model"])
