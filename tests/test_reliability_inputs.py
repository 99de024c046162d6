"""Reliability, inputs: wrong data never gets in, on any route, and the error names the file.

Routes: a config's ``data_path``, TFDS's manual_dir, ``$TFDS_MNIST_FAMILY_DATA``, the
reference tool's ``-d``. Every failed build leaves no prepared dataset behind.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tarfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  (registers the builders)
import tfds_mnist_family_cli as shim
from tfds_mnist_family.core import idx, mnist, sources
from tfds_mnist_family.infimnist import IndexRange, InfimnistConfig, InvalidIndexError, inputs
from tfds_mnist_family.mnist_large_scale import MnistLargeScaleConfig, official_h5
from tfds_mnist_family.notmnist import letter_check, members
from tfds_mnist_family.notmnist.members import LETTERS
from tfds_mnist_family.testing import infimnist_golden

RANGE = dict(first=70_000, last=70_009)


@pytest.fixture(scope="module")
def golden_dir() -> Path:
    return infimnist_golden.golden_data_dir()


def data_dir_with(tmp_path: Path, golden_dir: Path, name: str, content: bytes | None) -> Path:
    """A six-file InfiMNIST directory (links to the golden files) with ``name`` replaced."""
    directory = tmp_path / "data"
    directory.mkdir()
    for path in golden_dir.iterdir():
        if path.name != name:
            (directory / path.name).symlink_to(path)
    if content is not None:
        (directory / name).write_bytes(content)
    return directory


def changed_test_labels(golden_dir: Path) -> bytes:
    """The MNIST test labels with 10 labels changed: still 0-9, still the right size."""
    labels = idx.read_idx(golden_dir / mnist.TEST_LABELS).copy()
    labels[:10] = (labels[:10] + 1) % 10
    return gzip.compress(idx.idx_bytes(labels), mtime=0)


def build(config, tmp_path: Path, manual_dir: Path | None = None):
    builder = tfds.builder("infimnist", config=config, data_dir=str(tmp_path / "tfds"))
    try:
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            manual_dir=None if manual_dir is None else str(manual_dir)))
    finally:
        assert not tfds.builder("infimnist", config=config,
                                data_dir=str(tmp_path / "tfds")).is_prepared()
    return builder


# --- InfiMNIST inputs ------------------------------------------------------------------------
def test_changed_mnist_labels_via_data_path(tmp_path, golden_dir):
    directory = data_dir_with(tmp_path, golden_dir, mnist.TEST_LABELS, changed_test_labels(golden_dir))
    with pytest.raises(sources.ChecksumMismatchError, match=r"t10k-labels-idx1-ubyte\.gz: content"):
        build(InfimnistConfig(**RANGE, data_path=str(directory)), tmp_path)


def test_changed_mnist_labels_via_manual_dir(tmp_path, golden_dir):
    directory = data_dir_with(tmp_path, golden_dir, mnist.TEST_LABELS, changed_test_labels(golden_dir))
    with pytest.raises(sources.ChecksumMismatchError, match="t10k-labels"):
        build(InfimnistConfig(**RANGE), tmp_path, manual_dir=directory)


def test_changed_mnist_labels_via_mirror_variable(tmp_path, golden_dir, monkeypatch):
    directory = data_dir_with(tmp_path, golden_dir, mnist.TEST_LABELS, changed_test_labels(golden_dir))
    monkeypatch.setenv(sources.MIRROR_ENV_VAR, str(directory))
    with pytest.raises(sources.ChecksumMismatchError, match="t10k-labels"):
        build(InfimnistConfig(**RANGE), tmp_path)


def test_changed_mnist_labels_via_reference_tool(tmp_path, golden_dir, capsysbinary):
    directory = data_dir_with(tmp_path, golden_dir, mnist.TEST_LABELS, changed_test_labels(golden_dir))
    assert shim.main(["infimnist", "-d", str(directory), "labels", "0", "9"]) == 3
    captured = capsysbinary.readouterr()
    assert captured.out == b"" and b"t10k-labels-idx1-ubyte.gz: content" in captured.err


def test_uncompressed_mnist_file_with_changed_content(tmp_path, golden_dir):
    labels = idx.read_idx(golden_dir / mnist.TRAIN_LABELS).copy()
    labels[5] = (labels[5] + 3) % 10
    directory = data_dir_with(tmp_path, golden_dir, mnist.TRAIN_LABELS, None)
    (directory / mnist.TRAIN_LABELS.removesuffix(".gz")).write_bytes(idx.idx_bytes(labels))
    with pytest.raises(sources.ChecksumMismatchError, match="train-labels-idx1-ubyte: content"):
        inputs.load_inputs(directory)


def test_truncated_mnist_gzip_in_data_dir(tmp_path, golden_dir):
    data = (golden_dir / mnist.TEST_IMAGES).read_bytes()
    directory = data_dir_with(tmp_path, golden_dir, mnist.TEST_IMAGES, data[:len(data) // 2])
    with pytest.raises(sources.ChecksumMismatchError, match="t10k-images-idx3-ubyte.gz"):
        inputs.load_inputs(directory)


def _fields_with(golden_dir: Path, index: int, value: float) -> bytes:
    fields = np.fromfile(golden_dir / inputs.FIELDS_FILE, "<f4").copy()
    fields[index] = value
    return fields.tobytes()


@pytest.mark.parametrize("value, message", [(np.nan, "non-finite"), (np.inf, "non-finite"),
                                            (1e30, "beyond")])
def test_fields_with_impossible_values(tmp_path, golden_dir, value, message):
    directory = data_dir_with(tmp_path, golden_dir, inputs.FIELDS_FILE,
                              _fields_with(golden_dir, 1234, value))
    with pytest.raises(inputs.InputFilesError, match=f"{inputs.FIELDS_FILE}: .*{message}"):
        build(InfimnistConfig(**RANGE, data_path=str(directory)), tmp_path)


def test_fields_of_wrong_size(tmp_path, golden_dir):
    directory = data_dir_with(tmp_path, golden_dir, inputs.FIELDS_FILE, b"\0" * 1000)
    with pytest.raises(inputs.InputFilesError, match=f"{inputs.FIELDS_FILE}: 1000 bytes"):
        inputs.load_inputs(directory)


def test_missing_tangents_are_listed(tmp_path, golden_dir):
    directory = data_dir_with(tmp_path, golden_dir, inputs.TANGENTS_FILE, None)
    with pytest.raises(inputs.InputFilesError, match=f"{inputs.TANGENTS_FILE}: missing"):
        build(InfimnistConfig(**RANGE, data_path=str(directory)), tmp_path)


def test_nonexistent_data_path(tmp_path):
    with pytest.raises(sources.DataSourceError, match="nowhere: no such file or directory"):
        build(InfimnistConfig(**RANGE, data_path=str(tmp_path / "nowhere")), tmp_path)


@pytest.mark.parametrize("route", ["data_path", "manual_dir"])
def test_archive_with_wrong_checksum_is_rejected_on_every_route(tmp_path, route):
    archive = tmp_path / "in" / inputs.ARCHIVE_NAME
    archive.parent.mkdir()
    archive.write_bytes(b"not the InfiMNIST archive")
    config = InfimnistConfig(**RANGE, data_path=str(archive) if route == "data_path" else None)
    with pytest.raises(sources.ChecksumMismatchError, match=r"infimnist\.tar\.gz: SHA-256"):
        build(config, tmp_path, manual_dir=archive.parent if route == "manual_dir" else None)


def test_damaged_archive_is_named(tmp_path, golden_dir):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(golden_dir / inputs.FIELDS_FILE, arcname=f"infimnist/data/{inputs.FIELDS_FILE}")
    archive.write_bytes(archive.read_bytes()[:5000])
    with pytest.raises(inputs.InputFilesError, match=r"a\.tar\.gz: damaged or truncated archive"):
        inputs.load_inputs(archive)


def test_not_an_archive_is_named(tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_text("hello")
    with pytest.raises(inputs.InputFilesError, match=r"x\.tar\.gz: not a readable tar archive"):
        inputs.load_inputs(bogus)


def test_damaged_archive_via_reference_tool(tmp_path, capsysbinary):
    bogus = tmp_path / "infimnist.tar.gz"
    bogus.write_bytes(b"\x1f\x8b" + b"\0" * 100)
    assert shim.main(["infimnist", "-d", str(bogus), "patterns", "70000"]) == 3
    err = capsysbinary.readouterr().err
    assert err.count(b"\n") == 1 and b"infimnist.tar.gz" in err and b"Traceback" not in err


def test_inputs_are_recorded_in_the_metadata(tmp_path, golden_dir):
    builder = tfds.builder("infimnist", config=InfimnistConfig(**RANGE, data_path=str(golden_dir)),
                           data_dir=str(tmp_path))
    builder.download_and_prepare()
    recorded = tfds.builder("infimnist", config=builder.builder_config,
                            data_dir=str(tmp_path)).info.metadata
    fields = np.fromfile(golden_dir / inputs.FIELDS_FILE, "<f4")
    assert recorded["inputs"][inputs.FIELDS_FILE] == hashlib.sha256(fields.tobytes()).hexdigest()
    assert recorded["source"]["kind"] == "data_dir"
    assert recorded["inputs"]["t10k-labels-idx1-ubyte (content)"] == mnist.CONTENT_SHA256[
        mnist.TEST_LABELS]


@pytest.mark.parametrize("first, last", [(1.5, 10), (0, 2.0), (True, 3), ("1", "2"), (5, 4),
                                         (-1, 3), (0, 2**62)])
def test_bad_index_ranges_are_refused(first, last):
    with pytest.raises(InvalidIndexError):
        IndexRange(first, last)
    with pytest.raises(InvalidIndexError):
        InfimnistConfig(first=first, last=last)


# --- MNIST -------------------------------------------------------------------------------
def mnist_with_label_200(directory: Path) -> Path:
    """The four MNIST files in ``directory``, test label 7 set to 200."""
    for name in mnist.FILENAMES:
        shutil.copyfile(mnist.EMBEDDED_DIR / name, directory / name)
    labels = idx.read_idx(directory / mnist.TEST_LABELS).copy()
    labels[7] = 200
    idx.write_idx(directory / mnist.TEST_LABELS, labels)
    return directory


def test_label_out_of_range_is_named(tmp_path):
    with pytest.raises(idx.IdxFormatError, match=r"t10k-labels-idx1-ubyte\.gz: label 200"):
        mnist.load_mnist(mnist_with_label_200(tmp_path))


def test_label_out_of_range_in_manual_dir_fails_the_checksum(tmp_path):
    mnist_with_label_200(tmp_path)
    builder = tfds.builder("infimnist/mnist", data_dir=str(tmp_path / "tfds"))
    with pytest.raises(sources.ChecksumMismatchError, match="t10k-labels-idx1-ubyte.gz"):
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            manual_dir=str(tmp_path)))
    assert not builder.is_prepared()


# --- MNIST Large Scale ---------------------------------------------------------------------
@pytest.mark.parametrize("lo, hi", [(100.0, 100.0), (0.0, 0.0), (float("nan"), 1.0), (-1.0, 2.0),
                                    (4.0, 1.0), (1.0, float("inf"))])
def test_large_scale_config_scales_are_validated(lo, hi):
    with pytest.raises(ValueError, match="MnistLargeScaleConfig 'bad'"):
        MnistLargeScaleConfig(name="bad", scale_lo=lo, scale_hi=hi)


def _official_test_file(directory: Path, images: np.ndarray, name: str | None = None) -> Path:
    labels = np.arange(len(images)) % 10
    path = directory / (name or official_h5.test_file_name("2p000"))
    with h5py.File(path, "w") as h5:
        h5["x_test"] = images
        h5["y_test"] = labels
    return path


@pytest.mark.parametrize("value", [np.nan, 1e30, -5.0])
def test_official_file_with_impossible_pixels(tmp_path, value):
    images = np.full((3, 112, 112, 1), -0.76, np.float32)
    images[2, 50, 60, 0] = value
    path = _official_test_file(tmp_path, images, "x.h5")
    with pytest.raises(official_h5.OfficialFileError, match=r"x\.h5: /x_test row 2 has pixel"):
        list(official_h5.iter_batches(path, "test"))


def test_official_file_holding_fewer_examples_than_its_name_says(tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    _official_test_file(manual, np.full((50, 112, 112, 1), -0.76, np.float32))
    builder = tfds.builder("mnist_large_scale/scte2p000", data_dir=str(tmp_path / "tfds"))
    with pytest.raises(official_h5.OfficialFileError, match="holds 50 examples, but the file name "
                                                            "promises 10000"):
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            manual_dir=str(manual)))
    assert not builder.is_prepared()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_official_file_is_named(tmp_path, damage):
    path = _official_test_file(tmp_path, np.full((40, 112, 112, 1), -0.76, np.float32), "d.h5")
    data = path.read_bytes()
    path.write_bytes(b"garbage" * 100 if damage == "garbage" else data[:len(data) // 3])
    with pytest.raises(official_h5.OfficialFileError, match=r"d\.h5"):
        list(official_h5.iter_batches(path, "test", check_counts=False))


# --- notMNIST ------------------------------------------------------------------------------
def _template_like_glyphs(rng, letter: str, n: int) -> np.ndarray:
    with np.load(letter_check._TEMPLATES) as data:  # noqa: SLF001
        template = data[letter].astype(np.float64)
    return np.clip(template + rng.normal(0, 40, (n, 28, 28)), 0, 255)


def test_swapped_letter_folders_are_refused():
    rng = np.random.default_rng(0)
    means = letter_check.LetterMeans()
    for letter in LETTERS:
        folder_holds = {"A": "B", "B": "A"}.get(letter, letter)
        for glyph in _template_like_glyphs(rng, folder_holds, letter_check.MIN_GLYPHS):
            means.add(letter, glyph)
    with pytest.raises(letter_check.LetterFolderError, match=r"repack: .*A/ looks like B.*B/ "
                                                             r"looks like A"):
        means.check("repack")


def test_correct_letter_folders_pass_and_small_archives_are_not_judged():
    rng = np.random.default_rng(1)
    means = letter_check.LetterMeans()
    for letter in LETTERS:
        for glyph in _template_like_glyphs(rng, letter, letter_check.MIN_GLYPHS):
            means.add(letter, glyph)
    assert all(v.startswith(f"looks like {k}") for k, v in means.check("ok").items())
    few = letter_check.LetterMeans()
    few.add("A", np.zeros((28, 28)))
    assert "not checked" in few.check("tiny")["letter_folders"]


def test_real_repack_with_swapped_folders_is_refused(tmp_path):
    from conftest import real_data
    original = real_data("notmnist", "notMNIST_small.tar.gz")
    repack = tmp_path / "manual" / "notMNIST_small.tar.gz"
    repack.parent.mkdir()
    swap = {"A": "B", "B": "A"}
    with tarfile.open(original) as src, tarfile.open(repack, "w:gz") as dst:
        for member in src:
            parts = member.name.split("/")
            if len(parts) >= 3 and parts[1] in swap:
                parts[1] = swap[parts[1]]
                member.name = "/".join(parts)
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    builder = tfds.builder("notmnist/small", data_dir=str(tmp_path / "tfds"))
    with pytest.raises(letter_check.LetterFolderError, match="A/ looks like B"):
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            manual_dir=str(repack.parent)))
    assert not builder.is_prepared()


def test_not_an_archive_in_manual_dir_is_named(tmp_path):
    (tmp_path / "notMNIST_small.tar.gz").write_text("not a tar")
    builder = tfds.builder("notmnist/small", data_dir=str(tmp_path / "tfds"))
    with pytest.raises(members.ArchiveError, match=r"notMNIST_small\.tar\.gz: the archive is "
                                                   "unreadable"):
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            manual_dir=str(tmp_path)))
    assert not builder.is_prepared()


@pytest.mark.parametrize("bad", [0.0, float("nan"), 100.0, -1.0])
def test_large_scale_ops_and_layer_refuse_bad_scales(bad):
    import tensorflow as tf

    from tfds_mnist_family.mnist_large_scale import RescaleDigits, ops
    digits = np.zeros((2, 28, 28), np.uint8)
    scales = np.array([1.0, bad], np.float32)
    with pytest.raises(ValueError, match="outside the supported range"):
        ops.generate(digits, scales)  # eager
    with pytest.raises(tf.errors.InvalidArgumentError, match="digit scale is outside"):
        tf.function(ops.generate)(digits, scales)  # graph
    layer = RescaleDigits(scale=1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="digit scale is outside"):
        tf.function(lambda d, s: layer(d, scales=s))(digits, scales)
    jitted = tf.function(ops.generate, jit_compile=True)(digits, scales).numpy()
    assert np.isnan(jitted[1]).all() and np.isfinite(jitted[0]).all()  # NaN, never clipped


@pytest.mark.parametrize("kwargs", [{"scale": 100.0}, {"scale_range": (0.1, 2.0)},
                                    {"scale_range": (2.0, 1.0)}])
def test_large_scale_on_the_fly_arguments_are_validated(kwargs):
    from tfds_mnist_family.mnist_large_scale import on_the_fly_dataset
    with pytest.raises(ValueError):
        on_the_fly_dataset("test", **kwargs)
