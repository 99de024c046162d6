"""Batch writer for generated MNIST Large Scale splits, on the shared ``core.record_writer``.

TFDS's generic path costs, per 112x112 example, a ``tf.image.encode_png`` call
from Python plus ~150 us of feature encoding and ``tf.train.Example``
construction (~210 img/s for a whole build). Here a batch is generated (one
shared operator per batch at a single scale: ``ops.generate_one_scale``),
PNG-encoded to the bytes TFDS stores (``tf.image.encode_png``, i.e. libpng, of the
float32 bits viewed as 4 x uint8, as ``tfds.features.Image(dtype=np.float32)``
does): by ``encode_float_pngs_numpy`` (libpng's adaptive filter choice in numpy,
zlib with libpng's settings, in threads; ~4x faster than libpng here) when a probe
shows it gives TF's bytes on this machine, else by TF's op in one graph. Records are
serialised from pre-encoded pieces; the next batch is computed in a worker thread
while this one is written (TF, numpy and zlib release the GIL).
``tests/test_mnist_large_scale_fast_writer.py`` checks the records against
TFDS's serializer and a whole build against TFDS's generic writer.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfds_mnist_family.core import fast_read, record_writer
from tfds_mnist_family.mnist_large_scale import ops

EXAMPLES_PER_SHARD = 50_000  # ~100 MB of records per shard (TFDS aims at 64 MB - 1 GB)
BATCH = 1024

_LABEL_ENTRIES = [record_writer.entry("label", record_writer.int64_feature(v)) for v in range(10)]


# libpng as TF's encoder calls it: zlib level 6, memLevel 9, Z_FILTERED, IDAT chunks of 8 KiB.
_ZLIB = (6, zlib.DEFLATED, 15, 9, zlib.Z_FILTERED)
_IDAT_SIZE = 8192
_CHUNK = 64  # images filtered at once (bounds numpy temporaries)


def _filtered_rows(quads: np.ndarray) -> np.ndarray:
    """(n, H, 4W) uint8 -> (n, H, 1 + 4W): each row with libpng's adaptive filter choice
    (the minimum sum of |signed byte| over None, Sub, Up, Average, Paeth; first wins)."""
    x = quads.astype(np.int16)
    zero_row = np.zeros_like(x[:, :1])
    up = np.concatenate([zero_row, x[:, :-1]], axis=1)
    left = np.concatenate([np.zeros_like(x[:, :, :4]), x[:, :, :-4]], axis=2)
    up_left = np.concatenate([np.zeros_like(up[:, :, :4]), up[:, :, :-4]], axis=2)
    p = left + up - up_left
    pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - up_left)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
    candidates = np.stack([x, x - left, x - up, x - ((left + up) >> 1), x - paeth],
                          axis=2).astype(np.uint8)  # wraps mod 256, as PNG
    signed = candidates.astype(np.int16)
    cost = np.minimum(signed, 256 - signed).sum(axis=-1, dtype=np.int32)
    choice = np.argmin(cost, axis=2)
    rows = np.take_along_axis(candidates, choice[:, :, None, None], axis=2)[:, :, 0]
    return np.concatenate([choice.astype(np.uint8)[..., None], rows], axis=2)


def _png_rgba(filtered: np.ndarray, head: bytes) -> bytes:
    compressor = zlib.compressobj(*_ZLIB)
    data = compressor.compress(filtered.tobytes()) + compressor.flush()
    chunks = []
    for start in range(0, len(data), _IDAT_SIZE):
        body = b"IDAT" + data[start:start + _IDAT_SIZE]
        chunks.append(struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body)))
    return head + b"".join(chunks) + fast_read.PNG_TAIL


def _encode_chunk(images: np.ndarray) -> list[bytes]:
    n, height, width = images.shape[:3]
    head = fast_read.png_head(height, width, color_type=6)
    rows = _filtered_rows(np.ascontiguousarray(images, np.float32).view(np.uint8)
                          .reshape(n, height, width * 4))
    return [_png_rgba(r, head) for r in rows]


def encode_float_pngs_numpy(pool: ThreadPoolExecutor, images: np.ndarray) -> list[bytes]:
    """The bytes of ``encode_float_pngs`` (TF's libpng encoder), made with numpy + zlib in
    ``pool``'s threads (both release the GIL): (B, H, W, 1) float32 -> B PNGs."""
    parts = [images[i:i + _CHUNK] for i in range(0, len(images), _CHUNK)]
    return [png for part in pool.map(_encode_chunk, parts) for png in part]


@functools.lru_cache(maxsize=1)
def numpy_encoder_matches_tf() -> bool:
    """Whether ``encode_float_pngs_numpy`` gives TF's bytes here (zlib versions could differ):
    checked once on digits at the smallest, a middle and the largest scale."""
    probe = ops.generate(np.tile(_PROBE_DIGIT, (3, 1, 1)), np.array([0.5, 2.0, 8.0], np.float32))
    with ThreadPoolExecutor(1) as pool:
        mine = encode_float_pngs_numpy(pool, probe.numpy())
    return mine == list(encode_float_pngs(probe).numpy())


_PROBE_DIGIT = (np.add.outer(np.arange(28), np.arange(28)) * 4 % 256).astype(np.uint8)


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
    numpy_png = numpy_encoder_matches_tf()

    def compute(rows: slice) -> tuple[list[bytes], np.ndarray]:
        generated = generate_batch(images[rows], scales[rows], recipe_version)
        if numpy_png:
            return encode_float_pngs_numpy(png_pool, generated.numpy()), scales[rows]
        return list(encode_float_pngs(generated).numpy()), scales[rows]

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

    with ThreadPoolExecutor(2) as pool, ThreadPoolExecutor(2) as png_pool:
        bounds = range(0, len(images), EXAMPLES_PER_SHARD)
        shards = [(min(s + EXAMPLES_PER_SHARD, len(images)) - s,
                   records(pool, s, min(s + EXAMPLES_PER_SHARD, len(images)))) for s in bounds]
        return record_writer.write_shards(split, template, shards)
