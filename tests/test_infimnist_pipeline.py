"""On-the-fly pipelines and the Keras layer (GPU entry point)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tfds_mnist_family.testing import infimnist_golden
from tfds_mnist_family.testing.gpu_readiness import ops_without_gpu_kernel
from tfds_mnist_family.infimnist.indices import InvalidIndexError, check_indices
from tfds_mnist_family.infimnist import ops, pipeline


@pytest.fixture(scope="module")
def golden():
    return infimnist_golden.golden_inputs(), infimnist_golden.golden_vectors()


def _golden_subset(vectors, first, last):
    indices, images, labels = vectors
    keep = (indices >= first) & (indices <= last)
    order = np.argsort(indices[keep])
    return indices[keep][order], images[keep][order], labels[keep][order]


@pytest.mark.parametrize("jit", [True, False], ids=["xla", "graph"])
def test_range_dataset_is_byte_exact_and_in_order(golden, jit):
    inputs, vectors = golden
    ds = pipeline.infimnist_dataset(inputs, 70_000, 70_999, batch_size=300, jit_compile=jit)
    images, labels = pipeline.take_numpy(ds, 10)
    _, want_images, want_labels = _golden_subset(vectors, 70_000, 70_999)
    assert images.shape == (1000, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[..., 0], want_images)
    np.testing.assert_array_equal(labels, want_labels)


def test_shuffled_batches_cover_range_once_and_are_seeded():
    def epoch(seed):
        return np.concatenate([b.numpy() for b in pipeline.index_batches(
            5, 1004, batch_size=64, shuffle_seed=seed)])
    a, b, c = epoch(1), epoch(1), epoch(2)
    assert sorted(a.tolist()) == list(range(5, 1005))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and not np.array_equal(a, np.arange(5, 1005))


def test_endless_stream_never_repeats_and_has_fixed_batches():
    ds = pipeline.index_batches(70_000, None, batch_size=100, shuffle_seed=0)
    seen = np.concatenate([b.numpy() for b in ds.take(50)])
    assert len(seen) == 5000 and len(set(seen.tolist())) == 5000 and seen.min() >= 70_000


def test_normalized_endless_dataset_feeds_model_fit(golden):
    inputs, _ = golden
    ds = pipeline.infimnist_dataset(inputs, 70_000, None, batch_size=64, shuffle_seed=0,
                                    normalize=True, repeat=True)
    x, y = next(iter(ds))
    assert x.shape == (64, 28, 28, 1) and x.dtype == tf.float32 and y.dtype == tf.int64
    assert 0.0 <= float(tf.reduce_min(x)) and float(tf.reduce_max(x)) <= 1.0
    model = tf.keras.Sequential([tf.keras.Input((28, 28, 1)), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(10)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_bad_ranges_are_rejected_in_python(golden):
    inputs, _ = golden
    with pytest.raises(InvalidIndexError):
        pipeline.infimnist_dataset(inputs, -1, 10)
    with pytest.raises(InvalidIndexError):
        pipeline.infimnist_dataset(inputs, 0, 2**62)
    with pytest.raises(ValueError, match="must be >= first"):
        pipeline.index_batches(10, 5)
    for bad in (0, 2.5):
        with pytest.raises(ValueError, match=f"^batch_size={bad}: must be an integer >= 1"):
            pipeline.index_batches(0, 10, batch_size=bad)
        with pytest.raises(ValueError, match=f"^batch_size={bad}: must be an integer >= 1"):
            pipeline.infimnist_dataset(inputs, 0, 10, batch_size=bad)


def test_keras_layer_matches_golden_and_is_gpu_ready(golden):
    inputs, vectors = golden
    indices, images, labels = _golden_subset(vectors, 70_000, 70_099)
    layer = pipeline.InfimnistImages(inputs.to("/CPU:0"))
    out = layer(tf.constant(indices))
    assert out.shape == (100, 28, 28, 1) and out.dtype == tf.float32
    np.testing.assert_array_equal(np.round(out.numpy()[..., 0] * 255).astype(np.uint8), images)
    traced = tf.function(layer.call).get_concrete_function(tf.TensorSpec([None], tf.int64))
    assert ops_without_gpu_kernel(traced) == []
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        tf.function(layer.call)(tf.constant([-3], tf.int64))


def test_index_label_dataset_trains_model_with_layer(golden):
    inputs, vectors = golden
    ds = pipeline.index_label_dataset(inputs, 70_000, 70_999, batch_size=250)
    indices, labels = pipeline.take_numpy(ds, 4)
    _, _, want_labels = _golden_subset(vectors, 70_000, 70_999)
    np.testing.assert_array_equal(indices, np.arange(70_000, 71_000))
    np.testing.assert_array_equal(labels, want_labels)
    model = tf.keras.Sequential([tf.keras.Input(shape=(), dtype="int64"),
                                 pipeline.InfimnistImages(inputs), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(10)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_example_script_trains_above_chance():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "examples" / "infimnist_on_the_fly.py"
    spec = importlib.util.spec_from_file_location("infimnist_on_the_fly", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick", "--route", "layer"])
    assert result["examples"] == 20 * 128
    assert result["accuracy"] > 0.3  # chance is 0.1; 20 steps on deformed digits reach ~0.6
