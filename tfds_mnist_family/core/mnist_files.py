"""The four original MNIST files, shipped inside the package (CC BY-SA 3.0, LeCun & Cortes).

InfiMNIST and MNIST Large Scale are generated from MNIST, so shipping it makes
every generated dataset work offline out of the box.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tfds_mnist_family.core import idx

EMBEDDED_DIR = Path(__file__).resolve().parents[1] / "data" / "mnist"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILENAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

NUM_TRAIN = 60_000
NUM_TEST = 10_000


@dataclasses.dataclass(frozen=True)
class MnistArrays:
    """MNIST as arrays: images (N, 28, 28) uint8, labels (N,) uint8."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def find_file(directory: str | os.PathLike, filename: str) -> Path:
    """``filename`` in ``directory``, also accepting its uncompressed twin (no ``.gz``)."""
    directory = Path(directory)
    for candidate in (directory / filename, directory / filename.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{directory}: missing MNIST file {filename} (or its uncompressed form "
        f"{filename.removesuffix('.gz')}); copy the four MNIST files there")


def load_mnist_files(paths: Mapping[str, str | os.PathLike]) -> MnistArrays:
    """Reads and shape-checks the four MNIST files given as ``{filename: path}``."""
    def read(name: str, shape: tuple[int, ...]) -> np.ndarray:
        return idx.read_idx(paths[name], expected_shape=shape, expected_dtype=np.uint8)

    return MnistArrays(
        train_images=read(TRAIN_IMAGES, (NUM_TRAIN, 28, 28)),
        train_labels=read(TRAIN_LABELS, (NUM_TRAIN,)),
        test_images=read(TEST_IMAGES, (NUM_TEST, 28, 28)),
        test_labels=read(TEST_LABELS, (NUM_TEST,)),
    )


def load_mnist(directory: str | os.PathLike = EMBEDDED_DIR) -> MnistArrays:
    """Reads the four MNIST files from ``directory`` (raw or .gz)."""
    return load_mnist_files({name: find_file(directory, name) for name in FILENAMES})
