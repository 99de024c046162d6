"""notMNIST: 28x28 glyphs of the letters A-J in 2k (small) / 19k (large) public fonts."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from tfds_mnist_family.core import build_guard, catalog, sources, tfds_compat
from tfds_mnist_family.notmnist import data_forms, fonts, glyphs, letter_check, members
from tfds_mnist_family.notmnist.report import GenerationReport

_HOMEPAGE = "http://yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html"
_CHECKSUMS = Path(__file__).resolve().parent / "checksums.tsv"
SMALL = "notMNIST_small.tar.gz"
LARGE = "notMNIST_large.tar.gz"
FOLD_SPLITS = tuple(f"fold_{k}" for k in range(fonts.NUM_FOLDS))


@dataclasses.dataclass(eq=False)
class NotMnistConfig(tfds.core.BuilderConfig):
    """Which archive to read, which archive's images to leave out, extra splits."""

    archive: str = SMALL
    exclude_duplicates_of: str | None = None
    font_folds: bool = False


class Builder(build_guard.BuildGuardMixin, tfds_compat.PrepareMessageMixin,
              tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for notMNIST (registered as ``notmnist``)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        NotMnistConfig(
            name="small",
            description="The hand-cleaned set (about 0.5% label errors): 18,724 readable "
                        "images. Also split into 5 font-disjoint folds.",
            archive=SMALL, font_folds=True),
        NotMnistConfig(
            name="large",
            description="The uncleaned set (about 6.5% label errors), about 530k images. "
                        "The published protocol trains on it and tests on `small`.",
            archive=LARGE),
        NotMnistConfig(
            name="large_dedup",
            description="`large` without every image whose pixels exactly equal an image "
                        "of `small`, so that train-on-large/test-on-small is not inflated "
                        "by overlap. The removed files are listed in the metadata.",
            archive=LARGE, exclude_duplicates_of=SMALL),
    ]
    DEFAULT_CONFIG_NAME = "small"
    MANUAL_DOWNLOAD_INSTRUCTIONS = """
    Optional: without local files the archives are downloaded. To build offline, put
    `notMNIST_small.tar.gz` / `notMNIST_large.tar.gz` (any re-pack is accepted and
    recorded in the metadata), or the extracted `notMNIST_small/A..J/` folders, in the
    manual_dir or in $TFDS_MNIST_FAMILY_DATA (optionally in a `notmnist/` sub-folder).
    `large_dedup` needs both sets.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(28, 28, 1), encoding_format="png"),
                "label": tfds.features.ClassLabel(names=list(members.LETTERS)),
                "filename": tfds.features.Text(doc="Path of the PNG inside the archive."),
                "font": tfds.features.Text(doc="Font file name, base64-decoded from the "
                                               "file name (the raw stem if undecodable)."),
            }),
            supervised_keys=("image", "label"),
            homepage=_HOMEPAGE,
            redistribution_info=catalog.redistribution_info(catalog.NOTMNIST_LICENSE),
            metadata=tfds.core.MetadataDict(),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        resources = sources.load_resources(_CHECKSUMS)
        config: NotMnistConfig = self.builder_config
        locator = sources.Locator.for_builder(dl_manager, "notmnist", data_forms.NotMnistForms())
        source = locator.locate(resources[config.archive])
        self.info.metadata["source"] = source.metadata()
        excluded: frozenset[bytes] = frozenset()
        if config.exclude_duplicates_of:
            reference = locator.locate(resources[config.exclude_duplicates_of])
            self.info.metadata["duplicates_reference"] = reference.metadata()
            excluded = _pixel_digests(reference.path)
        report = GenerationReport()
        splits = {"train": self._generate_examples(source.path, report, excluded=excluded)}
        if config.font_folds:
            for fold, name in enumerate(FOLD_SPLITS):
                splits[name] = self._generate_examples(source.path, report, fold=fold)
        return splits

    def _generate_examples(self, source: Path, report: GenerationReport, *,
                           fold: int | None = None,
                           excluded: frozenset[bytes] = frozenset()) -> Iterator[tuple[str, dict]]:
        """Yields every readable glyph of ``source`` (of one font fold if ``fold`` is set).

        The ``train`` pass (``fold is None``) also fills ``report`` and stores it as
        the dataset metadata; unreadable files are reported in every pass but logged once.
        """
        full_pass = fold is None
        letter_means = letter_check.LetterMeans()
        yielded = 0
        for member in members.iter_source(source):
            if member.letter is None:
                report.skip(member.path, "not inside a letter folder A..J")
                continue
            font = fonts.font_from_filename(member.path)
            if not full_pass and fonts.fold_of_font(font) != fold:
                continue
            glyph = glyphs.decode_glyph(member.data)
            if not glyph.ok:
                report.skip(member.path, glyph.reason)
                continue
            if excluded and _digest(glyph.pixels) in excluded:
                report.duplicates_removed.append(member.path)
                continue
            if full_pass:
                letter_means.add(member.letter, glyph.pixels)
                report.examples[member.letter] += 1
                report.plain_white[member.letter] += int(np.all(glyph.pixels == 255))
            yielded += 1
            yield member.path, {"image": glyph.png, "label": member.letter,
                                "filename": member.path, "font": font}
        if not full_pass and not yielded:
            raise sources.DataSourceError(
                f"{source}: no readable image falls into font fold {fold}; the archive has "
                f"too few fonts for {fonts.NUM_FOLDS} font-disjoint folds. Use the complete "
                "notMNIST archive.")
        if full_pass:
            _check_complete(source, report)
            self.info.metadata["letter_check"] = letter_means.check(source)
            self.info.metadata.update(report.metadata())


def _digest(pixels: np.ndarray) -> bytes:
    return hashlib.sha256(pixels.tobytes()).digest()


def _pixel_digests(source: Path) -> frozenset[bytes]:
    """Pixel hashes of every readable glyph of ``source`` (the set to deduplicate against)."""
    digests = set()
    for member in members.iter_source(source):
        glyph = glyphs.decode_glyph(member.data)
        if member.letter is not None and glyph.ok:
            digests.add(_digest(glyph.pixels))
    if not digests:
        raise sources.DataSourceError(f"{source}: no readable notMNIST glyph found; it "
                                      "cannot serve as the deduplication reference.")
    return frozenset(digests)


def _check_complete(source: Path, report: GenerationReport) -> None:
    """Fails (so TFDS discards the half-written dataset) if letters are missing."""
    missing = [letter for letter in members.LETTERS if not report.examples[letter]]
    if missing:
        raise sources.DataSourceError(
            f"{source}: no readable image for letter(s) {', '.join(missing)}; this is not "
            "a complete notMNIST archive. Replace it with the published archive or the "
            "complete extracted notMNIST_<size>/A..J/ folder tree.")
