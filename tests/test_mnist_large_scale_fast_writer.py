"""The MNIST Large Scale batch writer produces exactly what TFDS's generic writer would."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401 - registers the builders
from tfds_mnist_family.core.mnist import load_mnist
from tfds_mnist_family.mnist_large_scale import fast_writer, ops


def test_records_parse_like_tfds_serializer():
    features = tfds.builder("mnist_large_scale/scte1p000", data_dir="/nonexistent").info.features
    serializer = tfds.core.example_serializer.ExampleSerializer(features.get_serialized_info())
    digits = load_mnist().test_images[:3]
    images = ops.generate(digits, np.array([0.5, 1.0, 8.0], np.float32)).numpy()
    pngs = fast_writer.encode_float_pngs(tf.constant(images)).numpy()
    for image, png, label, scale, index in zip(images, pngs, [0, 9, 4], [0.5, 1.0, 8.0],
                                               [0, 2**40 + 7, -1]):
        expected = serializer.serialize_example(features.encode_example(
            {"image": image, "label": label, "scale": np.float32(scale), "index": index}))
        mine = fast_writer.serialize_example(png, label, scale, index)
        assert tf.train.Example.FromString(mine) == tf.train.Example.FromString(expected)


def test_float_pngs_round_trip_bit_exact():
    rng = np.random.default_rng(0)
    images = rng.standard_normal((4, 112, 112, 1)).astype(np.float32)
    images[0] = np.nan
    pngs = fast_writer.encode_float_pngs(tf.constant(images)).numpy()
    for image, png in zip(images, pngs):
        back = tf.bitcast(tf.io.decode_png(png, channels=4), tf.float32).numpy()
        assert back.tobytes() == image[..., 0].tobytes()


def _load(builder, split: str) -> dict[str, np.ndarray]:
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    order = np.argsort(data["index"], kind="stable")
    return {key: value[order] for key, value in data.items()}


@pytest.mark.parametrize("name", ["scte2p000", "sctr1p000-4p000"])
def test_batch_and_generic_writers_give_identical_datasets(tmp_path, monkeypatch, name):
    """Single-scale (shared operator) and range (per-example operators) configs, several
    batches and shards."""
    monkeypatch.setattr(fast_writer, "BATCH", 16)
    monkeypatch.setattr(fast_writer, "EXAMPLES_PER_SHARD", 40)
    cls = tfds.builder_cls("mnist_large_scale")
    loaded = {}
    for batch_writer in (True, False):
        monkeypatch.setattr(cls, "BATCH_WRITER", batch_writer)
        builder = tfds.builder(f"mnist_large_scale/{name}", data_dir=str(tmp_path / str(batch_writer)))
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            max_examples_per_split=90))
        loaded[batch_writer] = {split: _load(builder, split) for split in builder.info.splits}
        if batch_writer:
            assert builder.info.splits["test"].shard_lengths == [40, 40, 10]
    assert loaded[True].keys() == loaded[False].keys()
    for split, data in loaded[True].items():
        assert len(data["index"]) == 90
        for key in ("image", "label", "scale", "index"):
            assert data[key].tobytes() == loaded[False][split][key].tobytes(), (split, key)
