"""On-the-fly mnist_large_scale: tf.data pipeline and the RescaleDigits Keras layer."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfds_mnist_family.testing.gpu_readiness import ops_without_gpu_kernel
from tfds_mnist_family.core.mnist import load_mnist
from tfds_mnist_family.mnist_large_scale import ops, pipeline


def test_fixed_scale_dataset_matches_ops():
    ds = pipeline.on_the_fly_dataset("validation", scale=1.7, batch_size=4, take=6,
                                     as_supervised=False)
    batches = list(ds.as_numpy_iterator())
    assert [len(b["label"]) for b in batches] == [4, 2]
    b = batches[0]
    assert b["image"].shape == (4, 112, 112, 1) and b["image"].dtype == np.float32
    np.testing.assert_array_equal(b["index"], 60_000 + np.arange(4))
    m = load_mnist()
    np.testing.assert_array_equal(b["label"], m.train_labels[50_000:50_004])
    np.testing.assert_array_equal(
        b["image"], ops.generate(m.train_images[50_000:50_004], np.full(4, 1.7, np.float32)).numpy())


def test_range_dataset_reproduces_builder_scales():
    b = next(pipeline.on_the_fly_dataset("train", scale_range=(1, 4), batch_size=8,
                                            as_supervised=False).as_numpy_iterator())
    np.testing.assert_array_equal(b["scale"], ops.range_scales(b["index"]).numpy())
    other = next(pipeline.on_the_fly_dataset("train", scale_range=(0.5, 8), batch_size=8,
                                             as_supervised=False)
                 .as_numpy_iterator())
    assert other["scale"].min() >= 0.5 and other["scale"].max() <= 8.0


def test_rescale_example_for_dataset_map():
    m = load_mnist()
    ds = tf.data.Dataset.from_tensor_slices((m.test_images[:2], [0.5, 3.0])).map(pipeline.rescale_example)
    got = np.stack(list(ds.as_numpy_iterator()))
    np.testing.assert_array_equal(
        got, ops.generate(m.test_images[:2], np.array([0.5, 3.0], np.float32)).numpy())


@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one"), ({"scale": 1.0, "scale_range": (1, 2)}, "exactly one"),
    ({"scale": 40.0}, "outside the supported range"), ({"scale_range": (4, 1)}, "lo <= hi")])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pipeline.on_the_fly_dataset("test", **kwargs)
    with pytest.raises(ValueError, match=message):
        pipeline.RescaleDigits(**kwargs)


def test_keras_layer_in_a_model_and_gpu_ready():
    m = load_mnist()
    digits = m.test_images[:8]
    layer = pipeline.RescaleDigits(scale_range=(0.5, 8.0), seed=3)
    model = keras.Sequential([keras.Input((28, 28), dtype="uint8"), layer,
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)])
    assert model(digits).shape == (8, 10)
    a, b = layer(digits).numpy(), layer(digits).numpy()
    assert a.shape == (8, 112, 112, 1) and not np.array_equal(a, b)  # fresh scales per call
    fixed = pipeline.RescaleDigits(scale=2.0)
    np.testing.assert_array_equal(fixed(digits).numpy(),
                                  ops.generate(digits, np.full(8, 2.0, np.float32)).numpy())
    np.testing.assert_array_equal(fixed(digits, scales=np.full(8, 0.5, np.float32)).numpy(),
                                  ops.generate(digits, np.full(8, 0.5, np.float32)).numpy())
    cf = tf.function(layer.call).get_concrete_function(tf.TensorSpec([None, 28, 28], tf.uint8))
    assert ops_without_gpu_kernel(cf) == []
    restored = pipeline.RescaleDigits.from_config(layer.get_config())
    assert restored.scale_range == (0.5, 8.0)


def test_recipe_version_selects_the_old_recipe():
    m = load_mnist()
    digits = m.test_images[:4]
    ds = pipeline.on_the_fly_dataset("test", scale=2.0, batch_size=4, take=4, recipe_version="1.0.0",
                                     as_supervised=False)
    got = next(ds.as_numpy_iterator())["image"]
    old = ops.generate(digits, np.full(4, 2.0, np.float32), "1.0.0").numpy()
    np.testing.assert_array_equal(got, old)
    assert not np.array_equal(old, ops.generate(digits, np.full(4, 2.0, np.float32)).numpy())
    layer = pipeline.RescaleDigits(scale=2.0, recipe_version="1.0.0")
    np.testing.assert_array_equal(layer(digits).numpy(), old)
    restored = pipeline.RescaleDigits.from_config(layer.get_config())
    assert restored.recipe_version == "1.0.0"
    with pytest.raises(ValueError, match="recipe_version"):
        pipeline.on_the_fly_dataset("test", scale=2.0, recipe_version="0.9")
    with pytest.raises(ValueError, match="recipe_version"):
        pipeline.RescaleDigits(scale=2.0, recipe_version="0.9")
