"""Batch writer for InfiMNIST TFRecord shards: TFDS's on-disk format, without its per-example Python.

TFDS's generic path costs about 150 us per example in Python (feature encoding,
tf.train.Example construction, key hashing, shuffler), which caps MNIST8M
preparation at ~26 min on two cores. InfiMNIST examples are index-addressed and
all alike, so this module writes the same records directly:

* images come from the TF generator in batches (8192),
* PNG encoding is zlib (level 6, the default of TF's encoder) in two threads
  (zlib releases the GIL),
* the ``tf.train.Example`` bytes (features ``image``: bytes, ``label`` and
  ``index``: int64) are assembled from pre-encoded pieces,
* records go to shards through ``core.record_writer.write_shards`` (shared with
  MNIST Large Scale); ``core.tfds_compat`` registers the ``SplitInfo``.

``encode_png_batch`` is the package's one PNG encoder for InfiMNIST images (the
generic TFDS path uses it too, so both paths store the same bytes).

Tests check that each record parses to the same ``tf.train.Example`` as TFDS's
serializer makes, and that ``tfds.load`` reads the shards back byte-exact.
"""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow_datasets as tfds

from tfds_mnist_family.core import fast_read, record_writer
from tfds_mnist_family.infimnist import ops
from tfds_mnist_family.infimnist.indices import IndexRange

EXAMPLES_PER_SHARD = 250_000  # ~75 MB of PNG records per shard (TFDS aims at 64 MB - 1 GB)
PNG_LEVEL = 6

_PNG_HEAD = fast_read.png_head(28, 28)
_PNG_TAIL = fast_read.PNG_TAIL


def encode_png_batch(images: np.ndarray) -> list[bytes]:
    """Grayscale 8-bit PNGs for (n, 28, 28) uint8 images (filter 0 on every row)."""
    n = len(images)
    rows = np.zeros((n, 28, 29), np.uint8)  # a filter-type byte (0) before each row
    rows[:, :, 1:] = images.reshape(n, 28, 28)
    rows = rows.reshape(n, 28 * 29)
    pack, crc, compress = struct.pack, zlib.crc32, zlib.compress
    out = []
    for raw in rows:
        body = b"IDAT" + compress(raw.tobytes(), PNG_LEVEL)
        out.append(_PNG_HEAD + pack(">I", len(body) - 4) + body + pack(">I", crc(body))
                   + _PNG_TAIL)
    return out


_LABEL_ENTRIES = [record_writer.entry("label", record_writer.int64_feature(v)) for v in range(10)]


def serialize_example(image: bytes, label: int, index: int) -> bytes:
    """The serialized ``tf.train.Example`` {image: bytes, index: int64, label: int64}."""
    return record_writer.example(record_writer.entry("image", record_writer.bytes_feature(image)),
                                 record_writer.entry("index", record_writer.int64_feature(index)),
                                 _LABEL_ENTRIES[label])


def encode_images(images: np.ndarray, storage: str = "png",
                  pool: ThreadPoolExecutor | None = None, threads: int = 1) -> list[bytes]:
    """The stored bytes of (n, 28, 28[, 1]) uint8 images: PNGs (``encode_png_batch``,
    split over ``threads`` threads of ``pool``) or, for ``storage="raw"``, the pixels."""
    if storage == "raw":
        flat = np.ascontiguousarray(images, np.uint8).reshape(len(images), 28 * 28)
        return [row.tobytes() for row in flat]
    if pool is None or threads <= 1:
        return encode_png_batch(images)
    parts = np.array_split(images, threads)
    return [png for chunk in pool.map(encode_png_batch, parts) for png in chunk]


def write_split(generator: ops.BatchGenerator, split: str, index_range: IndexRange,
                template: tfds.core.ShardedFileTemplate, threads: int = 2,
                storage: str = "png") -> tfds.core.SplitInfo:
    """Writes ``index_range`` as split ``split``: shards of ``EXAMPLES_PER_SHARD`` examples,
    generated and encoded in batches (zlib releases the GIL, so ``threads`` encode PNGs)."""
    def records(pool: ThreadPoolExecutor, shard: IndexRange):
        for indices, images, labels in generator.iter_range(shard):
            encoded = encode_images(images, storage, pool, threads)
            yield [serialize_example(image, label, index)
                   for image, label, index in zip(encoded, labels.tolist(), indices.tolist())]

    with ThreadPoolExecutor(max(1, threads)) as pool:
        shards = [(len(shard), records(pool, shard))
                  for shard in index_range.chunks(EXAMPLES_PER_SHARD)]
        return record_writer.write_shards(split, template, shards)
