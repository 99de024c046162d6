"""Every notebook in colab/ is valid nbformat 4 and its code cells are valid Python."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "colab").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "colab/ should hold at least one notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_cells_parse(path):
    notebook = json.loads(path.read_text())
    assert notebook["nbformat"] == 4
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code_cells, f"{path.name} has no code"
    for number, cell in enumerate(code_cells):
        # Shell escapes (`!pip ...`, `%matplotlib`) are IPython, not Python.
        source = "".join(line for line in "".join(cell["source"]).splitlines(True)
                         if not line.lstrip().startswith(("!", "%")))
        ast.parse(source, filename=f"{path.name} code cell {number}")
