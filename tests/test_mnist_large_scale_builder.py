"""mnist_large_scale builder: configs, generation from MNIST, official HDF5 files in manual_dir."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401 - registers the builders
from tfds_mnist_family.core.mnist import load_mnist
from tfds_mnist_family.mnist_large_scale import official_h5, ops, recipe

OFFICIAL_TEST_TAGS = ["0p500", "0p595", "0p707", "0p841", "1p000", "1p189", "1p414", "1p682",
                      "2p000", "2p378", "2p828", "3p364", "4p000", "4p757", "5p657", "6p727",
                      "8p000"]  # From the official file list (research note, section 2.1).


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(autouse=True)
def tiny_official_files(monkeypatch):
    """These tests read tiny files under official names (the check is tested separately)."""
    monkeypatch.setattr(tfds.builder_cls("mnist_large_scale"), "CHECK_DECLARED_COUNTS", False)


def _build(name: str, data_dir, manual_dir=None, max_examples: int | None = 3):
    builder = tfds.builder(f"mnist_large_scale/{name}", data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=None if manual_dir is None else str(manual_dir),
        max_examples_per_split=max_examples))
    return builder


def _examples(builder, split: str) -> list[dict]:
    return sorted(tfds.as_numpy(builder.as_dataset(split=split)), key=lambda e: e["index"])


def test_config_names_follow_official_files():
    names = [c.name for c in tfds.builder_cls("mnist_large_scale").BUILDER_CONFIGS]
    assert names[:4] == ["sctr1p000", "sctr2p000", "sctr4p000", "sctr1p000-4p000"]
    assert names[4:] == [f"scte{tag}" for tag in OFFICIAL_TEST_TAGS]
    configs = {c.name: c for c in tfds.builder_cls("mnist_large_scale").BUILDER_CONFIGS}
    assert configs["scte2p828"].official_file_name == \
        "mnist_large_scale_te10000_outsize112-112_scte2p828.h5"
    assert configs["sctr1p000-4p000"].official_file_name == (
        "mnist_large_scale_tr50000_vl10000_te10000_outsize112-112"
        "_sctr1p000-4p000_scte1p000-4p000.h5")


def test_generated_test_config_matches_ops(tmp_path, mnist):
    builder = _build("scte2p828", tmp_path)
    assert list(builder.info.splits) == ["test"]
    examples = _examples(builder, "test")
    assert [e["index"] for e in examples] == [0, 1, 2]
    expected = ops.generate(mnist.test_images[:3], np.full(3, 2 ** 1.5, np.float32)).numpy()
    for e, want, label in zip(examples, expected, mnist.test_labels):
        assert e["image"].shape == (112, 112, 1) and e["image"].dtype == np.float32
        np.testing.assert_array_equal(e["image"], want)
        assert e["label"] == label and e["scale"] == np.float32(2 ** 1.5)


def test_generated_range_config_splits_and_scales(tmp_path, mnist):
    builder = _build("sctr1p000-4p000", tmp_path, max_examples=2)
    starts = {"train": 10_000, "validation": 60_000, "test": 0}
    for split, first in starts.items():
        examples = _examples(builder, split)
        indices = np.array([e["index"] for e in examples])
        np.testing.assert_array_equal(indices, [first, first + 1])
        scales = np.array([e["scale"] for e in examples])
        np.testing.assert_array_equal(scales, ops.range_scales(indices).numpy())
        assert np.all((scales >= 1) & (scales <= 4)) and scales[0] != scales[1]
    train = _examples(builder, "train")
    assert train[0]["label"] == mnist.train_labels[0]
    np.testing.assert_array_equal(
        train[0]["image"], ops.generate(mnist.train_images[:1], [train[0]["scale"]]).numpy()[0])
    assert _examples(builder, "validation")[0]["label"] == mnist.train_labels[50_000]


def _random_official_split(rng, n):
    images = rng.uniform(-0.77, 0.77, (n, 112, 112, 1)).astype(np.float32)
    return images, rng.integers(0, 10, n)


def test_official_files_in_manual_dir_are_read_exactly(tmp_path):
    rng = np.random.default_rng(7)
    manual = tmp_path / "manual"
    manual.mkdir()
    train_file = {s: _random_official_split(rng, n) for s, n in
                  (("train", 4), ("validation", 2), ("test", 3))}
    official_h5.write_file(manual / official_h5.training_file_name("2p000"), train_file,
                           label_column=True)
    test_file = {"test": _random_official_split(rng, 5)}
    official_h5.write_file(manual / official_h5.test_file_name("1p189"), test_file, dummy_splits=True)

    builder = _build("sctr2p000", tmp_path / "data", manual, max_examples=None)
    for split, (images, labels) in train_file.items():
        got = list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))
        assert len(got) == len(images)
        by_label_and_bytes = sorted((int(e["label"]), e["image"].tobytes()) for e in got)
        assert by_label_and_bytes == sorted((int(l), i.tobytes()) for i, l in zip(images, labels))
        assert all(e["index"] == recipe.UNKNOWN_INDEX and e["scale"] == 2.0 for e in got)

    builder = _build("scte1p189", tmp_path / "data", manual, max_examples=None)
    assert builder.info.splits["test"].num_examples == 5  # dummy train/val sample skipped
    got = sorted((int(e["label"]), e["image"].tobytes())
                 for e in tfds.as_numpy(builder.as_dataset(split="test")))
    images, labels = test_file["test"]
    assert got == sorted((int(l), i.tobytes()) for i, l in zip(images, labels))


def test_official_file_in_local_mirror_dir_is_read(tmp_path, monkeypatch):
    from tfds_mnist_family.core import sources

    mirror = tmp_path / "mirror" / "mnist_large_scale"
    mirror.mkdir(parents=True)
    split = _random_official_split(np.random.default_rng(11), 4)
    official_h5.write_file(mirror / official_h5.test_file_name("0p707"), {"test": split},
                           dummy_splits=True)
    monkeypatch.setenv(sources.MIRROR_ENV_VAR, str(tmp_path / "mirror"))
    builder = _build("scte0p707", tmp_path / "data", max_examples=None)
    got = sorted((int(e["label"]), e["image"].tobytes())
                 for e in tfds.as_numpy(builder.as_dataset(split="test")))
    assert got == sorted((int(l), i.tobytes()) for i, l in zip(*split))


def test_range_official_file_has_unknown_scale(tmp_path):
    rng = np.random.default_rng(3)
    manual = tmp_path / "manual"
    manual.mkdir()
    official_h5.write_file(manual / official_h5.training_file_name("1p000-4p000"),
                           {s: _random_official_split(rng, 2) for s in official_h5.SPLIT_SUFFIX})
    builder = _build("sctr1p000-4p000", tmp_path / "data", manual, max_examples=None)
    got = list(tfds.as_numpy(builder.as_dataset(split="validation")))
    assert [e["scale"] for e in got] == [recipe.UNKNOWN_SCALE] * 2


def test_malformed_official_file_error_names_the_file(tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    name = official_h5.test_file_name("4p000")
    official_h5.write_file(manual / name, {"validation": _random_official_split(
        np.random.default_rng(0), 1)})  # no x_test
    with pytest.raises(official_h5.OfficialFileError, match=r"scte4p000\.h5.*x_test"):
        _build("scte4p000", tmp_path / "data", manual, max_examples=None)


def test_tfds_load_by_name_with_dash_config(tmp_path):
    ds = tfds.load("mnist_large_scale/sctr1p000-4p000", split="test[:2]", data_dir=str(tmp_path),
                   download_and_prepare_kwargs={"download_config": tfds.download.DownloadConfig(
                       max_examples_per_split=2)}, as_supervised=True)
    images, labels = zip(*tfds.as_numpy(ds))
    assert images[0].shape == (112, 112, 1) and len(labels) == 2


def test_same_config_twice_gives_identical_bytes(tmp_path):
    builds = [_build("scte5p657", tmp_path / str(i), max_examples=3) for i in range(2)]
    first, second = ([(e["index"], e["image"].tobytes(), e["scale"]) for e in _examples(b, "test")]
                     for b in builds)
    assert first == second and len(first) == 3


def test_builder_version_and_release_notes():
    cls = tfds.builder_cls("mnist_large_scale")
    assert str(cls.VERSION) == "2.0.0" and set(cls.RELEASE_NOTES) == {"1.0.0", "2.0.0"}
    assert all(c.recipe_version == recipe.RECIPE_VERSION == "2.0.0" for c in cls.BUILDER_CONFIGS)


def test_config_with_recipe_1_reproduces_old_generation(tmp_path, mnist):
    from tfds_mnist_family.mnist_large_scale.mnist_large_scale_dataset_builder import (
        MnistLargeScaleConfig)

    config = MnistLargeScaleConfig(name="scte2p000_recipe1", scale_lo=2.0, scale_hi=2.0,
                                   test_only=True, recipe_version="1.0.0")
    builder = tfds.builder("mnist_large_scale", config=config, data_dir=str(tmp_path))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        max_examples_per_split=2))
    got = _examples(builder, "test")
    old = ops.generate(mnist.test_images[:2], np.full(2, 2.0, np.float32), "1.0.0").numpy()
    for e, want in zip(got, old):
        np.testing.assert_array_equal(e["image"], want)
    assert not np.array_equal(old, ops.generate(mnist.test_images[:2], np.full(2, 2.0, np.float32)))


def test_official_file_under_another_name_is_reported_at_warning(tmp_path, caplog):
    manual = tmp_path / "manual"
    manual.mkdir()
    renamed = manual / (official_h5.test_file_name("1p414")[:-3] + "-1.h5")  # duplicate download
    official_h5.write_file(renamed, {"test": _random_official_split(np.random.default_rng(5), 2)},
                           dummy_splits=True)
    with caplog.at_level(logging.WARNING):
        builder = _build("scte1p414", tmp_path / "data", manual, max_examples=2)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
                and "mnist_large_scale" in r.getMessage()]
    assert any(official_h5.test_file_name("1p414") in w and str(manual) in w
               and renamed.name in w and "generating" in w for w in warnings), warnings
    assert [e["index"] for e in _examples(builder, "test")] == [0, 1]  # generated, not read
