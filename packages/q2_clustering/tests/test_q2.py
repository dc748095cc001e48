import mlflow
import numpy as np
import pandas as pd
import pytest
from padl_shared.errors import DataError
from padl_shared.tracking import tracked_run
from q2_clustering.data import load_labelled
from q2_clustering.evaluate import score
from q2_clustering.train import TrainConfig, majority_vote_accuracy, train


def blobs(path, seed=0):
    """Class 0 in two far-apart blobs, class 1 a small blob beside one of them: k-means with k=2 puts
    class 1 in with one class-0 blob, so a majority vote hands both clusters to class 0."""
    rng = np.random.default_rng(seed)
    centres = [(-10, 0, 0), (10, 0, 0), (13, 0, 0)]
    sizes, labels = [100, 100, 30], ["a", "a", "b"]
    X = np.vstack([rng.normal(c, 0.5, size=(n, 3)) for c, n in zip(centres, sizes)])
    y = sum(([label] * n for label, n in zip(labels, sizes)), [])
    pd.DataFrame({"f1": X[:, 0], "f2": X[:, 1], "f3": X[:, 2], "kind": y}).to_csv(path, index=False)
    return path



def test_one_to_one_matching_differs_from_a_majority_vote(store):
    path = blobs(store / "blobs.csv")
    output = store / "out"
    output.mkdir()
    with tracked_run("q2_test", "t", 0, TrainConfig(), {"labelled": path}) as run:
        metrics = train(TrainConfig(), path, output=output)
    assert metrics["k"] == 2 and metrics["n"] == 230
    assert metrics["accuracy_full"] == pytest.approx(130 / 230)
    assert metrics["accuracy_full_majority_vote"] == pytest.approx(200 / 230)
    assert 0 < metrics["explained_variance_pc1_pc2"] <= 1
    logged = mlflow.get_run(run.info.run_id)
    artifacts = {a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id, artifact_path="figures")}
    assert artifacts == {"figures/pca_true_class.png", "figures/pca_full_clusters.png",
                         "figures/pca_plane_clusters.png"}
    assert logged.data.metrics["accuracy_pca2"] == metrics["accuracy_pca2"]
    assert (output / "summary.json").is_file()


def test_same_seed_same_numbers(store):
    path = blobs(store / "blobs.csv", seed=2)
    results = []
    for _ in range(2):
        with tracked_run("q2_test", "t", 3, TrainConfig(seed=3), {"labelled": path}):
            results.append(train(TrainConfig(seed=3), path))
    assert results[0] == results[1]


def test_evaluate_uses_the_training_matching(store):
    path = blobs(store / "train.csv")
    with tracked_run("q2_test", "t", 0, TrainConfig(), {"labelled": path}) as run:
        train(TrainConfig(), path)
    run_id = run.info.run_id
    models = {name: mlflow.sklearn.load_model(f"runs:/{run_id}/model_{name}") for name in ("full", "pca2")}
    mappings = mlflow.artifacts.load_dict(f"runs:/{run_id}/mappings.json")
    result = score(blobs(store / "unseen.csv", seed=9), models, mappings)
    assert result["n"] == 230 and result["accuracy_full"] == pytest.approx(130 / 230, abs=0.02)


def test_majority_vote_accuracy():
    assert majority_vote_accuracy(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])) == 0.75


def test_label_may_be_text_and_headers_are_stripped(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(" a , b ,label\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n")
    X, codes, names = load_labelled(path)
    assert list(X.columns) == ["a", "b"] and names == ["cat", "dog"] and codes.tolist() == [0, 1, 0, 1]


@pytest.mark.parametrize(("text", "message"), [
    ("a,label\nx,0\ny,1\nz,0\nw,1\n", r"column 'a' is not numeric \('x' on line 2\)"),
    ("a,label\n1,0\n,1\n3,0\n4,1\n", r"column 'a' has a missing value on line 3 \(1 in all\)"),
    ("a,label\n1,0\n2,\n3,0\n4,1\n", r"label column 'label' has a missing value on line 3 \(1 in all\)"),
    ("a,label\n1,0\n2,0\n", "need at least 2 classes"),
    ("label\n1\n2\n", "need feature columns and a label column"),
])
def test_bad_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        load_labelled(path)
