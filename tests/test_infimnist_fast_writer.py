"""The batch shard writer produces exactly what TFDS's generic writer would."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401
from tfds_mnist_family.testing import infimnist_golden
from tfds_mnist_family.infimnist import Builder, InfimnistConfig, fast_writer


def test_records_parse_like_tfds_serializer():
    features = tfds.builder("infimnist", data_dir="/nonexistent").info.features
    serializer = tfds.core.example_serializer.ExampleSerializer(features.get_serialized_info())
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    pngs = fast_writer.encode_png_batch(images)
    for (png, label, index) in [(pngs[0], 0, 0), (pngs[1], 9, 2**61 + 12345),
                                (pngs[2], 4, 2**62 - 1)]:
        expected = serializer.serialize_example(
            features.encode_example({"image": png, "label": label, "index": index}))
        mine = fast_writer.serialize_example(png, label, index)
        assert tf.train.Example.FromString(mine) == tf.train.Example.FromString(expected)


def test_png_batch_round_trips():
    rng = np.random.default_rng(1)
    images = np.concatenate([rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
                             np.zeros((1, 28, 28), np.uint8), np.full((1, 28, 28), 255, np.uint8)])
    for image, png in zip(images, fast_writer.encode_png_batch(images)):
        np.testing.assert_array_equal(tf.io.decode_png(png).numpy()[..., 0], image)


def _load(builder, split: str = "train"):
    """A split as numpy arrays sorted by index (TFDS's generic writer stores them hash-ordered)."""
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    order = np.argsort(data["index"], kind="stable")
    return {key: value[order] for key, value in data.items()}


def test_raw_records_parse_like_tfds_serializer():
    config = InfimnistConfig(first=0, last=9, source="mnist", image_storage="raw")
    features = tfds.builder("infimnist", config=config, data_dir="/nonexistent").info.features
    serializer = tfds.core.example_serializer.ExampleSerializer(features.get_serialized_info())
    images = np.random.default_rng(2).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    for image, raw, label, index in zip(images, fast_writer.encode_images(images, "raw"),
                                        (3, 7), (5, 2**62 - 1)):
        expected = serializer.serialize_example(features.encode_example(
            {"image": image[..., None], "label": label, "index": index}))
        mine = fast_writer.serialize_example(raw, label, index)
        assert tf.train.Example.FromString(mine) == tf.train.Example.FromString(expected)


@pytest.mark.parametrize("storage", ["png", "raw"])
def test_fast_and_generic_writers_give_identical_datasets(tmp_path, monkeypatch, storage):
    monkeypatch.setattr(fast_writer, "EXAMPLES_PER_SHARD", 70)
    config = InfimnistConfig(first=69_950, last=70_149, image_storage=storage,
                             data_path=str(infimnist_golden.golden_data_dir()))
    loaded = {}
    for fast in (True, False):
        monkeypatch.setattr(Builder, "BATCH_WRITER", fast)
        builder = tfds.builder("infimnist", config=config, data_dir=str(tmp_path / str(fast)))
        builder.download_and_prepare()
        loaded[fast] = _load(builder)
        if fast:
            assert builder.info.splits["train"].shard_lengths == [70, 70, 60]
    for key in ("image", "label", "index"):
        np.testing.assert_array_equal(loaded[True][key], loaded[False][key])
    np.testing.assert_array_equal(loaded[True]["index"], np.arange(69_950, 70_150))
    # The fast writer stores index order, so a slice across shard boundaries is an index range.
    part = tfds.as_numpy(tfds.load("infimnist", builder_kwargs={"config": config},
                                   data_dir=str(tmp_path / "True"), split="train[65:145]",
                                   batch_size=-1, download=False))
    np.testing.assert_array_equal(np.sort(part["index"]), np.arange(69_950 + 65, 69_950 + 145))


def test_fast_writer_honours_max_examples_per_split(tmp_path):
    config = InfimnistConfig(first=70_000, last=70_999, source="procedural")
    builder = tfds.builder("infimnist", config=config, data_dir=str(tmp_path))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        max_examples_per_split=25))
    assert builder.info.splits["train"].num_examples == 25
    np.testing.assert_array_equal(_load(builder)["index"], np.arange(70_000, 70_025))
