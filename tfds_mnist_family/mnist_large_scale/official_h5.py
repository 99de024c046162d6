"""Reading and writing HDF5 files in the layout of the official MNIST Large Scale files.

Official layout (github:spacemir/MNISTLargeScaleDataset): datasets ``/x_train``,
``/x_val``, ``/x_test`` with images (n, 112, 112, 1) float, ``/y_train``,
``/y_val``, ``/y_test`` with integer labels shaped (n,) or (n, 1). Test-only files
store ``/x_train`` and ``/x_val`` as a single dummy image *without* the leading
axis (112, 112, 1); that dummy is never an example.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np

from tfds_mnist_family.core import mnist, sources
from tfds_mnist_family.core.atomic import atomic_output
from tfds_mnist_family.mnist_large_scale import recipe

# TFDS split name -> suffix of the official datasets.
SPLIT_SUFFIX = {"train": "train", "validation": "val", "test": "test"}
IMAGE_SHAPE = (recipe.OUTPUT_SIZE, recipe.OUTPUT_SIZE, 1)
# Pixel values are (2/pi) * atan(...), strictly inside (-1, 1).
VALUE_BOUND = 1.0
_COUNTS_IN_NAME = (("train", r"_tr(\d+)_"), ("validation", r"_vl(\d+)_"), ("test", r"_te(\d+)_"))


class OfficialFileError(sources.DataSourceError):
    """An official-layout HDF5 file that is unreadable or does not hold what it should."""


def declared_counts(path: str | os.PathLike) -> dict[str, int]:
    """Examples per split that an official file name promises (``..._tr50000_vl10000_te10000_...``)."""
    name = Path(path).name
    return {split: int(m.group(1)) for split, pattern in _COUNTS_IN_NAME
            if (m := re.search(pattern, name))}


@contextlib.contextmanager
def _open(path: Path) -> Iterator[h5py.File]:
    try:
        h5 = h5py.File(path, "r")
    except OSError as e:
        raise OfficialFileError(f"{path}: not a readable HDF5 file ({e}); replace it with the "
                                "official file") from None
    with h5:
        yield h5


def training_file_name(train_tag: str) -> str:
    """Official name of a training file (train/val/test at one scale or range tag)."""
    return (f"mnist_large_scale_tr{mnist.NUM_REDUCED_TRAIN_IMAGES}"
            f"_vl{mnist.NUM_VALIDATION_IMAGES}_te{mnist.NUM_TEST_IMAGES}_outsize{recipe.OUTPUT_SIZE}-{recipe.OUTPUT_SIZE}_sctr{train_tag}_scte{train_tag}.h5")


def test_file_name(test_tag: str) -> str:
    """Official name of a test-only file."""
    return (f"mnist_large_scale_te{mnist.NUM_TEST_IMAGES}_outsize{recipe.OUTPUT_SIZE}-{recipe.OUTPUT_SIZE}"
            f"_scte{test_tag}.h5")


def _datasets(h5: h5py.File, path: Path, split: str,
              check_counts: bool) -> tuple[h5py.Dataset, h5py.Dataset]:
    suffix = SPLIT_SUFFIX[split]
    missing = [name for name in (f"x_{suffix}", f"y_{suffix}") if name not in h5]
    if missing:
        raise OfficialFileError(f"{path}: missing HDF5 dataset(s) {missing} for split {split!r}; "
                         f"found {sorted(h5.keys())}. Is this an official MNIST Large Scale file?")
    images, labels = h5[f"x_{suffix}"], h5[f"y_{suffix}"]
    if images.ndim != 4 or tuple(images.shape[1:]) != IMAGE_SHAPE:
        raise OfficialFileError(
            f"{path}: /x_{suffix} has shape {images.shape}, expected (n, 112, 112, 1). "
            "(A 3-D (112, 112, 1) array is the dummy sample of a test-only file: "
            "use that file for the test split only.)")
    n_labels = labels.shape[0] if labels.ndim else 0
    if labels.ndim not in (1, 2) or (labels.ndim == 2 and labels.shape[1] != 1) \
            or n_labels != images.shape[0]:
        raise OfficialFileError(f"{path}: /y_{suffix} has shape {labels.shape}, expected "
                                f"({images.shape[0]},) or ({images.shape[0]}, 1) to match "
                                f"/x_{suffix}")
    promised = declared_counts(path).get(split)
    if check_counts and promised is not None and images.shape[0] != promised:
        raise OfficialFileError(f"{path}: /x_{suffix} holds {images.shape[0]} examples, but the "
                                f"file name promises {promised}; the file is truncated or "
                                "renamed. Replace it with the official file.")
    return images, labels


def num_examples(path: str | os.PathLike, split: str, check_counts: bool = True) -> int:
    """Number of examples of ``split`` in an official-layout file."""
    path = Path(path)
    with _open(path) as h5:
        return _datasets(h5, path, split, check_counts)[0].shape[0]


def iter_batches(path: str | os.PathLike, split: str, batch_size: int = 500,
                 check_counts: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yields (images float32 (b, 112, 112, 1), labels int64 (b,)) in file order.

    Every value is checked: pixels must be finite and inside (-1, 1) (the soft
    threshold's range), labels digits 0-9; a bad value fails naming file, split and row.
    """
    path = Path(path)
    with _open(path) as h5:
        images, labels = _datasets(h5, path, split, check_counts)
        suffix = SPLIT_SUFFIX[split]
        for start in range(0, images.shape[0], batch_size):
            try:
                x = np.asarray(images[start:start + batch_size], dtype=np.float32)
                y = np.asarray(labels[start:start + batch_size]).reshape(-1)
            except OSError as e:
                raise OfficialFileError(f"{path}: /x_{suffix} unreadable near row {start} "
                                        f"({e}); the file is damaged") from None
            bad = ~(np.isfinite(x) & (np.abs(x) < VALUE_BOUND))
            if bad.any():
                where = tuple(np.argwhere(bad)[0])
                raise OfficialFileError(
                    f"{path}: /x_{suffix} row {start + int(where[0])} has pixel value "
                    f"{float(x[where]):g}, outside the data's range (-1, 1); the file is corrupt")
            if not np.all((y >= 0) & (y <= 9) & (y == np.round(y))):
                raise OfficialFileError(f"{path}: /y_{suffix} holds labels outside the digits 0-9 "
                                        f"near row {start}")
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
    with atomic_output(path, "w+b") as f, h5py.File(f, "w") as h5:
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
