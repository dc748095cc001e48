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
SAMPLES = "samples.pt"
HIDDEN = "hide-input"  # a cell tag: the PDF prints the cell's output, not its code


def _record(run, figures: Path, staging: Path) -> dict:
    return {"run_id": run.info.run_id, "run_name": run.info.run_name, "metrics": run.data.metrics,
            "params": run.data.params, "figures": figures.relative_to(staging).as_posix(),
            "tags": {name: value for name, value in run.data.tags.items() if not name.startswith("mlflow.")}}


def recipe_cv(question: str) -> dict | None:
    """The newest finished `invoke cv` of ``question``'s recipe (nothing changed) over two folds or more in the store:
    its pooled metrics, fold count and command; None when there is none. One fold has no spread: a pilot, not an
    estimate."""
    import mlflow
    from padl_shared.experiments import EXPERIMENT_SUFFIX, RECIPE

    experiment = mlflow.get_experiment_by_name(question + EXPERIMENT_SUFFIX)
    runs = [] if experiment is None else mlflow.search_runs(
        [experiment.experiment_id], filter_string="tags.`padl.kind` = 'cv' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"], output_format="list")
    for run in runs:
        children = json.loads(run.data.tags["padl.children"])
        if len(children) >= 2 and all(key.startswith(RECIPE + " | ") for key in children):
            return {"run_id": run.info.run_id, "metrics": run.data.metrics, "folds": len(children),
                    "command": run.data.tags["padl.command"]}
    return None


def write_runs(staging: Path, runs: dict) -> Path:
    """``runs.json``: each shipped run's metrics, parameters, tags and figure folder; for a refit, its split run's
    (``validated_by``); and the newest `invoke cv` of the recipe where the store has one (``cv``)."""
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
                split_run = None
            if split_run is not None:
                records[question]["validated_by"] = _record(split_run, folder / "validated_by" / "figures", staging)
        cv = recipe_cv(question)
        if cv is not None:
            records[question]["cv"] = cv
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
    (pandoc prints a code cell's Markdown output as nothing), the code of cells tagged ``hide-input`` (those that
    only compose text) is left out, and the title, which the PDF's title block carries, goes."""
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
        shown = [] if HIDDEN in cell.metadata.get("tags", []) else [cell]
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


def write_samples(staging: Path) -> Path | None:
    """``samples.pt``: a few examples from the data folder for the notebook's calls to the graded files (people's
    measurements with their waist, two photos of each class with their labels, faces of six people); None when
    the data folder has none of them."""
    import numpy as np
    import torch
    from padl_shared.errors import DataError
    from padl_shared.paths import resolve_data

    samples = {}
    try:
        from q4_waist.data import DEFAULT_FILE, load_measurements

        x, y, _ = load_measurements(resolve_data(DEFAULT_FILE))
        samples["measurements"], samples["waist"] = torch.tensor(x[:8]), torch.tensor(y[:8])
    except DataError:
        pass
    try:
        from q5_garments.data import DEFAULT_FOLDER, class_files, decode

        files = class_files(resolve_data(DEFAULT_FOLDER))
        chosen = [[f for f in files if f[1] == label][index] for label in range(3) for index in (0, -1)]
        samples["garments"] = torch.from_numpy(np.stack([decode(path, 256) for path, _ in chosen]))
        samples["garment_labels"] = torch.tensor([label for _, label in chosen])
    except (DataError, IndexError):
        pass
    try:
        from q6_compression.data import DEFAULT_FOLDER as FACES
        from q6_compression.data import decode_images, image_files, people_of

        files, first_of_person = image_files(resolve_data(FACES)), {}
        for path, person in zip(files, people_of([path.name for path in files])):
            first_of_person.setdefault(person, path)
        samples["faces"] = decode_images(list(first_of_person.values())[::5][:6])
    except DataError:
        pass
    if not samples:
        return None
    torch.save(samples, staging / SAMPLES)
    return staging / SAMPLES


def write(staging: Path, runs: dict, commit: str) -> list[Path]:
    """``runs.json``, the data samples, the executed notebook and its PDF, in the bundle folder."""
    write_runs(staging, runs)
    write_samples(staging)
    notebook = execute(staging)
    title = [f"commit {commit[:12]}"] + [f"{question} run {run.info.run_id[:8]}" for question, run in runs.items()]
    return [staging / RUNS, notebook, render_pdf(notebook, title)]
