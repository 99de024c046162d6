"""Tiny official-layout MNIST Large Scale HDF5 files (the builder's ``dummy_data/``).

Run: ``python -m tfds_mnist_family.testing.fake_mnist_large_scale [DIR]`` (default:
the builder's ``dummy_data/``). Images are real generated digits, so the files
look like the official ones.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from tfds_mnist_family.core import mnist
from tfds_mnist_family.mnist_large_scale import official_h5, ops

DUMMY_DATA_DIR = Path(__file__).resolve().parents[1] / "mnist_large_scale" / "dummy_data"


def _split(span: tuple[int, int], count: int, scales) -> tuple[np.ndarray, np.ndarray]:
    images, labels, _ = mnist.load_mnist().span((span[0], span[0] + count - 1))
    return ops.generate(images, np.asarray(scales, np.float32)).numpy(), labels.astype(np.uint8)


def write_dummy_data(directory: str | os.PathLike = DUMMY_DATA_DIR) -> None:
    """Writes the three dummy files (one per layout variant) into ``directory``."""
    directory = Path(directory)
    train, validation, test = (mnist.REDUCED_SPLIT_SPANS[s] for s in ("train", "validation", "test"))
    official_h5.write_file(directory / official_h5.training_file_name("1p000"), {
        "train": _split(train, 3, [1.0] * 3),
        "validation": _split(validation, 2, [1.0] * 2),
        "test": _split(test, 2, [1.0] * 2)})
    official_h5.write_file(directory / official_h5.training_file_name("1p000-4p000"), {
        "train": _split(train, 2, [1.3, 3.7]),
        "validation": _split(validation, 1, [2.2]),
        "test": _split(test, 2, [1.0, 4.0])}, label_column=True)
    official_h5.write_file(directory / official_h5.test_file_name("0p500"), {
        "test": _split(test, 3, [0.5] * 3)}, dummy_splits=True)


if __name__ == "__main__":
    write_dummy_data(*sys.argv[1:2])
