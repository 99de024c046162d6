"""TFDS-format TFRecord shards written from batches: the one shard loop and record assembler.

Builders whose examples come in cheap batches (InfiMNIST, generated MNIST Large
Scale) skip TFDS's ~150 us of per-example Python: they serialise each
``tf.train.Example`` from pre-encoded pieces (``entry``, ``int64_feature``, ...,
``example``) and hand lists of records to ``write_shards``, which writes shards
named by TFDS's own ``ShardedFileTemplate`` and returns the ``SplitInfo`` that
``tfds_compat.BatchWriterMixin`` registers. Parity tests per dataset check that
the records parse to what TFDS's serializer makes.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Sequence

import tensorflow as tf
import tensorflow_datasets as tfds
from tensorflow_datasets.core.utils import tqdm_utils  # honours tfds.disable_progress_bar()


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


def bytes_feature(value: bytes) -> bytes:
    """Feature{bytes_list{value: [value]}}."""
    return _len_field(0x0A, _len_field(0x0A, value))


def float_feature(value: float) -> bytes:
    """Feature{float_list{value: [value]}} (packed float32, as protobuf writes it)."""
    return _len_field(0x12, _len_field(0x0A, struct.pack("<f", value)))


def int64_feature(value: int) -> bytes:
    """Feature{int64_list{value: [value]}} (packed, as protobuf writes it)."""
    return _len_field(0x1A, _len_field(0x0A, _varint(value)))


def entry(key: str, feature: bytes) -> bytes:
    """One map entry of Features.feature (``feature`` from ``*_feature``), as a field of Features."""
    return _len_field(0x0A, _len_field(0x0A, key.encode()) + _len_field(0x12, feature))


def example(*entries: bytes) -> bytes:
    """The serialized ``tf.train.Example`` holding ``entries`` (in TFDS's order: sorted keys)."""
    return _len_field(0x0A, b"".join(entries))


def write_shards(split: str, template: tfds.core.ShardedFileTemplate,
                 shards: Sequence[tuple[int, Iterable[Sequence[bytes]]]]) -> tfds.core.SplitInfo:
    """Writes split ``split``: one shard per ``(length, batches of serialized records)``.

    The batches of a shard are consumed lazily (pass generators) and must hold
    exactly ``length`` records in total.
    """
    num_bytes = 0
    with tqdm_utils.tqdm(total=sum(length for length, _ in shards), unit=" examples",
                         desc=f"Generating {split}", mininterval=1.0, leave=False) as bar:
        for shard_index, (length, batches) in enumerate(shards):
            path = template.sharded_filepath(shard_index=shard_index, num_shards=len(shards))
            written = 0
            with tf.io.TFRecordWriter(os.fspath(path)) as writer:
                for records in batches:
                    for record in records:
                        writer.write(record)
                        num_bytes += len(record)
                    written += len(records)
                    bar.update(len(records))
            if written != length:
                raise RuntimeError(f"{split} shard {shard_index}: {written} records written, "
                                   f"{length} expected")
    return tfds.core.SplitInfo(name=split, shard_lengths=[length for length, _ in shards],
                               num_bytes=num_bytes, filename_template=template)
