from dataclasses import dataclass, field

import mlflow
import pytest
from padl_shared.errors import DataError
from padl_shared.tracking import flatten, latest_run, link_split_run, log_figure, tracked_run, use_experiment


@dataclass
class Optim:
    lr: float = 0.1


@dataclass
class Config:
    epochs: int = 2
    optim: Optim = field(default_factory=Optim)


@dataclass
class Recipe:
    seed: int = 0
    data: str | None = None
    epochs: int = 2
    refit: bool = False


def test_flatten_nested_config():
    assert flatten(Config()) == {"epochs": 2, "optim.lr": 0.1}


def test_runs_are_tagged_and_artifacts_live_beside_the_database(store):
    import matplotlib.pyplot as plt

    data = store / "d.csv"
    data.write_text("a,b\n1,2\n")
    with tracked_run("qtest", "first", 3, Config(), {"train": data}) as first:
        mlflow.log_metric("score", 1.0)
        log_figure(plt.figure(), "empty")
    with pytest.raises(RuntimeError), tracked_run("qtest", "second", 4, Config(), {"train": data}):
        raise RuntimeError("boom")
    run = mlflow.get_run(first.info.run_id)
    assert run.data.tags["seed"] == "3" and run.data.params["optim.lr"] == "0.1"
    assert run.data.tags["data.train.file"] == str(data) and len(run.data.tags["data.train.sha256"]) == 64
    assert run.data.metrics["score"] == 1.0
    assert (store / "artifacts" / "qtest").is_dir()
    assert [a.path for a in mlflow.artifacts.list_artifacts(run_id=first.info.run_id, artifact_path="figures")] == \
        ["figures/empty.png"]
    assert latest_run("qtest").info.run_id == first.info.run_id  # the failed run is not "latest"
    assert latest_run("qtest", params={"epochs": 2, "optim.lr": 0.1}).info.run_id == first.info.run_id
    with pytest.raises(DataError, match="no finished training run of qtest with those parameters"):
        latest_run("qtest", params={"optim.lr": 0.2})


def test_two_runs_creating_the_same_experiment_at_once_share_it(store, monkeypatch):
    created = use_experiment("qrace")
    real_lookup = mlflow.get_experiment_by_name
    lookups = iter([None])  # this run's first look misses: the other run creates the experiment in between
    monkeypatch.setattr(mlflow, "get_experiment_by_name", lambda name: next(lookups, real_lookup(name)))
    assert use_experiment("qrace") == created


def test_latest_run_without_training_is_a_clear_error(store):
    with pytest.raises(DataError, match="no finished training run of qnone"):
        latest_run("qnone")


def test_a_refit_links_the_newest_split_run_of_its_recipe_whatever_its_seed_or_data(store):
    with tracked_run("qrefit", "split, seed 1", 1, Recipe(seed=1, data="a.csv"), {}) as split:
        pass
    with tracked_run("qrefit", "split of another recipe", 0, Recipe(epochs=3), {}):
        pass
    with tracked_run("qrefit", "refit", 0, Recipe(refit=True), {}) as refit:
        assert link_split_run(Recipe(refit=True)).info.run_id == split.info.run_id
    with tracked_run("qrefit", "refit of a recipe never split", 0, Recipe(epochs=4, refit=True), {}) as unlinked:
        assert link_split_run(Recipe(epochs=4, refit=True)) is None
    assert mlflow.get_run(refit.info.run_id).data.tags["validated_by"] == split.info.run_id
    assert "validated_by" not in mlflow.get_run(unlinked.info.run_id).data.tags
