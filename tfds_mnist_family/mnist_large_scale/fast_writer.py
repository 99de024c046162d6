"""Batch writer for generated MNIST Large Scale splits, on the shared ``core.record_writer``.

TFDS's generic path costs, per 112x112 example, a ``tf.image.encode_png`` call
from Python plus ~150 us of feature encoding and ``tf.train.Example``
construction (~210 img/s for a whole build). Here a batch is generated (one
shared operator per batch at a single scale: ``ops.generate_one_scale``),
PNG-encoded by the same TF op TFDS uses (``tf.image.encode_png`` of the float32
bits viewed as 4 x uint8, as ``tfds.features.Image(dtype=np.float32)`` stores
them) inside one graph, and serialised from pre-encoded pieces; the next batch
is computed in a worker thread while this one is written (TF releases the GIL).
``tests/test_mnist_large_scale_fast_writer.py`` checks the records against
TFDS's serializer and a whole build against TFDS's generic writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfds_mnist_family.core import record_writer
from tfds_mnist_family.mnist_large_scale import ops

EXAMPLES_PER_SHARD = 40_000  # records are ~1-36 KB (scale 0.5-8): <= ~0.9 GB per shard up to scale 4
BATCH = 1024

_LABEL_ENTRIES = [record_writer.entry("label", record_writer.int64_feature(v)) for v in range(10)]


@tf.function(reduce_retracing=True)
def encode_float_pngs(images: tf.Tensor) -> tf.Tensor:
    """(B, H, W, 1) float32 -> (B,) PNGs of the bits as (H, W, 4) uint8: what
    ``tfds.features.Image(dtype=np.float32)`` stores for each image."""
    shape = tf.shape(images)
    quads = tf.reshape(tf.bitcast(images, tf.uint8), [shape[0], shape[1], shape[2], 4])
    return tf.map_fn(tf.image.encode_png, quads, fn_output_signature=tf.string,
                     parallel_iterations=8)


def serialize_example(png: bytes, label: int, scale: float, index: int) -> bytes:
    """The serialized ``tf.train.Example`` {image: bytes, index: int64, label: int64,
    scale: float}."""
    return record_writer.example(record_writer.entry("image", record_writer.bytes_feature(png)),
                                 record_writer.entry("index", record_writer.int64_feature(index)),
                                 _LABEL_ENTRIES[label],
                                 record_writer.entry("scale", record_writer.float_feature(scale)))


def generate_batch(images: np.ndarray, scales: np.ndarray, recipe_version: str) -> tf.Tensor:
    """``ops.generate``, with one shared operator when the batch has a single scale."""
    if len(scales) and np.all(scales == scales[0]):
        return ops.generate_one_scale(images, float(scales[0]), recipe_version)
    return ops.generate(images, scales, recipe_version)


def write_split(split: str, template: tfds.core.ShardedFileTemplate, images: np.ndarray,
                labels: np.ndarray, indices: np.ndarray, scales: np.ndarray,
                recipe_version: str) -> tfds.core.SplitInfo:
    """Writes the digits ``images`` (with ``labels``, InfiMNIST ``indices``) at ``scales``
    (float32, one per digit) as split ``split``, in index order."""
    def compute(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        pngs = encode_float_pngs(generate_batch(images[rows], scales[rows], recipe_version))
        return pngs.numpy(), scales[rows]

    def records(pool: ThreadPoolExecutor, first: int, last: int) -> Iterator[list[bytes]]:
        starts = range(first, last, BATCH)
        pending = [pool.submit(compute, slice(s, min(s + BATCH, last))) for s in starts[:2]]
        for k, start in enumerate(starts):
            pngs, scales = pending[k].result()
            if k + 2 < len(starts):
                nxt = starts[k + 2]
                pending.append(pool.submit(compute, slice(nxt, min(nxt + BATCH, last))))
            rows = slice(start, start + len(pngs))
            yield [serialize_example(png, label, scale, index) for png, label, scale, index in
                   zip(pngs, labels[rows].tolist(), scales.tolist(), indices[rows].tolist())]

    with ThreadPoolExecutor(2) as pool:
        bounds = range(0, len(images), EXAMPLES_PER_SHARD)
        shards = [(min(s + EXAMPLES_PER_SHARD, len(images)) - s,
                   records(pool, s, min(s + EXAMPLES_PER_SHARD, len(images)))) for s in bounds]
        return record_writer.write_shards(split, template, shards)
