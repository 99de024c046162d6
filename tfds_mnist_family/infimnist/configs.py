"""The infimnist builder's configs: named sets of splits, each an index range."""

from __future__ import annotations

import dataclasses

import tensorflow_datasets as tfds

from tfds_mnist_family.core import mnist
from tfds_mnist_family.infimnist.indices import IndexRange

# Where a config's images come from.
SOURCES = ("mnist", "archive", "procedural")
# How a config stores its images: PNG (a `tfds.features.Image`: `show_examples`,
# ~320 bytes/record for MNIST) or the raw 784 bytes (a uint8 `tfds.features.Tensor`:
# ~830 bytes/record, read by `load_batched` without any decoding).
IMAGE_STORAGES = ("png", "raw")
# Version of user-defined range configs (their bytes depend only on the source).
RANGE_CONFIG_VERSION = "1.1.0"
# Why every config moved from 1.0.0 to 1.1.0.
UNORDERED_NOTE = ("Examples are no longer declared ordered (`disable_shuffling` dropped), so "
                  "`shuffle_files=True` works; the `index` feature identifies each example.")


@dataclasses.dataclass(repr=False)
class InfimnistConfig(tfds.core.BuilderConfig):
    """A named set of splits, each an index range of the InfiMNIST sequence.

    ``source``: ``"archive"`` (the six InfiMNIST 1.3 files: real MNIST8M
    deformations), ``"procedural"`` (fields/tangents computed from MNIST; a
    different dataset) or ``"mnist"`` (indices < 70000 only, no deformation).
    ``data_path``: an explicit archive or data directory for ``"archive"``.
    ``image_storage``: ``"png"`` (``tfds.features.Image``) or ``"raw"`` (the 784
    pixel bytes as a uint8 ``tfds.features.Tensor``: 2.6x the disk, fastest reads).

    User-defined range: ``InfimnistConfig(first=70000, last=169999)`` makes a
    config named ``range_70000_169999`` with one ``train`` split; add
    ``source="procedural"`` to use the procedural inputs.
    """

    name: str = ""
    splits: dict[str, IndexRange] = dataclasses.field(default_factory=dict)
    source: str = "archive"
    data_path: str | None = None
    seed: int | None = None
    image_storage: str = "png"
    first: dataclasses.InitVar[int | None] = None
    last: dataclasses.InitVar[int | None] = None

    def __post_init__(self, first: int | None, last: int | None) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"InfimnistConfig: source must be one of {SOURCES}, got "
                             f"{self.source!r}")
        if self.image_storage not in IMAGE_STORAGES:
            raise ValueError(f"InfimnistConfig: image_storage must be one of {IMAGE_STORAGES}, "
                             f"got {self.image_storage!r}")
        if (first is None) != (last is None):
            raise ValueError("InfimnistConfig: give both first and last, or neither")
        if first is not None:
            if self.splits:
                raise ValueError("InfimnistConfig: give either first/last or splits, not both")
            self.splits = {"train": IndexRange(first, last)}
            suffix = "" if self.source == "archive" else f"_{self.source}"
            suffix += "" if self.image_storage == "png" else f"_{self.image_storage}"
            self.name = self.name or f"range_{first}_{last}{suffix}"
            self.version = self.version or RANGE_CONFIG_VERSION
            self.release_notes = self.release_notes or {RANGE_CONFIG_VERSION: UNORDERED_NOTE}
            if self.description is None:
                self.description = (f"InfiMNIST indices {first}..{last} ({self.source} "
                                    "inputs) as one `train` split.")
        if not self.name:
            raise ValueError("InfimnistConfig: needs a name, or first= and last=")
        if self.data_path is not None:
            self.data_path = str(self.data_path)
        for split, index_range in self.splits.items():
            if self.source == "mnist" and index_range.last >= mnist.NUM_IMAGES:
                raise ValueError(f"InfimnistConfig: split {split}: source 'mnist' covers "
                                 f"indices < {mnist.NUM_IMAGES} only")

    def __repr__(self) -> str:
        """Short: TFDS logs the repr of every custom config ("Using custom data configuration")."""
        spans = ", ".join(f"{split}={r.first}..{r.last}" for split, r in self.splits.items())
        storage = "" if self.image_storage == "png" else f", image_storage={self.image_storage!r}"
        return f"InfimnistConfig(name={self.name!r}, source={self.source!r}{storage}, {spans})"


MNIST_CONFIG = InfimnistConfig(
    name="mnist",
    description=(
        "MNIST itself: InfiMNIST indices 0..69999 are exactly the MNIST test "
        "(0..9999) and training (10000..69999) images. `validation` is the last "
        "10,000 training images and `train_50k` the first 50,000 (the LISA "
        "mnist.pkl.gz protocol: train on `train_50k`, validate on `validation`)."),
    version="1.1.0",
    release_notes={
        "1.0.0": "MNIST from the original IDX files, with a validation split.",
        "1.1.0": f"Split `train_50k` (LISA protocol). {UNORDERED_NOTE}",
    },
    source="mnist",
    splits={
        "train": IndexRange.of_span(mnist.TRAIN_SPAN),
        "train_50k": IndexRange.of_span(mnist.REDUCED_TRAIN_SPAN),
        "validation": IndexRange.of_span(mnist.VALIDATION_SPAN),
        "test": IndexRange.of_span(mnist.TEST_SPAN),
    },
)

MNIST8M_SPLITS = {
    "train": IndexRange.of_span(mnist.MNIST8M_TRAIN_SPAN),
    "test": IndexRange.of_span(mnist.TEST_SPAN),
}

MNIST8M_CONFIG = InfimnistConfig(
    name="mnist8m",
    description=(
        "MNIST8M / InfiMNIST 1.3: `train` is indices 10000..8109999 (the 60,000 MNIST "
        "training images, then 8,040,000 deformed copies), `test` the MNIST test set "
        "(0..9999). Byte-identical to the reference generator. Needs the InfiMNIST data "
        "files (infimnist.tar.gz or its data/ folder) in the manual_dir."),
    version="1.1.0",
    release_notes={"1.0.0": "InfiMNIST 1.3, byte-exact TF reimplementation.",
                   "1.1.0": f"Same examples. {UNORDERED_NOTE}"},
    source="archive",
    splits=dict(MNIST8M_SPLITS),
)

PROCEDURAL_CONFIG = InfimnistConfig(
    name="procedural",
    description=(
        "NOT MNIST8M. The MNIST8M index layout, but tangent vectors and deformation "
        "fields computed deterministically from MNIST alone (smoothed image derivatives, "
        "seeded smooth random fields; see procedural.py), so it works offline with the "
        "package's embedded MNIST. Indices < 70000 are exactly MNIST; deformed "
        "examples differ from MNIST8M's."),
    version="1.1.0",
    release_notes={"1.0.0": "Procedural inputs v1.0.0 (binomial-smoothed tangents, "
                            "SplitMix64 fields, seed 20260101).",
                   "1.1.0": f"Same examples (procedural inputs v1.0.0). {UNORDERED_NOTE}"},
    source="procedural",
    splits=dict(MNIST8M_SPLITS),
)

MNIST_RAW_CONFIG = dataclasses.replace(
    MNIST_CONFIG,
    name="mnist_raw",
    description=(
        "`infimnist/mnist` with each image stored as its 784 raw bytes (a uint8 "
        "`tfds.features.Tensor`, not a PNG `Image`): the same examples, 50 MB instead of "
        "19 MB for `train`, for the fastest reads (`tfds_mnist_family.load_batched`, no "
        "decoding at all). `tfds.show_examples` needs an `Image` feature: use "
        "`infimnist/mnist` for pictures."),
    version="1.1.0",
    release_notes={"1.1.0": "New: raw uint8 image storage."},
    image_storage="raw",
)

BUILDER_CONFIGS = [MNIST8M_CONFIG, MNIST_CONFIG, PROCEDURAL_CONFIG, MNIST_RAW_CONFIG]
