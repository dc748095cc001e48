import json

import mlflow
from padl_bundle.answers import recipe_cv


def finished_cv(experiment_id: str, children: list[str], command: str) -> None:
    tags = {"padl.kind": "cv", "padl.children": json.dumps(children), "padl.command": command}
    with mlflow.start_run(experiment_id=experiment_id, tags=tags):
        mlflow.log_metric("accuracy_mean", 0.9)


def test_the_hand_in_quotes_the_newest_recipe_cv_over_two_folds_or_more(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = mlflow.create_experiment("q5_garments_cv", artifact_location=str(tmp_path / "artifacts"))
    assert recipe_cv("q5_garments") is None
    finished_cv(experiment, ["recipe | seed 0 | fold 0", "recipe | seed 0 | fold 1"], "invoke cv --q 5 --folds 0-1")
    finished_cv(experiment, ["recipe | seed 0 | fold 1"], "invoke cv --q 5 --folds 1")  # a pilot: no spread
    finished_cv(experiment, ["lr=0.001 | seed 0 | fold 0", "lr=0.001 | seed 0 | fold 1"], "invoke cv --set lr=1e-3")
    quoted = recipe_cv("q5_garments")
    assert quoted["command"] == "invoke cv --q 5 --folds 0-1" and quoted["folds"] == 2
