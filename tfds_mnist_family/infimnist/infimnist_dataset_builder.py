"""infimnist dataset: InfiMNIST (MNIST8M) and MNIST itself, addressed by example index.

Configs (``configs.py``): ``mnist8m`` (default; needs the InfiMNIST 1.3 data
files), ``mnist`` (MNIST itself, embedded), ``procedural`` (deformations from
MNIST alone: a different, separately versioned dataset), and any index range
(``InfimnistConfig(first=..., last=...)``). Deformed examples are generated in
batches by the byte-exact TF ops (``ops.py``) and written by ``fast_writer.py``,
or, when Beam is requested, by Beam workers (``beam_generation.py``) from the same
``BatchSource`` and ``examples_from``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from tfds_mnist_family.core import beam_support, build_guard, catalog, mnist, sources, tfds_compat
from tfds_mnist_family.infimnist import configs, fast_writer, inputs, ops, procedural
from tfds_mnist_family.infimnist.indices import IndexRange

_CHECKSUMS = Path(__file__).parent / "checksums.tsv"
_BATCH = 8192


class Builder(beam_support.BeamRequestMixin, build_guard.BuildGuardMixin, tfds_compat.PrepareMessageMixin,
              tfds_compat.BatchWriterMixin,
              tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for InfiMNIST (MNIST8M), its procedural variant and MNIST."""

    BUILDER_CONFIGS = configs.BUILDER_CONFIGS
    DEFAULT_CONFIG_NAME = "mnist8m"
    # Indices per Beam element (one worker call); tests use smaller chunks.
    BEAM_CHUNK = 65_536
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    `infimnist/mnist8m` and range configs need the InfiMNIST 1.3 data: put
    `{inputs.ARCHIVE_NAME}` ({inputs.ARCHIVE_URL}, sha256 {inputs.ARCHIVE_SHA256}) or
    the six files of its `data/` folder ({', '.join(inputs.ALL_FILES)}; MNIST ones raw
    or .gz) in the manual_dir (or in $TFDS_MNIST_FAMILY_DATA[/infimnist]), or set the
    config's data_path. Without them TFDS tries to download the archive.
    `infimnist/mnist` and `infimnist/procedural` need nothing: MNIST ships
    inside the package (your own copies of the four MNIST files in the
    manual_dir or $TFDS_MNIST_FAMILY_DATA are used first).
    """

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": _image_feature(self.builder_config.image_storage),
                "label": tfds.features.ClassLabel(names=[str(d) for d in range(10)]),
                "index": tfds.features.Scalar(
                    dtype=np.int64, doc="InfiMNIST example index (0..9999 test, "
                                        "10000..69999 train, larger: deformed)"),
            }),
            supervised_keys=("image", "label"),
            homepage="https://leon.bottou.org/projects/infimnist",
            metadata=tfds.core.MetadataDict(),
            redistribution_info=catalog.redistribution_info(catalog.INFIMNIST_LICENSE),
            # Not `disable_shuffling`: `shuffle_files=True` must work (MNIST8M has 33
            # shards). Protocols are named splits (`train_50k`), never slices.
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        if self.beam_request is not None:  # workers generate; the driver only resolves inputs
            from tfds_mnist_family.infimnist import beam_generation

            source = self._batch_source(dl_manager)
            self.info.metadata["generation"] = "apache_beam"
            limit = self.beam_request.limit
            return {split: beam_generation.examples_ptransform(
                        source, r if limit is None else r.head(limit), self.BEAM_CHUNK,
                        self.builder_config.image_storage)
                    for split, r in self.builder_config.splits.items()}
        batches = self._batches(dl_manager)
        return {split: self._generate_examples(batches.iter_range(r))
                for split, r in self.builder_config.splits.items()}

    def batch_split_writers(self, dl_manager, download_config):
        """The fast path (``fast_writer``) for every config written as TFRecord."""
        if download_config.beam_options or self.info.file_format != tfds.core.FileFormat.TFRECORD:
            return None
        generator = self._batches(dl_manager)
        limit = download_config.max_examples_per_split
        storage = self.builder_config.image_storage
        return {split: _split_writer(generator, split, r if limit is None else r.head(limit),
                                     storage)
                for split, r in self.builder_config.splits.items()}

    def expected_split_sizes(self, download_config) -> dict[str, int]:
        limit = download_config.max_examples_per_split
        return {split: len(r if limit is None else r.head(limit))
                for split, r in self.builder_config.splits.items()}

    def _batches(self, dl_manager) -> "ops.BatchGenerator | _MnistBatches":
        """What yields the config's (indices, images, labels) batches for an index range."""
        batches = self._batch_source(dl_manager).open()
        if isinstance(batches, ops.BatchGenerator):  # what the data was made from
            self.info.metadata["inputs"] = dict(batches.tables.provenance)
        return batches

    def _batch_source(self, dl_manager) -> "BatchSource":
        """Locates the config's inputs (on the driver) as a picklable ``BatchSource``."""
        config = self.builder_config
        if config.source == "archive":
            if sources.is_remote(config.data_path):  # e.g. gs://: read by tf.io.gfile in open()
                self.info.metadata["source"] = {"kind": "remote", "name": config.data_path}
                return BatchSource("archive", inputs_path=config.data_path)
            locator = sources.Locator.for_builder(dl_manager, "infimnist", inputs.InfimnistForms(),
                                                  explicit=config.data_path)
            found = locator.locate(inputs.ARCHIVE)
            self.info.metadata["source"] = found.metadata()
            return BatchSource("archive", inputs_path=str(found.path))
        self.info.metadata["mnist_content_sha256"] = dict(mnist.CONTENT_SHA256)
        files = mnist.locate_files(dl_manager, "infimnist", _CHECKSUMS)
        seed = procedural.DEFAULT_SEED if config.seed is None else config.seed
        return BatchSource(config.source, tuple((n, str(p)) for n, p in sorted(files.items())),
                           seed=seed)

    def _generate_examples(self, batches):
        """Examples keyed by index, from batches of (indices, images, labels)."""
        return examples_from(batches, self.builder_config.image_storage)


def _image_feature(storage: str) -> tfds.features.FeatureConnector:
    """``Image`` (PNG) or, for ``image_storage="raw"``, the 784 bytes as a uint8 ``Tensor``."""
    if storage == "raw":
        return tfds.features.Tensor(shape=(28, 28, 1), dtype=np.uint8,
                                    encoding=tfds.features.Encoding.BYTES)
    return tfds.features.Image(shape=(28, 28, 1))


def examples_from(batches, storage: str = "png"):
    """``(index, example)`` from batches of (indices, images, labels): the one example
    maker of the generator and Beam paths (the fast writer stores the same bytes)."""
    for indices, images, labels in batches:
        encoded = (images.reshape(-1, 28, 28, 1) if storage == "raw"  # TFDS stores the bytes
                   else fast_writer.encode_png_batch(images))
        for index, image, label in zip(indices.tolist(), encoded, labels.tolist()):
            yield index, {"image": image, "label": label, "index": index}


@dataclasses.dataclass(frozen=True)
class BatchSource:
    """Where a process gets a config's batches: strings and ints only, so Beam ships it to
    workers, which ``open()`` it once each (``DoFn.setup``); the driver opens it otherwise.

    ``inputs_path``: the InfiMNIST archive or data directory (``source="archive"``), local
    or remote (``gs://...``, copied through ``tf.io.gfile``). ``mnist_files``: the
    verified MNIST copies ``(filename, path)`` (other sources); a process that cannot see
    them (a cluster worker) uses the package's embedded MNIST, which has the same content.
    """

    source: str
    mnist_files: tuple[tuple[str, str], ...] = ()
    inputs_path: str | None = None
    seed: int = procedural.DEFAULT_SEED
    batch_size: int = _BATCH

    def open(self) -> "ops.BatchGenerator | _MnistBatches":
        if self.source == "archive":
            local = sources.local_copy(self.inputs_path)
            if sources.is_remote(self.inputs_path) and local.is_file():
                sources.verify(local, inputs.ARCHIVE)
            tables = inputs.load_inputs(local)
        else:
            arrays = (mnist.load_mnist_files(dict(self.mnist_files))
                      if all(Path(p).is_file() for _, p in self.mnist_files) and self.mnist_files
                      else mnist.load_mnist())
            if self.source == "mnist":
                return _MnistBatches(arrays)
            tables = procedural.procedural_inputs_from(arrays, self.seed)
        return ops.BatchGenerator(tables, batch_size=self.batch_size, jit_compile=True)


class _MnistBatches:
    """MNIST arrays with the ``iter_range`` of ``ops.BatchGenerator``: undeformed indices."""

    def __init__(self, arrays: mnist.MnistArrays) -> None:
        self.arrays = arrays

    def iter_range(self, index_range: IndexRange):
        for chunk in index_range.chunks(_BATCH):
            images, labels, indices = self.arrays.span((chunk.first, chunk.last))
            yield indices, images, labels


def _split_writer(generator: ops.BatchGenerator, split: str, index_range: IndexRange,
                  storage: str):
    return lambda template: fast_writer.write_split(generator, split, index_range, template,
                                                    storage=storage)
