import dataclasses

import mlflow
import numpy as np
import pytest
import torch
from padl_shared.tracking import tracked_run
from q5_garments.data import load_folder
from q5_garments.deliverable.predict_class import GarmentNet
from q5_garments.train import TrainConfig, copies_found, split_rows, train
from sklearn.model_selection import train_test_split

TINY = dict(width=4, resolution=32, epochs=2, batch_size=6, val_fraction=0.34)


def test_copies_of_a_photo_stay_on_one_side_of_the_split():
    labels = torch.tensor([0] * 10 + [1] * 10 + [2] * 10)
    copies_of = np.arange(30)
    copies_of[[5, 6, 25]] = 0  # two copies under the same class, one under another
    assert copies_found(labels, copies_of) == {"copied_photos": 3, "copies_labelled_otherwise": 1}
    sides = set()
    for seed in range(6):
        training, held_out = split_rows(labels, copies_of, TrainConfig(seed=seed, val_fraction=0.3))
        assert sorted(np.concatenate([training, held_out]).tolist()) == list(range(30))
        assert {0, 5, 6, 25} <= set(training.tolist()) or {0, 5, 6, 25} <= set(held_out.tolist())
        sides.add(0 in held_out)
    assert sides == {True, False}  # the group is split off as a whole, on either side


def test_without_copies_the_split_is_the_plain_stratified_split():
    labels = torch.tensor([0] * 12 + [1] * 7 + [2] * 8)
    expected = train_test_split(np.arange(27), test_size=0.2, random_state=3, stratify=labels.numpy())
    got = split_rows(labels, np.arange(27), TrainConfig(seed=3, val_fraction=0.2))
    assert [part.tolist() for part in got] == [part.tolist() for part in expected]  # order too: same training


def test_network_output_shape():
    assert GarmentNet(width=4, resolution=32)(torch.rand(2, 3, 32, 32)).shape == (2, 3)


def test_tiny_training_logs_and_writes_the_deliverable(garments, store):
    output = store / "out"
    output.mkdir()
    config = TrainConfig(**{**TINY, "epochs": 3}, eval_every=2)
    with tracked_run("q5_test", "t", 0, config, {"garments": garments}) as run:
        metrics = train(config, load_folder(garments), output)
    assert metrics["n_val"] == 7 and metrics["n_train"] == 11
    history = mlflow.MlflowClient().get_metric_history
    assert [m.step for m in history(run.info.run_id, "train_loss")] == [1, 2, 3]
    assert [m.step for m in history(run.info.run_id, "val_accuracy")] == [2, 3]  # every eval_every epochs, and the last
    assert 0 <= metrics["accuracy"] <= 1 and 0 <= metrics["accuracy_distorted"] <= 1
    assert {"accuracy_class_0", "accuracy_class_1", "accuracy_class_2"} <= set(metrics)
    assert sorted(p.name for p in output.iterdir()) == ["predict_class.py", "predict_class_weights.pt"]
    figures = {a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id, artifact_path="figures")}
    assert figures == {"figures/curves.png", "figures/confusion_clean.png", "figures/confusion_distorted.png",
                       "figures/misclassified.png"}
    logged = mlflow.get_run(run.info.run_id).data.metrics  # the latest value of each: what the UI and bundle show
    assert {name: logged[name] for name in metrics} == pytest.approx(metrics)


def test_an_easy_task_is_learned(garments, store):
    output = store / "out"
    output.mkdir()
    config = TrainConfig(**{**TINY, "width": 8, "epochs": 12, "lr": 1e-2})
    with tracked_run("q5_test", "t", 0, config, {"garments": garments}):
        metrics = train(config, load_folder(garments), output)
    assert metrics["accuracy"] >= 0.85


def test_a_refit_trains_on_every_photo_for_the_split_runs_steps(garments, store):
    split_config = TrainConfig(**{**TINY, "epochs": 3})  # 11 photos: 2 batches of 6 an epoch, 6 steps in all
    refit_config = dataclasses.replace(split_config, refit=True)  # 18 photos: 3 batches, so 2 epochs
    for name in ("before", "split", "after"):
        (store / name).mkdir()
    with tracked_run("q5_test", "refit before any split run", 0, refit_config, {"garments": garments}) as before:
        train(refit_config, load_folder(garments), store / "before")
    with tracked_run("q5_test", "split", 0, split_config, {"garments": garments}) as split:
        split_metrics = train(split_config, load_folder(garments), store / "split")
    with tracked_run("q5_test", "refit", 0, refit_config, {"garments": garments}) as after:
        metrics = train(refit_config, load_folder(garments), store / "after")

    assert metrics["n_train"] == 18 and metrics["n_val"] == 0 and "accuracy" not in metrics
    assert len(mlflow.MlflowClient().get_metric_history(after.info.run_id, "train_loss")) == 2
    assert sorted(p.name for p in (store / "after").iterdir()) == ["predict_class.py", "predict_class_weights.pt"]
    figures = {a.path for a in mlflow.artifacts.list_artifacts(run_id=after.info.run_id, artifact_path="figures")}
    assert figures == {"figures/curves.png"}
    tags = mlflow.get_run(after.info.run_id).data.tags
    assert tags["validated_by"] == split.info.run_id
    assert f"{split_metrics['accuracy']:.3f} clean" in tags["conclusion"]
    unvalidated = mlflow.get_run(before.info.run_id).data.tags
    assert "validated_by" not in unvalidated and "No split run of this recipe" in unvalidated["conclusion"]
