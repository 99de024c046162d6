"""infimnist dataset: InfiMNIST (MNIST8M) and MNIST itself, addressed by example index.

Configs: ``mnist8m`` (default; needs the InfiMNIST 1.3 data files), ``mnist``
(MNIST itself, embedded), ``procedural`` (deformations from MNIST alone: a
different, separately versioned dataset), and user-defined index ranges
(``InfimnistConfig(first=..., last=...)`` / ``range_config``). Examples are
generated in batches by the byte-exact TF ops (``ops.py``), PNG-encoded and
written straight into TFDS-format TFRecord shards by ``fast_writer.py`` (TFDS's
per-example Python would otherwise dominate: ~26 min for MNIST8M).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds
import tqdm

from tfds_mnist_family.core import mnist_files, sources
from tfds_mnist_family.infimnist import fast_writer, inputs, ops, procedural
from tfds_mnist_family.infimnist.inputs import (ALL_FILES, ARCHIVE_NAME, ARCHIVE_SHA256,
                                                ARCHIVE_URL, FIELDS_FILE, TANGENTS_FILE)

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
        if not 0 <= self.first <= self.last < ops.MAX_INDEX:
            raise ValueError(f"invalid InfiMNIST index range {self.first}..{self.last}: need "
                             "0 <= first <= last < 2**62")

    def __len__(self) -> int:
        return self.last - self.first + 1

    def batches(self, size: int) -> Iterator[np.ndarray]:
        """Consecutive int64 index arrays of at most ``size`` indices."""
        for start in range(self.first, self.last + 1, size):
            yield np.arange(start, min(start + size, self.last + 1), dtype=np.int64)


SOURCES = ("mnist", "archive", "procedural")


@dataclasses.dataclass
class InfimnistConfig(tfds.core.BuilderConfig):
    """A named set of splits, each an index range of the InfiMNIST sequence.

    ``source``: ``"archive"`` (the six InfiMNIST 1.3 files: real MNIST8M
    deformations), ``"procedural"`` (fields/tangents computed from MNIST; a
    different dataset) or ``"mnist"`` (indices < 70000 only, no deformation).
    ``data_path``: an explicit archive or data directory for ``"archive"``.

    User-defined range: ``InfimnistConfig(first=70000, last=169999)`` makes a
    config named ``range_70000_169999`` with one ``train`` split; add
    ``source="procedural"`` to use the procedural inputs.
    """

    name: str = ""
    splits: dict[str, IndexRange] = dataclasses.field(default_factory=dict)
    source: str = "archive"
    data_path: str | None = None
    seed: int | None = None
    first: dataclasses.InitVar[int | None] = None
    last: dataclasses.InitVar[int | None] = None

    def __post_init__(self, first: int | None, last: int | None) -> None:
        if (first is None) != (last is None):
            raise ValueError("InfimnistConfig: give both first and last, or neither")
        if first is not None:
            if self.splits:
                raise ValueError("InfimnistConfig: give either first/last or splits, not both")
            self.splits = {"train": IndexRange(first, last)}
            if not self.name:
                self.name = _range_name(first, last, self.source)
            if self.version is None:
                self.version = "1.0.0"
            if self.description is None:
                self.description = (f"InfiMNIST indices {first}..{last} ({self.source} inputs) "
                                    "as one `train` split.")
        if not self.name:
            raise ValueError("InfimnistConfig needs a name, or first= and last=")
        if self.source not in SOURCES:
            raise ValueError(f"InfimnistConfig.source must be one of {SOURCES}, got "
                             f"{self.source!r}")
        for split, index_range in self.splits.items():
            if self.source == "mnist" and index_range.last >= END_OF_MNIST:
                raise ValueError(f"split {split}: source 'mnist' covers indices < 70000 only")


def _range_name(first: int, last: int, source: str) -> str:
    suffix = "" if source == "archive" else f"_{source}"
    return f"range_{first}_{last}{suffix}"


def range_config(first: int, last: int, source: str = "archive", name: str | None = None,
                 data_path: str | os.PathLike | None = None, test: tuple[int, int] | None = None,
                 ) -> InfimnistConfig:
    """A config for the indices first..=last as split ``train`` (and optional ``test``)."""
    splits = {"train": IndexRange(first, last)}
    if test is not None:
        splits["test"] = IndexRange(*test)
    return InfimnistConfig(
        name=name or _range_name(first, last, source), version="1.0.0", splits=splits,
        source=source, data_path=None if data_path is None else os.fspath(data_path),
        description=f"InfiMNIST indices {first}..{last} ({source} inputs).")


MNIST_CONFIG = InfimnistConfig(
    name="mnist",
    description=(
        "MNIST itself: InfiMNIST indices 0..69999 are exactly the MNIST test "
        "(0..9999) and training (10000..69999) images. `validation` is the last "
        "10,000 training images (the LISA mnist.pkl.gz convention); it overlaps "
        "`train`, whose complement is `train[:50000]`."),
    version="1.0.0",
    release_notes={"1.0.0": "MNIST from the original IDX files, with a validation split."},
    source="mnist",
    splits={
        "train": IndexRange(FIRST_TRAIN_INDEX, END_OF_MNIST - 1),
        "validation": IndexRange(END_OF_MNIST - MNIST_VALIDATION_SIZE, END_OF_MNIST - 1),
        "test": IndexRange(0, NUM_TEST - 1),
    },
)


MNIST8M_SPLITS = {
    "train": IndexRange(FIRST_TRAIN_INDEX, 8_109_999),  # 60,000 originals + 8,040,000 deformed
    "test": IndexRange(0, NUM_TEST - 1),
}

MNIST8M_CONFIG = InfimnistConfig(
    name="mnist8m",
    description=(
        "MNIST8M / InfiMNIST 1.3: `train` is indices 10000..8109999 (the 60,000 MNIST "
        "training images, then 8,040,000 deformed copies), `test` the MNIST test set "
        "(0..9999). Byte-identical to the reference generator. Needs the InfiMNIST data "
        "files (infimnist.tar.gz or its data/ folder) in the manual_dir."),
    version="1.0.0",
    release_notes={"1.0.0": "InfiMNIST 1.3, byte-exact TF reimplementation."},
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
    version="1.0.0",
    release_notes={"1.0.0": "Procedural inputs v1.0.0 (binomial-smoothed tangents, "
                            "SplitMix64 fields, seed 20260101)."},
    source="procedural",
    splits=dict(MNIST8M_SPLITS),
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
    """DatasetBuilder for InfiMNIST (MNIST8M), its procedural variant and MNIST."""

    BUILDER_CONFIGS = [MNIST8M_CONFIG, MNIST_CONFIG, PROCEDURAL_CONFIG]
    DEFAULT_CONFIG_NAME = "mnist8m"
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    `infimnist/mnist8m` and range configs need the InfiMNIST 1.3 data: put
    `infimnist.tar.gz` ({ARCHIVE_URL}, sha256 {ARCHIVE_SHA256}) or the six files
    of its `data/` folder ({', '.join(ALL_FILES)}; MNIST ones raw or .gz) in the
    manual_dir (or in $TFDS_MNIST_FAMILY_DATA[/infimnist]), or set the config's
    data_path. Without them TFDS tries to download the archive.
    `infimnist/mnist` and `infimnist/procedural` need nothing: MNIST ships
    inside the package (your own copies of the four MNIST files in the
    manual_dir or $TFDS_MNIST_FAMILY_DATA are used first).
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
        config = self.builder_config
        if config.source == "mnist":
            mnist = self._mnist_arrays(dl_manager)
            return {split: self._generate_examples(mnist, index_range)
                    for split, index_range in config.splits.items()}
        generator = ops.BatchGenerator(self._deformation_inputs(dl_manager), batch_size=_BATCH,
                                       jit_compile=True)
        return {split: self._generate_deformed(generator, index_range)
                for split, index_range in config.splits.items()}

    # -- fast path: batch-written shards (see fast_writer.py) --------------------------------
    FAST_WRITER = True  # False: TFDS's generic per-example writer (for comparison)

    def _download_and_prepare(self, dl_manager, download_config) -> None:
        config = self.builder_config
        fast = (self.FAST_WRITER and config.source != "mnist"
                and self.info.file_format == tfds.core.FileFormat.TFRECORD
                and not download_config.beam_options)
        if not fast:
            return super()._download_and_prepare(dl_manager, download_config)
        limit = download_config.max_examples_per_split
        if limit == 0:
            return None
        generator = ops.BatchGenerator(self._deformation_inputs(dl_manager), batch_size=_BATCH,
                                       jit_compile=True)
        writer = fast_writer.ShardWriter(generator.iter_range)
        split_infos = []
        try:
            for split, index_range in config.splits.items():
                last = index_range.last if limit is None else min(
                    index_range.last, index_range.first + limit - 1)
                bounds = fast_writer.shard_bounds(index_range.first, last)
                template = self._get_filename_template(split_name=split)
                num_bytes = 0
                with tqdm.tqdm(total=last - index_range.first + 1, unit=" examples",
                               desc=f"Generating infimnist/{config.name} {split}",
                               mininterval=1.0, leave=False) as bar:
                    for shard, (lo, hi) in enumerate(bounds):
                        path = template.sharded_filepath(shard_index=shard, num_shards=len(bounds))
                        num_bytes += writer.write_shard(path, lo, hi, progress=bar.update)
                split_infos.append(tfds.core.SplitInfo(
                    name=split, shard_lengths=[hi - lo + 1 for lo, hi in bounds],
                    num_bytes=num_bytes, filename_template=template))
        finally:
            writer.close()
        self.info.set_splits(tfds.core.SplitDict(split_infos))
        return None

    def _deformation_inputs(self, dl_manager) -> ops.InfimnistInputs:
        config = self.builder_config
        if config.source == "procedural":
            return procedural.procedural_inputs_from(
                self._mnist_arrays(dl_manager),
                procedural.DEFAULT_SEED if config.seed is None else config.seed)
        return inputs.load_inputs(self._archive_source(dl_manager))

    def _archive_source(self, dl_manager: tfds.download.DownloadManager) -> Path:
        """The archive or data directory: data_path, manual_dir, $TFDS_MNIST_FAMILY_DATA,
        then a download of the archive (its SHA-256 is verified here)."""
        config = self.builder_config
        if config.data_path:
            return Path(config.data_path)
        manual_dir = sources.manual_dir_of(dl_manager)
        for directory in sources.local_dirs(manual_dir, "infimnist"):
            if (directory / ARCHIVE_NAME).is_file():
                return _verified_archive(directory / ARCHIVE_NAME)
            data_dir = inputs.resolve_data_dir(directory)
            if any((data_dir / name).exists() for name in (FIELDS_FILE, TANGENTS_FILE)):
                return data_dir  # load_inputs lists any missing or wrong-sized file
        failures: list[str] = []
        downloaded = sources.download_first_mirror(dl_manager, _ARCHIVE, failures)
        if downloaded is not None:
            return _verified_archive(downloaded)
        searched = ", ".join(str(d) for d in sources.local_dirs(manual_dir, "infimnist"))
        raise sources.DataSourceError(
            f"infimnist/{config.name}: the InfiMNIST data files were not found (searched: "
            f"{searched or 'no manual_dir or $TFDS_MNIST_FAMILY_DATA set'}) and "
            f"it could not be downloaded ({'; '.join(failures)}).\n"
            + self.MANUAL_DOWNLOAD_INSTRUCTIONS)

    def _generate_examples(self, mnist: mnist_files.MnistArrays, index_range: IndexRange):
        for indices in index_range.batches(_BATCH):
            images, labels = mnist_lookup(mnist, indices)
            for index, image, label in zip(indices.tolist(), images, labels.tolist()):
                yield index, {"image": image[..., None], "label": label, "index": index}

    def _generate_deformed(self, generator: ops.BatchGenerator, index_range: IndexRange):
        """Streams the range in batches: TF generates and PNG-encodes each batch."""
        for indices, images, labels in generator.iter_range(index_range.first, index_range.last):
            pngs = encode_pngs(images)
            for index, png, label in zip(indices.tolist(), pngs, labels.tolist()):
                yield index, {"image": png, "label": label, "index": index}


# The archive's byte size is not published, so only its SHA-256 is checked.
_ARCHIVE = sources.Resource(ARCHIVE_NAME, (ARCHIVE_URL,), None, ARCHIVE_SHA256)


def _verified_archive(path: Path) -> Path:
    """``path`` if its SHA-256 is the published one."""
    return sources.verify(path, _ARCHIVE)


@functools.lru_cache(maxsize=1)
def _png_encoder():
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.uint8)])
    def encode(images):
        return tf.map_fn(lambda image: tf.io.encode_png(image[..., None]), images,
                         fn_output_signature=tf.string, parallel_iterations=64)
    return encode


def encode_pngs(images: np.ndarray) -> list[bytes]:
    """PNG bytes for a batch of (28, 28) uint8 images (TF's encoder, as TFDS's Image)."""
    return _png_encoder()(images).numpy().tolist()
