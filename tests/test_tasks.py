"""The tasks as a user types them: `invoke train --q 1`, `invoke evaluate …`, bad arguments."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import mlflow
import numpy as np
import pandas as pd
import pytest
from padl_shared.tracking import latest_run
from q1_regression.synthetic import write_files


@pytest.fixture
def q1_data(tmp_path):
    write_files(tmp_path / "data", n=150, seed=3)
    return write_files(tmp_path / "unseen", n=80, seed=4, kind="unseen")


def test_train_q1_then_evaluate_each_part(q1_data, isolated_env, tmp_path, invoke):
    isolated_env["PADL_DATA_DIR"] = str(tmp_path / "data")
    trained = invoke("train", "--q", "1", env=isolated_env)
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout.strip().splitlines()[-1])
    assert metrics["a_cv_r2"] > 0.99 and metrics["b_zero_coefs"] == 7
    assert (tmp_path / "outputs" / "q1" / "model_b" / "MLmodel").is_file()

    results = {}
    for part, path in q1_data.items():
        evaluated = invoke("evaluate", "--q", "1", "--data", str(path), env=isolated_env)
        assert evaluated.returncode == 0, evaluated.stderr
        results[part] = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert results["a"] == {"part": "a", "r2": pytest.approx(1.0, abs=0.01), "n": 80}
    assert set(results["b"]) == {"part", "r2", "n", "baseline_r2", "zero_coefs", "n_coefs"}
    assert results["b"]["zero_coefs"] == 7 and results["b"]["n_coefs"] == 10
    assert results["c"]["r2"] > 0.8

    again = invoke("train", "--q", "1", "--seed", "1", env=isolated_env)
    assert again.returncode == 0, again.stderr
    mlflow.set_tracking_uri(isolated_env["MLFLOW_TRACKING_URI"])
    runs = mlflow.search_runs(experiment_names=["q1_regression"], output_format="list")
    assert sorted(r.data.tags["seed"] for r in runs) == ["0", "1"]
    assert all(r.info.status == "FINISHED" for r in runs)


def test_bad_input_fails_in_one_line_and_keeps_the_store(isolated_env, tmp_path, invoke):
    data = tmp_path / "data"
    write_files(data, n=60, seed=3)
    (data / "PADL-Q12-train.csv").write_text("X1,X2\n1,2\n")
    isolated_env["PADL_DATA_DIR"] = str(data)
    failed = invoke("train", "--q", "1", env=isolated_env)
    assert failed.returncode == 2
    assert "error: PADL-Q12-train.csv: column 'out' not found (have: X1, X2)" in failed.stderr
    assert not (tmp_path / "outputs" / "q1").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["train", "--q", "9"], "--q must be one of 1-6 or all, got '9'"),
    (["train", "--q", "3", "--holdout"], "--holdout applies to questions 4-6 only, got --q 3"),
    (["train", "--set", "lr=1"], "--set applies to one question at a time: add --q N"),
    (["cv", "--q", "7"], "--q must be one of 1-6 for cv, got '7'"),
    (["sweep", "--q", "5"], "sweep needs at least one --set KEY=V1,V2"),
    (["train", "--q", "5", "--epochs", "0"], "--epochs must be a whole number of at least 1, got '0'"),
    (["train", "--q", "2", "--epochs", "3"], "--epochs applies to questions 4-6 only, got --q 2"),
    (["train", "--q", "1", "--fast"], "--fast applies to questions 4-6 only, got --q 1"),
    (["evaluate", "--q", "1", "--data", "/no/such.csv"], "--data /no/such.csv: not found"),
    (["test", "--q", "x"], "--q must be one of 1-6, got 'x'"),
    (["grade", "--bundle", "/no/such.zip", "--data", "."], "--bundle /no/such.zip: not found"),
    (["bundle"], "no finished training run for q1_regression"),
])
def test_bad_arguments_exit_with_a_message(args, message, isolated_env, invoke):
    result = invoke(*args, env=isolated_env)
    assert result.returncode == 2
    assert message in result.stderr


def test_short_and_long_single_letter_flags_are_listed(invoke):
    result = invoke("--help", "train")
    assert "-q STRING, --q STRING" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_train_q1_against_a_real_mlflow_server(q1_data, isolated_env, tmp_path, invoke):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
         "--artifacts-destination", str(tmp_path / "server-artifacts")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2)
                break
            except OSError:
                assert time.time() < deadline, "mlflow server did not start"
                time.sleep(0.5)
        isolated_env["MLFLOW_TRACKING_URI"] = url
        isolated_env["PADL_DATA_DIR"] = str(tmp_path / "data")
        trained = invoke("train", "--q", "1", env=isolated_env)
        assert trained.returncode == 0, trained.stderr
        mlflow.set_tracking_uri(url)
        (run,) = mlflow.search_runs(experiment_names=["q1_regression"], output_format="list")
        assert run.data.metrics["b.zero_coefs"] == 7
        model = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model_a")
        assert model.predict(pd.read_csv(q1_data["a"]).drop(columns="out")).shape == (80,)
        assert (tmp_path / "server-artifacts").is_dir()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_train_and_evaluate_q2_on_any_labelled_csv(isolated_env, tmp_path, invoke):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(centre, 0.3, size=(40, 2)) for centre in (0, 5, 10)])
    pd.DataFrame({"u": X[:, 0], "v": X[:, 1], "class": np.repeat(["p", "q", "r"], 40)}).to_csv(
        tmp_path / "other.csv", index=False)
    trained = invoke("train", "--q", "2", "--data", str(tmp_path / "other.csv"), env=isolated_env)
    assert trained.returncode == 0, trained.stderr
    metrics = json.loads(trained.stdout.strip().splitlines()[-1])
    assert set(metrics) == {"accuracy_full", "accuracy_pca2", "explained_variance_pc1_pc2", "n", "k"}
    assert metrics["k"] == 3 and metrics["n"] == 120 and metrics["accuracy_full"] == 1.0
    evaluated = invoke("evaluate", "--q", "2", "--data", str(tmp_path / "other.csv"), env=isolated_env)
    assert json.loads(evaluated.stdout.strip().splitlines()[-1])["accuracy_full"] == 1.0


def test_train_q3_on_any_walk_file(isolated_env, tmp_path, invoke):
    rng = np.random.default_rng(0)
    walks = []
    for _ in range(300):
        walk = [int(rng.integers(32))]
        while len(walk) < 6:
            walk.append((walk[-1] + int(rng.choice([-1, 1]))) % 32)  # a ring of 32 nodes
        walks.append(" ".join(map(str, walk)))
    (tmp_path / "ring.txt").write_text("\n".join(walks) + "\n")
    trained = invoke("train", "--q", "3", "--data", str(tmp_path / "ring.txt"), env=isolated_env)
    assert trained.returncode == 0, trained.stderr
    lines = trained.stdout.strip().splitlines()
    assert "cosine similarity of node 5 to:" in lines
    metrics = json.loads(lines[-1])
    assert metrics["n_nodes"] == 32 and list(metrics["sim_5"]) == [str(n) for n in range(21, 31)]
    result = (tmp_path / "outputs" / "q3" / "PADL-Q3-result.txt").read_text().splitlines()
    assert metrics["result_file"] == str(tmp_path / "outputs" / "q3" / "PADL-Q3-result.txt")
    assert [row.split()[0] for row in result] == [str(n) for n in range(32)]
    assert result[5].split()[1] in {"4", "6"}  # a ring node's nearest is a ring neighbour


def test_train_q4_fast_then_evaluate(isolated_env, tmp_path, invoke, q4_folder):
    measurements = str(q4_folder / "body_measurements.csv")
    trained = invoke("train", "--q", "4", "--fast", "--data", measurements, env=isolated_env)
    assert trained.returncode == 0, trained.stderr
    assert (tmp_path / "outputs" / "q4" / "predict_waist_weights.pt").is_file()
    evaluated = invoke("evaluate", "--q", "4", "--data", measurements, env=isolated_env)
    assert evaluated.returncode == 0, evaluated.stderr
    metrics = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert {"mae", "r2", "n", "interval_coverage"} <= set(metrics) and metrics["n"] == 150


def _faces(folder, people=6, photos=4):
    from PIL import Image

    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for person in range(people):
        base = rng.uniform(0.2, 0.8, size=(12, 10))
        for photo in range(photos):
            light = np.linspace(rng.uniform(0.3, 1), rng.uniform(0.3, 1), 160)
            pixels = np.kron(base, np.ones((16, 16))) * light
            Image.fromarray((255 * pixels).astype(np.uint8)).save(folder / f"yaleB{person:02d}_P{photo}.png")


def _garments(folder, per_class=5):
    from PIL import Image

    for label in range(3):
        (folder / f"class_{label}").mkdir(parents=True)
        for index in range(per_class):
            pixels = np.full((256, 256, 3), 30 + 10 * index, dtype=np.uint8)
            pixels[..., label] = 220
            Image.fromarray(pixels).save(folder / f"class_{label}" / f"{index}.jpg")


def test_train_q6_exactly_as_documented_reaches_question_6(isolated_env, tmp_path, invoke):
    """`invoke train --q 6` as the README spells it, on a folder of faces of the wrong size: question 6's loader
    answers, before any training (the full recipe runs in the quick start, not here)."""
    from PIL import Image

    (tmp_path / "data" / "face_images").mkdir(parents=True)
    Image.fromarray(np.zeros((120, 100), dtype=np.uint8)).save(tmp_path / "data" / "face_images" / "yaleB01_P0.png")
    isolated_env["PADL_DATA_DIR"] = str(tmp_path / "data")
    failed = invoke("train", "--q", "6", env=isolated_env)
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines()[-1] == \
        "error: yaleB01_P0.png: expected 192×160 pixels (height×width), got 120×100"


def test_train_q6_measures_beside_the_refit_then_evaluate(isolated_env, tmp_path, invoke, monkeypatch):
    _faces(tmp_path / "data" / "face_images")
    isolated_env["PADL_DATA_DIR"] = str(tmp_path / "data")
    handed_in = invoke("train", "--q", "6", "--fast", env=isolated_env)  # the codec to hand in, its split run beside
    assert handed_in.returncode == 0, handed_in.stderr
    metrics = json.loads(handed_in.stdout.strip().splitlines()[-1])
    assert metrics["n_train"] == 24 and metrics["n_seen"] == metrics["n_unseen"] == 0
    assert {"ssim_seen", "ssim_unseen"} <= set(metrics["split_run"])
    mlflow.set_tracking_uri(isolated_env["MLFLOW_TRACKING_URI"])
    runs = mlflow.search_runs(experiment_names=["q6_compression"], output_format="list")  # side by side: no order
    (refit,), (split_run,) = ([run for run in runs if run.data.params["refit"] == flag] for flag in ("True", "False"))
    assert refit.data.tags["validated_by"] == split_run.info.run_id and split_run.data.metrics["n_unseen"] == 16
    assert "padl.alongside" in split_run.data.tags and "padl.alongside" not in refit.data.tags
    monkeypatch.setenv("MLFLOW_TRACKING_URI", isolated_env["MLFLOW_TRACKING_URI"])
    assert latest_run("q6_compression").info.run_id == refit.info.run_id  # what evaluate and bundle take
    assert split_run.data.metrics["ssim_seen"] == metrics["split_run"]["ssim_seen"]
    assert (tmp_path / "outputs" / "q6" / "compress_images.py").is_file()
    evaluated = invoke("evaluate", "--q", "6", "--data", str(tmp_path / "data"), env=isolated_env)  # holds face_images/
    assert evaluated.returncode == 0, evaluated.stderr
    evaluated_metrics = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert set(evaluated_metrics) == {"ssim", "mse", "n"} and evaluated_metrics["n"] == 24


def test_train_q5_fast_holdout_then_to_hand_in_then_evaluate(isolated_env, tmp_path, invoke):
    _garments(tmp_path / "garments")
    garments = str(tmp_path / "garments")
    measured = invoke("train", "--q", "5", "--fast", "--holdout", "--data", garments, env=isolated_env)
    assert measured.returncode == 0, measured.stderr
    assert {"accuracy", "accuracy_distorted"} <= set(json.loads(measured.stdout.strip().splitlines()[-1]))
    refit = invoke("train", "--q", "5", "--fast", "--data", str(tmp_path / "garments"), env=isolated_env)
    assert refit.returncode == 0, refit.stderr  # another split run, then the refit on every photo
    refit_metrics = json.loads(refit.stdout.strip().splitlines()[-1])
    assert refit_metrics["n_train"] == 15 and refit_metrics["n_val"] == 0
    assert set(refit_metrics["split_run"]) == {"accuracy", "accuracy_distorted"}
    evaluated = invoke("evaluate", "--q", "5", "--data", str(tmp_path / "garments"), env=isolated_env)  # the refit
    assert evaluated.returncode == 0, evaluated.stderr
    metrics = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert set(metrics) == {"accuracy", "per_class", "n"} and metrics["n"] == 15
