"""infimnist dataset: InfiMNIST (MNIST8M) and MNIST itself, addressed by example index."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from tfds_mnist_family.core import mnist_files, sources

# InfiMNIST index space: 0..9999 are the MNIST test images, 10000..69999 the
# MNIST training images, every larger index a deformed training image.
NUM_TEST = mnist_files.NUM_TEST
FIRST_TRAIN_INDEX = NUM_TEST
END_OF_MNIST = NUM_TEST + mnist_files.NUM_TRAIN  # 70000
MNIST_VALIDATION_SIZE = 10_000  # LISA mnist.pkl.gz: last 10,000 training images

_CHECKSUMS = Path(__file__).parent / "checksums.tsv"
_BATCH = 10_000


@dataclasses.dataclass(frozen=True)
class IndexRange:
    """Inclusive range of InfiMNIST example indices, ``first..=last``."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.first < 0 or self.last < self.first:
            raise ValueError(f"invalid index range {self.first}..{self.last}: need "
                             "0 <= first <= last")

    def __len__(self) -> int:
        return self.last - self.first + 1

    def batches(self, size: int) -> Iterator[np.ndarray]:
        """Consecutive int64 index arrays of at most ``size`` indices."""
        for start in range(self.first, self.last + 1, size):
            yield np.arange(start, min(start + size, self.last + 1), dtype=np.int64)


@dataclasses.dataclass
class InfimnistConfig(tfds.core.BuilderConfig):
    """A named set of splits, each an index range of the InfiMNIST sequence."""

    splits: dict[str, IndexRange] = dataclasses.field(default_factory=dict)


MNIST_CONFIG = InfimnistConfig(
    name="mnist",
    description=(
        "MNIST itself: InfiMNIST indices 0..69999 are exactly the MNIST test "
        "(0..9999) and training (10000..69999) images. `validation` is the last "
        "10,000 training images (the LISA mnist.pkl.gz convention); it overlaps "
        "`train`, whose complement is `train[:50000]`."),
    version="1.0.0",
    release_notes={"1.0.0": "MNIST from the original IDX files, with a validation split."},
    splits={
        "train": IndexRange(FIRST_TRAIN_INDEX, END_OF_MNIST - 1),
        "validation": IndexRange(END_OF_MNIST - MNIST_VALIDATION_SIZE, END_OF_MNIST - 1),
        "test": IndexRange(0, NUM_TEST - 1),
    },
)


def mnist_lookup(mnist: mnist_files.MnistArrays, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) uint8 and labels (n,) of undeformed indices < 70000."""
    if indices.min() < 0 or indices.max() >= END_OF_MNIST:
        raise ValueError(f"MNIST indices must lie in 0..{END_OF_MNIST - 1}")
    is_test = indices < NUM_TEST
    images = np.where(is_test[:, None, None],
                      mnist.test_images[np.minimum(indices, NUM_TEST - 1)],
                      mnist.train_images[np.maximum(indices - NUM_TEST, 0)])
    labels = np.where(is_test, mnist.test_labels[np.minimum(indices, NUM_TEST - 1)],
                      mnist.train_labels[np.maximum(indices - NUM_TEST, 0)])
    return images, labels


class Builder(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for InfiMNIST and MNIST (config `mnist`)."""

    BUILDER_CONFIGS = [MNIST_CONFIG]
    DEFAULT_CONFIG_NAME = "mnist"
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    MNIST ships inside the package, so nothing is needed for `infimnist/mnist`.
    To use your own copies instead, place the four MNIST files
    ({', '.join(mnist_files.FILENAMES)}) in the manual_dir or in the directory
    named by ${sources.MIRROR_ENV_VAR}.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(28, 28, 1)),
                "label": tfds.features.ClassLabel(names=[str(d) for d in range(10)]),
                "index": tfds.features.Scalar(
                    dtype=np.int64, doc="InfiMNIST example index (0..9999 test, "
                                        "10000..69999 train, larger: deformed)"),
            }),
            supervised_keys=("image", "label"),
            homepage="https://leon.bottou.org/projects/infimnist",
            # Examples are stored in index order, so `train[:50000]` means the
            # first 50,000 indices of the split.
            disable_shuffling=True,
        )

    def _mnist_arrays(self, dl_manager: tfds.download.DownloadManager) -> mnist_files.MnistArrays:
        resources = sources.load_resources(_CHECKSUMS)
        wanted = [resources[name] for name in mnist_files.FILENAMES]
        paths = sources.fetch(dl_manager, "infimnist", wanted,
                              fallback_dirs=[mnist_files.EMBEDDED_DIR])
        return mnist_files.load_mnist_files(paths)

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        mnist = self._mnist_arrays(dl_manager)
        return {split: self._generate_examples(mnist, index_range)
                for split, index_range in self.builder_config.splits.items()}

    def _generate_examples(self, mnist: mnist_files.MnistArrays, index_range: IndexRange):
        for indices in index_range.batches(_BATCH):
            images, labels = mnist_lookup(mnist, indices)
            for index, image, label in zip(indices.tolist(), images, labels.tolist()):
                yield index, {"image": image[..., None], "label": label, "index": index}
