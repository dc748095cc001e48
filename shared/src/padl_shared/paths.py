"""Where the repository, the data, the MLflow store and the trained outputs live: resolved once, here."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from padl_shared.errors import STOP_SIGNALS, DataError
from padl_shared.processes import process_gone

DATA_ENV = "PADL_DATA_DIR"
OUTPUT_ENV = "PADL_OUTPUT_DIR"
ROOT_ENV = "PADL_ROOT"
ROOT_MARKER = "[tool.padl]"


def _is_root(folder: Path) -> bool:
    marker = folder / "pyproject.toml"
    return marker.is_file() and ROOT_MARKER in marker.read_text(encoding="utf-8")


def repo_root() -> Path:
    """The folder whose pyproject.toml carries ``[tool.padl]``: searched from this file, then the cwd."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if _is_root(folder):
                return folder
    raise DataError(f"cannot find the padl repository root (a pyproject.toml with {ROOT_MARKER}); set {ROOT_ENV}")


def stand_in_dir() -> Path:
    """The stand-in datasets beside the checkout."""
    return repo_root().parent / "shared" / "datasets" / "padl"


def data_candidates(name: str, explicit: str | os.PathLike | None = None) -> list[Path]:
    """Every place ``name`` is looked for, in order of precedence."""
    places: list[Path] = []
    if explicit is not None:
        explicit = Path(explicit).expanduser()
        inside = explicit / name
        # A folder holding `name`, or, for a folder dataset (no suffix), that folder itself.
        places.append(inside if explicit.is_dir() and (inside.exists() or Path(name).suffix) else explicit)
    if os.environ.get(DATA_ENV):
        places.append(Path(os.environ[DATA_ENV]).expanduser() / name)
    places.append(repo_root() / "data" / name)
    places.append(stand_in_dir() / name)
    return places


def resolve_data(name: str, explicit: str | os.PathLike | None = None) -> Path:
    """The first existing candidate for ``name``; a DataError naming every place looked otherwise.

    An explicit path that does not exist is an error on its own: falling back would silently train
    on other data than the user asked for.
    """
    places = data_candidates(name, explicit)
    if explicit is not None:
        if places[0].exists():
            return places[0].resolve()
        raise DataError(f"{places[0]}: not found (expected {name} or a folder holding it)")
    for place in places:
        if place.exists():
            return place.resolve()
    looked = ", ".join(str(p) for p in places)
    raise DataError(f"{name}: not found; looked in {looked}")


def output_dir(question: str) -> Path:
    """Where a question writes its deliverables (``outputs/<question>``, or under PADL_OUTPUT_DIR)."""
    base = Path(os.environ[OUTPUT_ENV]) if os.environ.get(OUTPUT_ENV) else repo_root() / "outputs"
    return base / question


def sha256_of(path: Path) -> str:
    """Checksum of a file, or of every file under a folder (names and bytes, in sorted order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _outputs_lock(parent: Path, question: str) -> Iterator[None]:
    """One swap of a question's outputs at a time, across processes (two `invoke train` at once)."""
    import fcntl

    with open(parent / f".{question}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Stop signals wait until the block is done: a swap of outputs is never left half-made."""
    import signal

    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def remove_abandoned_staging(question: str) -> list[Path]:
    """Remove staging folders that a killed process left behind (SIGKILL: no handler ran), and bring back the
    previous outputs if one was killed between retiring them and swapping the new ones in. What was removed."""
    import shutil

    final = output_dir(question)
    removed = []
    for folder in sorted(final.parent.glob(f".{question}-staging-*")):
        owner = folder.name.removeprefix(f".{question}-staging-").split("-")[0]
        if owner.isdigit() and not process_gone(owner):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    retired = final.parent / f".{question}-retired"
    if retired.is_dir() and not final.exists():
        retired.rename(final)
    if removed:
        print(f"note: removed {len(removed)} staging folder(s) of {question} left by a killed run "
              f"({removed[0].name})", file=sys.stderr)
    return removed


def publish_outputs(question: str, write) -> Path:
    """Write a question's deliverables into a staging folder, then swap it in for the old ones.

    ``write(folder)`` fills the staging folder; if it raises (or a stop signal arrives), the staging folder
    goes and the previous outputs stay untouched. The folder's name carries this process's id, so that a later
    run can tell it from one in progress and remove it if a SIGKILL left it.
    """
    import shutil
    import tempfile

    final = output_dir(question)
    final.parent.mkdir(parents=True, exist_ok=True)
    with _outputs_lock(final.parent, question):
        remove_abandoned_staging(question)
    staging = Path(tempfile.mkdtemp(prefix=f".{question}-staging-{os.getpid()}-", dir=final.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; outputs are ordinary folders
    try:
        write(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with _outputs_lock(final.parent, question), _stop_signals_held():
        retired = final.parent / f".{question}-retired"
        shutil.rmtree(retired, ignore_errors=True)
        if final.exists():
            final.rename(retired)
        staging.rename(final)
        shutil.rmtree(retired, ignore_errors=True)
    return final
