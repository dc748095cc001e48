"""The READMEs as their readers meet them: short table cells, and nothing dated (what is true now, not when)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = sorted([ROOT / "README.md", *ROOT.glob("shared/README.md"), *ROOT.glob("packages/*/README.md")])


@pytest.mark.parametrize("readme", READMES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_readme_has_no_table_cell_over_200_characters_and_no_date(readme):
    text = readme.read_text()
    cells = [cell.strip() for line in text.splitlines() if line.startswith("|") for cell in line.split("|")]
    assert [cell[:60] for cell in cells if len(cell) > 200] == []
    assert re.findall(r"\b20\d\d-\d\d-\d\d\b", text) == []
