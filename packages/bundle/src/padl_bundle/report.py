"""REPORT.md for the bundle, generated from the MLflow runs it packs: metrics, parameters, the
baselines beside them, conclusions and figures (copied into the zip and linked)."""

from __future__ import annotations

from pathlib import Path

TITLES = {
    "q1_regression": "Question 1: regression",
    "q2_clustering": "Question 2: PCA and k-means",
    "q3_embeddings": "Question 3: node embeddings",
    "q4_waist": "Question 4: waist regression",
    "q5_garments": "Question 5: garment classifier",
    "q6_compression": "Question 6: face compression",
}


def _value(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _figures(run, folder: Path, staging: Path) -> list[str]:
    import mlflow

    try:
        downloaded = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="figures",
                                                              dst_path=str(folder)))
    except Exception:  # a run without figures: MLflow raises its own error type per store
        return []
    return sorted(p.relative_to(staging).as_posix() for p in downloaded.glob("*.png"))


def _run_details(run, folder: Path, staging: Path) -> list[str]:
    """A run's conclusion, metrics, parameters and figures (copied under ``folder``)."""
    lines = [f"**Conclusion.** {run.data.tags['conclusion']}", ""] if "conclusion" in run.data.tags else []
    lines += ["| metric | value |", "| --- | --- |"]
    lines += [f"| {name} | {_value(value)} |" for name, value in sorted(run.data.metrics.items())]
    lines += ["", "<details><summary>parameters</summary>", "", "| parameter | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in sorted(run.data.params.items())]
    lines += ["", "</details>", ""]
    return lines + [f"![{Path(figure).stem}]({figure})" for figure in _figures(run, folder, staging)]


def _heading(run) -> str:
    return (f"Run `{run.info.run_id}` ({run.info.run_name}), seed {run.data.tags.get('seed')}, "
            f"commit `{run.data.tags.get('git_commit', 'unknown')[:12]}`, device {run.data.tags.get('device')}.")


def section(question: str, run, staging: Path) -> str:
    """The run's details; for a refit, those of the split run that measured its recipe after them."""
    import mlflow
    from mlflow.exceptions import MlflowException

    folder = staging / "report" / question
    lines = [f"## {TITLES[question]}", "", _heading(run), "", *_run_details(run, folder, staging)]
    if "validated_by" in run.data.tags:
        lines += ["", "### The split run that measured this recipe on held-out data", ""]
        try:
            split_run = mlflow.get_run(run.data.tags["validated_by"])
        except MlflowException:
            lines += [f"Run `{run.data.tags['validated_by']}` is not in this store.", ""]
        else:
            lines += [_heading(split_run), "", *_run_details(split_run, folder / "validated_by", staging)]
    return "\n".join(lines) + "\n"


def write(staging: Path, runs: dict, missing: list[str], notes: list[str], warnings: list[str]) -> Path:
    parts = ["# PADL submission report", ""]
    if warnings:
        parts += ["## WARNING: a model handed in has no measurement", "",
                  *(f"- **{warning}.**" for warning in warnings), ""]
    parts += ["Generated from the latest finished MLflow run of each question. Metrics named `baseline_*`, "
              "`pca_*`, `thumbnail_*` or `*_unscaled` are the baselines scored in the same run on the same data.", ""]
    if missing:
        parts += [f"Not included (no finished run): {', '.join(missing)}.", ""]
    if notes:
        parts += ["## Notes on the shipped runs", "", *(f"- {note}." for note in notes), ""]
    parts += [section(question, run, staging) for question, run in runs.items()]
    path = staging / "REPORT.md"
    path.write_text("\n".join(parts))
    return path
