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
* records go to ``tf.io.TFRecordWriter`` shards named by TFDS's own
  ``ShardedFileTemplate``; ``core.tfds_compat`` registers the ``SplitInfo``.

``encode_png_batch`` is the package's one PNG encoder for InfiMNIST images (the
generic TFDS path uses it too, so both paths store the same bytes).

Tests check that each record parses to the same ``tf.train.Example`` as TFDS's
serializer makes, and that ``tfds.load`` reads the shards back byte-exact.
"""

from __future__ import annotations

import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from tensorflow_datasets.core.utils import tqdm_utils  # honours tfds.disable_progress_bar()

from tfds_mnist_family.infimnist import ops
from tfds_mnist_family.infimnist.indices import IndexRange

EXAMPLES_PER_SHARD = 250_000  # ~75 MB of PNG records per shard (TFDS aims at 64 MB - 1 GB)
PNG_LEVEL = 6

_PNG_HEAD = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(
    ">IIBBBBB", 28, 28, 8, 0, 0, 0, 0)
_PNG_HEAD += struct.pack(">I", zlib.crc32(_PNG_HEAD[12:]))
_PNG_TAIL = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))


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


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # int64 two's complement, as protobuf
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _len_field(tag: int, payload: bytes) -> bytes:
    return bytes([tag]) + _varint(len(payload)) + payload


def _int64_feature(value: int) -> bytes:
    """Feature{int64_list{value: [value]}} (packed, as protobuf writes it)."""
    return _len_field(0x1A, _len_field(0x0A, _varint(value)))


def _entry(key: str, feature: bytes) -> bytes:
    """One map entry of Features.feature, as a field of Features."""
    return _len_field(0x0A, _len_field(0x0A, key.encode()) + _len_field(0x12, feature))


_LABEL_ENTRIES = [_entry("label", _int64_feature(v)) for v in range(10)]


def serialize_example(png: bytes, label: int, index: int) -> bytes:
    """The serialized ``tf.train.Example`` {image: bytes, index: int64, label: int64}."""
    image = _entry("image", _len_field(0x0A, _len_field(0x0A, png)))
    features = image + _entry("index", _int64_feature(index)) + _LABEL_ENTRIES[label]
    return _len_field(0x0A, features)


def encode_pngs(pool: ThreadPoolExecutor, images: np.ndarray, threads: int) -> list[bytes]:
    """``encode_png_batch`` of ``images`` split over ``threads`` threads of ``pool``."""
    parts = np.array_split(images, max(1, threads))
    return [png for chunk in pool.map(encode_png_batch, parts) for png in chunk]


def write_split(generator: ops.BatchGenerator, split: str, index_range: IndexRange,
                template: tfds.core.ShardedFileTemplate, threads: int = 2) -> tfds.core.SplitInfo:
    """Writes ``index_range`` as split ``split``: shards of ``EXAMPLES_PER_SHARD`` examples,
    generated and PNG-encoded in batches (zlib releases the GIL, so ``threads`` encode)."""
    shards = list(index_range.chunks(EXAMPLES_PER_SHARD))
    num_bytes = 0
    with ThreadPoolExecutor(max(1, threads)) as pool, tqdm_utils.tqdm(
            total=len(index_range), unit=" examples", desc=f"Generating {split}", mininterval=1.0,
            leave=False) as bar:
        for shard_index, shard in enumerate(shards):
            path = template.sharded_filepath(shard_index=shard_index, num_shards=len(shards))
            with tf.io.TFRecordWriter(os.fspath(path)) as writer:
                for indices, images, labels in generator.iter_range(shard):
                    pngs = encode_pngs(pool, images, threads)
                    for png, label, index in zip(pngs, labels.tolist(), indices.tolist()):
                        record = serialize_example(png, label, index)
                        writer.write(record)
                        num_bytes += len(record)
                    bar.update(len(indices))
    return tfds.core.SplitInfo(name=split, shard_lengths=[len(shard) for shard in shards],
                               num_bytes=num_bytes, filename_template=template)
