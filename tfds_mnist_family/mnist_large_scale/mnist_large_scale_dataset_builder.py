"""mnist_large_scale: MNIST digits rescaled over a factor of 16 into 112x112 images."""

from __future__ import annotations

import dataclasses
import functools
import logging
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfds_mnist_family.core import beam_support, build_guard, catalog, mnist, sources, tfds_compat
from tfds_mnist_family.mnist_large_scale import fast_writer, official_h5, ops, recipe

_HOMEPAGE = "https://zenodo.org/record/3820247"
_CHECKSUMS = Path(__file__).resolve().parent / "checksums.tsv"
GENERATION_BATCH = 256


@dataclasses.dataclass
class MnistLargeScaleConfig(tfds.core.BuilderConfig):
    """One official file: digit scales in [scale_lo, scale_hi]; test split only if test_only."""

    scale_lo: float = 1.0
    scale_hi: float = 1.0
    test_only: bool = False
    # Generation recipe for generated data (recipe.RECIPE_VERSIONS); "1.0.0"
    # reproduces builds made before the per-image contrast stretch.
    recipe_version: str = recipe.RECIPE_VERSION

    def __post_init__(self) -> None:
        for field in ("scale_lo", "scale_hi"):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and recipe.MIN_SCALE <= value <= recipe.MAX_SCALE):
                raise ValueError(f"MnistLargeScaleConfig {self.name!r}: {field}={value!r} is outside "
                                 f"the supported digit scales [{recipe.MIN_SCALE}, "
                                 f"{recipe.MAX_SCALE}]")
        if self.scale_lo > self.scale_hi:
            raise ValueError(f"MnistLargeScaleConfig {self.name!r}: scale_lo={self.scale_lo} > "
                             f"scale_hi={self.scale_hi}")

    @property
    def is_range(self) -> bool:
        return self.scale_hi != self.scale_lo

    @property
    def official_file_name(self) -> str:
        if self.test_only:
            return official_h5.test_file_name(recipe.scale_tag(self.scale_lo))
        tag = (recipe.range_tag(self.scale_lo, self.scale_hi) if self.is_range
               else recipe.scale_tag(self.scale_lo))
        return official_h5.training_file_name(tag)

    @property
    def splits(self) -> tuple[str, ...]:
        return ("test",) if self.test_only else ("train", "validation", "test")


def _training_config(scale: float) -> MnistLargeScaleConfig:
    tag = recipe.scale_tag(scale)
    return MnistLargeScaleConfig(
        name=f"sctr{tag}", scale_lo=scale, scale_hi=scale,
        description=f"Train/validation/test at digit scale {scale:g} "
                    f"(official file ..._sctr{tag}_scte{tag}.h5).")


def _test_config(scale: float) -> MnistLargeScaleConfig:
    tag = recipe.scale_tag(scale)
    return MnistLargeScaleConfig(
        name=f"scte{tag}", scale_lo=scale, scale_hi=scale, test_only=True,
        description=f"Test set only, digit scale {scale:.3f} (official file ..._scte{tag}.h5).")


def _range_config(lo: float, hi: float) -> MnistLargeScaleConfig:
    tag = recipe.range_tag(lo, hi)
    return MnistLargeScaleConfig(
        name=f"sctr{tag}", scale_lo=lo, scale_hi=hi,
        description=f"Train/validation/test with per-digit scales log-uniform in [{lo:g}, {hi:g}] "
                    f"(official file ..._sctr{tag}_scte{tag}.h5).")


class Builder(beam_support.BeamRequestMixin, build_guard.BuildGuardMixin,
              tfds_compat.PrepareMessageMixin, tfds_compat.BatchWriterMixin,
              tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for MNIST Large Scale (Jansson & Lindeberg 2020/2022)."""

    VERSION = tfds.core.Version("2.0.0")
    RELEASE_NOTES = {
        "1.0.0": "Initial release (generation recipe 1.0.0).",
        "2.0.0": "Generation recipe 2.0.0: each smoothed grey image is min-max stretched to "
                 "0..255 before the soft threshold, as the official images embedded in the "
                 "official helper notebook show (docs/datasets/mnist_large_scale.md, Evidence). Generated "
                 "values change (strokes fuller; every image peaks at +0.7612). Official-file "
                 "reading is unchanged. Recipe 1.0.0 stays available: "
                 "MnistLargeScaleConfig(..., recipe_version=\"1.0.0\"). `image` is stored as a "
                 "float32 `tfds.features.Image` (PNG of the float bits) instead of a `Tensor`: "
                 "`tfds.show_examples` works and examples are ~7 KB instead of 50 KB.",
    }
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""
    Optional. Without files, the data is generated from MNIST (shipped with this
    package). To use the official files instead, request them at {_HOMEPAGE}
    (restricted, made available on request) and place them, with their original
    names, in `manual_dir` (e.g. `tfds.download.DownloadConfig(manual_dir=DIR)`):
      mnist_large_scale_tr50000_vl10000_te10000_outsize112-112_sctr1p000_scte1p000.h5
      ... _sctr2p000_scte2p000.h5, ..._sctr4p000_scte4p000.h5,
      ... _sctr1p000-4p000_scte1p000-4p000.h5,
      mnist_large_scale_te10000_outsize112-112_scte0p500.h5 ... _scte8p000.h5
    """
    BUILDER_CONFIGS = (
        [_training_config(s) for s in recipe.TRAIN_SCALES]
        + [_range_config(*recipe.RANGE)]
        + [_test_config(s) for s in recipe.TEST_SCALES]
    )
    DEFAULT_CONFIG_NAME = "sctr1p000"
    # An official file must hold as many examples as its name says (tests of the reading
    # code use tiny files under official names and turn this off).
    CHECK_DECLARED_COUNTS = True
    # Digits per Beam element (one worker call); tests use smaller chunks.
    BEAM_CHUNK = 2_560

    def _info(self) -> tfds.core.DatasetInfo:
        size = recipe.OUTPUT_SIZE
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                # A float32 Image (bit-exact, PNG-compressed), not a Tensor: tfds.show_examples
                # and tfds.as_dataframe draw it, and it takes ~1/10 of the disk.
                "image": tfds.features.Image(shape=(size, size, 1), dtype=np.float32,
                                             doc="Soft-thresholded grey values, background -0.7629."),
                "label": tfds.features.ClassLabel(names=[str(d) for d in range(10)]),
                "scale": tfds.features.Scalar(
                    dtype=np.float32, doc="Digit magnification s (-1: unknown, official range file)."),
                "index": tfds.features.Scalar(
                    dtype=np.int64, doc="InfiMNIST index of the source digit (-1: official file)."),
            }),
            supervised_keys=("image", "label"),
            homepage=_HOMEPAGE,
            redistribution_info=catalog.redistribution_info(catalog.MNIST_LARGE_SCALE_LICENSE),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        config: MnistLargeScaleConfig = self.builder_config
        official = self._official_file(dl_manager)
        if official is not None:
            logging.info("mnist_large_scale/%s: reading the official file %s", config.name,
                         official.path)
            # Not Beam even when asked: one sequential read of one file.
            return {split: self._generate_official(official.path, split)
                    for split in config.splits}
        arrays = self._mnist_to_generate_from(dl_manager)
        spans = {split: arrays.span(mnist.REDUCED_SPLIT_SPANS[split]) for split in config.splits}
        if self.beam_request is not None:  # each worker rescales its chunks of digits
            from tfds_mnist_family.mnist_large_scale import beam_generation

            limit = self.beam_request.limit
            return {split: beam_generation.examples_ptransform(
                        config, *(a[:limit] for a in span), chunk=self.BEAM_CHUNK)
                    for split, span in spans.items()}
        return {split: self._generate_examples(*span) for split, span in spans.items()}

    def _official_file(self, dl_manager) -> sources.Found | None:
        """The config's official file if one is local, else None."""
        locator = sources.Locator.for_builder(dl_manager, "mnist_large_scale")
        found = locator.find_local(sources.Resource(self.builder_config.official_file_name))
        if found is None:
            _warn_generating(self.builder_config.official_file_name, locator.dirs)
        return found

    def _mnist_to_generate_from(self, dl_manager) -> mnist.MnistArrays:
        logging.info("mnist_large_scale/%s: generating from MNIST (recipe %s)",
                     self.builder_config.name, self.builder_config.recipe_version)
        return mnist.locate(dl_manager, "mnist_large_scale", _CHECKSUMS)

    def batch_split_writers(self, dl_manager, download_config):
        """The batch writer (``fast_writer``) for generated TFRecord builds; official files
        and Beam go through TFDS's generic writer."""
        if (download_config.beam_options
                or self.info.file_format != tfds.core.FileFormat.TFRECORD
                or self._official_file(dl_manager) is not None):
            return None
        config: MnistLargeScaleConfig = self.builder_config
        arrays = self._mnist_to_generate_from(dl_manager)
        limit = download_config.max_examples_per_split
        writers = {}
        for split in config.splits:
            images, labels, indices = arrays.span(mnist.REDUCED_SPLIT_SPANS[split])
            # Scales per GENERATION_BATCH, as _generate_examples draws them: TF's vectorised
            # pow rounds the last bit by position in the batch.
            scales = np.concatenate([_scales_for(config, indices[start:start + GENERATION_BATCH])
                                     for start in range(0, len(indices), GENERATION_BATCH)])
            writers[split] = functools.partial(
                fast_writer.write_split, split, images=images[:limit], labels=labels[:limit],
                indices=indices[:limit], scales=scales[:limit].astype(np.float32),
                recipe_version=config.recipe_version)
        return writers

    def _generate_examples(self, images: np.ndarray, labels: np.ndarray, indices: np.ndarray):
        """Rescales the digits batch by batch with TF ops; key = InfiMNIST index."""
        return rescaled_examples(self.builder_config, images, labels, indices)

    def _generate_official(self, path: Path, split: str):
        """Examples of ``split`` from an official-layout HDF5 file, in file order."""
        config: MnistLargeScaleConfig = self.builder_config
        scale = np.float32(recipe.UNKNOWN_SCALE if config.is_range else config.scale_lo)
        check = self.CHECK_DECLARED_COUNTS
        total = official_h5.num_examples(path, split, check_counts=check)
        row = 0
        with tfds.core.utils.tqdm(total=total, unit="image", leave=False,
                                  desc=f"{path.name}:{split}") as bar:
            for images, labels in official_h5.iter_batches(path, split, check_counts=check):
                for image, label in zip(images, labels):
                    yield row, {"image": image, "label": int(label), "scale": scale,
                                "index": recipe.UNKNOWN_INDEX}
                    row += 1
                bar.update(len(images))


def rescaled_examples(config: MnistLargeScaleConfig, images: np.ndarray, labels: np.ndarray,
                      indices: np.ndarray, progress: bool = True):
    """``(index, example)`` for MNIST digits rescaled in batches by ``ops.generate``: the one
    example maker of the generator and Beam paths. ``progress``: TFDS's tqdm bar (honours
    ``tfds.disable_progress_bar()``)."""
    starts = range(0, len(images), GENERATION_BATCH)
    if progress:
        starts = tfds.core.utils.tqdm(starts, unit="batch", leave=False,
                                      desc=f"mnist_large_scale/{config.name}")
    for start in starts:
        batch = slice(start, start + GENERATION_BATCH)
        scales = _scales_for(config, indices[batch])
        generated = ops.generate(tf.constant(images[batch]), tf.constant(scales),
                                 config.recipe_version).numpy()
        for image, label, scale, index in zip(generated, labels[batch], scales, indices[batch]):
            yield int(index), {"image": image, "label": int(label),
                               "scale": np.float32(scale), "index": int(index)}


def _scales_for(config: MnistLargeScaleConfig, indices: np.ndarray) -> np.ndarray:
    """Per-example scales: the config's scale, or log-uniform draws seeded by index."""
    if config.is_range:
        return ops.range_scales(tf.constant(indices), config.scale_lo, config.scale_hi).numpy()
    return np.full(len(indices), config.scale_lo, dtype=np.float32)


def _warn_generating(name: str, directories: list[Path]) -> None:
    """Says at WARNING which official file was looked for, where, and which other .h5 files
    there are not used: official files under another name are never read silently."""
    others = sorted(str(p) for d in directories if d.is_dir() for p in d.glob("*.h5"))
    logging.warning(
        "mnist_large_scale: official file %s not found in %s; generating from MNIST instead.%s",
        name, [str(d) for d in directories] or "(no local directories)",
        f" Other .h5 files there are NOT used (rename to the official name to read them): {others}"
        if others else "")
