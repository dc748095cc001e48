import dataclasses

import mlflow
import numpy as np
import pytest
import torch
from padl_shared.errors import DataError
from padl_shared.tracking import tracked_run
from q5_garments.data import load_folder, shoots
from q5_garments.deliverable import GRADED
from q5_garments.deliverable.predict_class import GarmentNet
from q5_garments.train import (
    TrainConfig,
    copies_found,
    downsized,
    fit,
    held_out_fingerprint,
    shoot_count,
    split,
    split_rows,
    train,
)
from sklearn.metrics import adjusted_rand_score

TINY = dict(width=4, resolution=32, epochs=2, batch_size=6, val_fraction=0.34)


def photos_in_shoots(shoots: int, per_shoot: int, seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    """uint8 64×64 photos: each shoot its own background colour, each photo a garment of a random colour on it."""
    rng = np.random.default_rng(seed)
    backgrounds = rng.integers(0, 256, size=(shoots, 3))
    photos, shoot_of = [], []
    for shoot, background in enumerate(backgrounds):
        for _ in range(per_shoot):
            photo = np.empty((3, 64, 64), dtype=np.uint8)
            photo[:] = (background + rng.integers(-6, 7, size=3)).clip(0, 255)[:, None, None]
            photo[:, 16:48, 16:48] = rng.integers(0, 256, size=(3, 1, 1))
            photos.append(photo)
            shoot_of.append(shoot)
    return torch.from_numpy(np.stack(photos)), np.array(shoot_of)


def test_shoots_are_found_by_their_background_and_copies_share_them():
    images, truth = photos_in_shoots(shoots=6, per_shoot=5)
    images[7] = images[22]  # an exact copy, filed in another shoot's place
    truth[7] = truth[22]
    found = shoots(images, 6, seed=0)
    assert adjusted_rand_score(truth, found) == 1.0


def test_a_shoot_never_straddles_the_split_and_the_folds_cover_every_photo():
    labels = torch.tensor(np.tile([0, 0, 1, 2], 30))
    shoot_of = np.repeat(np.arange(24), 5)  # 24 shoots of 5 photos, classes mixed within each
    for seed in range(3):
        held_out_sets = []
        for fold in range(5):
            training, held_out = split_rows(labels, shoot_of, TrainConfig(seed=seed, fold=fold, val_fraction=0.2))
            assert not set(shoot_of[training]) & set(shoot_of[held_out])
            assert set(labels[held_out].tolist()) == {0, 1, 2}
            held_out_sets.append(set(held_out.tolist()))
        assert sorted(row for rows in held_out_sets for row in rows) == list(range(120))


def test_the_shoot_count_keeps_two_shoots_a_fold():
    assert shoot_count(TrainConfig(), 1718) == 86
    assert shoot_count(TrainConfig(), 18) == 10
    assert shoot_count(TrainConfig(val_fraction=0.34), 18) == 6


def test_copies_are_counted():
    labels = torch.tensor([0] * 10 + [1] * 10 + [2] * 10)
    copies_of = np.arange(30)
    copies_of[[5, 6, 25]] = 0  # two copies under the same class, one under another
    assert copies_found(labels, copies_of) == {"copied_photos": 3, "copies_labelled_otherwise": 1}


def test_network_output_shape():
    assert GarmentNet(width=4, resolution=32)(torch.rand(2, 3, 32, 32)).shape == (2, 3)


def test_tiny_training_logs_and_writes_the_deliverable(garments, store):
    output = store / "out"
    output.mkdir()
    config = TrainConfig(**{**TINY, "epochs": 3}, eval_every=2)
    with tracked_run("q5_test", "t", 0, config, {"garments": garments}) as run:
        metrics = train(config, load_folder(garments), output)
    assert metrics["n_val"] == 6 and metrics["n_train"] == 12  # one shoot of three held out
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
    _, _, val_rows = split(config, *load_folder(garments))
    assert mlflow.get_run(run.info.run_id).data.tags["held_out_sha256"] == held_out_fingerprint(val_rows)


def test_the_held_out_fingerprint_names_the_photos_whatever_their_order():
    rows = np.array([5, 1, 9])
    assert held_out_fingerprint(rows) == held_out_fingerprint(rows[::-1]) == held_out_fingerprint(rows.astype(np.int32))
    assert held_out_fingerprint(rows) != held_out_fingerprint(np.array([5, 1, 8]))


def test_an_easy_task_is_learned(garments, store):
    output = store / "out"
    output.mkdir()
    # these classes differ only by the garment's colour, which recolouring scrambles on purpose: off here
    config = TrainConfig(**{**TINY, "width": 8, "epochs": 12, "lr": 1e-2, "recolour_share": 0.0})
    with tracked_run("q5_test", "t", 0, config, {"garments": garments}):
        metrics = train(config, load_folder(garments), output)
    assert metrics["accuracy"] >= 0.85


def test_a_refit_trains_on_every_photo_for_the_split_runs_steps(garments, store):
    split_config = TrainConfig(**{**TINY, "epochs": 3})  # 12 photos: 2 batches of 6 an epoch, 6 steps in all
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


def test_a_run_ships_the_average_over_its_tail_and_scores_the_last_step_beside_it(garments, store, tmp_path,
                                                                                  tail_averages):
    data, config = load_folder(garments), TrainConfig(**{**TINY, "epochs": 4})
    with tracked_run("q5_test", "averaged", 0, config, {"garments": garments}):
        metrics = train(config, data, tmp_path)
    assert 0 < tail_averages[0].n_averaged < metrics["n_train"] / config.batch_size * 4  # the last quarter's steps
    shipped = torch.load(tmp_path / GRADED.weights, weights_only=True)["state"]
    assert all(torch.equal(value, tail_averages[0].module.state_dict()[name]) for name, value in shipped.items())
    assert {"last_step_accuracy", "last_step_accuracy_distorted"} <= metrics.keys()


def test_without_averaging_the_last_step_ships(garments, store):
    images, labels = load_folder(garments)
    config = TrainConfig(**TINY, average_from=1.0)
    with tracked_run("q5_test", "t", 0, config, {"garments": garments}):
        network, _, averaged = fit(config, downsized(images, 32), labels, torch.device("cpu"), None)
    assert averaged is None and isinstance(network, GarmentNet)


def test_pasting_garments_trains_a_tiny_step_of_its_own(garments, store):
    images, labels = load_folder(garments)
    config = TrainConfig(**{**TINY, "epochs": 1}, paste_share=1.0)
    with tracked_run("q5_test", "t", 0, config, {"garments": garments}):
        network, history, _ = fit(config, downsized(images, 32), labels, torch.device("cpu"), None)
    plain = TrainConfig(**{**TINY, "epochs": 1})
    with tracked_run("q5_test", "t", 0, plain, {"garments": garments}):
        _, plain_history, _ = fit(plain, downsized(images, 32), labels, torch.device("cpu"), None)
    assert np.isfinite(history[0]["train_loss"]) and history[0]["train_loss"] != plain_history[0]["train_loss"]


def test_a_fold_out_of_range_is_one_clear_error():
    labels, shoot_of = torch.tensor([0, 1, 2] * 10), np.repeat(np.arange(10), 3)
    with pytest.raises(DataError, match=r"fold must be 0-4 for a val_fraction of 0.2, got 5"):
        split_rows(labels, shoot_of, TrainConfig(fold=5))
