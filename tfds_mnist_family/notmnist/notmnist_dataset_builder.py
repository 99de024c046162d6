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
TEST_FOLD = 0  # `small`: `test` is font fold 0, `train` folds 1-4


@dataclasses.dataclass(eq=False)
class NotMnistConfig(tfds.core.BuilderConfig):
    """Which archive to read, which archive's images to leave out, extra splits."""

    archive: str = SMALL
    exclude_duplicates_of: str | None = None
    font_folds: bool = False


class Builder(build_guard.BuildGuardMixin, tfds_compat.PrepareMessageMixin,
              tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for notMNIST (registered as ``notmnist``)."""

    VERSION = tfds.core.Version("2.0.0")
    RELEASE_NOTES = {
        "1.0.0": "Initial release.",
        "2.0.0": "`small` gets a font-disjoint `train` (folds 1-4, ~80%) / `test` (fold 0) "
                 "pair, so the usual `split=['train', 'test']` works; all of `small` (the "
                 "published protocol's test set) is `train+test`. `large` is unchanged.",
    }
    BUILDER_CONFIGS = [
        NotMnistConfig(
            name="small",
            description="The hand-cleaned set (about 0.5% label errors): 18,724 readable "
                        "images. `train` (font folds 1-4) and `test` (fold 0) share no font; "
                        "`train+test` is the whole set; `fold_0`..`fold_4` for cross-validation.",
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
        if not config.font_folds:
            return {"train": self._generate_examples(source.path, report, full_pass=True,
                                                     excluded=excluded)}
        test_folds = frozenset({TEST_FOLD})
        train_folds = frozenset(range(fonts.NUM_FOLDS)) - test_folds
        splits = {"train": self._generate_examples(source.path, report, folds=train_folds,
                                                   full_pass=True),
                  "test": self._generate_examples(source.path, report, folds=test_folds)}
        for fold, name in enumerate(FOLD_SPLITS):
            splits[name] = self._generate_examples(source.path, report, folds=frozenset({fold}))
        return splits

    def _generate_examples(self, source: Path, report: GenerationReport, *,
                           folds: frozenset[int] | None = None, full_pass: bool = False,
                           excluded: frozenset[bytes] = frozenset()) -> Iterator[tuple[str, dict]]:
        """Yields the readable glyphs of ``source`` whose font fold is in ``folds`` (all if None).

        The ``full_pass`` (one per build) reads every glyph, fills ``report`` and checks
        the letters, and stores both as the dataset metadata; unreadable files are
        reported in every pass but logged once.
        """
        letter_means = letter_check.LetterMeans()
        yielded = 0
        for member in members.iter_source(source):
            if member.letter is None:
                report.skip(member.path, "not inside a letter folder A..J")
                continue
            font = fonts.font_from_filename(member.path)
            wanted = folds is None or fonts.fold_of_font(font) in folds
            if not (wanted or full_pass):
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
            if wanted:
                yielded += 1
                yield member.path, {"image": glyph.png, "label": member.letter,
                                    "filename": member.path, "font": font}
        if folds is not None and not yielded:
            raise sources.DataSourceError(
                f"{source}: no readable image falls into font fold(s) {sorted(folds)}; the "
                f"archive has too few fonts for {fonts.NUM_FOLDS} font-disjoint folds. Use "
                "the complete notMNIST archive.")
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
