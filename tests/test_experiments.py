"""Experiments as a user types them: `train --set`, `cv`, `sweep` (one at a time, on Ray workers, on a running Ray
cluster), a fold killed mid-run, and help that trains nothing. Question 4 on tiny data throughout."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest

TINY = ["--set", "epochs=2", "--set", "members=2", "--set", "hidden=8"]


def runs_of(env, experiment):
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    return mlflow.search_runs(experiment_names=[experiment], output_format="list")


@pytest.fixture
def env(isolated_env, q4_folder):
    isolated_env["PADL_DATA_DIR"] = str(q4_folder)
    isolated_env["RAY_AUTH_MODE"] = "disabled"  # one token for the cluster this test starts and the one it joins
    return isolated_env


def test_set_changes_the_recipe_and_says_so_in_the_run(env, invoke):
    trained = invoke("train", "--q", "4", "--set", "epochs=3", "--set", "lr=1e-3", "--set", "members=2", env=env)
    assert trained.returncode == 0, trained.stderr
    (run,) = runs_of(env, "q4_waist")
    assert run.data.params["epochs"] == "3" and run.data.params["lr"] == "0.001"
    assert run.data.tags["padl.changed"] == "members=2 epochs=3 lr=0.001"
    assert run.info.run_name.endswith("members=2 epochs=3 lr=0.001")


@pytest.mark.parametrize(("pair", "message"), [
    ("nope=1", "error: --set nope=1: q4_waist has no setting 'nope'; the settings are: test_fraction, fold, "),
    ("epochs=many", "error: --set epochs=many: epochs takes a whole number (int), got 'many'"),
])
def test_a_bad_setting_is_one_line_and_opens_no_run(pair, message, env, invoke):
    failed = invoke("train", "--q", "4", "--set", pair, env=env)
    assert failed.returncode == 2
    assert message in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    assert not Path(env["MLFLOW_TRACKING_URI"].removeprefix("sqlite:///")).exists() or runs_of(env, "q4_waist") == []


def test_cv_is_one_parent_with_a_child_per_fold_and_reports_from_the_store(env, invoke):
    measured = invoke("cv", "--q", "4", "--folds", "0-2", *TINY, env=env)
    assert measured.returncode == 0, measured.stderr
    assert "| epochs=2 members=2 hidden=8 | 3 of 3 | " in measured.stdout
    assert "reproduce: invoke cv --q 4 --set epochs=2 --set members=2 --set hidden=8 --folds 0-2" in measured.stdout
    runs = runs_of(env, "q4_waist_cv")
    (parent,) = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    children = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(run.data.params["fold"] for run in children) == ["0", "1", "2"]
    assert all(run.info.status == "FINISHED" for run in children + [parent])
    maes = [run.data.metrics["mae"] for run in children]
    assert parent.data.metrics["mae_mean"] == pytest.approx(sum(maes) / 3)
    assert parent.data.metrics["mae_sd"] > 0
    assert runs_of(env, "q4_waist") == []  # the runs `bundle` reads are untouched
    assert not (Path(env["PADL_OUTPUT_DIR"]) / "q4").exists()  # and so are the deliverables

    again = invoke("cv", "--q", "4", "--report", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.strip().splitlines()[-1])["mae_mean"] == parent.data.metrics["mae_mean"]
    assert len(runs_of(env, "q4_waist_cv")) == 4


def test_questions_without_folds_say_how_train_validates(env, invoke):
    answered = invoke("cv", "--q", "1", env=env)
    assert answered.returncode == 0, answered.stderr
    assert "q1_regression: `invoke train --q 1` already cross-validates" in answered.stdout


def test_a_sweep_runs_the_recipe_once_where_a_value_given_is_the_recipes():
    from padl_shared.errors import DataError
    from padl_shared.experiments import grid
    from q4_waist.train import TrainConfig

    assert grid(TrainConfig, ["lr=3e-3,1e-3", "epochs=2"], "q4_waist") == [{"epochs": 2}, {"lr": 1e-3, "epochs": 2}]
    assert grid(TrainConfig, ["hidden=8,32"], "q4_waist") == [{}, {"hidden": 8}]
    with pytest.raises(DataError, match="every value given is the recipe's own"):
        grid(TrainConfig, ["lr=3e-3,0.003"], "q4_waist")


def sweep_children(env):
    runs = runs_of(env, "q4_waist_cv")
    (parent,) = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]  # the only sweep so far
    return parent, sorted(run.data.tags["padl.child"] for run in runs if run.info.run_id != parent.info.run_id)


@contextlib.contextmanager
def ray_cluster(env, port, log):
    """A Ray cluster of its own on ``port``, up while the block runs: `ray start --block`, stopped by a SIGTERM to
    that one process (`ray stop` would stop every Ray on the machine, a user's running sweep too)."""
    ray = str(Path(sys.executable).with_name("ray"))
    with open(log, "w") as out:
        head = subprocess.Popen([ray, "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
                                 '--system-config={"worker_niceness": 0}',  # Ray's nice 15 starves a fold under load
                                 "--block"], stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.time() + 120
            while "block forever" not in log.read_text() and head.poll() is None and time.time() < deadline:
                time.sleep(0.5)
            assert "block forever" in log.read_text(), log.read_text()[-2000:]
            yield
        finally:
            head.terminate()
            head.wait(60)


def test_sweep_on_ray_workers_beside_a_running_ray_cluster_then_on_it(env, invoke, tmp_path):
    port = "6391"  # one test: two Ray clusters at once collide
    with ray_cluster(env, port, tmp_path / "ray.log"):
        # --workers alone: this machine's own Ray, not the cluster that `ray start` made the latest
        swept = invoke("sweep", "--q", "4", "--set", "lr=1e-3,3e-3", *TINY, "--folds", "0", "--workers", "2", env=env)
        assert swept.returncode == 0, swept.stderr
        parent, children = sweep_children(env)
        assert children == ["epochs=2 members=2 hidden=8 | seed 0 | fold 0",  # lr=3e-3 is the baseline's own
                            "lr=0.001 epochs=2 members=2 hidden=8 | seed 0 | fold 0"]
        assert parent.info.status == "FINISHED" and parent.data.tags["padl.missing"] == "none"
        assert "| mae vs epochs=2 members=2 hidden=8 |" in swept.stdout
        assert "Started a local Ray instance" in swept.stdout + swept.stderr

        joined = invoke("sweep", "--q", "4", "--set", "hidden=4,8", "--set", "epochs=2", "--set", "members=2",
                        "--holdout", "--workers", "2", "--address", f"127.0.0.1:{port}", env=env)
        assert joined.returncode == 0, joined.stderr
        assert "Connecting to existing Ray cluster at address: " in joined.stdout + joined.stderr
        assert "| hidden=4 epochs=2 members=2 | 1 of 1 |" in joined.stdout


def running_fold(name):
    """The cv child run named `name` while it is RUNNING, else None (also before the cv experiment exists)."""
    experiment = mlflow.get_experiment_by_name("q4_waist_cv")
    if experiment is None:
        return None
    running = mlflow.search_runs([experiment.experiment_id], filter_string="attributes.status = 'RUNNING'",
                                 output_format="list")
    return next((run for run in running if run.data.tags.get("padl.child", "").endswith(name)), None)


def err_tail(folder):
    return (folder / "err").read_text()[-2000:]


@contextlib.contextmanager
def cv_with_fold_zero_running(env, folder):
    """`invoke cv --q 4` on two long folds, output to files in ``folder`` (a full pipe would block it), entered once
    fold 0's run is RUNNING: yields the process and that run; waits for the process on the way out."""
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    mlflow.search_experiments()  # creates the store before cv opens it: two creations at once fail in alembic
    command = [sys.executable, "-m", "invoke", "cv", "--q", "4", "--folds", "0-1", "--set", "epochs=3000",
               "--set", "members=2", "--set", "hidden=8"]
    with open(folder / "out", "w") as out, open(folder / "err", "w") as err:
        process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1], stdout=out, stderr=err,
                                   env={**env, "OMP_NUM_THREADS": "1"}, text=True)
        try:
            victim, deadline = None, time.time() + 300
            while victim is None and process.poll() is None and time.time() < deadline:
                time.sleep(0.5)
                victim = running_fold("fold 0")
            assert victim is not None, f"fold 0 never seen running; cv exit code {process.poll()}: {err_tail(folder)}"
            yield process, victim
            process.wait(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()


def test_a_fold_killed_mid_run_is_marked_and_named_missing(env, tmp_path):
    with cv_with_fold_zero_running(env, tmp_path) as (process, victim):
        os.kill(int(victim.data.tags["padl.process"].rpartition(":")[2]), signal.SIGKILL)
    out = (tmp_path / "out").read_text()
    assert process.returncode == 0, err_tail(tmp_path)
    assert mlflow.get_run(victim.info.run_id).info.status == "KILLED"
    parent = mlflow.get_run(victim.data.tags["mlflow.parentRunId"])
    assert parent.info.status == "FAILED"
    assert parent.data.tags["padl.missing"] == "epochs=3000 members=2 hidden=8 | seed 0 | fold 0"
    assert "Missing (1 of 2, not averaged)" in out and "| 1 of 2 |" in out


def test_a_stop_signal_to_cv_ends_the_parent_and_the_running_fold_as_killed(env, tmp_path):
    with cv_with_fold_zero_running(env, tmp_path) as (process, victim):
        process.send_signal(signal.SIGTERM)  # to invoke, as `kill PID` would
    assert process.returncode == 143, err_tail(tmp_path)
    parent = mlflow.get_run(victim.data.tags["mlflow.parentRunId"])
    assert "interrupted by SIGTERM: run " + parent.info.run_id in err_tail(tmp_path)
    assert parent.info.status == "KILLED" and parent.data.tags["padl.ended_by"] == "SIGTERM (stop signal)"
    fold = mlflow.get_run(victim.info.run_id)
    assert fold.info.status == "KILLED" and fold.data.tags["padl.ended_by"] == "SIGTERM (stop signal)"  # its own
    assert len(runs_of(env, "q4_waist_cv")) == 2  # fold 1 never started


@pytest.mark.parametrize("task", ["train", "cv", "sweep"])
def test_dash_h_prints_help_and_trains_nothing(task, isolated_env, invoke, tmp_path):
    shown = invoke(task, "-h", env=isolated_env)
    assert shown.returncode == 0 and "Usage: inv[oke]" in shown.stdout
    assert not (tmp_path / "mlruns" / "mlflow.db").exists()
