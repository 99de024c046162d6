"""The notebooks in colab/: executed top to bottom (headless, offline, quick sizes), committed
with their outputs, cell ids, an "Open in Colab" badge and the one-line Colab install, and
every package API they name exists (so renaming an API breaks this test, not a user's Colab)."""

from __future__ import annotations

import ast
import importlib
import json
import re
import time
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from conftest import real_data

COLAB = Path(__file__).resolve().parents[1] / "colab"
NOTEBOOKS = sorted(COLAB.glob("*.ipynb"))
PACKAGE = "tfds_mnist_family"
# The repository's GitHub path. The owner is a placeholder until the repository is published;
# the install line and the badge of every notebook use exactly this path.
GITHUB_PATH = "REPLACE-WITH-GITHUB-OWNER/tfds_mnist_family"
INSTALL = f'%pip install -q "tfds_mnist_family[notebooks] @ git+https://github.com/{GITHUB_PATH}"'
BUDGET_SECONDS = 240  # per notebook, with TFDS_MNIST_FAMILY_QUICK=1
# Notebooks reading third-party data from $TFDS_MNIST_FAMILY_DATA: the file they need.
NEEDS_DATA = {"notmnist.ipynb": ("notmnist", "notMNIST_small.tar.gz")}
COVERED = {"mnist_quickstart.ipynb", "infimnist.ipynb", "notmnist.ipynb", "mnist_large_scale.ipynb"}


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_four_notebooks_are_there():
    assert {p.name for p in NOTEBOOKS} == COVERED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_format_badge_and_install_cell(path):
    notebook = _read(path)
    nbformat.validate(notebook)
    ids = [cell.get("id") for cell in notebook.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs a unique id"
    badge = (f"https://colab.research.google.com/github/{GITHUB_PATH}/blob/main/colab/{path.name}")
    assert notebook.cells[0].cell_type == "markdown" and badge in notebook.cells[0].source
    assert "colab-badge.svg" in notebook.cells[0].source
    install = _code_cells(notebook)[0].source
    assert re.search(r"\ntry:\n    import tfds_mnist_family\nexcept ImportError:\n    "
                     + re.escape(INSTALL) + "$", install, re.M), install
    for cell in _code_cells(notebook)[1:]:
        magics = [line for line in cell.source.splitlines() if line.lstrip().startswith(("%", "!"))]
        assert not magics, f"{path.name}: only the install cell may use shell/magics: {magics}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_a_full_run_with_plots(path):
    cells = _code_cells(_read(path))
    counts = [cell.execution_count for cell in cells]
    assert None not in counts and counts == sorted(counts), f"{path.name}: not run top to bottom"
    outputs = [output for cell in cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"], f"{path.name}: saved an error"
    plots = [o for o in outputs if "image/png" in o.get("data", {})]
    assert plots, f"{path.name}: no plot saved"
    text = json.dumps([o.get("text", "") for o in outputs])
    assert "quick: False" in text, f"{path.name}: committed outputs must come from a full run"


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
    transform = TransformerManager().transform_cell  # IPython syntax (%pip) -> Python
    used = []
    for number, cell in enumerate(_code_cells(_read(path))):
        used += package_names_used(ast.parse(transform(cell.source),
                                             filename=f"{path.name} code cell {number}"))
    assert used, f"{path.name} uses nothing from {PACKAGE}"
    missing = sorted({name for name in used if not resolves(name)})
    assert not missing, f"{path.name} names APIs that do not exist: {missing}"


def test_resolver_can_fail():
    tree = ast.parse("from tfds_mnist_family.infimnist import no_such_api\n"
                     "import tfds_mnist_family.infimnist.pipeline as p\np.renamed_fn()")
    used = package_names_used(tree)
    assert [name for name in used if not resolves(name)] == [
        "tfds_mnist_family.infimnist.no_such_api", "tfds_mnist_family.infimnist.pipeline.renamed_fn"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_headless_offline_within_budget(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    if path.name in NEEDS_DATA:
        archive = real_data(*NEEDS_DATA[path.name])
        monkeypatch.setenv("TFDS_MNIST_FAMILY_DATA", str(archive.parent.parent))
    monkeypatch.setenv("TFDS_MNIST_FAMILY_QUICK", "1")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tensorflow_datasets"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")  # offline: any download fails at once
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    notebook = _read(path)
    for cell in _code_cells(notebook):
        cell.outputs, cell.execution_count = [], None
    started = time.monotonic()
    NotebookClient(notebook, timeout=BUDGET_SECONDS, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET_SECONDS, f"{path.name} took {elapsed:.0f} s (budget {BUDGET_SECONDS} s)"
    outputs = [o for cell in _code_cells(notebook) for o in cell.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} drew no plot"
    assert "quick: True" in json.dumps([o.get("text", "") for o in outputs])


def test_readme_links_every_notebook_with_the_same_badge():
    readme = (COLAB.parent / "README.md").read_text()
    for path in NOTEBOOKS:
        assert (f"https://colab.research.google.com/github/{GITHUB_PATH}/blob/main/colab/"
                f"{path.name}") in readme
    assert INSTALL.removeprefix("%pip install -q ") in readme
