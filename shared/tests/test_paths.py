import os
import subprocess

import pytest
from padl_shared.errors import DataError
from padl_shared.paths import output_dir, publish_outputs, remove_abandoned_staging, repo_root, resolve_data, sha256_of


def test_repo_root_has_the_marker():
    assert "[tool.padl]" in (repo_root() / "pyproject.toml").read_text()


def test_explicit_path_wins_and_env_beats_defaults(tmp_path, monkeypatch):
    env_dir, explicit_dir = tmp_path / "env", tmp_path / "explicit"
    for folder in (env_dir, explicit_dir):
        folder.mkdir()
        (folder / "f.csv").write_text("x")
    monkeypatch.setenv("PADL_DATA_DIR", str(env_dir))
    assert resolve_data("f.csv") == (env_dir / "f.csv").resolve()
    assert resolve_data("f.csv", explicit_dir) == (explicit_dir / "f.csv").resolve()
    assert resolve_data("f.csv", explicit_dir / "f.csv") == (explicit_dir / "f.csv").resolve()


def test_missing_file_names_every_place_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("PADL_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError) as error:
        resolve_data("absent.csv")
    message = str(error.value)
    assert str(tmp_path / "absent.csv") in message
    assert str(repo_root() / "data" / "absent.csv") in message
    assert "shared/datasets/padl/absent.csv" in message


def test_a_folder_dataset_may_be_named_directly_or_by_its_parent(tmp_path):
    faces = tmp_path / "parent" / "face_images"
    faces.mkdir(parents=True)
    assert resolve_data("face_images", tmp_path / "parent") == faces.resolve()
    other = tmp_path / "my_faces"
    other.mkdir()
    assert resolve_data("face_images", other) == other.resolve()


def test_explicit_missing_path_does_not_fall_back(tmp_path):
    with pytest.raises(DataError, match="nowhere.csv: not found"):
        resolve_data("PADL-Q2.csv", tmp_path / "nowhere.csv")


def test_publish_keeps_previous_outputs_when_writing_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("PADL_OUTPUT_DIR", str(tmp_path))
    publish_outputs("qx", lambda folder: (folder / "weights.pt").write_text("first"))

    def broken(folder):
        (folder / "weights.pt").write_text("half")
        raise RuntimeError("training blew up")

    with pytest.raises(RuntimeError):
        publish_outputs("qx", broken)
    assert (output_dir("qx") / "weights.pt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".qx.lock", "qx"]  # no staging folder left
    publish_outputs("qx", lambda folder: (folder / "weights.pt").write_text("second"))
    assert (output_dir("qx") / "weights.pt").read_text() == "second"


def test_sha256_of_folder_changes_with_content(tmp_path):
    (tmp_path / "a").write_text("1")
    before = sha256_of(tmp_path)
    (tmp_path / "a").write_text("2")
    assert sha256_of(tmp_path) != before
    assert len(sha256_of(tmp_path / "a")) == 64


def test_staging_of_a_gone_process_is_removed_and_a_live_one_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("PADL_OUTPUT_DIR", str(tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    abandoned = tmp_path / f".qx-staging-{gone.pid}-abc"
    live = tmp_path / f".qx-staging-{os.getpid()}-def"
    for folder in (abandoned, live):
        folder.mkdir()
    (tmp_path / ".qx-retired").mkdir()  # killed between retiring the outputs and swapping the new ones in
    assert remove_abandoned_staging("qx") == [abandoned]
    assert live.is_dir() and output_dir("qx").is_dir() and not (tmp_path / ".qx-retired").exists()
