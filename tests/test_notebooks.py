"""Every notebook in colab/ is nbformat 4, its code parses, and every package API it
names exists (so renaming an API breaks this test, not a user's Colab session)."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "colab").glob("*.ipynb"))
PACKAGE = "tfds_mnist_family"


def test_there_are_notebooks():
    assert NOTEBOOKS, "colab/ should hold at least one notebook"


def _code(path: Path) -> list[str]:
    notebook = json.loads(path.read_text())
    assert notebook["nbformat"] == 4
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    # Shell escapes (`!pip ...`, `%matplotlib`) are IPython, not Python.
    return ["".join(line for line in "".join(c["source"]).splitlines(True)
                    if not line.lstrip().startswith(("!", "%"))) for c in cells]


def package_names_used(tree: ast.AST) -> list[str]:
    """Dotted names of the package's modules and attributes that the code uses."""
    aliases: dict[str, str] = {}
    used: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                used.append(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE):
                    aliases[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0])
                    used.append(alias.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases):
            used.append(f"{aliases[node.value.id]}.{node.attr}")
    return used


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                obj = getattr(obj, attr)
        except AttributeError:
            try:  # a submodule not imported by its package
                importlib.import_module(dotted)
            except ImportError:
                return False
        return True
    return False


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_parses_and_its_package_names_exist(path):
    cells = _code(path)
    assert cells, f"{path.name} has no code"
    used = []
    for number, source in enumerate(cells):
        used += package_names_used(ast.parse(source, filename=f"{path.name} code cell {number}"))
    assert used, f"{path.name} uses nothing from {PACKAGE}"
    missing = sorted({name for name in used if not resolves(name)})
    assert not missing, f"{path.name} names APIs that do not exist: {missing}"


def test_resolver_can_fail():
    tree = ast.parse("from tfds_mnist_family.infimnist import no_such_api\n"
                     "import tfds_mnist_family.infimnist.pipeline as p\np.renamed_fn()")
    used = package_names_used(tree)
    assert [name for name in used if not resolves(name)] == [
        "tfds_mnist_family.infimnist.no_such_api", "tfds_mnist_family.infimnist.pipeline.renamed_fn"]
