"""InfiMNIST and MNIST Large Scale on the fly: one API shape (names, tuples, epochs)."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfds_mnist_family.infimnist as infimnist
import tfds_mnist_family.mnist_large_scale as mnist_large_scale
from tfds_mnist_family.core import epochs
from tfds_mnist_family.infimnist import procedural

SHARED_ARGUMENTS = ("batch_size", "shuffle_seed", "repeat", "epoch_size", "as_supervised")


@pytest.fixture(scope="module")
def tables():
    return procedural.procedural_inputs()


def _infimnist(tables, **kwargs):
    kwargs.setdefault("batch_size", 10)
    return infimnist.infimnist_dataset(tables, 70_000, 70_049, **kwargs)


def _large_scale(_, **kwargs):
    kwargs.setdefault("batch_size", 10)
    return mnist_large_scale.on_the_fly_dataset("test", scale=1.5, take=50, **kwargs)


MAKERS = {"infimnist": _infimnist, "mnist_large_scale": _large_scale}


def test_same_argument_names_and_defaults():
    for function in (infimnist.infimnist_dataset, infimnist.index_label_dataset,
                     mnist_large_scale.on_the_fly_dataset):
        params = inspect.signature(function).parameters
        names = SHARED_ARGUMENTS if function is not infimnist.index_label_dataset \
            else SHARED_ARGUMENTS[:-1]
        for name in names:
            assert name in params, f"{function.__name__} lacks {name}"
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params["repeat"].default is False and params["epoch_size"].default is None
        assert params["shuffle_seed"].default is None
        if "as_supervised" in params:
            assert params["as_supervised"].default is True


@pytest.mark.parametrize("name", MAKERS)
def test_finite_supervised_tuples_that_fit_ends(tables, name):
    ds = MAKERS[name](tables)
    assert ds.cardinality().numpy() == 5  # one pass of 50 examples, known to Keras
    x, y = next(iter(ds))  # a tuple, not a dict
    assert x.shape[0] == 10 and y.shape == (10,) and y.dtype == tf.int64
    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Flatten(),
                              keras.layers.Dense(10)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds.map(lambda a, b: (tf.cast(a, tf.float32), b)), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("name", MAKERS)
def test_dicts_on_request(tables, name):
    example = next(iter(MAKERS[name](tables, as_supervised=False)))
    assert {"image", "label", "index"} <= set(example)


@pytest.mark.parametrize("name", MAKERS)
def test_shuffle_seed_covers_the_data_once_and_reshuffles(tables, name):
    def passes(seed):
        ds = MAKERS[name](tables, shuffle_seed=seed, as_supervised=False)
        return [np.concatenate([b["index"].numpy() for b in ds]) for _ in range(2)]

    first, second = passes(3)
    plain = np.concatenate([b["index"].numpy() for b in MAKERS[name](tables, as_supervised=False)])
    assert sorted(first.tolist()) == sorted(plain.tolist()) == sorted(second.tolist())
    assert not np.array_equal(first, plain) and not np.array_equal(first, second)
    np.testing.assert_array_equal(passes(3)[0], first)  # seeded


@pytest.mark.parametrize("name", MAKERS)
def test_epoch_size_and_repeat(tables, name):
    sized = MAKERS[name](tables, epoch_size=80)  # more than one pass of 50: cycles
    assert sum(1 for _ in sized) == 8
    infinite = MAKERS[name](tables, repeat=True)
    assert infinite.cardinality().numpy() == tf.data.INFINITE_CARDINALITY
    assert sum(1 for _ in infinite.take(12)) == 12
    with pytest.raises(ValueError, match="not both"):
        MAKERS[name](tables, repeat=True, epoch_size=80)
    with pytest.raises(ValueError, match="smaller than one batch"):
        MAKERS[name](tables, epoch_size=5)


def test_endless_infimnist_stream_needs_epoch_size_or_repeat(tables):
    with pytest.raises(ValueError, match="never ends a Keras epoch"):
        infimnist.infimnist_dataset(tables, 70_000, None)
    with pytest.raises(ValueError, match="never ends a Keras epoch"):
        infimnist.index_label_dataset(tables, 70_000, None)
    ds = infimnist.infimnist_dataset(tables, 70_000, None, batch_size=16, epoch_size=64,
                                     shuffle_seed=0)
    images, labels = _concat(ds)
    assert images.shape == (64, 28, 28, 1) and labels.shape == (64,)


def _concat(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_endless_hint_names_both_ways_out():
    assert "epoch_size" in epochs.ENDLESS_HINT and "steps_per_epoch" in epochs.ENDLESS_HINT


def test_packages_export_builder_config_and_on_the_fly_api():
    import tfds_mnist_family.notmnist as notmnist

    for name in ("Builder", "InfimnistConfig", "infimnist_dataset", "index_label_dataset",
                 "InfimnistImages", "load_inputs", "procedural_inputs"):
        assert name in infimnist.__all__ and hasattr(infimnist, name)
    for name in ("Builder", "MnistLargeScaleConfig", "on_the_fly_dataset", "RescaleDigits"):
        assert name in mnist_large_scale.__all__ and hasattr(mnist_large_scale, name)
    for name in ("Builder", "NotMnistConfig"):
        assert name in notmnist.__all__ and hasattr(notmnist, name)
