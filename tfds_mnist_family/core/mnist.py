"""MNIST facts in one place: files, sizes, the InfiMNIST index convention, class counts.

The four original files ship inside the package (CC BY-SA 3.0, LeCun & Cortes),
so every dataset generated from MNIST works offline out of the box.

Index convention (InfiMNIST's, used by every dataset of this package): the
10,000 test images are indices 0..9999 and the 60,000 training images are
10000..69999, so the 70,000 images stacked test-then-train are row ``i`` for
index ``i``. A larger index is a deformed copy of training image
``(i - 10000) mod 60000`` (see ``source_row``).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
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
# SHA-256 of each file's uncompressed content, so a raw or re-compressed copy is verified too.
CONTENT_SHA256 = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
NUM_CLASSES = 10

IMAGE_SIDE = 28
PIXELS = IMAGE_SIDE * IMAGE_SIDE
NUM_TRAIN_IMAGES = 60_000
NUM_TEST_IMAGES = 10_000
NUM_IMAGES = NUM_TEST_IMAGES + NUM_TRAIN_IMAGES  # indices below this are MNIST itself

# Inclusive index spans of the InfiMNIST convention.
TEST_SPAN = (0, NUM_TEST_IMAGES - 1)
TRAIN_SPAN = (NUM_TEST_IMAGES, NUM_IMAGES - 1)
FIRST_TRAIN_INDEX = TRAIN_SPAN[0]
# The LISA mnist.pkl.gz protocol: the last 10,000 training images are the validation
# set, the first 50,000 the (reduced) training set.
NUM_VALIDATION_IMAGES = 10_000
NUM_REDUCED_TRAIN_IMAGES = NUM_TRAIN_IMAGES - NUM_VALIDATION_IMAGES
REDUCED_TRAIN_SPAN = (FIRST_TRAIN_INDEX, FIRST_TRAIN_INDEX + NUM_REDUCED_TRAIN_IMAGES - 1)
VALIDATION_SPAN = (REDUCED_TRAIN_SPAN[1] + 1, NUM_IMAGES - 1)
REDUCED_SPLIT_SPANS = {"train": REDUCED_TRAIN_SPAN, "validation": VALIDATION_SPAN,
                       "test": TEST_SPAN}
# MNIST8M: the 60,000 training images, then 8,040,000 deformed copies.
MNIST8M_TRAIN_SPAN = (FIRST_TRAIN_INDEX, 8_109_999)

# Published class counts (LeCun, Cortes & Burges), digits 0..9.
PUBLISHED_CLASS_COUNTS = {
    "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}


def span_length(span: tuple[int, int]) -> int:
    return span[1] - span[0] + 1


def training_image_of(index):
    """The training image number (0..59999) that index ``index`` shows or deforms.

    Works on Python ints, numpy arrays and TF tensors (``%`` is a floor modulo on all three).
    """
    return (index - FIRST_TRAIN_INDEX) % NUM_TRAIN_IMAGES


def source_row(index):
    """Row of the test-then-train stack of MNIST images behind each index (numpy or TF)."""
    deformed = training_image_of(index) + FIRST_TRAIN_INDEX
    if isinstance(index, (np.ndarray, np.integer, int)):
        return np.where(index < NUM_IMAGES, index, deformed)
    import tensorflow as tf
    return tf.where(index < NUM_IMAGES, index, deformed)


@dataclasses.dataclass(frozen=True)
class MnistArrays:
    """MNIST as arrays: images (N, 28, 28) uint8, labels (N,) uint8."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    def by_index(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Images (n, 28, 28) and labels (n,) of InfiMNIST indices below 70,000."""
        indices = np.asarray(indices, np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= NUM_IMAGES):
            raise ValueError(f"MNIST indices must lie in 0..{NUM_IMAGES - 1}")
        is_test = indices < NUM_TEST_IMAGES
        test_row = np.minimum(indices, NUM_TEST_IMAGES - 1)
        train_row = np.maximum(indices - FIRST_TRAIN_INDEX, 0)
        images = np.where(is_test[:, None, None], self.test_images[test_row],
                          self.train_images[train_row])
        labels = np.where(is_test, self.test_labels[test_row], self.train_labels[train_row])
        return images, labels

    def span(self, span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(images, labels, indices) of an inclusive index span below 70,000."""
        indices = np.arange(span[0], span[1] + 1, dtype=np.int64)
        return (*self.by_index(indices), indices)


def find_file(directory: str | os.PathLike, filename: str) -> Path:
    """``filename`` in ``directory``, also accepting its uncompressed twin (no ``.gz``)."""
    directory = Path(directory)
    for candidate in (directory / filename, directory / filename.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{directory}: missing MNIST file {filename} (or its uncompressed form "
        f"{filename.removesuffix('.gz')}); copy the four MNIST files there")


def verify_content(path: str | os.PathLike, filename: str) -> None:
    """Raises ``ChecksumMismatchError`` unless ``path`` (raw or gzip) holds MNIST's ``filename``."""
    from tfds_mnist_family.core import sources

    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        stream = gzip.GzipFile(fileobj=raw) if raw.read(2) == b"\x1f\x8b" else raw
        raw.seek(0)
        try:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        except (OSError, EOFError) as e:
            raise sources.ChecksumMismatchError(f"{path}: unreadable gzip data ({e}); replace it "
                                                f"with MNIST's {filename}") from None
    if digest.hexdigest() != CONTENT_SHA256[filename]:
        raise sources.ChecksumMismatchError(
            f"{path}: content is not MNIST's {filename} (SHA-256 {digest.hexdigest()} of the "
            f"uncompressed data, expected {CONTENT_SHA256[filename]}); replace it with the "
            "original file")


def load_mnist_files(paths: Mapping[str, str | os.PathLike], verify: bool = False) -> MnistArrays:
    """Reads and shape-checks the four MNIST files given as ``{filename: path}``.

    ``verify``: check each file's content SHA-256 first (for copies no locator verified).
    """
    def read(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if verify:
            verify_content(paths[name], name)
        array = idx.read_idx(paths[name], expected_shape=shape, expected_dtype=np.uint8)
        if len(shape) == 1 and array.size and int(array.max()) >= NUM_CLASSES:
            raise idx.IdxFormatError(f"{paths[name]}: label {int(array.max())} is not a digit "
                                     "0-9; the file is corrupt")
        return array

    side = (IMAGE_SIDE, IMAGE_SIDE)
    return MnistArrays(
        train_images=read(TRAIN_IMAGES, (NUM_TRAIN_IMAGES, *side)),
        train_labels=read(TRAIN_LABELS, (NUM_TRAIN_IMAGES,)),
        test_images=read(TEST_IMAGES, (NUM_TEST_IMAGES, *side)),
        test_labels=read(TEST_LABELS, (NUM_TEST_IMAGES,)),
    )


def load_mnist(directory: str | os.PathLike = EMBEDDED_DIR) -> MnistArrays:
    """Reads the four MNIST files from ``directory`` (raw or .gz)."""
    return load_mnist_files({name: find_file(directory, name) for name in FILENAMES})


def locate_files(dl_manager, dataset: str, checksums_tsv: str | os.PathLike) -> dict[str, Path]:
    """``{filename: path}`` of MNIST for a builder, found by the one locator (the embedded
    copy last but one, before any download); every copy is checksum-verified."""
    from tfds_mnist_family.core import sources

    resources = sources.load_resources(checksums_tsv)
    locator = sources.Locator.for_builder(dl_manager, dataset, package_dir=EMBEDDED_DIR)
    found = locator.locate_all([resources[name] for name in FILENAMES])
    return {name: copy.path for name, copy in found.items()}


def locate(dl_manager, dataset: str, checksums_tsv: str | os.PathLike) -> MnistArrays:
    """MNIST arrays for a builder (``locate_files``, then read)."""
    return load_mnist_files(locate_files(dl_manager, dataset, checksums_tsv))
