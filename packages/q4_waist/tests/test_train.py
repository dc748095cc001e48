import json

import mlflow
import numpy as np
import pytest
from padl_shared.tracking import tracked_run
from q4_waist.data import load_measurements
from q4_waist.train import TrainConfig, conformal_halfwidth, train

TINY = dict(members=2, epochs=3, hidden=8)


def test_conformal_halfwidth_is_the_right_order_statistic():
    residuals = np.arange(1, 20, dtype=float)  # n = 19: rank ceil(20 × 0.9) = 18
    assert conformal_halfwidth(residuals, 0.9) == 18.0
    assert conformal_halfwidth(-residuals, 0.5) == 10.0


def test_tiny_training_writes_the_deliverable_and_logs_the_run(measurements, store):
    output = store / "out"
    output.mkdir()
    config = TrainConfig(**TINY)
    with tracked_run("q4_test", "t", 0, config, {"measurements": measurements}) as run:
        metrics = train(config, load_measurements(measurements), output)
    assert {"mae", "r2", "interval_coverage", "baseline_mae_linear_regression",
            "baseline_mae_gradient_boosting", "rows_dropped_incomplete"} <= set(metrics)
    assert metrics["rows_dropped_incomplete"] == 3 and metrics["n_test"] == 40
    assert metrics["n_shipped"] == metrics["n_train"] + metrics["n_test"] == 197  # the deliverable: every row
    interval = json.loads((output / "predict_waist_interval.json").read_text())
    assert interval["halfwidth_mm"] == metrics["shipped_interval_halfwidth_mm"]
    assert 0 <= metrics["interval_coverage"] <= 1 and metrics["mae"] > 0
    assert sorted(p.name for p in output.iterdir()) == ["predict_waist.py", "predict_waist_interval.json",
                                                        "predict_waist_weights.pt"]
    assert metrics["weights_bytes"] < 10_000_000
    artifacts = {a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id, artifact_path="figures")}
    assert artifacts == {"figures/residuals_by_input.png", "figures/error_by_gender.png",
                         "figures/predicted_vs_actual.png"}


def test_enough_training_reaches_the_noise_floor(store, make_measurements):
    measurements = make_measurements(store / "large.csv", n=800)
    output = store / "out"
    output.mkdir()
    config = TrainConfig(members=2, epochs=40, hidden=16)
    with tracked_run("q4_test", "t", 0, config, {"measurements": measurements}):
        metrics = train(config, load_measurements(measurements), output)
    # The truth is linear with 10 mm Gaussian noise: the best possible MAE is 10·√(2/π) ≈ 8 mm.
    assert metrics["mae"] < 9
    assert metrics["mae"] <= metrics["baseline_mae_linear_regression"] * 1.08


def test_same_seed_same_numbers(measurements, store):
    results = []
    for attempt in range(2):
        output = store / str(attempt)
        output.mkdir()
        with tracked_run("q4_test", "t", 0, TrainConfig(**TINY), {"measurements": measurements}):
            results.append(train(TrainConfig(**TINY), load_measurements(measurements), output)["mae"])
    assert results[0] == results[1]


def test_one_member_is_refused(measurements, store):
    from padl_shared.errors import DataError

    with pytest.raises(DataError, match="members must be at least 2"):
        train(TrainConfig(members=1), load_measurements(measurements), store)
