"""The bundle from tiny trained runs in a temporary store: contents, checks, reproducibility, grading."""

import json
import re
import zipfile
from types import SimpleNamespace

import mlflow
import nbformat
import numpy as np
import pandas as pd
import pytest
from padl_bundle.build import BundleError, build, check_result_file, notes_on, unmeasured
from padl_bundle.grade import grade
from padl_shared.tracking import tracked_run
from q4_waist.data import load_measurements
from q4_waist.train import TrainConfig as WaistConfig
from q4_waist.train import train as train_waist


def write_measurements(path, n=120, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"Gender": rng.integers(0, 2, n), "Chest Circumference (mm)": rng.normal(1000, 80, n),
                          "Hip Circumference (mm)": rng.normal(1010, 70, n), "Height (mm)": rng.normal(1700, 90, n),
                          "Weight (kg)": rng.normal(77, 12, n)})
    frame["Waist Circumference (mm)"] = 0.7 * frame.iloc[:, 1] + 2 * frame.iloc[:, 4] + rng.normal(0, 10, n)
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A store with a tiny question-4 run and a question-3 result file, and data to check them on."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("PADL_OUTPUT_DIR", str(tmp_path / "outputs"))
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("PADL_DATA_DIR", str(data))
    measurements = write_measurements(data / "body_measurements.csv")
    config = WaistConfig(members=2, epochs=2, hidden=8)
    with tracked_run("q4_waist", "tiny", 0, config, {"measurements": measurements}):
        output = tmp_path / "q4"
        output.mkdir()
        train_waist(config, load_measurements(measurements), output)
        mlflow.log_artifacts(str(output), "deliverable")
    with tracked_run("q3_embeddings", "tiny", 0, {}, {}):
        mlflow.log_text("0 1 2\n1 0 2\n2 1 0\n", "deliverable/PADL-Q3-result.txt")
    return tmp_path


def log_altered_q4(workspace, alter):
    """A newer question-4 run whose deliverable is the tiny one, altered by ``alter(folder)``."""
    folder = workspace / "altered"
    folder.mkdir()
    for path in (workspace / "q4").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    alter(folder)
    with tracked_run("q4_waist", "altered", 0, {}, {}):
        mlflow.log_artifacts(str(folder), "deliverable")


def test_partial_bundle_holds_the_deliverables_report_and_manifest(workspace):
    result = build(allow_partial=True, destination=workspace / "dist" / "padl-submission.zip")
    assert result["deliverables"] == ["PADL-Q3-result.txt", "predict_waist.py"]
    assert set(result["missing"]) == {"q1_regression", "q2_clustering", "q5_garments", "q6_compression"}
    with zipfile.ZipFile(result["bundle"]) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        report = archive.read("REPORT.md").decode()
    assert {"predict_waist.py", "predict_waist_weights.pt", "PADL-Q3-result.txt", "REPORT.md"} <= names
    entry = manifest["deliverables"]["predict_waist.py"]
    assert entry["limit_bytes"] == 10_000_000 and "predict_waist_weights.pt" in entry["files"]
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}
    assert set(manifest["runs"]) == {"q3_embeddings", "q4_waist"}
    assert "Question 4: waist regression" in report and "**Conclusion.**" in report
    assert "report/q4_waist/figures/residuals_by_input.png" in names


def test_a_run_trained_off_the_recipe_is_noted_in_the_report(workspace):
    result = build(allow_partial=True, destination=workspace / "noted.zip")
    [note] = result["notes"]  # the tiny question-4 run; question 3's logged no settings to compare
    assert note.startswith("q4_waist: the shipped run ")
    assert "(tiny) trained with other settings than the recipe's" in note
    assert "members 2 (recipe: 5)" in note and "hidden 8 (recipe: 32)" in note and "epochs 2 (recipe: 100)" in note
    assert "batch_size" not in note and "seed" not in note  # unchanged settings, and what a run is on, pass
    with zipfile.ZipFile(result["bundle"]) as archive:
        assert f"## Notes on the shipped runs\n\n- {note}." in archive.read("REPORT.md").decode()


def test_a_split_run_shipped_instead_of_a_refit_is_noted():
    def run(refit, epochs="150"):
        params = {"refit": str(refit), "epochs": epochs, "seed": "3", "data": "/elsewhere"}
        return SimpleNamespace(info=SimpleNamespace(run_id="abc", run_name="r"), data=SimpleNamespace(params=params))

    assert notes_on("q5_garments", run(refit=True)) == []
    [note] = notes_on("q5_garments", run(refit=False))
    assert "is a split run" in note and "`invoke train --q 5` trains the model to hand in" in note
    assert len(notes_on("q6_compression", run(refit=False, epochs="3"))) == 2


def test_a_refit_that_no_split_run_measured_is_a_warning_naming_the_command_that_measures_it():
    def run(refit, tags):
        return SimpleNamespace(info=SimpleNamespace(run_id="abc", run_name="r"),
                               data=SimpleNamespace(params={"refit": str(refit)}, tags=tags))

    warning = unmeasured("q6_compression", run(True, {}))
    assert "no measurement of its recipe" in warning and "`invoke train --q 6` measures it" in warning
    assert unmeasured("q6_compression", run(True, {"validated_by": "def"})) is None
    assert unmeasured("q5_garments", run(False, {})) is None


def test_a_refit_is_reported_with_the_split_run_that_measured_it(workspace):
    split_run = mlflow.search_runs(experiment_names=["q4_waist"], output_format="list")[0]
    with tracked_run("q4_waist", "refit", 0, {}, {}):
        mlflow.log_artifacts(str(workspace / "q4"), "deliverable")
        mlflow.set_tag("validated_by", split_run.info.run_id)
    result = build(allow_partial=True, destination=workspace / "refit.zip")
    with zipfile.ZipFile(result["bundle"]) as archive:
        names = set(archive.namelist())
        report = archive.read("REPORT.md").decode()
    refit_part, split_part = report.split("### The split run that measured this recipe on held-out data")
    assert "(refit)" in refit_part and f"Run `{split_run.info.run_id}` (tiny)" in split_part
    assert "report/q4_waist/validated_by/figures/residuals_by_input.png" in names
    assert "report/q4_waist/validated_by/figures/residuals_by_input.png" in split_part

    with tracked_run("q4_waist", "refit of a run from another store", 0, {}, {}):
        mlflow.log_artifacts(str(workspace / "q4"), "deliverable")
        mlflow.set_tag("validated_by", "0123456789abcdef0123456789abcdef")
    result = build(allow_partial=True, destination=workspace / "elsewhere.zip")
    with zipfile.ZipFile(result["bundle"]) as archive:
        assert "Run `0123456789abcdef0123456789abcdef` is not in this store." in archive.read("REPORT.md").decode()


def test_bundling_twice_gives_the_same_bytes(workspace):
    first = (workspace / "a.zip")
    second = (workspace / "b.zip")
    build(allow_partial=True, destination=first)
    build(allow_partial=True, destination=second)
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as other:
        assert [name for name in one.namelist() if one.read(name) != other.read(name)] == []
    assert first.read_bytes() == second.read_bytes()


def test_missing_questions_refused_without_allow_partial(workspace):
    with pytest.raises(BundleError, match="no finished training run for q1_regression, q2_clustering"):
        build(destination=workspace / "x.zip")
    assert not (workspace / "x.zip").exists()


def test_a_deliverable_that_breaks_its_contract_is_refused(workspace):
    def wrong_shape(folder):
        source = (folder / "predict_waist.py").read_text()
        (folder / "predict_waist.py").write_text(source.replace("return waist.to(measurements.device)",
                                                                "return waist.view(-1)"))

    log_altered_q4(workspace, wrong_shape)
    with pytest.raises(BundleError, match=r"predict_waist.py: contract check failed .*output shape \(8,\)"):
        build(allow_partial=True, destination=workspace / "x.zip")
    assert not (workspace / "x.zip").exists()


def test_weights_over_the_limit_are_refused(workspace):
    log_altered_q4(workspace, lambda folder: (folder / "predict_waist_weights.pt").write_bytes(b"0" * 10_000_001))
    limit = r"predict_waist.py: predict_waist_weights.pt: 10000001 bytes, the limit is < 10000000"
    with pytest.raises(BundleError, match=limit):
        build(allow_partial=True, destination=workspace / "x.zip")


def test_result_file_format_is_checked(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("0 1 2\n1 0 2\n2 1 1\n")
    with pytest.raises(BundleError, match="row 3 does not list every node exactly once"):
        check_result_file(path)
    path.write_text("1 0 2\n0 1 2\n2 1 0\n")
    with pytest.raises(BundleError, match="not in numeric node order"):
        check_result_file(path)


def test_grade_scores_the_bundle_on_unseen_data(workspace):
    bundle = build(allow_partial=True, destination=workspace / "b.zip")["bundle"]
    unseen = workspace / "unseen"
    unseen.mkdir()
    write_measurements(unseen / "body_measurements.csv", n=50, seed=9)
    metrics = grade(bundle, unseen)
    assert metrics["q4_waist"]["n"] == 50 and metrics["q4_waist"]["mae"] > 0
    assert metrics["q3_result_file"] == {"valid": True, "n_nodes": 3}


def test_the_answers_are_an_executed_notebook_and_its_pdf(workspace):
    result = build(allow_partial=True, destination=workspace / "answers.zip")
    with zipfile.ZipFile(result["bundle"]) as archive:
        notebook = nbformat.reads(archive.read("padl-answers.ipynb").decode(), as_version=4)
        pdf = archive.read("padl-answers.pdf")
        runs = json.loads(archive.read("runs.json"))
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert [output for cell in code for output in cell.outputs if output.output_type == "error"] == []
    headings = [line for cell in notebook.cells if cell.cell_type == "markdown" for line in cell.source.splitlines()
                if line.startswith("## ")]
    assert headings == [f"## Question {number}" for number in range(1, 7)]
    q4 = next(cell for cell in code if 'q4 = shipped("q4_waist"' in cell.source)
    said = "\n".join(output["data"].get("text/markdown", "") for output in q4.outputs if "data" in output)
    assert f"{runs['q4_waist']['metrics']['mae']:.1f}" in said  # the shipped run's number, read from it
    assert any("image/png" in output.get("data", {}) for output in q4.outputs)
    missing = "\n".join(output["data"].get("text/markdown", "") for cell in code for output in cell.outputs
                        if "data" in output)
    assert "no complete run of q5_garments: `invoke train --q 5` trains one" in missing
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 4  # a title, six questions, a figure: several pages

    from padl_bundle.answers import HIDDEN, _for_print  # the PDF prints the graded calls, not the text helpers

    printed = "\n".join(cell.source for cell in _for_print(notebook).cells if cell.cell_type == "code")
    assert "predict_waist.predict(SAMPLES" in printed and "compress_images.encode(faces)" in printed
    assert "def say" not in printed and 'shipped("q4_waist"' not in printed
    assert any(HIDDEN in cell.metadata.get("tags", []) for cell in notebook.cells)


def prose_of(source: str) -> list[str]:
    """The text a reader of the notebook reads: its Markdown cells, and every string its code cells display (the
    literal parts of f-strings, not their format specifications)."""
    import ast

    import jupytext

    notebook = jupytext.reads(source, fmt="py:percent")
    texts = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        specs = [node.format_spec for node in ast.walk(tree)
                 if isinstance(node, ast.FormattedValue) and node.format_spec]
        skipped = {id(part) for spec in specs for part in ast.walk(spec)}
        texts += [node.value for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped]
    return texts


def typed_figures(source: str) -> list[str]:
    return [match for text in prose_of(source) for match in re.findall(r"\d+\.\d+", text)]


def test_the_notebook_types_no_figure_in_its_prose():
    from padl_bundle.answers import SOURCE

    assert typed_figures(SOURCE.read_text()) == []
    assert typed_figures('# %% [markdown]\n# New photos gave 0.925.\n') == ["0.925"]
    assert typed_figures('# %%\nsay(f"accuracy {m[\'a\']:.3f}, not 0.97")\n') == ["0.97"]
