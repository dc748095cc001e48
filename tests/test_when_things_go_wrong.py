"""Each way a user's input or a run can go wrong, tried against the real tasks on a scratch store and outputs
folder: the exit code, the one line that explains it, and that nothing earlier (runs, deliverables) was lost."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from padl_shared.paths import sha256_of
from PIL import Image
from q1_regression.synthetic import write_files
from q3_embeddings.train import TrainConfig as Q3Config
from q3_embeddings.train import split_walks

ROOT = Path(__file__).resolve().parents[1]


def _measurements(path, n=150, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"Gender": rng.integers(0, 2, n), "Chest Circumference (mm)": rng.normal(1000, 80, n),
                          "Hip Circumference (mm)": rng.normal(1010, 70, n), "Height (mm)": rng.normal(1700, 90, n),
                          "Weight (kg)": rng.normal(77, 12, n)})
    frame["Waist Circumference (mm) "] = 0.7 * frame.iloc[:, 1] + 2 * frame.iloc[:, 4] + rng.normal(0, 10, n)
    frame.to_csv(path, index=False)
    return path


def _blobs(path):
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(centre, 0.3, size=(30, 2)) for centre in (0, 5, 10)])
    pd.DataFrame({"X1": points[:, 0], "X2": points[:, 1], "y": np.repeat([0, 1, 2], 30)}).to_csv(path, index=False)


def _invoke(*args, env, timeout=600):
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _start(*args, env):
    """`invoke ARGS` in a process group of its own, as a terminal runs a job: a signal to the group reaches
    invoke and the training process it starts, as Ctrl-C and a closed terminal do."""
    return subprocess.Popen([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _last_json(result):
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A scratch store and outputs holding a finished run of questions 1, 2 and 4, as a user's would."""
    base = tmp_path_factory.mktemp("trained")
    (base / "mlruns").mkdir()
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{base / 'mlruns' / 'mlflow.db'}",
               PADL_OUTPUT_DIR=str(base / "outputs"), PADL_DATA_DIR=str(base / "data"))
    write_files(base / "data", n=120, seed=3)
    write_files(base / "unseen", n=60, seed=4, kind="unseen")
    _measurements(base / "data" / "body_measurements.csv")
    _blobs(base / "data" / "PADL-Q2.csv")
    for args in (["--q", "1"], ["--q", "2"], ["--q", "4", "--fast"]):
        result = _invoke("train", *args, env=env)
        assert result.returncode == 0, result.stderr
    return base, env


def _snapshot(base):
    """What must survive a failed command: every run's id and status, and every file under outputs/."""
    mlflow.set_tracking_uri(f"sqlite:///{base / 'mlruns' / 'mlflow.db'}")
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list")
    return sorted((run.info.run_id, run.info.status) for run in runs), sha256_of(base / "outputs")


def _q1_files(folder, part="b", row=5, column="X3", value=np.inf):
    """The three question-1 training files, one value of one of them replaced."""
    paths = write_files(folder, n=60, seed=5)
    frame = pd.read_csv(paths[part])
    frame.loc[row, column] = value
    frame.to_csv(paths[part], index=False)
    return folder


def _header_only(path, header="X1,X2,X3,X4,X5,out"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n")
    return path


def _garments(folder, spoil):
    for label in range(3):
        (folder / f"class_{label}").mkdir(parents=True)
        for index in range(3):
            Image.new("RGB", (256, 256), (40 * index, 80, 200)).save(folder / f"class_{label}" / f"{index}.jpg")
    spoil(folder / "class_1" / "1.jpg")
    return folder


def _truncate(path):
    path.write_bytes(path.read_bytes()[:300])


def _faces(folder, size=(160, 192)):
    folder.mkdir(parents=True)
    for person in range(3):
        for photo in range(2):
            Image.new("L", (160, 192), 60 * person + 20 * photo).save(folder / f"yaleB0{person}_P{photo}.png")
    Image.new("L", size, 128).save(folder / "yaleB09_P0.png")
    return folder


# (what is wrong, the task's arguments given the case's folder, the exit code, the line it must print)
BAD_INPUTS = [
    ("infinity in a question-1 file", lambda d: ["train", "--q", "1", "--data", str(_q1_files(d))], 2,
     "error: PADL-Q12-train.csv: column 'X3' has a non-finite value (inf on line 7)"),
    ("a missing value in a question-1 file", lambda d: ["train", "--q", "1", "--data", str(
        _q1_files(d, part="a", row=2, column="X2", value=np.nan))], 2,
     "error: PADL-Q11-train.csv: column 'X2' has a missing value on line 4 (1 in all)"),
    ("a header-only question-1 file", lambda d: ["train", "--q", "1", "--data", str(
        _header_only(_q1_files(d) / "PADL-Q11-train.csv").parent)], 2,
     "error: PADL-Q11-train.csv: no data rows (only the header: X1, X2, X3, X4, X5, out)"),
    ("infinity in an unseen question-1 file", lambda d: ["evaluate", "--q", "1", "--data", str(
        _q1_files(d, part="c", row=0, column="X1", value=-np.inf) / "PADL-Q13-train.csv")], 2,
     "error: PADL-Q13-train.csv: column 'X1' has a non-finite value (-inf on line 2)"),
    ("a folder without unseen question-1 files", lambda d: ["evaluate", "--q", "1", "--data", str(_q1_files(d))], 2,
     "no unseen files (expected PADL-Q11-unseen.csv, PADL-Q12-unseen.csv, PADL-Q13-unseen.csv)"),
    ("infinity in question 2's file", lambda d: ["train", "--q", "2", "--data", str(
        _q1_files(d, part="a", row=3, column="X1") / "PADL-Q11-train.csv")], 2,
     "error: PADL-Q11-train.csv: column 'X1' has a non-finite value (inf on line 5)"),
    ("a header-only question-2 file", lambda d: ["train", "--q", "2", "--data", str(
        _header_only(d / "PADL-Q2.csv", "X1,X2,y"))], 2, "error: PADL-Q2.csv: no data rows"),
    ("infinity in body measurements", lambda d: ["train", "--q", "4", "--data", str(_spoil_measurements(d))], 2,
     "error: body_measurements.csv: column 'Weight (kg)' has a non-finite value (inf on line 5)"),
    ("infinity in unseen body measurements", lambda d: ["evaluate", "--q", "4", "--data", str(
        _spoil_measurements(d))], 2,
     "error: body_measurements.csv: column 'Weight (kg)' has a non-finite value (inf on line 5)"),
    ("header-only body measurements", lambda d: ["train", "--q", "4", "--data", str(_header_only(
        d / "body_measurements.csv", "Gender,Chest Circumference (mm),Hip Circumference (mm),Height (mm),"
        "Weight (kg),Waist Circumference (mm)"))], 2, "error: body_measurements.csv: no data rows"),
    ("a truncated photo", lambda d: ["train", "--q", "5", "--fast", "--data", str(_garments(d, _truncate))], 2,
     "class_1/1.jpg: not a readable image"),
    ("a text file named .jpg", lambda d: ["train", "--q", "5", "--fast", "--data", str(
        _garments(d, lambda p: p.write_text("not a photo")))], 2, "class_1/1.jpg: not a readable image"),
    ("a face photo of the wrong size", lambda d: ["train", "--q", "6", "--fast", "--data", str(
        _faces(d / "face_images", size=(100, 120)))], 2,
     "error: yaleB09_P0.png: expected 192×160 pixels (height×width), got 120×100"),
    ("evaluate on a seventh question", lambda d: ["evaluate", "--q", "7", "--data", "."], 2,
     "--q must be one of 1-6 for evaluate, got '7'"),
    ("a seed that is not a number", lambda d: ["train", "--q", "1", "--seed", "abc"], 2,
     "--seed must be a whole number of at least 0, got 'abc'"),
]


def _spoil_measurements(folder):
    folder.mkdir(parents=True)
    path = _measurements(folder / "body_measurements.csv", n=40)
    frame = pd.read_csv(path)
    frame.loc[3, "Weight (kg)"] = np.inf
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("case", "args", "code", "line"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_one_line_and_loses_nothing(case, args, code, line, trained, tmp_path):
    base, env = trained
    before = _snapshot(base)
    result = _invoke(*args(tmp_path / "case"), env=env)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert line in result.stderr.strip().splitlines()[-1]
    assert _snapshot(base) == before


def test_evaluate_takes_a_folder_as_train_does(trained):
    base, env = trained
    unseen = _invoke("evaluate", "--q", "1", "--data", str(base / "unseen"), env=env)
    assert unseen.returncode == 0, unseen.stderr
    parts = _last_json(unseen)
    assert sorted(parts) == ["a", "b", "c"] and parts["b"]["zero_coefs"] == 7 and parts["a"]["n"] == 60
    waist = _invoke("evaluate", "--q", "4", "--data", str(base / "data"), env=env)
    assert waist.returncode == 0, waist.stderr
    assert _last_json(waist)["n"] == 150
    clusters = _invoke("evaluate", "--q", "2", "--data", str(base / "data"), env=env)
    assert clusters.returncode == 0, clusters.stderr
    assert _last_json(clusters)["n"] == 90 and _last_json(clusters)["accuracy_full"] == 1.0


def test_help_says_a_bare_train_trains_every_question(trained):
    result = _invoke("--help", "train", env=trained[1])
    assert "with no --q every question in turn" in result.stdout


def _wait_for_staging(base, question, process, timeout=300):
    """Block until ``question``'s run is writing its staging folder (training under way)."""
    deadline = time.time() + timeout
    while not list((base / "outputs").glob(f".{question}-staging-*")):
        assert process.poll() is None, process.communicate()
        assert time.time() < deadline, "training never started"
        time.sleep(0.2)


def _latest_q4_run(base):
    mlflow.set_tracking_uri(f"sqlite:///{base / 'mlruns' / 'mlflow.db'}")
    return mlflow.search_runs(experiment_names=["q4_waist"], order_by=["attributes.start_time DESC"],
                              max_results=1, output_format="list")[0]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stopped_run_is_marked_killed_and_cleaned_up(signum, code, trained):
    base, env = trained
    before = _snapshot(base)
    process = _start("train", "--q", "4", "--epochs", "5000", env=env)
    _wait_for_staging(base, "q4", process)
    time.sleep(0.5)
    os.killpg(process.pid, signum)  # Ctrl-C and a closed terminal signal the whole job
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    run = _latest_q4_run(base)
    name = signal.Signals(signum).name
    assert stderr.strip().splitlines()[-1] == (f"interrupted by {name}: run {run.info.run_id} marked KILLED; "
                                               "earlier runs and outputs kept")
    assert "Traceback" not in stderr
    assert run.info.status == "KILLED" and run.data.tags["padl.ended_by"] == f"{name} (stop signal)"
    runs, outputs = _snapshot(base)
    assert runs == sorted(before[0] + [(run.info.run_id, "KILLED")]) and outputs == before[1]


def test_sigterm_to_invoke_alone_reaches_the_training(trained):
    base, env = trained
    process = _start("train", "--q", "4", "--epochs", "5000", env=env)
    _wait_for_staging(base, "q4", process)
    process.send_signal(signal.SIGTERM)  # `kill PID` of the invoke process only
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert _latest_q4_run(base).info.status == "KILLED"
    assert not list((base / "outputs").glob(".q4-staging-*"))


def test_what_a_sigkill_leaves_is_cleaned_up_by_the_next_run(trained):
    base, env = trained
    process = _start("train", "--q", "4", "--epochs", "5000", env=env)
    _wait_for_staging(base, "q4", process)
    os.killpg(process.pid, signal.SIGKILL)  # no handler runs: the run stays RUNNING, the staging folder stays
    process.communicate(timeout=60)
    abandoned = _latest_q4_run(base)
    assert abandoned.info.status == "RUNNING"
    deadline = time.time() + 30  # the training process, orphaned, may take a moment to be gone
    while True:
        nxt = _invoke("train", "--q", "4", "--fast", env=env)
        if f"run {abandoned.info.run_id}" in nxt.stderr or time.time() > deadline:
            break
    assert nxt.returncode == 0, nxt.stderr
    assert f"note: run {abandoned.info.run_id} (q4 " in nxt.stderr and "marked KILLED" in nxt.stderr
    assert "note: removed 1 staging folder(s) of q4 left by a killed run" in nxt.stderr
    mlflow.set_tracking_uri(f"sqlite:///{base / 'mlruns' / 'mlflow.db'}")
    assert mlflow.get_run(abandoned.info.run_id).info.status == "KILLED"
    assert not list((base / "outputs").glob(".q4-staging-*"))


def test_two_trainings_at_once_on_a_new_store_are_both_recorded(tmp_path):
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}",
               PADL_OUTPUT_DIR=str(tmp_path / "outputs"), PADL_DATA_DIR=str(tmp_path / "data"))
    (tmp_path / "mlruns").mkdir()
    write_files(tmp_path / "data", n=80, seed=3)
    first, second = (_start("train", "--q", "1", "--seed", seed, env=env) for seed in ("0", "1"))
    for process in (first, second):
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])
    runs = mlflow.search_runs(experiment_names=["q1_regression"], output_format="list")
    assert sorted((run.data.tags["seed"], run.info.status) for run in runs) == [("0", "FINISHED"), ("1", "FINISHED")]
    assert (tmp_path / "outputs" / "q1" / "model_a" / "MLmodel").is_file()
    assert not list((tmp_path / "outputs").glob(".q1-*"))


def _walks_with_a_rare_node(path, rare="40"):
    """Ring walks over 32 nodes (5 and 21-30 among them), and one walk through a node no other walk visits."""
    rng = np.random.default_rng(0)
    walks = []
    for _ in range(200):
        walk = [int(rng.integers(32))]
        while len(walk) < 6:
            walk.append((walk[-1] + int(rng.choice([-1, 1]))) % 32)
        walks.append(" ".join(map(str, walk)))
    walks.insert(17, f"3 4 {rare} 4 3 2")
    path.write_text("\n".join(walks) + "\n")
    return 17, len(walks)


def test_a_node_seen_only_in_held_out_walks(tmp_path, trained):
    env = trained[1]
    row, count = _walks_with_a_rare_node(tmp_path / "PADL-Q3.txt")
    seed = next(s for s in range(50) if row in split_walks(count, Q3Config(seed=s))[1])
    result = _invoke("train", "--q", "3", "--seed", str(seed), "--data", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    result_file = Path(_last_json(result)["result_file"]).read_text().splitlines()
    assert [line.split()[0] for line in result_file] == [str(n) for n in range(32)] + ["40"]
    assert all(len(line.split()) == 33 for line in result_file)
    evaluated = _invoke("evaluate", "--q", "3", "--data", str(tmp_path), env=env)
    assert evaluated.returncode == 0, evaluated.stderr
    assert _last_json(evaluated)["n_nodes"] == 33
