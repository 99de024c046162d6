"""The `infimnist` builder: offline preparation from a local data directory, configs."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  registers the builders
from tfds_mnist_family.testing import infimnist_golden
from tfds_mnist_family.core import sources
from tfds_mnist_family.infimnist import ops, procedural
from tfds_mnist_family.infimnist import Builder, IndexRange, InfimnistConfig


def _offline(manual_dir=None, **kwargs) -> dict:
    return {"download_config": tfds.download.DownloadConfig(
        manual_dir=None if manual_dir is None else str(manual_dir), try_download_gcs=False,
        **kwargs)}


def test_default_config_is_mnist8m_with_published_ranges():
    builder = tfds.builder("infimnist", data_dir="/nonexistent")
    assert builder.builder_config.name == "mnist8m"
    splits = builder.builder_config.splits
    assert (splits["train"].first, splits["train"].last, len(splits["train"])) == (
        10_000, 8_109_999, 8_100_000)
    assert (splits["test"].first, splits["test"].last) == (0, 9_999)
    assert {c.name for c in Builder.BUILDER_CONFIGS} == {"mnist8m", "mnist", "procedural", "mnist_raw"}


def test_tfds_load_default_config_train_slice_offline(tmp_path, monkeypatch):
    """tfds.load("infimnist", split="train[:1000]") after an offline prepare from manual_dir."""
    monkeypatch.delenv(sources.MIRROR_ENV_VAR, raising=False)
    data_dir = str(tmp_path / "tfds")
    tfds.builder("infimnist", data_dir=data_dir).download_and_prepare(
        **_offline(infimnist_golden.golden_data_dir(), max_examples_per_split=1500))
    ds = tfds.load("infimnist", split="train[:1000]", data_dir=data_dir, download=False,
                   batch_size=-1)
    data = tfds.as_numpy(ds)
    mnist, _, _ = infimnist_golden.golden_numpy()
    np.testing.assert_array_equal(data["index"], np.arange(10_000, 11_000))
    np.testing.assert_array_equal(data["image"][..., 0], mnist.train_images[:1000])
    np.testing.assert_array_equal(data["label"], mnist.train_labels[:1000])
    # as_supervised works, ready for model.fit
    image, label = next(iter(tfds.load("infimnist", split="test[:3]", data_dir=data_dir,
                                       download=False, as_supervised=True)))
    assert image.shape == (28, 28, 1) and image.dtype == tf.uint8 and label.dtype == tf.int64


def test_user_range_config_matches_golden_vectors(tmp_path):
    indices, images, labels = infimnist_golden.golden_vectors()
    first, last = 69_990, 71_009  # pristine, then deformed examples 70000..71009
    config = InfimnistConfig(first=first, last=last, data_path=str(infimnist_golden.golden_data_dir()))
    assert config.name == "range_69990_71009"
    builder = tfds.builder("infimnist", config=config, data_dir=str(tmp_path))
    builder.download_and_prepare(**_offline())
    assert builder.info.splits["train"].num_examples == last - first + 1
    data = tfds.as_numpy(builder.as_dataset(split="train", batch_size=-1))
    np.testing.assert_array_equal(data["index"], np.arange(first, last + 1))
    position = {int(i): n for n, i in enumerate(indices)}
    golden = [(n, position[int(i)]) for n, i in enumerate(data["index"]) if int(i) in position]
    assert len(golden) >= 1000  # 70000..70999 (and some pristine indices) are golden vectors
    mine, theirs = zip(*golden)
    np.testing.assert_array_equal(data["image"][list(mine), ..., 0], images[list(theirs)])
    np.testing.assert_array_equal(data["label"][list(mine)], labels[list(theirs)])


def test_procedural_config_is_mnist_below_70000_and_differs_above(tmp_path):
    config = InfimnistConfig(first=69_995, last=70_004, source="procedural")
    builder = tfds.builder("infimnist", config=config, data_dir=str(tmp_path))
    builder.download_and_prepare(**_offline())
    data = tfds.as_numpy(builder.as_dataset(split="train", batch_size=-1))
    mnist, _, _ = infimnist_golden.golden_numpy()
    np.testing.assert_array_equal(data["image"][:5, ..., 0], mnist.train_images[-5:])
    expected, expected_labels = ops.generate(tf.constant(np.arange(69_995, 70_005)),
                                             procedural.procedural_inputs())
    np.testing.assert_array_equal(data["image"][..., 0], expected.numpy())
    np.testing.assert_array_equal(data["label"], expected_labels.numpy())
    golden, _ = ops.generate(tf.constant(np.arange(70_000, 70_005)), infimnist_golden.golden_inputs())
    assert (data["image"][5:, ..., 0] != golden.numpy()).any()


def test_procedural_inputs_are_deterministic_and_versioned():
    fields = procedural.procedural_fields()
    assert fields.shape == (1522, 784) and fields.dtype == np.float32
    assert 1.0 < fields.std() < 2.5  # smooth fields of the intended magnitude
    np.testing.assert_array_equal(fields, procedural.procedural_fields())
    assert not np.array_equal(fields, procedural.procedural_fields(seed=1))
    # neighbouring pixels are strongly correlated (smooth), unlike white noise
    grid = fields.reshape(-1, 28, 28)
    corr = np.corrcoef(grid[:, :, :-1].ravel(), grid[:, :, 1:].ravel())[0, 1]
    assert corr > 0.8
    import hashlib
    # Version 1.0.0 of the procedural dataset is defined by these bytes: a change
    # here silently changes the dataset and needs a new version.
    assert hashlib.sha256(fields.tobytes()).hexdigest() == procedural.FIELDS_SHA256_V1


def test_range_config_names_say_source_and_storage():
    assert InfimnistConfig(first=1, last=2).name == "range_1_2"
    assert InfimnistConfig(first=1, last=2, source="procedural",
                           image_storage="raw").name == "range_1_2_procedural_raw"


@pytest.mark.parametrize("kwargs,match", [
    ({"first": -1, "last": 5}, "0 <= first <= last < 2\\*\\*62"),
    ({"first": 10, "last": 5}, "0 <= first <= last"),
    ({"first": 0, "last": 2**62}, "2\\*\\*62"),
    ({"first": 0}, "both first and last"),
    ({"first": 0, "last": 5, "source": "nope"}, "source must be one of"),
    ({"first": 0, "last": 5, "image_storage": "jpeg"}, "image_storage must be one of"),
    ({"name": "x", "source": "mnist", "splits": {"train": IndexRange(0, 70_000)}},
     "indices < 70000 only"),
])
def test_bad_configs_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        InfimnistConfig(**kwargs)


def test_missing_archive_data_gives_instructions(tmp_path, monkeypatch):
    monkeypatch.delenv(sources.MIRROR_ENV_VAR, raising=False)
    monkeypatch.setattr(sources, "_host_reachable", lambda url: "no network (test)")
    builder = tfds.builder("infimnist", config=InfimnistConfig(first=70_000, last=70_009),
                           data_dir=str(tmp_path / "tfds"))
    (tmp_path / "manual").mkdir()
    with pytest.raises(sources.DataSourceError) as error:
        builder.download_and_prepare(**_offline(tmp_path / "manual"))
    message = str(error.value)
    assert "infimnist.tar.gz" in message and "no network (test)" in message
    assert str(tmp_path / "manual") in message and "tangVec_float_60000x28x28.bin" in message


def test_incomplete_data_dir_in_manual_dir_lists_problems(tmp_path, monkeypatch):
    monkeypatch.delenv(sources.MIRROR_ENV_VAR, raising=False)
    manual = tmp_path / "manual"
    manual.mkdir()
    (manual / "fields_float_1522x28x28.bin").write_bytes(b"\0" * 8)
    builder = tfds.builder("infimnist", config=InfimnistConfig(first=70_000, last=70_009),
                           data_dir=str(tmp_path / "tfds"))
    with pytest.raises(FileNotFoundError, match="fields_float_1522x28x28.bin: 8 bytes"):
        builder.download_and_prepare(**_offline(manual))
