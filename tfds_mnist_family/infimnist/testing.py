"""Synthetic InfiMNIST inputs matching the golden vectors, cached once per process.

The golden vectors (``../shared/infimnist/golden`` beside the checkout, or
``$TFDS_MNIST_FAMILY_SHARED/infimnist/golden``, or ``$INFIMNIST_GOLDEN_DIR``)
were made with real MNIST, the synthetic ``fields`` file shipped with them and
tangents rebuilt by the golden README rule (``inputs.central_difference_tangents``).
Tests, benchmarks and examples share these helpers so the 376 MB tangent array
is built once per process and the six-file directory is written once.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from tfds_mnist_family.core import idx, mnist_files
from tfds_mnist_family.infimnist import inputs, ops

_REPO = Path(__file__).resolve().parents[2]
_SHARED = Path(os.environ.get("TFDS_MNIST_FAMILY_SHARED", _REPO.parent / "shared"))
GOLDEN_DIR = Path(os.environ.get("INFIMNIST_GOLDEN_DIR", _SHARED / "infimnist" / "golden"))


@functools.lru_cache(maxsize=1)
def golden_numpy() -> tuple[mnist_files.MnistArrays, np.ndarray, np.ndarray]:
    """(MNIST, synthetic fields (1522, 784), rule-built tangents (60000, 2, 784))."""
    mnist = mnist_files.load_mnist()
    fields = np.fromfile(GOLDEN_DIR / inputs.FIELDS_FILE, dtype="<f4").reshape(ops.NUM_FIELDS,
                                                                               ops.PIXELS)
    return mnist, fields, inputs.central_difference_tangents(mnist.train_images)


@functools.lru_cache(maxsize=1)
def golden_inputs() -> ops.InfimnistInputs:
    """The golden-vector inputs as tensors (tangents shared with numpy, not copied)."""
    m, fields, tangents = golden_numpy()
    return ops.numpy_inputs_to_tensors(m.test_images, m.test_labels, m.train_images,
                                       m.train_labels, fields, tangents)


@functools.lru_cache(maxsize=1)
def golden_data_dir() -> Path:
    """A temporary directory holding the six synthetic input files (removed at exit)."""
    root = Path(tempfile.mkdtemp(prefix="infimnist_golden_"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    m, fields, tangents = golden_numpy()
    data = inputs.write_data_dir(root / "data", m, fields, tangents, write_mnist=False)
    for name in mnist_files.FILENAMES:  # the embedded .gz files, as they are (fast)
        shutil.copyfile(mnist_files.EMBEDDED_DIR / name, data / name)
    return data


def golden_vectors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices (3229,) int64, expected images (3229, 28, 28) uint8, expected labels)."""
    indices = np.array([int(line) for line in (GOLDEN_DIR / "indices.txt").read_text().split()],
                       dtype=np.int64)
    return (indices, idx.read_idx(GOLDEN_DIR / "patterns-idx3-ubyte"),
            idx.read_idx(GOLDEN_DIR / "labels-idx1-ubyte"))


def numpy_tables() -> dict:
    """The golden inputs as numpy arrays for ``numpy_generate``."""
    mnist, fields, tangents = golden_numpy()
    return {"images": np.concatenate([mnist.test_images, mnist.train_images]).reshape(-1, 784),
            "labels": np.concatenate([mnist.test_labels, mnist.train_labels]),
            "fields": fields, "tangents": tangents, "translate": ops.translation_tables()}


def numpy_generate(indices: np.ndarray, tables: dict) -> tuple[np.ndarray, np.ndarray]:
    """An independent, straightforward numpy InfiMNIST generator.

    numpy evaluates each float32 operation separately (no FMA, no wider
    intermediates), as the reference C code. Over the whole MNIST8M range it
    reproduces the golden README's patterns digest (checked once by hand:
    benchmarks/RESULTS.md), so tests can use it as an oracle beyond the 3229
    golden vectors.
    """
    i = np.asarray(indices, np.int64)
    k1 = (((i & 0xFFFFFFFF) * 131071) & 0xFFFFFFFF) % 1521
    k2 = (k1 + 1 + 2 * (i % 1522)) % 1522
    a = (i - 10_000) % 60_000
    pristine = i < 70_000
    source = np.where(pristine, i, a + 10_000)
    x = tables["images"][source].astype(np.float32)
    d = tables["fields"][k1] * tables["tangents"][a, 0]
    e = tables["fields"][k2] * tables["tangents"][a, 1]
    s = np.where((k1 + k2) % 2 == 0, np.float32(1), np.float32(-1))[:, None]
    q = np.clip(x + s * (d - e), 0, 255).astype(np.uint8)
    q = np.concatenate([q, np.zeros((len(q), 1), np.uint8)], axis=1)
    moved = np.take_along_axis(q, tables["translate"][k1 % 9], axis=1)
    out = np.where(pristine[:, None], tables["images"][source], moved)
    return out.reshape(-1, 28, 28), tables["labels"][source]
