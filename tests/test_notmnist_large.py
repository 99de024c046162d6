"""``large`` and ``large_dedup`` on generated archives of the published layout.

The real notMNIST_large.tar.gz (247 MB) was not available when this was written,
so these tests are the only evidence for the large configs.
"""

from __future__ import annotations

import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  (registers notmnist)
from tfds_mnist_family.core import sources
from tfds_mnist_family.testing import fake_notmnist


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.delenv(sources.MIRROR_ENV_VAR, raising=False)
    monkeypatch.setattr(sources, "_host_reachable", lambda url: "offline (test)")


def _prepare(config: str, manual_dir, data_dir) -> tfds.core.DatasetBuilder:
    tfds.builder(f"notmnist/{config}", data_dir=str(data_dir)).download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))
    return tfds.builder(f"notmnist/{config}", data_dir=str(data_dir))


@pytest.fixture
def manual_dir(tmp_path):
    fake_notmnist.write_dummy_data(tmp_path)
    return tmp_path


def test_large_keeps_every_readable_image_and_reports_bad_ones(manual_dir, tmp_path):
    builder = _prepare("large", manual_dir, tmp_path / "data")
    good = len(fake_notmnist.LARGE_FONTS) * 10 + 1
    assert builder.info.splits["train"].num_examples == good
    assert list(builder.info.splits) == ["train"]
    assert builder.info.metadata["skipped_files"] == sorted(
        fake_notmnist.bad_members("notMNIST_large"))
    assert builder.info.metadata["duplicates_removed_count"] == 0


def test_large_dedup_removes_exact_pixel_copies_of_small(manual_dir, tmp_path):
    builder = _prepare("large_dedup", manual_dir, tmp_path / "data")
    metadata = builder.info.metadata
    total = len(fake_notmnist.LARGE_FONTS) * 10 + 1
    assert metadata["duplicates_removed_count"] == fake_notmnist.EXPECTED_DUPLICATES
    assert builder.info.splits["train"].num_examples == total - fake_notmnist.EXPECTED_DUPLICATES
    renamed = f"notMNIST_large/C/{fake_notmnist.font_filename('RenamedCopy.ttf')}"
    assert renamed in metadata["duplicates_removed_files"]  # caught by pixels, not by name
    kept_fonts = {e["font"].decode() for e in tfds.as_numpy(builder.as_dataset(split="train"))}
    shared = {f"FakeFont-{i}.ttf" for i in set(fake_notmnist.SMALL_FONTS) & set(fake_notmnist.LARGE_FONTS)}
    assert shared and not kept_fonts & shared
    assert metadata["duplicates_reference"]["name"] == "notMNIST_small.tar.gz"


def test_large_dedup_without_small_fails_clearly_and_leaves_nothing(tmp_path):
    fake_notmnist.write_archive(tmp_path / "notMNIST_large.tar.gz", fake_notmnist.large_members())
    with pytest.raises(sources.DataSourceError, match="notMNIST_small.tar.gz"):
        _prepare("large_dedup", tmp_path, tmp_path / "data")
    assert not tfds.builder("notmnist/large_dedup", data_dir=str(tmp_path / "data")).is_prepared()
