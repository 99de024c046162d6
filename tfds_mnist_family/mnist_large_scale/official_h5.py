"""Reading and writing HDF5 files in the layout of the official MNIST Large Scale files.

Official layout (github:spacemir/MNISTLargeScaleDataset): datasets ``/x_train``,
``/x_val``, ``/x_test`` with images (n, 112, 112, 1) float, ``/y_train``,
``/y_val``, ``/y_test`` with integer labels shaped (n,) or (n, 1). Test-only files
store ``/x_train`` and ``/x_val`` as a single dummy image *without* the leading
axis (112, 112, 1); that dummy is never an example.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np

from tfds_mnist_family.core import mnist
from tfds_mnist_family.mnist_large_scale import recipe

# TFDS split name -> suffix of the official datasets.
SPLIT_SUFFIX = {"train": "train", "validation": "val", "test": "test"}
IMAGE_SHAPE = (recipe.OUTPUT_SIZE, recipe.OUTPUT_SIZE, 1)


def training_file_name(train_tag: str) -> str:
    """Official name of a training file (train/val/test at one scale or range tag)."""
    return (f"mnist_large_scale_tr{mnist.NUM_REDUCED_TRAIN_IMAGES}"
            f"_vl{mnist.NUM_VALIDATION_IMAGES}_te{mnist.NUM_TEST_IMAGES}_outsize{recipe.OUTPUT_SIZE}-{recipe.OUTPUT_SIZE}_sctr{train_tag}_scte{train_tag}.h5")


def test_file_name(test_tag: str) -> str:
    """Official name of a test-only file."""
    return (f"mnist_large_scale_te{mnist.NUM_TEST_IMAGES}_outsize{recipe.OUTPUT_SIZE}-{recipe.OUTPUT_SIZE}"
            f"_scte{test_tag}.h5")


def _datasets(h5: h5py.File, path: Path, split: str) -> tuple[h5py.Dataset, h5py.Dataset]:
    suffix = SPLIT_SUFFIX[split]
    missing = [name for name in (f"x_{suffix}", f"y_{suffix}") if name not in h5]
    if missing:
        raise ValueError(f"{path}: missing HDF5 dataset(s) {missing} for split {split!r}; "
                         f"found {sorted(h5.keys())}. Is this an official MNIST Large Scale file?")
    images, labels = h5[f"x_{suffix}"], h5[f"y_{suffix}"]
    if images.ndim != 4 or tuple(images.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(
            f"{path}: /x_{suffix} has shape {images.shape}, expected (n, 112, 112, 1). "
            "(A 3-D (112, 112, 1) array is the dummy sample of a test-only file: "
            "use that file for the test split only.)")
    n_labels = labels.shape[0] if labels.ndim else 0
    if labels.ndim not in (1, 2) or (labels.ndim == 2 and labels.shape[1] != 1) \
            or n_labels != images.shape[0]:
        raise ValueError(f"{path}: /y_{suffix} has shape {labels.shape}, expected "
                         f"({images.shape[0]},) or ({images.shape[0]}, 1) to match /x_{suffix}")
    return images, labels


def num_examples(path: str | os.PathLike, split: str) -> int:
    """Number of examples of ``split`` in an official-layout file."""
    path = Path(path)
    with h5py.File(path, "r") as h5:
        return _datasets(h5, path, split)[0].shape[0]


def iter_batches(path: str | os.PathLike, split: str,
                 batch_size: int = 500) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yields (images float32 (b, 112, 112, 1), labels int64 (b,)) in file order."""
    path = Path(path)
    with h5py.File(path, "r") as h5:
        images, labels = _datasets(h5, path, split)
        for start in range(0, images.shape[0], batch_size):
            x = np.asarray(images[start:start + batch_size], dtype=np.float32)
            y = np.asarray(labels[start:start + batch_size]).reshape(-1)
            if not np.all((y >= 0) & (y <= 9) & (y == np.round(y))):
                raise ValueError(f"{path}: /y_{SPLIT_SUFFIX[split]} holds labels outside "
                                 f"the digits 0-9 near row {start}")
            yield x, y.astype(np.int64)


def write_file(path: str | os.PathLike, splits: dict[str, tuple[np.ndarray, np.ndarray]],
               dummy_splits: bool = False, label_column: bool = False) -> Path:
    """Writes an official-layout file (for tests and for exporting generated data).

    ``splits`` maps 'train'/'validation'/'test' to (images (n,112,112,1), labels (n,)).
    With ``dummy_splits`` the missing train/val datasets get one 3-D dummy image
    and label, as in the official test-only files. ``label_column`` stores labels
    as (n, 1) instead of (n,).
    """
    path = Path(path)
    with h5py.File(path, "w") as h5:
        for split, suffix in SPLIT_SUFFIX.items():
            if split in splits:
                images, labels = splits[split]
                labels = np.asarray(labels).reshape(-1, 1) if label_column else np.asarray(labels).reshape(-1)
                h5.create_dataset(f"x_{suffix}", data=np.asarray(images), compression="gzip")
                h5.create_dataset(f"y_{suffix}", data=labels)
            elif dummy_splits:
                h5.create_dataset(f"x_{suffix}", data=np.full(IMAGE_SHAPE, recipe.BACKGROUND_VALUE,
                                                              dtype=np.float32),
                                  compression="gzip")
                h5.create_dataset(f"y_{suffix}", data=np.zeros((1,), dtype=np.int64))
    return path
