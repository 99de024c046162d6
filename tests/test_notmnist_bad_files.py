"""A generated archive full of bad files prepares without crashing and reports each one."""

from __future__ import annotations

import logging
import tarfile

import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  (registers notmnist)
from tfds_mnist_family.core.sources import MIRROR_ENV_VAR
from tfds_mnist_family.testing import fake_notmnist

ROOT = "notMNIST_small"
GOOD = fake_notmnist.good_members(ROOT, fake_notmnist.fake_fonts(fake_notmnist.SMALL_FONTS))
BAD = fake_notmnist.bad_members(ROOT)
EXPECTED_REASON = {  # substring of the recorded reason, per bad file's font
    "Empty.ttf": "empty file", "Corrupt.ttf": "cannot decode", "Truncated.ttf": "cannot decode",
    "NotAnImage.ttf": "cannot decode", "Jpeg.ttf": "not a PNG", "WrongSize.ttf": "wrong size",
    "Rgb.ttf": "not 8-bit grayscale",
}


def _reason_key(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    for font in EXPECTED_REASON:
        if name == fake_notmnist.font_filename(font):
            return font
    return "outside"


def _prepare(manual_dir, data_dir) -> tfds.core.DatasetBuilder:
    builder = tfds.builder("notmnist/small", data_dir=str(data_dir))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))
    return tfds.builder("notmnist/small", data_dir=str(data_dir))  # reload from disk


@pytest.fixture(autouse=True)
def _no_mirror_env(monkeypatch):
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)


def test_archive_with_bad_files_prepares_and_reports_each(tmp_path, caplog):
    fake_notmnist.write_archive(tmp_path / "notMNIST_small.tar.gz", GOOD + list(BAD.items()))
    with caplog.at_level(logging.WARNING):
        builder = _prepare(tmp_path, tmp_path / "data")
    splits = builder.info.splits
    assert splits["train"].num_examples + splits["test"].num_examples == len(GOOD)
    metadata = builder.info.metadata
    assert metadata["skipped_files"] == sorted(BAD)
    assert metadata["skipped_count"] == len(BAD)
    for path, reason in metadata["skipped_reasons"].items():
        key = _reason_key(path)
        assert EXPECTED_REASON.get(key, "not inside a letter folder") in reason, (path, reason)
    # Read by 7 splits (train, test, 5 folds), but each bad file is logged exactly once.
    for path in BAD:
        assert sum(path in r.getMessage() for r in caplog.records) == 1, path
    loaded = {e["filename"].decode() for e in tfds.as_numpy(builder.as_dataset(split="train+test"))}
    assert loaded == {p for p, _ in GOOD}


def test_extracted_folder_tree_gives_the_same_dataset(tmp_path):
    archive = fake_notmnist.write_archive(tmp_path / "a.tar.gz", GOOD + list(BAD.items()))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "manual", filter="data")
    builder = _prepare(tmp_path / "manual", tmp_path / "data")
    splits = builder.info.splits
    assert splits["train"].num_examples + splits["test"].num_examples == len(GOOD)
    assert builder.info.metadata["skipped_files"] == sorted(BAD)
    assert builder.info.metadata["source"]["kind"] == "folder"
