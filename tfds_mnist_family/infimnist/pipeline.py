"""On-the-fly InfiMNIST: tf.data pipelines and a Keras layer, no preparation step.

* ``infimnist_dataset(tables, first, last, ...)``: batches of ``(image, label)``
  for any index range (optionally shuffled with a seed), or, with ``last=None``,
  a stream of fresh indices from ``first`` on. Ready for ``model.fit``; the
  epoch arguments (``repeat``, ``epoch_size``) follow ``core.epochs``, shared
  with ``mnist_large_scale.on_the_fly_dataset``. Generation runs inside
  ``Dataset.map``, i.e. on the CPU (tf.data places map functions on the host
  even when a GPU is present).
* ``IndexLabelDataset`` + ``InfimnistImages``: the GPU route. The dataset
  yields only ``(index, label)`` batches (cheap, CPU); the Keras layer turns the
  index batch into images with the same ops, on the device the model runs on.

Index validity is checked here in Python (ranges are checked when the dataset
is built; the layer checks concrete inputs and asserts in graph mode), because
XLA drops in-graph assertions.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfds_mnist_family.core import epochs, mnist
from tfds_mnist_family.infimnist import ops
from tfds_mnist_family.infimnist.indices import check_indices

MNIST8M_FIRST, MNIST8M_LAST = mnist.MNIST8M_TRAIN_SPAN

AUTOTUNE = tf.data.AUTOTUNE


def _check_range(first: int, last: int | None) -> None:
    check_indices([first] if last is None else [first, last])
    if last is not None and last < first:
        raise ValueError(f"last ({last}) must be >= first ({first})")


def index_batches(first: int, last: int | None = None, *, batch_size: int = 1024,
                  shuffle_seed: int | None = None, blocks_per_batch: int = 8,
                  repeat: bool = False, drop_remainder: bool = False) -> tf.data.Dataset:
    """int64 index batches (B,) covering ``first..=last``, or endless from ``first`` if last is None.

    Vectorized: the dataset's elements are blocks of ``batch_size // blocks_per_batch``
    consecutive indices, never single indices, so building batches costs
    microseconds. ``blocks_per_batch`` is lowered to a divisor of ``batch_size``
    so batches have exactly ``batch_size`` indices. ``shuffle_seed`` shuffles the block order (deterministically
    for a seed, differently each epoch) so each batch mixes ``blocks_per_batch``
    random places of the range (an endless stream shuffles within a window of
    4096 blocks); without it batches are consecutive indices.
    """
    _check_range(first, last)
    batch_size = epochs.check_batch_size(batch_size)
    if shuffle_seed is None:
        blocks_per_batch = 1
    blocks_per_batch = max(1, min(blocks_per_batch, batch_size))
    while batch_size % blocks_per_batch:  # blocks must tile the batch exactly
        blocks_per_batch -= 1
    block = batch_size // blocks_per_batch
    if last is None:
        starts = tf.data.Dataset.counter(start=0, dtype=tf.int64).map(lambda k: first + k * block)
        drop_remainder = True
    else:
        starts = tf.data.Dataset.range(first, last + 1, block, output_type=tf.int64)
    if shuffle_seed is not None:
        size = 4096 if last is None else min(1 << 20, (last - first) // block + 1)
        starts = starts.shuffle(size, seed=shuffle_seed, reshuffle_each_iteration=True)
    if repeat and last is not None:
        starts = starts.repeat()
    end = tf.constant(2**62 if last is None else last + 1, tf.int64)
    blocks = starts.map(lambda s: tf.range(s, tf.minimum(s + block, end)))
    if blocks_per_batch == 1:
        return blocks.filter(lambda b: tf.size(b) == block) if drop_remainder else blocks
    # Concatenate blocks to batches without going through single elements.
    blocks = blocks.ragged_batch(blocks_per_batch, drop_remainder=drop_remainder)
    batches = blocks.map(lambda r: r.flat_values)
    if drop_remainder:
        batches = batches.filter(lambda b: tf.size(b) == batch_size)
    return batches


def generator_fn(tables: ops.InfimnistInputs, jit_compile: bool = True, normalize: bool = False):
    """A ``tf.function`` mapping an int64 index batch to ``(images (B,28,28,1), labels)``.

    Images are uint8, or float32 in [0, 1] with ``normalize=True``.
    """
    stages = ops.compiled_generator(tables, jit_compile)

    @tf.function
    def generate(indices):
        images, labels = stages(indices)
        images = images[..., None]
        if normalize:
            images = tf.cast(images, tf.float32) / 255.0
        return images, labels
    return generate


def infimnist_dataset(tables: ops.InfimnistInputs, first: int = MNIST8M_FIRST,
                      last: int | None = MNIST8M_LAST, *, batch_size: int = 1024,
                      shuffle_seed: int | None = None, repeat: bool = False,
                      epoch_size: int | None = None, as_supervised: bool = True,
                      normalize: bool = False, drop_remainder: bool = False,
                      jit_compile: bool = True) -> tf.data.Dataset:
    """Batches of ``(images (B,28,28,1), labels (B,))`` generated on the fly.

    Default range: MNIST8M (10000..8109999), one pass per iteration.
    ``last=None``: fresh indices from ``first`` on (e.g. 70000: deformed digits
    only); needs ``epoch_size=N`` or ``repeat=True`` (see ``core.epochs``).
    ``as_supervised=False`` gives dicts ``{"image", "label", "index"}``.
    """
    repeat_pass = epochs.needs_repeat(endless=last is None, repeat=repeat, epoch_size=epoch_size,
                                      batch_size=batch_size)
    indices = index_batches(first, last, batch_size=batch_size, shuffle_seed=shuffle_seed,
                            repeat=repeat_pass, drop_remainder=drop_remainder or repeat_pass)
    indices = epochs.limit_epoch(indices, repeat=repeat, epoch_size=epoch_size,
                                 batch_size=batch_size)
    generate = generator_fn(tables, jit_compile, normalize)

    def examples(index_batch):
        images, labels = generate(index_batch)
        if as_supervised:
            return images, labels
        return {"image": images, "label": labels, "index": index_batch}

    return indices.map(examples, num_parallel_calls=AUTOTUNE, deterministic=True).prefetch(AUTOTUNE)


def index_label_dataset(tables: ops.InfimnistInputs, first: int = MNIST8M_FIRST,
                        last: int | None = MNIST8M_LAST, *, batch_size: int = 1024,
                        shuffle_seed: int | None = None, repeat: bool = False,
                        epoch_size: int | None = None) -> tf.data.Dataset:
    """``(indices (B,), labels (B,))`` batches: feed them to a model whose first layer is
    ``InfimnistImages``, so the deformations run on the model's device (GPU).
    Same range and epoch arguments as ``infimnist_dataset``."""
    labels = tables.labels
    repeat_pass = epochs.needs_repeat(endless=last is None, repeat=repeat, epoch_size=epoch_size,
                                      batch_size=batch_size)

    def with_labels(indices):
        return indices, tf.gather(labels, mnist.source_row(indices))

    ds = index_batches(first, last, batch_size=batch_size, shuffle_seed=shuffle_seed,
                       repeat=repeat_pass, drop_remainder=repeat_pass)
    ds = epochs.limit_epoch(ds, repeat=repeat, epoch_size=epoch_size, batch_size=batch_size)
    return ds.map(with_labels, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)


class InfimnistImages(tf.keras.layers.Layer):
    """Keras layer: int64 index batch (B,) -> images (B, 28, 28, 1) float32 in [0, 1].

    The GPU entry point: place it first in a model and the generation runs where
    the model runs. Build it with ``tables.to("/GPU:0")`` to keep the 530 MB of
    input tables on the GPU. Every op has a GPU kernel (see tests). Indices are
    checked in graph mode (``CheckNumerics``) unless ``jit_compile`` models drop it.
    """

    def __init__(self, tables: ops.InfimnistInputs, normalize: bool = True, **kwargs) -> None:
        kwargs.setdefault("trainable", False)
        kwargs.setdefault("dtype", "float32" if normalize else "uint8")
        super().__init__(**kwargs)
        self._tables = tables
        self.normalize = normalize

    def call(self, indices):
        images, _ = ops.generate(tf.cast(indices, tf.int64), self._tables, validate=True)
        images = images[..., None]
        if self.normalize:
            return tf.cast(images, tf.float32) / 255.0
        return images

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:1]) + (28, 28, 1)


def take_numpy(ds: tf.data.Dataset, batches: int) -> tuple[np.ndarray, np.ndarray]:
    """Concatenates the first ``batches`` batches of an (x, y) dataset as numpy arrays."""
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds.take(batches)])
    return np.concatenate(xs), np.concatenate(ys)
