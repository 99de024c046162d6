"""infimnist dataset: InfiMNIST (MNIST8M) and MNIST itself, addressed by example index.

Configs (``configs.py``): ``mnist8m`` (default; needs the InfiMNIST 1.3 data
files), ``mnist`` (MNIST itself, embedded), ``procedural`` (deformations from
MNIST alone: a different, separately versioned dataset), and any index range
(``InfimnistConfig(first=..., last=...)``). Deformed examples are generated in
batches by the byte-exact TF ops (``ops.py``) and written by ``fast_writer.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from tfds_mnist_family.core import build_guard, catalog, mnist, sources, tfds_compat
from tfds_mnist_family.infimnist import configs, fast_writer, inputs, ops, procedural
from tfds_mnist_family.infimnist.indices import IndexRange

_CHECKSUMS = Path(__file__).parent / "checksums.tsv"
_BATCH = 8192


class Builder(build_guard.BuildGuardMixin, tfds_compat.PrepareMessageMixin,
              tfds_compat.BatchWriterMixin,
              tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for InfiMNIST (MNIST8M), its procedural variant and MNIST."""

    BUILDER_CONFIGS = configs.BUILDER_CONFIGS
    DEFAULT_CONFIG_NAME = "mnist8m"
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
                "image": tfds.features.Image(shape=(28, 28, 1)),
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
        batches = self._batches(dl_manager)
        return {split: self._generate_examples(batches.iter_range(r))
                for split, r in self.builder_config.splits.items()}

    def batch_split_writers(self, dl_manager, download_config):
        """The fast path (``fast_writer``) for every config written as TFRecord."""
        if download_config.beam_options or self.info.file_format != tfds.core.FileFormat.TFRECORD:
            return None
        generator = self._batches(dl_manager)
        limit = download_config.max_examples_per_split
        return {split: _split_writer(generator, split, r if limit is None else r.head(limit))
                for split, r in self.builder_config.splits.items()}

    def _mnist(self, dl_manager) -> mnist.MnistArrays:
        self.info.metadata["mnist_content_sha256"] = dict(mnist.CONTENT_SHA256)
        return mnist.locate(dl_manager, "infimnist", _CHECKSUMS)

    def _batches(self, dl_manager) -> "ops.BatchGenerator | _MnistBatches":
        """What yields the config's (indices, images, labels) batches for an index range."""
        if self.builder_config.source == "mnist":
            return _MnistBatches(self._mnist(dl_manager))
        return self._batch_generator(dl_manager)

    def _batch_generator(self, dl_manager) -> ops.BatchGenerator:
        config = self.builder_config
        if config.source == "procedural":
            seed = procedural.DEFAULT_SEED if config.seed is None else config.seed
            tables = procedural.procedural_inputs_from(self._mnist(dl_manager), seed)
        else:
            locator = sources.Locator.for_builder(dl_manager, "infimnist", inputs.InfimnistForms(),
                                                  explicit=config.data_path)
            found = locator.locate(inputs.ARCHIVE)
            self.info.metadata["source"] = found.metadata()
            tables = inputs.load_inputs(found.path)
        self.info.metadata["inputs"] = dict(tables.provenance)  # what the data was made from
        return ops.BatchGenerator(tables, batch_size=_BATCH, jit_compile=True)

    def _generate_examples(self, batches):
        """Examples keyed by index, from batches of (indices, images, labels)."""
        for indices, images, labels in batches:
            pngs = fast_writer.encode_png_batch(images)
            for index, png, label in zip(indices.tolist(), pngs, labels.tolist()):
                yield index, {"image": png, "label": label, "index": index}


class _MnistBatches:
    """MNIST arrays with the ``iter_range`` of ``ops.BatchGenerator``: undeformed indices."""

    def __init__(self, arrays: mnist.MnistArrays) -> None:
        self.arrays = arrays

    def iter_range(self, index_range: IndexRange):
        for chunk in index_range.chunks(_BATCH):
            images, labels, indices = self.arrays.span((chunk.first, chunk.last))
            yield indices, images, labels


def _split_writer(generator: ops.BatchGenerator, split: str, index_range: IndexRange):
    return lambda template: fast_writer.write_split(generator, split, index_range, template)
