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
