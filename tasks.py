"""padl's tasks: a thin orchestrator over the question packages, run inside the project venv.

Imports only the standard library and invoke, so `pip install invoke && invoke setup` works on a
fresh machine. Every heavy step is one call into a package's command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

from invoke import Exit, task
from invoke.parser.context import ParserContext

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PADL_VENV", ROOT / ".venv"))
PYTHON = VENV / "bin" / "python"
SETUP_STAMP = VENV / "padl-setup.sha256"
QUESTIONS = {
    "1": "q1_regression",
    "2": "q2_clustering",
    "3": "q3_embeddings",
    "4": "q4_waist",
    "5": "q5_garments",
    "6": "q6_compression",
}


def _accept_double_dash_single_letter_flags() -> None:
    """Let `--q 6` mean `-q 6`: invoke spells one-letter parameters `-q` only, the README says `--q`.

    invoke has no public hook for it: flag spellings come from ParserContext.add_arg (`-` before one letter),
    and a Collection subclass in tasks.py is copied back into a plain Collection when invoke loads it."""
    add_arg = ParserContext.add_arg

    def add_arg_with_long_alias(self, *args, **kwargs):
        add_arg(self, *args, **kwargs)
        for flag in [name for name in self.flags.keys() if len(name) == 2]:
            if "-" + flag not in self.flags:
                self.flags.alias("-" + flag, to=flag)

    ParserContext.add_arg = add_arg_with_long_alias


_accept_double_dash_single_letter_flags()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _setup_fingerprint(project: dict) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for folder in ["."] + project["tool"]["padl"]["packages"]:
        digest.update((ROOT / folder / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def _questions(q: str) -> list[str]:
    if q == "all":
        return list(QUESTIONS)
    if q not in QUESTIONS:
        raise Exit(f"--q must be one of 1-6 or all, got {q!r}", code=2)
    return [q]


def _whole_number(flag: str, value, minimum: int) -> int:
    """A flag's value as a whole number of at least ``minimum``, or a one-line Exit (code 2)."""
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or int(text) < minimum:
        raise Exit(f"{flag} must be a whole number of at least {minimum}, got {value!r}", code=2)
    return int(text)


def _require_venv() -> None:
    if not PYTHON.exists():
        raise Exit(f"no project environment at {VENV}; run `invoke setup` first", code=2)


def _run_module(module: str, *args: str, seed: int = 0) -> dict:
    """Run `python -m <module> ARGS` in the venv, streaming its output; its last line parsed as JSON.

    A stop signal to this process (SIGTERM, SIGHUP, Ctrl-C) is passed on to the module, which ends its run
    as KILLED and says so in one line; this task then exits with the module's code (130 for Ctrl-C)."""
    process = subprocess.Popen([str(PYTHON), "-m", module, *args], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONUNBUFFERED": "1"})
    previous = {each: signal.signal(each, lambda signum, frame: process.send_signal(signum))
                for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    last = ""
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            last = line if line.strip() else last
        process.wait()
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)
    code = process.returncode
    if code < 0:
        raise Exit(f"{module}: stopped by {signal.Signals(-code).name}", code=128 - code)
    if code == 1:
        raise Exit(f"{module}: `{args[0]}` failed (exit 1); the traceback above says where", code=1)
    if code != 0:  # 2: a user error, 128+N: a stop signal; the module has said which in one line
        raise Exit(code=code)
    return json.loads(last) if last else {}


def _quote(value: str) -> str:
    return shlex.quote(str(value))


@task(help={"force": "reinstall even when nothing changed"})
def setup(c, force=False):
    """Create .venv and install torch and every package editable with pip (quick when nothing changed)."""
    project = _project()
    fingerprint = _setup_fingerprint(project)
    if not force and SETUP_STAMP.exists() and SETUP_STAMP.read_text() == fingerprint:
        print(f"setup: {VENV} is up to date")
        return
    if not PYTHON.exists():
        c.run(f"{_quote(sys.executable)} -m venv {_quote(VENV)}")
    pip = f"{PYTHON} -m pip install --quiet --disable-pip-version-check"
    c.run(f"{pip} {' '.join(project['tool']['padl']['torch'])}")
    editables = " ".join(f"-e {_quote(ROOT / folder)}" for folder in project["tool"]["padl"]["packages"])
    dev = project["tool"]["poetry"]["group"]["dev"]["dependencies"]
    dev_specs = " ".join(_quote(f"{name}{spec}") for name, spec in dev.items())
    c.run(f"{pip} {editables} {dev_specs}")
    SETUP_STAMP.write_text(fingerprint)
    print(f"setup: installed into {VENV}")


SET_HELP = ("change one setting of the recipe, KEY=VALUE, where KEY is a field of the question's TrainConfig "
            "(e.g. --set lr=1e-3 --set epochs=60); repeat for more; a bad key lists the valid ones")


@task(
    auto_shortflags=False,  # `-h` is help, never a flag of train's
    iterable=["set"],
    help={
        "q": "question 1-6, or all (the default: every question in turn)",
        "data": "a data file or a folder holding the question's files (default: $PADL_DATA_DIR, data/, stand-ins)",
        "seed": "random seed, a whole number (default 0); the same seed gives the same numbers",
        "fast": "a quick, smaller run (questions 4-6)",
        "epochs": "override the number of training epochs (questions 4-6)",
        "set": SET_HELP,
        "holdout": "questions 4-6: only the split run that measures the recipe on held-out examples, not the model to "
                   "hand in (which `train` fits on every example beside that split run)",
    }
)
def train(c, q="all", data=None, seed="0", fast=False, epochs=None, set=None, holdout=False):  # noqa: A002
    """Train question N, or with no --q every question in turn; log to MLflow, write the deliverables to hand in.

    Questions 4-6 measure the recipe on held-out examples (a split run) and fit the model to hand in on every
    example (questions 5 and 6 side by side, each on half the cores). `--set KEY=VALUE` changes a setting of the
    recipe (the run's name and params say which). The last line printed is the metrics as JSON. Ctrl-C (or SIGTERM)
    ends the run as KILLED, keeps the earlier outputs and exits 130 (143)."""
    questions = _questions(q)
    if holdout and questions not in (["4"], ["5"], ["6"]):
        raise Exit(f"--holdout applies to questions 4-6 only, got --q {q}", code=2)
    if set and len(questions) > 1:
        raise Exit("--set applies to one question at a time: add --q N", code=2)
    seed = _whole_number("--seed", seed, minimum=0)
    epochs = None if epochs is None else _whole_number("--epochs", epochs, minimum=1)
    for flag, given in (("--fast", fast), ("--epochs", epochs is not None)):
        if given and questions in (["1"], ["2"], ["3"]):
            raise Exit(f"{flag} applies to questions 4-6 only, got --q {q}", code=2)
    _require_venv()
    args = ["train", "--seed", str(seed)]
    if data:
        args += ["--data", data]
    if fast:
        args.append("--fast")
    if epochs is not None:
        args += ["--epochs", str(epochs)]
    for pair in set or []:
        args += ["--set", pair]
    if holdout:
        args.append("--holdout")
    results = {f"q{n}": _run_module(QUESTIONS[n], *args, seed=seed) for n in questions}
    if len(questions) > 1:
        print(json.dumps(results))


EXPERIMENT_HELP = {
    "data": "a data folder or file (default: $PADL_DATA_DIR, data/, stand-ins)",
    "seeds": "partitions into folds, e.g. 1-5 or 0,3 (default 0)",
    "folds": "only these folds, e.g. 0-1 or 0,2 (default: every fold)",
    "workers": "runs at a time on this machine, each with its share of the cores, through Ray (default 1: one run "
               "at a time with every core, no Ray)",
    "address": "join a running Ray cluster (auto, or ray://HOST:PORT) and run the folds there; its workers log to "
               "$MLFLOW_TRACKING_URI, which must then be an MLflow server they reach",
    "report": "print the latest table of this question from the store, training nothing",
}


def _experiment(kind: str, q, set, seeds: str, folds, holdout: bool, data, workers, address, report) -> None:
    """`cv` or `sweep` of question ``q`` in the venv: one line for questions 1-3, which have no folds to run."""
    if q is None:
        raise Exit(f"{kind} needs --q N (4, 5 or 6)", code=2)
    if q not in QUESTIONS:
        raise Exit(f"--q must be one of 1-6 for {kind}, got {q!r}", code=2)
    workers = _whole_number("--workers", workers, minimum=1)
    _require_venv()
    args = [kind, QUESTIONS[q], "--seeds", seeds, "--workers", str(workers)]
    args += [argument for pair in set or [] for argument in ("--set", pair)]
    args += ["--folds", folds] if folds else []
    args += ["--holdout"] if holdout else []
    args += ["--data", data] if data else []
    args += ["--address", address] if address else []
    args += ["--report"] if report else []
    _run_module("padl_shared.experiments", *args)


@task(auto_shortflags=False, iterable=["set"],
      help={"q": "question 4, 5 or 6 (questions 1-3 say how their train validates)", "set": SET_HELP,
            **EXPERIMENT_HELP})
def cv(c, q=None, set=None, seeds="0", folds=None, data=None, workers="1", address=None, report=False):  # noqa: A002
    """Measure a recipe by its question's grouped hold-out: shoots (question 5), people (6) or rows (4) kept on
    one side, every fold of each seed's partition trained and scored. One parent MLflow run (experiment
    qN_..._cv) with a child run per fold; prints each fold, the mean ± sd, and the command that reproduces it."""
    _experiment("cv", q, set, seeds, folds, False, data, workers, address, report)


@task(auto_shortflags=False, iterable=["set"],
      help={"q": "question 4, 5 or 6", "set": "a setting and its values, KEY=V1,V2 (repeat for a grid: every "
            "combination is a point)", "holdout": "measure each point by one split run (fold 0) instead of every "
            "fold", **EXPERIMENT_HELP})
def sweep(c, q=None, set=None, seeds="0", folds=None, holdout=False, data=None, workers="1", address=None,  # noqa: A002
          report=False):
    """Compare settings side by side: every point of the grid (and the recipe) measured as `cv` measures it, as
    child runs of one parent; prints each point's mean ± sd and its paired difference from the recipe's folds."""
    if not set and not report:
        raise Exit("sweep needs at least one --set KEY=V1,V2", code=2)
    _experiment("sweep", q, set, seeds, folds, holdout, data, workers, address, report)


@task(help={"q": "question 1-6", "data": "unseen data: a file, or a folder holding the question's files "
            "(question 1: every PADL-Q1x-*.csv in it)"})
def evaluate(c, q, data):
    """Score the latest trained model of question N on unseen data; last line: metrics as JSON."""
    if q not in QUESTIONS:
        raise Exit(f"--q must be one of 1-6 for evaluate, got {q!r}", code=2)
    _require_venv()
    if not Path(data).exists():
        raise Exit(f"--data {data}: not found", code=2)
    _run_module(QUESTIONS[q], "evaluate", "--data", data)


@task(help={"allow_partial": "bundle what exists, listing what is missing"})
def bundle(c, allow_partial=False):
    """Check every deliverable as the grader runs it, then write dist/padl-submission.zip."""
    _require_venv()
    _run_module("padl_bundle", "build", *(["--allow-partial"] if allow_partial else []))


@task(help={"bundle": "the submission zip to grade", "data": "a folder of unseen data laid out like the coursework's "
            "(body_measurements.csv, garment_images/, face_images/; whatever is present)"})
def grade(c, data, bundle="dist/padl-submission.zip"):
    """Run a bundle's deliverables on unseen data; last line: their metrics as JSON."""
    _require_venv()
    if not Path(bundle).is_file():
        raise Exit(f"--bundle {bundle}: not found; run `invoke bundle` first", code=2)
    if not Path(data).is_dir():
        raise Exit(f"--data {data}: not a folder", code=2)
    _run_module("padl_bundle", "grade", "--bundle", bundle, "--data", data)


@task(help={"q": "only this question's tests (1-6); default: every test"})
def test(c, q=None):
    """Run the test suite with pytest inside the project venv."""
    _require_venv()
    if q is None:
        paths = ["shared/tests", "tests", "packages/bundle/tests"] + [f"packages/{n}/tests" for n in QUESTIONS.values()]
    elif q in QUESTIONS:
        paths = [f"packages/{QUESTIONS[q]}/tests"]
    else:
        raise Exit(f"--q must be one of 1-6, got {q!r}", code=2)
    workers = f" -n {os.cpu_count()}" if (os.cpu_count() or 1) > 1 else ""  # most tests wait on subprocesses
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} -m pytest -q{workers} --durations=10 {' '.join(paths)}", pty=False)  # the slowest named


@task
def timings(c):
    """How long the latest `invoke train` of each question took (its runs in the store), and on what machine."""
    _require_venv()
    _run_module("padl_shared.timings")


@task(help={"port": "port for the MLflow UI", "host": "interface to listen on"})
def ui(c, port=5000, host="127.0.0.1"):
    """Open the MLflow UI on the project's store (or $MLFLOW_TRACKING_URI)."""
    _require_venv()
    uri = os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}"
    (ROOT / "mlruns").mkdir(exist_ok=True)
    print(f"MLflow UI on http://{host}:{port} for {uri}")
    c.run(f"{PYTHON} -m mlflow ui --backend-store-uri {_quote(uri)} --host {host} --port {int(port)}", pty=False)


@task(help={"fix": "let ruff fix what it can"})
def lint(c, fix=False):
    """Lint every package and tasks.py with ruff."""
    _require_venv()
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} -m ruff check {'--fix ' if fix else ''}.", pty=False)
