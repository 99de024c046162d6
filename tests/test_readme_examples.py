"""Every ```python block of README.md runs, in order, in one fresh interpreter (like a doctest
session), offline, with its own TFDS data_dir: a renamed API or a wrong example fails here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.M | re.S)
# Third-party data the README's examples read (the notMNIST archive).
NOTMNIST = ("notmnist", "notMNIST_small.tar.gz")


def readme_blocks() -> list[str]:
    """The README's Python blocks, dedented (blocks inside list items are indented)."""
    blocks = []
    for indent, body in BLOCK.findall(README.read_text()):
        blocks.append("".join(line[len(indent):] for line in body.splitlines(True)))
    return blocks


def test_readme_has_examples():
    assert len(readme_blocks()) >= 6


def test_block_parser_reads_indented_blocks():
    text = "x\n  ```python\n  a = 1\n    b = 2\n  ```\n"
    indent, body = BLOCK.findall(text)[0]
    assert "".join(line[len(indent):] for line in body.splitlines(True)) == "a = 1\n  b = 2\n"


def test_readme_python_examples_run(tmp_path):
    from conftest import real_data

    data = real_data(*NOTMNIST).parent.parent
    script = []
    for number, block in enumerate(readme_blocks()):
        script.append(f"print('--- README block {number}', flush=True)\n{block}")
    env = dict(os.environ, TFDS_DATA_DIR=str(tmp_path / "tfds"), TFDS_MNIST_FAMILY_DATA=str(data),
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    env.pop("no_proxy", None)
    result = subprocess.run([sys.executable, "-c", "\n".join(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=900)
    if result.returncode:
        ran = re.findall(r"--- README block (\d+)", result.stdout)
        failed = readme_blocks()[int(ran[-1])] if ran else "(before the first block)"
        pytest.fail(f"README block failed:\n{failed}\n{result.stderr[-3000:]}", pytrace=False)
