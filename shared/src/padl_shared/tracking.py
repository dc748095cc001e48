"""MLflow conventions for every question: one sqlite store in mlruns/, an experiment per question,
runs tagged with seed, git commit, device and data checksums."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from padl_shared.errors import DataError, Interrupted
from padl_shared.paths import repo_root, sha256_of
from padl_shared.processes import process_gone, this_process
from padl_shared.settings import changed_settings, describe

TRACKING_ENV = "MLFLOW_TRACKING_URI"
DELIVERABLE_ARTIFACTS = "deliverable"  # every run logs the folder it wrote to outputs/ under this path
PROCESS_TAG = "padl.process"  # host:pid of the process that opened the run, to find runs a SIGKILL left open
ENDED_BY_TAG = "padl.ended_by"  # why a run ended early
CHANGED_TAG = "padl.changed"  # the settings a run changed from its recipe's, as `key=value …`
PARENT_ENV = "PADL_PARENT_RUN"  # set by `invoke cv`/`sweep` for the runs it starts: they become its child runs
CHILD_ENV = "PADL_CHILD_KEY"  # and each child's point, seed and fold, as the parent names it (tag `padl.child`)
ALONGSIDE_ENV = "PADL_ALONGSIDE"  # set by `alongside` for the split run it starts beside a refit; tagged on the run as
ALONGSIDE_TAG = "padl.alongside"  # this, which keeps it from being taken for the latest model (the refit is)
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI when set (a team server, a test store), else the project's sqlite store."""
    if os.environ.get(TRACKING_ENV):
        return _ready(os.environ[TRACKING_ENV])
    store = repo_root() / "mlruns"
    store.mkdir(parents=True, exist_ok=True)
    return _ready(f"sqlite:///{store / 'mlflow.db'}")


@functools.cache
def _ready(uri: str) -> str:
    """``uri``, its store created and migrated. For a sqlite store, one process at a time does it, under a lock
    beside the database: two runs opening a new store at once would both create its tables, and one would fail."""
    if uri.startswith("sqlite:///"):
        import fcntl

        from mlflow.tracking import MlflowClient

        database = Path(uri.removeprefix("sqlite:///"))
        database.parent.mkdir(parents=True, exist_ok=True)
        with open(database.with_name(database.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            MlflowClient(uri).search_experiments(max_results=1)
    return uri


def _artifact_location(uri: str, experiment: str) -> str | None:
    """Artifacts of a sqlite store live in ``artifacts/`` beside its database; a server decides its own."""
    if not uri.startswith("sqlite:///"):
        return None
    database = Path(uri.removeprefix("sqlite:///"))
    return (database.parent / "artifacts" / experiment).resolve().as_uri()


def use_experiment(question: str) -> str:
    """Point MLflow at the store and the question's experiment, creating it if needed; its id. Two runs started
    together may both find no experiment: the one whose creation loses uses the winner's."""
    import mlflow
    from mlflow.exceptions import MlflowException

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment_by_name(question)
    if experiment is not None:
        return experiment.experiment_id
    try:
        return mlflow.create_experiment(question, artifact_location=_artifact_location(uri, question))
    except MlflowException:
        experiment = mlflow.get_experiment_by_name(question)
        if experiment is None:
            raise
        return experiment.experiment_id


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_root(), capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def flatten(params: Mapping[str, Any] | Any, prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 1}}`` or a dataclass → ``{"optim.lr": 1}``, as MLflow params want."""
    if dataclasses.is_dataclass(params):
        params = dataclasses.asdict(params)
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) or dataclasses.is_dataclass(value):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@contextlib.contextmanager
def tracked_run(question: str, run_name: str, seed: int, params: Any, data: Mapping[str, Path],
                device: str = "cpu") -> Iterator[Any]:
    """A run of ``question``'s experiment tagged for reproduction; a failing body marks the run FAILED. With
    ``$PADL_PARENT_RUN`` set (by `invoke cv` or `sweep`), a child run of that run, in its experiment."""
    import mlflow

    parent = os.environ.get(PARENT_ENV)
    if parent:
        mlflow.set_tracking_uri(tracking_uri())
        experiment_id = mlflow.get_run(parent).info.experiment_id
    else:
        experiment_id = use_experiment(question)
        end_abandoned_runs(question)
    tags = {"seed": str(seed), "git_commit": git_commit(), "device": device, "question": question,
            PROCESS_TAG: this_process()}
    if parent:
        tags |= {"mlflow.parentRunId": parent, "padl.child": os.environ.get(CHILD_ENV, "")}
    if os.environ.get(ALONGSIDE_ENV):
        tags[ALONGSIDE_TAG] = "split run beside its refit"
    for role, path in data.items():
        tags[f"data.{role}.file"] = str(path)
        tags[f"data.{role}.sha256"] = sha256_of(path)
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags) as run:
        try:
            mlflow.log_params({"seed": seed, **flatten(params)})
            yield run
        except Interrupted as stop:
            stop.run_id = run.info.run_id
            mlflow.set_tag(ENDED_BY_TAG, f"{stop} (stop signal)")
            mlflow.end_run("KILLED")
            raise


def end_abandoned_runs(question: str) -> list[str]:
    """End as KILLED every RUNNING run of ``question``'s experiment whose process, on this machine, has gone
    (SIGKILL, a crash): no handler could end those. Says so on stderr; the ids of the runs ended."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri())
    experiment = client.get_experiment_by_name(question)
    runs = [] if experiment is None else client.search_runs([experiment.experiment_id], "attributes.status = 'RUNNING'")
    ended = []
    for run in runs:
        owner = run.data.tags.get(PROCESS_TAG, "")
        if not process_gone(owner):
            continue
        client.set_tag(run.info.run_id, ENDED_BY_TAG, f"process {owner} ended without closing the run")
        client.set_terminated(run.info.run_id, "KILLED")
        print(f"note: run {run.info.run_id} ({run.info.run_name}) was left RUNNING by process {owner}, which "
              "has ended; marked KILLED", file=sys.stderr)
        ended.append(run.info.run_id)
    return ended


def log_figure(figure, name: str) -> None:
    """Save a matplotlib figure as ``figures/<name>.png`` of the active run and free it."""
    import matplotlib.pyplot as plt
    import mlflow

    mlflow.log_figure(figure, f"figures/{name}.png")
    plt.close(figure)


def record_result(metrics: Mapping[str, Any], conclusion: str) -> None:
    """A training's numeric metrics and its conclusion (a tag the bundle's report quotes, and conclusion.md) on the
    active run."""
    import mlflow

    mlflow.log_metrics({name: value for name, value in metrics.items() if isinstance(value, int | float)})
    mlflow.set_tag("conclusion", conclusion)
    mlflow.log_text(conclusion, "conclusion.md")


def latest_run(question: str, params: Mapping[str, Any] | None = None, tags: Mapping[str, str] | None = None):
    """The newest FINISHED run of ``question``: what ``evaluate`` and ``bundle`` score, never a split run started
    beside its refit (``alongside``), which may start after it. With ``params``, the newest whose logged parameters
    (as ``flatten`` names them) have these values, split runs beside a refit included; with ``tags``, these tags."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    experiment = mlflow.get_experiment_by_name(question)
    conditions = ["attributes.status = 'FINISHED'", *(f"params.`{k}` = '{v}'" for k, v in (params or {}).items()),
                  *(f"tags.`{k}` = '{v}'" for k, v in (tags or {}).items())]
    runs = [] if experiment is None else mlflow.search_runs(
        [experiment.experiment_id], filter_string=" and ".join(conditions),
        order_by=["attributes.start_time DESC"], max_results=1 if params else 20, output_format="list")
    runs = runs if params else [run for run in runs if ALONGSIDE_TAG not in run.data.tags]
    if not runs:
        wanted = " with those parameters" if params else ""
        raise DataError(f"no finished training run of {question}{wanted} in {tracking_uri()}; train it first")
    return runs[0]


def recipe_of(config) -> dict[str, Any]:
    """A training config's settings that define its recipe, flattened: all but what a run trains on and
    where (``data``, ``seed``, ``device``). Runs of one recipe are comparable; the bundle checks against it."""
    return {k: v for k, v in flatten(config).items() if k not in ("data", "seed", "device")}


def link_split_run(config):
    """For a refit, inside its run: the newest finished split run of the same recipe (``config``'s other
    settings, with ``refit`` off) in the same experiment, tagged on the run as ``validated_by``; None when the
    store has none. Its held-out metrics are what the refit, which holds nothing out, rests on."""
    import mlflow

    experiment = mlflow.get_experiment(mlflow.active_run().info.experiment_id).name
    recipe = recipe_of(config) | {"refit": False}
    try:
        split_run = latest_run(experiment, params=recipe)
    except DataError:
        return None
    mlflow.set_tag("validated_by", split_run.info.run_id)
    return split_run


def _sklearn_requirements() -> list[str]:
    """Pinned explicitly: MLflow's inference of them spawns a process per model (5 s each)."""
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in ("scikit-learn", "scipy", "numpy", "skops")]


def _sklearn_options(model) -> dict:
    """skops (MLflow's safe format) must be told to trust the types this project's own models use."""
    import skops.io

    return {"skops_trusted_types": skops.io.get_untrusted_types(data=skops.io.dumps(model)),
            "pip_requirements": _sklearn_requirements()}


def log_sklearn_model(model, name: str, example) -> None:
    """Log a fitted scikit-learn model to the active run with a signature and an input example."""
    import mlflow
    from mlflow.models import infer_signature

    mlflow.sklearn.log_model(model, name=name, input_example=example,
                             signature=infer_signature(example, model.predict(example)), **_sklearn_options(model))


def save_sklearn_model(model, path: Path) -> None:
    """The same model as a portable MLflow model folder (for outputs/ and the bundle)."""
    import mlflow

    mlflow.sklearn.save_model(model, path, **_sklearn_options(model))


def train_in_run(question: str, outputs: str, run_name: str, config, data: Mapping[str, Path], fit) -> dict:
    """What every `train` command does once its input is validated: seed, open the tagged run, let
    ``fit(folder)`` fill a staging folder and return metrics, log the folder as the run's deliverable
    artifacts, then publish it to outputs/."""
    from padl_shared.device import select_device
    from padl_shared.paths import publish_outputs
    from padl_shared.seeding import seed_everything

    seed_everything(config.seed)
    device = str(select_device(config.device)) if hasattr(config, "device") else "cpu"  # questions 1-3: no torch
    changed = describe(changed_settings(config))
    metrics: dict = {}

    def write(folder: Path) -> None:
        import mlflow

        metrics.update(fit(folder))
        mlflow.log_artifacts(str(folder), DELIVERABLE_ARTIFACTS)

    with tracked_run(question, f"{run_name} {changed}".strip(), config.seed, config, data, device=device):
        if changed:
            import mlflow

            mlflow.set_tag(CHANGED_TAG, changed)
        publish_outputs(outputs, write)
    return metrics


@contextlib.contextmanager
def deliverable_of(run_id: str) -> Iterator[Path]:
    """A run's deliverable folder, downloaded to a temporary folder for the block."""
    import tempfile

    import mlflow

    with tempfile.TemporaryDirectory() as scratch:
        yield Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=DELIVERABLE_ARTIFACTS,
                                                       dst_path=scratch))


@contextlib.contextmanager
def latest_deliverable(question: str) -> Iterator[Path]:
    """The newest finished run's deliverable folder, downloaded to a temporary folder for the block."""
    with deliverable_of(latest_run(question).info.run_id) as folder:
        yield folder
