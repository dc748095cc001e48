"""The written hand-in: `padl-answers.ipynb`, executed in the bundle folder from the runs it ships, and its PDF.

The notebook's source is `answers_notebook.py` beside this file (jupytext's percent format, so it diffs as text).
It reads `runs.json` (written here from the shipped runs) and the figures `report.write` copied under `report/`,
and calls the graded files beside it; it trains nothing. The PDF goes notebook → Typst markup (pandoc, from the
`pypandoc-binary` wheel) → PDF (the `typst` wheel's compiler): both install with pip, with no LaTeX and no browser.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("answers_notebook.py")
NOTEBOOK = "padl-answers.ipynb"
PDF = "padl-answers.pdf"
RUNS = "runs.json"


def _record(run, figures: Path, staging: Path) -> dict:
    return {"run_id": run.info.run_id, "run_name": run.info.run_name, "metrics": run.data.metrics,
            "params": run.data.params, "figures": figures.relative_to(staging).as_posix(),
            "tags": {name: value for name, value in run.data.tags.items() if not name.startswith("mlflow.")}}


def write_runs(staging: Path, runs: dict) -> Path:
    """``runs.json``: each shipped run's metrics, parameters, tags and figure folder, and its split run's for a
    refit, as the notebook reads them."""
    import mlflow
    from mlflow.exceptions import MlflowException

    records = {}
    for question, run in runs.items():
        folder = staging / "report" / question
        records[question] = _record(run, folder / "figures", staging)
        if "validated_by" in run.data.tags:
            try:
                split_run = mlflow.get_run(run.data.tags["validated_by"])
            except MlflowException:
                continue
            records[question]["validated_by"] = _record(split_run, folder / "validated_by" / "figures", staging)
    path = staging / RUNS
    path.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    return path


def execute(staging: Path) -> Path:
    """The notebook, executed with the bundle folder as its working directory; an error in a cell is an error."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    notebook = jupytext.read(SOURCE)
    for index, cell in enumerate(notebook.cells):  # jupytext draws random ids; the same runs give the same file
        cell.id = f"cell-{index}"
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(staging)}}).execute()
    path = staging / NOTEBOOK
    nbformat.write(notebook, path)
    return path


def _for_print(notebook):
    """A copy for pandoc: each code cell's Markdown and image outputs become Markdown cells after it, in their order
    (pandoc prints a code cell's Markdown output as nothing), the setup cell's code is left out, and the title, which
    the PDF's title block carries, goes."""
    import copy

    import nbformat

    printed = copy.deepcopy(notebook)
    cells = []
    for cell in printed.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            cell.source = cell.source.split("\n", 1)[1] if "\n" in cell.source else ""
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        shown = [] if "setup" in cell.metadata.get("tags", []) else [cell]
        kept = []
        for index, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "text/markdown" in data:
                shown.append(nbformat.v4.new_markdown_cell(data["text/markdown"]))
            elif "image/png" in data:
                name = f"{cell.id}-{index}.png"
                image = nbformat.v4.new_markdown_cell(f"![]({name})")  # pandoc reads the attachment by its name
                image.source = f"![](attachment:{name})"
                image.attachments = {name: {"image/png": data["image/png"]}}
                shown.append(image)
            else:
                kept.append(output)
        cell.outputs = kept
        cells.extend(shown)
    printed.cells = cells
    return printed


def render_pdf(notebook_path: Path, title_lines: list[str]) -> Path:
    """The executed notebook as a PDF beside it: a title block naming the runs and the commit, then every cell."""
    import nbformat
    import pypandoc
    import typst

    notebook = nbformat.read(notebook_path, as_version=4)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        nbformat.write(_for_print(notebook), scratch / NOTEBOOK)
        (scratch / "header.typ").write_text("#set document(date: none)\n#set text(size: 10pt)\n"
                                            "#show raw.where(block: true): set text(size: 8pt)\n")
        subtitle = " · ".join(title_lines)
        pypandoc.convert_file(NOTEBOOK, "typst", outputfile="answers.typ", cworkdir=str(scratch),
                              extra_args=["--extract-media=media", "--standalone", "--include-in-header=header.typ",
                                          "--metadata=title:PADL coursework: answers",
                                          f"--metadata=subtitle:{subtitle}"])
        pdf = notebook_path.with_name(PDF)
        typst.compile(str(scratch / "answers.typ"), output=str(pdf), root=str(scratch))
    return pdf


def write(staging: Path, runs: dict, commit: str) -> list[Path]:
    """``runs.json``, the executed notebook and its PDF, in the bundle folder."""
    write_runs(staging, runs)
    notebook = execute(staging)
    title = [f"commit {commit[:12]}"] + [f"{question} run {run.info.run_id[:8]}" for question, run in runs.items()]
    return [staging / RUNS, notebook, render_pdf(notebook, title)]
