"""`invoke cv` and `invoke sweep`: a recipe (or a grid of changed recipes) measured by its question's grouped
protocol, as one parent MLflow run with a child run per point, seed and fold.

Each child is the question's own split run (`python -m qN train --holdout --seed S --set fold=F --set …`) in a
subprocess, logging to the same store as a child of the parent (``tracking.PARENT_ENV``). One at a time with every
core by default; ``workers`` > 1 or an ``address`` hands the children to Ray, each with its share of the cores. A
child that fails or is killed is marked FAILED or KILLED, and the parent names what is missing; the report never
averages over a partial set without saying so.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import itertools
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile

from padl_shared.errors import DataError, Interrupted, raise_on_stop_signals
from padl_shared.settings import describe, parse_overrides
from padl_shared.tracking import CHILD_ENV

EXPERIMENT_SUFFIX = "_cv"  # `q5_garments_cv`: kept apart from the runs `evaluate` and `bundle` read
RECIPE = "recipe"  # the label of the point with nothing changed


class NotMeasuredByFolds(Exception):
    """Questions 1-3: their `train` validates on its own (the message says how)."""


@dataclasses.dataclass(frozen=True)
class Child:
    point: str  # its changed settings, `lr=0.001 width=24`, or RECIPE
    seed: int
    fold: int

    @property
    def key(self) -> str:
        return f"{self.point} | seed {self.seed} | fold {self.fold}"


def whole_numbers(text: str, flag: str) -> list[int]:
    """``"1-5"`` or ``"0,2,3"`` → whole numbers; DataError naming ``flag`` otherwise."""
    numbers = []
    for part in str(text).split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise DataError(f"{flag} {text}: expected whole numbers like 1-5 or 0,2,3")
        numbers += list(range(int(low), int(high) + 1)) if dash else [int(low)]
    return sorted(set(numbers))


def grid(config_type, pairs: list[str], question: str) -> list[dict]:
    """``["lr=1e-3,3e-3", "width=24,32", "epochs=60"]`` → the baseline (the recipe with the settings given one
    value, here epochs=60), then every combination of the settings given several that differs from it (so
    ``--set flip=true,false`` runs the recipe once), each value parsed to its field's type."""
    axes = []
    for pair in pairs:
        key, _, values = pair.partition("=")
        axes.append([parse_overrides(config_type, [f"{key}={value}"], question) for value in values.split(",")])
    fixed = {k: v for axis in axes if len(axis) == 1 for k, v in axis[0].items()}
    varied = [axis for axis in axes if len(axis) > 1]
    if not varied:
        raise DataError("sweep: give at least one setting two or more values, e.g. --set lr=1e-3,3e-3")
    baseline = dataclasses.replace(config_type(), **fixed)
    combinations = [{k: v for part in combination for k, v in part.items()} | fixed
                    for combination in itertools.product(*varied)]
    others = [point for point in combinations if dataclasses.replace(config_type(), **point) != baseline]
    if not others:
        raise DataError("sweep: every value given is the recipe's own; give one that differs")
    return [fixed] + others


class Protocol:
    """A question's grouped hold-out: its ``TrainConfig``, how many folds it has and the metrics it reports."""

    def __init__(self, question: str):
        self.question = question
        self.train = importlib.import_module(f"{question}.train")
        if not hasattr(self.train, "fold_count"):
            raise NotMeasuredByFolds(self.train.VALIDATION)
        self.config_type = self.train.TrainConfig
        self.metrics = self.train.MEASURED

    def folds(self, data: str | None, settings: dict) -> int:
        """How many folds the recipe with ``settings`` has (a share held out, or the people in groups of some)."""
        return self.train.fold_count(dataclasses.replace(self.config_type(), data=data, **settings))


def child_command(question: str, child: Child, overrides: dict, data: str | None) -> list[str]:
    command = [sys.executable, "-m", question, "train", "--holdout", "--seed", str(child.seed),
               "--set", f"fold={child.fold}"]
    command += [argument for name, value in overrides.items() for argument in ("--set", f"{name}={value}")]
    return command + (["--data", data] if data else [])


def child_environment(parent_id: str, child: Child, threads: int | None, outputs: str) -> dict[str, str]:
    """The child's environment: the parent run, its own key, a scratch outputs folder (a child never replaces the
    deliverables to hand in) and, where cores are shared, its share of threads."""
    from padl_shared.paths import OUTPUT_ENV
    from padl_shared.tracking import PARENT_ENV, TRACKING_ENV, tracking_uri

    environment = {**os.environ, PARENT_ENV: parent_id, CHILD_ENV: child.key, OUTPUT_ENV: outputs,
                   TRACKING_ENV: tracking_uri(), "PYTHONUNBUFFERED": "1"}
    if threads:
        environment |= {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    return environment


def run_child(command: list[str], environment: dict[str, str], metrics: tuple[str, ...]) -> int:
    """One child in a subprocess, its progress passed through and its metrics said in one line; its exit code
    (negative: killed by that signal). A stop signal to this process is passed on to the child, which ends its own
    run as KILLED, before it stops this one."""
    child = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        output, _ = child.communicate()
    except Interrupted as stop:
        child.send_signal(stop.signum)
        child.wait()
        raise
    lines = output.strip().splitlines()
    said = json.loads(lines[-1]) if child.returncode == 0 and lines else {}
    shown = ", ".join(f"{name} {said[name]:.4f}" for name in metrics if name in said)
    print(f"{environment[CHILD_ENV]}: " + (shown if said else f"exit {child.returncode}"), flush=True)
    return child.returncode


def run_children(jobs: list[tuple[Child, list[str], dict]], metrics: tuple[str, ...], workers: int,
                 address: str | None) -> dict[str, int]:
    """Each child's exit code by key: one at a time here, or on Ray (``workers`` at a time on this machine's
    cores, or on the cluster at ``address``)."""
    if workers == 1 and not address:
        return {child.key: run_child(command, environment, metrics) for child, command, environment in jobs}
    import ray

    # worker_niceness 0: Ray's default nice 15 starves a fold under load
    local = {} if address else {"num_cpus": os.cpu_count(), "_system_config": {"worker_niceness": 0}}
    # "local": this machine's own instance, even where another Ray cluster runs (a plain ray.init() would join it)
    ray.init(address=address or "local", include_dashboard=False, log_to_driver=True, **local)
    raise_on_stop_signals()  # Ray's driver replaces SIGTERM's handler with one that aborts
    try:
        remote = ray.remote(run_child).options(num_cpus=max(1, (os.cpu_count() or 1) // workers), max_retries=0)
        pending = {child.key: remote.remote(command, environment, metrics) for child, command, environment in jobs}
        codes = {}
        try:
            for key, reference in pending.items():
                try:
                    codes[key] = ray.get(reference)
                except ray.exceptions.RayError as error:
                    codes[key] = -9
                    print(f"note: {key}: its Ray worker ended ({type(error).__name__})", file=sys.stderr)
        except KeyboardInterrupt:  # a stop signal, which ray.get turns into a plain KeyboardInterrupt; shutting
            raise Interrupted(Interrupted.last_signal) from None  # Ray down ends its workers and their children
        return codes
    finally:
        ray.shutdown()


def close_unfinished(parent_id: str, codes: dict[str, int], stop: Interrupted | None = None) -> None:
    """A child whose process failed or was killed but whose run is still open (SIGKILL, a lost worker): FAILED or
    KILLED, with the reason; after a ``stop`` signal to the parent, every child still open: KILLED."""
    from mlflow.tracking import MlflowClient

    from padl_shared.tracking import ENDED_BY_TAG, tracking_uri

    client = MlflowClient(tracking_uri())
    for run in children_of(parent_id):
        code = codes.get(run.data.tags.get("padl.child"), 0)
        if run.info.status != "RUNNING" or (code == 0 and stop is None):
            continue
        reason = f"its {stop} (stop signal) to the parent" if stop else f"its process exited with {code}"
        client.set_tag(run.info.run_id, ENDED_BY_TAG, reason)
        client.set_terminated(run.info.run_id, "KILLED" if stop or code < 0 or code >= 128 else "FAILED")


def close_stopped(parent_id: str, stop: Interrupted) -> None:
    """A stop signal to `cv` or `sweep`: the parent and every child still open (on Ray workers, or one whose
    process ignored the signal) ended as KILLED, tagged with the signal; what finished stays as it was."""
    import mlflow

    from padl_shared.tracking import ENDED_BY_TAG

    close_unfinished(parent_id, {}, stop)
    mlflow.set_tag(ENDED_BY_TAG, f"{stop} (stop signal)")
    mlflow.set_tag("padl.missing", "; ".join(summarise(parent_id)[2]) or "none")
    mlflow.end_run("KILLED")


def children_of(parent_id: str) -> list:
    import mlflow

    experiment = mlflow.get_run(parent_id).info.experiment_id
    return mlflow.search_runs([experiment], filter_string=f"tags.`mlflow.parentRunId` = '{parent_id}'",
                              output_format="list")


def _mean_sd(values: list[float], sign: str = "") -> str:
    if not values:
        return "–"
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):{sign}.4f} ± {spread:.4f}"


def summarise(parent_id: str) -> tuple[str, dict[str, float], list[str]]:
    """The parent's table (each child, then each point pooled, with a sweep's paired difference from its baseline,
    fold by fold), the metrics to log on it, and the children that did not finish."""
    import mlflow

    parent = mlflow.get_run(parent_id)
    expected = json.loads(parent.data.tags["padl.children"])
    metrics = json.loads(parent.data.tags["padl.metrics"])
    finished = {run.data.tags.get("padl.child"): run for run in children_of(parent_id)
                if run.info.status == "FINISHED"}
    missing = [key for key in expected if key not in finished]
    lines = [f"| point | seed | fold | {' | '.join(metrics)} |", "|" + " --- |" * (3 + len(metrics))]
    for key in expected:
        point, seed, fold = (part.split(" ")[-1] if index else part for index, part in enumerate(key.split(" | ")))
        run = finished.get(key)
        cells = [f"{run.data.metrics.get(name, float('nan')):.4f}" if run else "missing" for name in metrics]
        lines.append(f"| {point} | {seed} | {fold} | {' | '.join(cells)} |")
    points = list(dict.fromkeys(key.split(" | ")[0] for key in expected))
    baseline = points[0]
    recipe = {key.split(" | ", 1)[1]: run for key, run in finished.items() if key.startswith(baseline + " | ")}
    header = ["point", "folds"] + [f"{name} mean ± sd" for name in metrics]
    if len(points) > 1:
        header += [f"{name} vs {baseline}" for name in metrics]
    pooled, logged = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)], {}
    for index, point in enumerate(points):
        runs = {key.split(" | ", 1)[1]: run for key, run in finished.items() if key.startswith(point + " | ")}
        planned = sum(key.startswith(point + " | ") for key in expected)
        cells = [point, f"{len(runs)} of {planned}"]
        for name in metrics:
            values = [run.data.metrics[name] for run in runs.values() if name in run.data.metrics]
            cells.append(_mean_sd(values))
            prefix = "" if len(points) == 1 else f"p{index}."
            if values:
                logged[f"{prefix}{name}_mean"] = statistics.mean(values)
                logged[f"{prefix}{name}_sd"] = statistics.stdev(values) if len(values) > 1 else 0.0
        if len(header) > 2 + len(metrics):
            for name in metrics:
                paired = [run.data.metrics[name] - recipe[slot].data.metrics[name] for slot, run in runs.items()
                          if slot in recipe and point != baseline]
                cells.append(_mean_sd(paired, sign="+"))
        pooled.append("| " + " | ".join(cells) + " |")
    note = (f"\nMissing ({len(missing)} of {len(expected)}, not averaged): {'; '.join(missing)}" if missing else "")
    table = "\n".join(lines) + "\n\n" + "\n".join(pooled) + note
    return table, logged, missing


def report(parent_id: str) -> dict:
    """Print the parent's table and the command that reproduces it; its pooled metrics."""
    import mlflow

    table, logged, missing = summarise(parent_id)
    parent = mlflow.get_run(parent_id)
    print(f"{parent.info.run_name} (parent run {parent_id}, {parent.info.status})")
    print(table)
    print(f"reproduce: {parent.data.tags['padl.command']}")
    return {"parent_run": parent_id, **logged, "missing": missing}


def latest_parent(question: str, kind: str) -> str:
    import mlflow

    from padl_shared.tracking import tracking_uri

    mlflow.set_tracking_uri(tracking_uri())
    experiment = mlflow.get_experiment_by_name(question + EXPERIMENT_SUFFIX)
    runs = [] if experiment is None else mlflow.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`padl.kind` = '{kind}'",
        order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
    if not runs:
        raise DataError(f"no `invoke {kind}` of {question} in {tracking_uri()}; run one first")
    return runs[0].info.run_id


def measure(kind: str, question: str, points: list[dict], seeds: list[int], folds: list[int] | None,
            data: str | None, workers: int, address: str | None, command: str) -> dict:
    """Open the parent, run every child, close what a failure left open, log the pooled metrics; the report."""
    import mlflow

    from padl_shared.processes import this_process
    from padl_shared.tracking import PROCESS_TAG, end_abandoned_runs, flatten, git_commit, use_experiment

    protocol = Protocol(question)
    available = protocol.folds(data, points[0])
    folds = folds if folds is not None else list(range(available))
    if any(fold >= available for fold in folds):
        raise DataError(f"--folds: {question} has folds 0-{available - 1}, got {','.join(map(str, folds))}")
    labelled = [(describe(point) or RECIPE, point) for point in points]
    children = [(Child(label, seed, fold), point) for label, point in labelled for seed in seeds for fold in folds]
    experiment = use_experiment(question + EXPERIMENT_SUFFIX)
    end_abandoned_runs(question + EXPERIMENT_SUFFIX)  # parents and children a SIGKILL left open
    name = f"{kind} {' / '.join(label for label, _ in labelled)} seeds={','.join(map(str, seeds))} " \
           f"folds={','.join(map(str, folds))}"
    tags = {"padl.kind": kind, "padl.command": command, "padl.children": json.dumps([c.key for c, _ in children]),
            "padl.metrics": json.dumps(list(protocol.metrics)), "git_commit": git_commit(),
            PROCESS_TAG: this_process()}
    threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 or address else None
    with mlflow.start_run(experiment_id=experiment, run_name=name, tags=tags) as parent:
        if len(points) == 1:
            mlflow.log_params({"seeds": ",".join(map(str, seeds)), **flatten(points[0])})
        try:
            with tempfile.TemporaryDirectory(prefix="padl-cv-outputs-") as outputs:
                jobs = [(child, child_command(question, child, point, data),
                         child_environment(parent.info.run_id, child, threads, outputs)) for child, point in children]
                codes = run_children(jobs, protocol.metrics, workers, address)
        except Interrupted as stop:
            stop.run_id = parent.info.run_id
            close_stopped(parent.info.run_id, stop)
            raise
        close_unfinished(parent.info.run_id, codes)
        _, logged, missing = summarise(parent.info.run_id)
        mlflow.log_metrics(logged)
        mlflow.set_tag("padl.missing", "; ".join(missing) or "none")
        status = "FINISHED" if not missing else "FAILED"
        mlflow.end_run(status)
    return report(parent.info.run_id)


def reproducing(args: argparse.Namespace) -> str:
    """The `invoke` command that measures the same thing again (where it runs and on how many workers aside)."""
    words = [f"invoke {args.kind} --q {args.question[1]}", *(f"--set {shlex.quote(pair)}" for pair in args.set)]
    words += [f"--seeds {args.seeds}"] * (args.seeds != "0") + [f"--folds {args.folds}"] * bool(args.folds)
    words += ["--holdout"] * args.holdout + [f"--data {shlex.quote(args.data)}"] * bool(args.data)
    return " ".join(words)


def main(argv: list[str] | None = None) -> int:
    from padl_shared.cli import print_json

    parser = argparse.ArgumentParser(prog="python -m padl_shared.experiments")
    parser.add_argument("kind", choices=("cv", "sweep"))
    parser.add_argument("question")
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--folds", default=None)
    parser.add_argument("--holdout", action="store_true")
    parser.add_argument("--data", default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--address", default=None)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    raise_on_stop_signals()
    try:
        protocol = Protocol(args.question)
        if args.report:
            print_json(report(latest_parent(args.question, args.kind)))
            return 0
        if args.kind == "cv":
            points = [parse_overrides(protocol.config_type, args.set, args.question)]
        else:
            points = grid(protocol.config_type, args.set, args.question)
        if any(point.get("fold") is not None for point in points):
            raise DataError("--set fold=…: cv and sweep run the folds themselves; choose them with --folds")
        seeds = whole_numbers(args.seeds, "--seeds")
        folds = [0] if args.holdout else (None if args.folds is None else whole_numbers(args.folds, "--folds"))
        print_json(measure(args.kind, args.question, points, seeds, folds, args.data, args.workers, args.address,
                           reproducing(args)))
    except NotMeasuredByFolds as answer:
        print(f"{args.question}: {answer}")
        print_json({"question": args.question, "validated_by": "train"})
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        ended = f"run {stop.run_id} and its open children marked KILLED" if stop.run_id else "no run was open"
        print(f"interrupted by {stop}: {ended}; finished folds and earlier runs kept", file=sys.stderr)
        return stop.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
