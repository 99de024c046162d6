"""Broken or missing sources fail with a clear error and leave no loadable dataset behind;
plus unit tests of font decoding, fold assignment and glyph validation."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  (registers notmnist)
from tfds_mnist_family.core import sources
from tfds_mnist_family.testing import fake_notmnist
from tfds_mnist_family.notmnist import fonts, glyphs, members


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.delenv(sources.MIRROR_ENV_VAR, raising=False)
    monkeypatch.setattr(sources, "_host_reachable", lambda url: "offline (test)")


def _prepare(manual_dir, data_dir, config: str = "small") -> None:
    tfds.builder(f"notmnist/{config}", data_dir=str(data_dir)).download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))


def _assert_nothing_loadable(data_dir, config: str = "small") -> None:
    assert not tfds.builder(f"notmnist/{config}", data_dir=str(data_dir)).is_prepared()
    with pytest.raises(AssertionError, match="could not find data"):
        tfds.load(f"notmnist/{config}", data_dir=str(data_dir), download=False)
    leftovers = list((data_dir / "notmnist" / config).glob("*incomplete*")) \
        if (data_dir / "notmnist" / config).exists() else []
    assert not leftovers


def test_truncated_archive_names_the_file_and_leaves_nothing(tmp_path):
    full = fake_notmnist.write_archive(tmp_path / "full.tar.gz", fake_notmnist.small_members())
    data = open(full, "rb").read()
    (tmp_path / "notMNIST_small.tar.gz").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(members.ArchiveError, match="notMNIST_small.tar.gz.*fresh copy"):
        _prepare(tmp_path, tmp_path / "data")
    _assert_nothing_loadable(tmp_path / "data")


def test_archive_missing_letters_is_rejected(tmp_path):
    partial = fake_notmnist.good_members("notMNIST_small", fake_notmnist.fake_fonts(range(12)),
                                        letters="ABCDE")
    fake_notmnist.write_archive(tmp_path / "notMNIST_small.tar.gz", partial)
    with pytest.raises(sources.DataSourceError, match="letter.*F, G, H, I, J"):
        _prepare(tmp_path, tmp_path / "data")
    _assert_nothing_loadable(tmp_path / "data")


def test_no_source_offline_lists_mirrors_and_where_to_put_the_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(sources.DataSourceError) as error:
        _prepare(tmp_path / "empty", tmp_path / "data")
    message = str(error.value)
    assert "yaroslavvb.com" in message and "commondatastorage.googleapis.com" in message
    assert "notMNIST_small.tar.gz" in message and "manual_dir" in message
    _assert_nothing_loadable(tmp_path / "data")


def test_incomplete_extracted_folder_is_rejected(tmp_path):
    for letter in "ABC":
        (tmp_path / "notMNIST_small" / letter).mkdir(parents=True)
    with pytest.raises(sources.DataSourceError, match="lacks the letter folder"):
        _prepare(tmp_path, tmp_path / "data")


@pytest.mark.parametrize("name, font", [
    ("RGVtb2NyYXRpY2FCb2xkT2xkc3R5bGUgQm9sZC50dGY=.png", "DemocraticaBoldOldstyle Bold.ttf"),
    ("notMNIST_small/A/" + fake_notmnist.font_filename("Ünïcode Font.otf"), "Ünïcode Font.otf"),
    ("not*base64!.png", "not*base64!"),  # invalid base64: the stem is kept
    ("_w==.png", "_w=="),  # base64 of a non-UTF-8 byte: the stem is kept
])
def test_font_from_filename(name, font):
    assert fonts.font_from_filename(name) == font


def test_folds_are_pinned_per_font_and_cover_all_folds():
    # Pinned: the folds are part of the dataset (changing the hash would move fonts
    # between fold_0..4 of a published version).
    assert [fonts.fold_of_font(f"Font {i}.ttf") for i in range(12)] == [
        4, 0, 2, 0, 1, 4, 2, 4, 0, 4, 4, 0]
    assert fonts.fold_of_font("DemocraticaBoldOldstyle Bold.ttf") == 1
    folds = [fonts.fold_of_font(f"Font {i}.ttf") for i in range(200)]
    assert set(folds) == set(range(fonts.NUM_FOLDS))
    assert max(folds.count(k) for k in range(5)) < 60  # roughly uniform


def test_decode_glyph_keeps_valid_pixels_and_explains_rejections():
    pixels = fake_notmnist.glyph_pixels("A", 3)
    glyph = glyphs.decode_glyph(fake_notmnist.png_bytes(pixels))
    assert glyph.ok and np.array_equal(glyph.pixels, pixels)
    four_bit = glyphs.decode_glyph(_png_4bit(pixels))  # re-encoded to 8 bits for storage
    assert four_bit.ok and glyphs.decode_glyph(four_bit.png).pixels.shape == (28, 28)
    rejected = {kind: glyphs.decode_glyph(data) for kind, data in {
        "la": fake_notmnist.png_bytes(pixels, mode="LA"),
        "palette": fake_notmnist.png_bytes(pixels, mode="P"),
        "empty": b""}.items()}
    assert not any(g.ok for g in rejected.values())
    assert "LA" in rejected["la"].reason and "P" in rejected["palette"].reason


def _png_4bit(pixels: np.ndarray) -> bytes:
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG", bits=4)
    return buffer.getvalue()


def test_letter_of_member_paths():
    assert members.letter_of("notMNIST_large/J/x.png") == "J"
    assert members.letter_of("notMNIST_large/K/x.png") is None
    assert members.letter_of("README") is None
