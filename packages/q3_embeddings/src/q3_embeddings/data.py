"""Read random walks: one walk a line, integer node ids separated by whitespace."""

from __future__ import annotations

from pathlib import Path

from padl_shared.errors import DataError

DEFAULT_FILE = "PADL-Q3.txt"
RESULT_FILE = "PADL-Q3-result.txt"  # the deliverable: row K lists every node by falling similarity to K


def load_walks(path: Path) -> list[list[str]]:
    """The walks as lists of node-id strings ("07" read as "7"); blank lines and extra spaces are skipped."""
    path = Path(path)
    walks = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read the walks ({error})") from None
    for number, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens:
            continue
        bad = next((t for t in tokens if not t.isdigit()), None)
        if bad is not None:
            raise DataError(f"{path.name} line {number}: expected node ids separated by spaces, got {bad!r}")
        walks.append([str(int(t)) for t in tokens])
    if not walks:
        raise DataError(f"{path.name}: no walks found")
    return walks


def node_order(walks: list[list[str]]) -> list[str]:
    """Every node in the walks, in numeric order."""
    return sorted({node for walk in walks for node in walk}, key=int)
