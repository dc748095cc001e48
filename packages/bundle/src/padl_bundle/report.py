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


def _figures(run, question: str, staging: Path) -> list[str]:
    import mlflow

    target = staging / "report" / question
    try:
        folder = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="figures",
                                                          dst_path=str(target)))
    except Exception:  # a run without figures: MLflow raises its own error type per store
        return []
    return sorted(p.relative_to(staging).as_posix() for p in folder.glob("*.png"))


def section(question: str, run, staging: Path) -> str:
    lines = [f"## {TITLES[question]}", "",
             f"Run `{run.info.run_id}` ({run.info.run_name}), seed {run.data.tags.get('seed')}, "
             f"commit `{run.data.tags.get('git_commit', 'unknown')[:12]}`, device {run.data.tags.get('device')}.", ""]
    if "conclusion" in run.data.tags:
        lines += [f"**Conclusion.** {run.data.tags['conclusion']}", ""]
    lines += ["| metric | value |", "| --- | --- |"]
    lines += [f"| {name} | {_value(value)} |" for name, value in sorted(run.data.metrics.items())]
    lines += ["", "<details><summary>parameters</summary>", "", "| parameter | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in sorted(run.data.params.items())]
    lines += ["", "</details>", ""]
    lines += [f"![{Path(figure).stem}]({figure})" for figure in _figures(run, question, staging)]
    return "\n".join(lines) + "\n"


def write(staging: Path, runs: dict, missing: list[str]) -> Path:
    parts = ["# PADL submission report", "",
             "Generated from the latest finished MLflow run of each question. Metrics named `baseline_*`, "
             "`pca_*` or `*_unscaled` are the baselines fitted in the same run on the same split.", ""]
    if missing:
        parts += [f"Not included (no finished run): {', '.join(missing)}.", ""]
    parts += [section(question, run, staging) for question, run in runs.items()]
    path = staging / "REPORT.md"
    path.write_text("\n".join(parts))
    return path
