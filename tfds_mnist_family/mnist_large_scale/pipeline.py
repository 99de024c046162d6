"""On-the-fly MNIST Large Scale at any (continuous) scale: tf.data and a Keras layer.

Two entry points, with the same argument names and epoch convention as InfiMNIST's:

* :func:`on_the_fly_dataset` / :func:`rescale_example` build ``tf.data`` pipelines.
  ``Dataset.map`` runs on the CPU even when a GPU is present.
* :class:`RescaleDigits` applies the same ops to whole batches inside the model
  (or a custom ``train_step``), where they run on the GPU: feed it raw 28x28
  digits and let the accelerator do the 112x112 work.
"""

from __future__ import annotations

import math
import os

import keras
import numpy as np
import tensorflow as tf

from tfds_mnist_family.core import epochs, mnist
from tfds_mnist_family.mnist_large_scale import ops, recipe



def rescale_example(image: tf.Tensor, scale: tf.Tensor,
                    recipe_version: str = recipe.RECIPE_VERSION) -> tf.Tensor:
    """One digit (28, 28[, 1]) at ``scale`` -> (112, 112, 1) float32; for ``Dataset.map``."""
    return ops.generate(tf.expand_dims(image, 0), tf.reshape(scale, [1]), recipe_version)[0]


def _validate_scale_args(scale: float | None, scale_range: tuple[float, float] | None) -> None:
    if (scale is None) == (scale_range is None):
        raise ValueError("pass exactly one of scale=S (one digit scale) or "
                         "scale_range=(lo, hi) (log-uniform per digit)")
    if scale is not None:
        ops.check_scales([scale])
    else:
        lo, hi = scale_range
        ops.check_scales([lo, hi])
        if not lo <= hi:
            raise ValueError(f"scale_range={scale_range!r}: need lo <= hi")


def mnist_split(split: str, mnist_dir: str | os.PathLike = mnist.EMBEDDED_DIR):
    """(images uint8 (n, 28, 28), labels, InfiMNIST indices) of a builder split."""
    if split not in mnist.REDUCED_SPLIT_SPANS:
        raise ValueError(f"split={split!r}: expected one of {tuple(mnist.REDUCED_SPLIT_SPANS)}")
    return mnist.load_mnist(mnist_dir).span(mnist.REDUCED_SPLIT_SPANS[split])


def on_the_fly_dataset(split: str = "train", *, scale: float | None = None,
                       scale_range: tuple[float, float] | None = None,
                       batch_size: int = 128, shuffle_seed: int | None = None,
                       repeat: bool = False, epoch_size: int | None = None,
                       as_supervised: bool = True, seed: int = recipe.RANGE_SEED,
                       take: int | None = None,
                       mnist_dir: str | os.PathLike = mnist.EMBEDDED_DIR,
                       recipe_version: str = recipe.RECIPE_VERSION) -> tf.data.Dataset:
    """Batches of ``(image (B,112,112,1) float32, label (B,))`` generated from MNIST on the fly.

    Same argument names and epoch convention (``core.epochs``) as
    ``infimnist.infimnist_dataset``: one pass over ``split`` per iteration,
    ``shuffle_seed`` reshuffles every pass, ``repeat=True`` is infinite,
    ``epoch_size=N`` gives ``N // batch_size`` batches per pass.
    ``as_supervised=False`` gives dicts ``{"image", "label", "scale", "index"}``.

    ``scale`` gives every digit the same scale; ``scale_range=(lo, hi)`` draws
    log-uniform scales seeded by (``seed``, index), which with the default seed
    and (1, 4) reproduces the ``sctr1p000-4p000`` config. Batching happens before
    generation so each batch is one vectorised op. ``take`` keeps the first n digits.
    ``recipe_version`` selects a released generation recipe (default the newest).
    """
    _validate_scale_args(scale, scale_range)
    recipe.check_recipe_version(recipe_version)
    repeat_pass = epochs.needs_repeat(endless=False, repeat=repeat, epoch_size=epoch_size,
                                      batch_size=batch_size)
    images, labels, indices = mnist_split(split, mnist_dir)
    if take is not None:
        images, labels, indices = images[:take], labels[:take], indices[:take]
    images, labels, indices = (tf.constant(images), tf.constant(labels.astype(np.int64)),
                               tf.constant(indices))
    positions = tf.data.Dataset.range(len(indices))
    if shuffle_seed is not None:
        positions = positions.shuffle(len(indices), seed=shuffle_seed, reshuffle_each_iteration=True)
    if repeat_pass:
        positions = positions.repeat()
    positions = epochs.limit_epoch(positions.batch(batch_size, drop_remainder=repeat_pass),
                                   repeat=repeat, epoch_size=epoch_size, batch_size=batch_size)

    def generate_batch(position):
        x, y, index = (tf.gather(images, position), tf.gather(labels, position),
                       tf.gather(indices, position))
        if scale is not None:
            s = tf.fill(tf.shape(index), tf.constant(scale, tf.float32))
        else:
            s = ops.range_scales(index, scale_range[0], scale_range[1], seed)
        image = ops.generate(x, s, recipe_version)
        if as_supervised:
            return image, y
        return {"image": image, "label": y, "scale": s, "index": index}

    return positions.map(generate_batch, num_parallel_calls=tf.data.AUTOTUNE,
                         deterministic=True).prefetch(tf.data.AUTOTUNE)


@keras.saving.register_keras_serializable(package="tfds_mnist_family")
class RescaleDigits(keras.layers.Layer):
    """Keras layer: 28x28 digits (B, 28, 28[, 1]) 0-255 -> MNIST Large Scale (B, 112, 112, 1).

    With ``scale`` every digit gets that scale; with ``scale_range`` each digit
    gets a fresh log-uniform scale per call (seeded by ``seed``), for scale
    augmentation on the accelerator. Call with ``scales=`` to choose them per digit.
    ``recipe_version`` selects a released generation recipe (default the newest).
    """

    def __init__(self, scale: float | None = None, scale_range: tuple[float, float] | None = None,
                 seed: int | None = None, recipe_version: str = recipe.RECIPE_VERSION, **kwargs):
        super().__init__(**kwargs)
        _validate_scale_args(scale, scale_range)
        self.recipe_version = recipe.check_recipe_version(recipe_version)
        self.scale = scale
        self.scale_range = tuple(scale_range) if scale_range is not None else None
        self.seed = seed
        self._seed_generator = keras.random.SeedGenerator(seed) if scale_range else None

    def call(self, digits, scales=None):
        batch = tf.shape(digits)[0]
        if scales is None:
            if self.scale is not None:
                scales = tf.fill([batch], tf.constant(self.scale, tf.float32))
            else:
                lo, hi = (math.log2(v) for v in self.scale_range)
                u = keras.random.uniform([batch], seed=self._seed_generator)
                scales = tf.pow(2.0, lo + (hi - lo) * tf.cast(u, tf.float32))
        return ops.generate(digits, scales, self.recipe_version)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], recipe.OUTPUT_SIZE, recipe.OUTPUT_SIZE, 1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "scale_range": self.scale_range,
                "seed": self.seed, "recipe_version": self.recipe_version}
