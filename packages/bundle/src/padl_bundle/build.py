"""Build dist/padl-submission.zip from the latest finished runs, refusing unless every check passes."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import torch
from padl_shared.contract import run_deliverable
from padl_shared.deliverable import GradedFile
from padl_shared.errors import DataError
from padl_shared.paths import remove_abandoned_staging, repo_root
from padl_shared.tracking import DELIVERABLE_ARTIFACTS, git_commit
from q3_embeddings.data import RESULT_FILE
from q4_waist import deliverable as q4_deliverable
from q5_garments import deliverable as q5_deliverable
from q6_compression import deliverable as q6_deliverable

from padl_bundle import answers, report

QUESTIONS = ("q1_regression", "q2_clustering", "q3_embeddings", "q4_waist", "q5_garments", "q6_compression")
BUNDLE_NAME = "padl-submission.zip"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same runs give the same bytes


class BundleError(DataError):
    """A check failed; the message names the deliverable and the check."""


GRADED = (q4_deliverable.GRADED, q5_deliverable.GRADED, q6_deliverable.GRADED)  # each package owns its contract


def real_batch(question: str) -> torch.Tensor:
    """A few real examples from the question's data, as the grader's tensors."""
    from padl_shared.paths import resolve_data

    if question == "q4_waist":
        from q4_waist.data import DEFAULT_FILE, load_measurements

        return torch.tensor(load_measurements(resolve_data(DEFAULT_FILE))[0][:8])
    if question == "q5_garments":
        from q5_garments.data import DEFAULT_FOLDER, load_folder

        images, _ = load_folder(resolve_data(DEFAULT_FOLDER), limit_per_class=2)
        return images.float() / 255
    from q6_compression.data import DEFAULT_FOLDER, decode_images, image_files

    return decode_images(image_files(resolve_data(DEFAULT_FOLDER))[:6]).float() / 255


def recipe_defaults(question: str) -> dict[str, str]:
    """The committed recipe's training settings, as MLflow logs them: what a full `invoke train` uses (a refit
    follows the same recipe, so ``refit`` is left to ``notes_on``)."""
    import importlib

    from padl_shared.tracking import recipe_of

    config = importlib.import_module(f"{question}.train").TrainConfig()
    return {name: str(value) for name, value in recipe_of(config).items() if name != "refit"}


def notes_on(question: str, run) -> list[str]:
    """What a marker should know about the run shipped for ``question``: settings that differ from the
    recipe's (a --fast or --epochs run), or a split run where a refit on every example is the one to hand in."""
    number = question[1]
    changed = [f"{name} {run.data.params[name]} (recipe: {value})" for name, value in recipe_defaults(question).items()
               if name in run.data.params and run.data.params[name] != value]
    notes = []
    if changed:
        notes.append(f"{question}: the shipped run {run.info.run_id} ({run.info.run_name}) trained with other "
                     f"settings than the recipe's: {', '.join(changed)}; `invoke train --q {number}` trains the "
                     "recipe")
    if run.data.params.get("refit") == "False":
        notes.append(f"{question}: the shipped run {run.info.run_id} ({run.info.run_name}) is a split run, trained "
                     f"without its held-out examples; `invoke train --q {number}` trains the model to hand in on all "
                     "of them")
    return notes


def unmeasured(question: str, run) -> str | None:
    """A warning when the run shipped for ``question`` is a refit on every example whose recipe no split run in
    the store measured: the hand-in would then have no estimate for it."""
    if run.data.params.get("refit") != "True" or "validated_by" in run.data.tags or question == "q4_waist":
        return None
    number = question[1]
    return (f"{question}: the model handed in (run {run.info.run_id}) has no measurement of its recipe on held-out "
            f"data in this store; `invoke train --q {number}` measures it before refitting, or `invoke cv --q "
            f"{number}`; then `invoke bundle` again")


def check_result_file(path: Path) -> int:
    """Row K lists K first, then every node exactly once; rows in numeric node order. The node count."""
    rows = [line.split() for line in path.read_text().splitlines()]
    nodes = sorted((row[0] for row in rows if row), key=int)
    for number, row in enumerate(rows, start=1):
        if not row or sorted(row, key=int) != nodes:
            raise BundleError(f"{RESULT_FILE}: row {number} does not list every node exactly once")
    if [row[0] for row in rows] != nodes:
        raise BundleError(f"{RESULT_FILE}: rows are not in numeric node order")
    return len(nodes)


def check_graded(graded: GradedFile, folder: Path, scratch: Path) -> dict:
    """Size limit and contract of one graded file in ``folder``; its manifest entry."""
    files = list(graded.files)
    absent = [name for name in files if not (folder / name).is_file()]
    if absent:
        raise BundleError(f"{graded.module}: missing {', '.join(absent)}")
    try:
        graded.check_size((folder / graded.weights).stat().st_size)
    except DataError as error:
        raise BundleError(f"{graded.module}: {error}") from None
    batch = scratch / f"batch-{graded.question}.pt"
    torch.save(real_batch(graded.question), batch)
    elsewhere = scratch / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    result = run_deliverable(folder, f"BATCH = {str(batch)!r}\n" + graded.contract, cwd=elsewhere)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise BundleError(f"{graded.module}: contract check failed in a grader-like process: {last}")
    return {"files": files, "bytes": sum((folder / name).stat().st_size for name in files),
            "limit_bytes": graded.limit_bytes}


def _fetch(run, question: str, scratch: Path) -> Path:
    import mlflow
    from mlflow.exceptions import MlflowException

    target = scratch / "runs" / question
    target.mkdir(parents=True)
    try:
        return Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path=DELIVERABLE_ARTIFACTS,
                                                        dst_path=str(target)))
    except MlflowException:
        raise BundleError(f"{question}: its latest run {run.info.run_id} logged no {DELIVERABLE_ARTIFACTS}/ "
                          "artifacts; train it again") from None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_zip(folder: Path, destination: Path) -> None:
    """Every file under ``folder``, sorted, with fixed times and modes; written beside, then renamed."""
    partial = destination.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            entry = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    partial.replace(destination)


def build(allow_partial: bool = False, destination: Path | None = None) -> dict:
    """Assemble, check and zip; the manifest. Nothing is written unless every check passes."""
    from padl_shared.tracking import end_abandoned_runs, latest_run

    destination = destination or repo_root() / "dist" / BUNDLE_NAME
    runs, missing = {}, []
    for question in QUESTIONS:
        end_abandoned_runs(question)
        remove_abandoned_staging(question.split("_")[0])
        try:
            runs[question] = latest_run(question)
        except DataError:
            missing.append(question)
    if missing and not allow_partial:
        raise BundleError(f"no finished training run for {', '.join(missing)}; train them, or pass --allow-partial")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        staging = scratch / "bundle"
        staging.mkdir()
        fetched = {question: _fetch(run, question, scratch) for question, run in runs.items()}
        deliverables, failures = {}, []
        if "q1_regression" in fetched:
            for model in sorted(fetched["q1_regression"].glob("model_*")):
                shutil.copytree(model, staging / "q1_models" / model.name)
            deliverables["q1_models"] = {"files": sorted(p.relative_to(staging).as_posix()
                                                         for p in (staging / "q1_models").rglob("*") if p.is_file())}
        if "q3_embeddings" in fetched:
            shutil.copy(fetched["q3_embeddings"] / RESULT_FILE, staging / RESULT_FILE)
            try:
                deliverables[RESULT_FILE] = {"files": [RESULT_FILE], "nodes": check_result_file(staging / RESULT_FILE)}
            except BundleError as error:
                failures.append(str(error))
        for graded in GRADED:
            if graded.question not in fetched:
                continue
            for name in graded.files:
                if (fetched[graded.question] / name).is_file():
                    shutil.copy(fetched[graded.question] / name, staging / name)
            try:
                deliverables[graded.module] = check_graded(graded, staging, scratch)
            except BundleError as error:
                failures.append(str(error))
        if failures:
            raise BundleError("; ".join(failures))
        created = max(run.info.end_time for run in runs.values()) if runs else 0
        notes = [note for question, run in runs.items() for note in notes_on(question, run)]
        warnings = [warning for question, run in runs.items() if (warning := unmeasured(question, run))]
        report.write(staging, runs, missing, notes, warnings)
        answers.write(staging, runs, git_commit())
        manifest = {
            "deliverables": deliverables,
            "files": [{"path": p.relative_to(staging).as_posix(), "bytes": p.stat().st_size, "sha256": _sha256(p)}
                      for p in sorted(staging.rglob("*")) if p.is_file()],
            "runs": {question: run.info.run_id for question, run in runs.items()},
            "missing": missing,
            "notes": notes,
            "warnings": warnings,
            "git_commit": git_commit(),
            "created": datetime.datetime.fromtimestamp(created / 1000, datetime.UTC).isoformat(),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_zip(staging, destination)
    return {"bundle": str(destination), "bytes": destination.stat().st_size, "deliverables": sorted(deliverables),
            "missing": missing, "notes": notes, "warnings": warnings}
