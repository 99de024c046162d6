"""The InfiMNIST golden vectors (``tests/data/infimnist_golden/`` in the repository).

They were made by the reference C tool from real MNIST, the synthetic ``fields``
file stored with them and tangents rebuilt by the golden README rule
(``inputs.central_difference_tangents``). Tests, benchmarks and examples share
these helpers so the 376 MB tangent array is built once per process and the
six-file directory is written once.
"""

from __future__ import annotations

import atexit
import functools
import gzip
import shutil
import tempfile
from pathlib import Path

import numpy as np

from tfds_mnist_family.core import idx, mnist
from tfds_mnist_family.infimnist import inputs, ops

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "infimnist_golden"


def golden_file(name: str) -> Path:
    """A golden fixture file; a clear error outside a source checkout."""
    path = GOLDEN_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path}: InfiMNIST golden fixture missing; the golden vectors "
                                "ship with the source repository (tests/data/), not the wheel")
    return path


@functools.lru_cache(maxsize=1)
def golden_numpy() -> tuple[mnist.MnistArrays, np.ndarray, np.ndarray]:
    """(MNIST, synthetic fields (1522, 784), rule-built tangents as (60000, 2, ROW) padded rows)."""
    arrays = mnist.load_mnist()
    raw = gzip.decompress(golden_file(inputs.FIELDS_FILE + ".gz").read_bytes())
    fields = np.frombuffer(raw, dtype="<f4").reshape(ops.NUM_FIELDS, ops.PIXELS)
    return arrays, fields, inputs.central_difference_tangents(arrays.train_images)


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
    for name in mnist.FILENAMES:  # the embedded .gz files, as they are (fast)
        shutil.copyfile(mnist.EMBEDDED_DIR / name, data / name)
    return data


def golden_vectors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices (3229,) int64, expected images (3229, 28, 28) uint8, expected labels)."""
    indices = np.array(golden_file("indices.txt").read_text().split(), dtype=np.int64)
    return (indices, idx.read_idx(golden_file("patterns-idx3-ubyte.gz")),
            idx.read_idx(golden_file("labels-idx1-ubyte")))


def numpy_tables() -> dict:
    """The golden inputs as numpy arrays for ``numpy_generate``."""
    arrays, fields, tangents = golden_numpy()
    return {"images": np.concatenate([arrays.test_images, arrays.train_images]).reshape(-1, 784),
            "labels": np.concatenate([arrays.test_labels, arrays.train_labels]),
            "fields": fields, "tangents": ops.unpadded(tangents), "translate": ops.translation_tables()}


def numpy_generate(indices: np.ndarray, tables: dict) -> tuple[np.ndarray, np.ndarray]:
    """An independent, straightforward numpy InfiMNIST generator (ALGORITHM.md step by step).

    numpy evaluates each float32 operation separately (no FMA, no wider
    intermediates), as the reference C code. Over the whole MNIST8M range it
    reproduces the golden README's patterns digest (checked once by hand:
    benchmarks/RESULTS.md), so tests can use it as an oracle beyond the 3229
    golden vectors. Only the index convention comes from ``core.mnist``.
    """
    i = np.asarray(indices, np.int64)
    k1 = (((i & 0xFFFFFFFF) * 131071) & 0xFFFFFFFF) % (ops.NUM_FIELDS - 1)
    k2 = (k1 + 1 + 2 * (i % ops.NUM_FIELDS)) % ops.NUM_FIELDS
    a = mnist.training_image_of(i)
    pristine = i < mnist.NUM_IMAGES
    source = mnist.source_row(i)
    x = tables["images"][source].astype(np.float32)
    d = tables["fields"][k1] * tables["tangents"][a, 0]
    e = tables["fields"][k2] * tables["tangents"][a, 1]
    s = np.where((k1 + k2) % 2 == 0, np.float32(1), np.float32(-1))[:, None]
    q = np.clip(x + s * (d - e), 0, 255).astype(np.uint8)
    q = np.concatenate([q, np.zeros((len(q), 1), np.uint8)], axis=1)
    moved = np.take_along_axis(q, tables["translate"][k1 % 9], axis=1)
    out = np.where(pristine[:, None], tables["images"][source], moved)
    return out.reshape(-1, 28, 28), tables["labels"][source]
