"""Fast batched reads of prepared TFDS data whose features are scalars and 8-bit PNG images.

``tfds.load(..., batch_size=B)`` parses and PNG-decodes one example at a time
(a tf.data element and a ``decode_png`` call per image): about 60 k img/s on two
cores for 28x28 digits. ``load_batched`` reads the same TFDS shards (the split's
``file_instructions``, so slicing such as ``"train[:10%]"`` works), batches the
serialized records first, parses each batch with one ``tf.io.parse_example`` and
decodes the batch's PNGs with ``decode_png_batch``: one vectorised zlib inflate
of the whole batch for the PNGs this package writes (8-bit grayscale, one IDAT
chunk, filter 0 on every row: ``infimnist.fast_writer.encode_png_batch``),
checked per batch, with ``tf.io.decode_png`` per image as the fallback for any
other PNG. Images and labels are exactly those of ``tfds.load``
(``tests/test_fast_read.py``).
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

_HEAD_LEN = 33  # PNG signature (8) + IHDR chunk (25)
_IDAT_LEN_AT = _HEAD_LEN  # 4-byte big-endian length of the first chunk after IHDR
_IDAT_DATA_AT = _HEAD_LEN + 8  # after the length and b"IDAT"
_SHUFFLED_FILES_OPEN = 16  # files read in turn when shuffle_files (tfds.ReadConfig's default)
_BLOCK_LENGTH = 16  # consecutive records taken from each open file (tfds.ReadConfig's default)
PNG_TAIL = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))


def png_head(height: int, width: int) -> bytes:
    """PNG signature + IHDR of an 8-bit grayscale, non-interlaced ``height`` x ``width`` image."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))


def decode_png_batch(pngs: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """(n,) PNG strings of ``height`` x ``width`` 8-bit grayscale images -> (n, h, w, 1) uint8.

    Vectorised when every PNG of the batch has exactly the layout of
    ``png_head(height, width)`` + one IDAT chunk + IEND with filter type 0 on every
    row (zlib checks each stream's Adler-32); otherwise ``tf.io.decode_png`` per image.
    """
    pngs = tf.convert_to_tensor(pngs, tf.string)
    row = width + 1  # filter-type byte + pixels
    size = tf.io.decode_raw(tf.strings.substr(pngs, _IDAT_LEN_AT, 4), tf.uint8)
    size = tf.reduce_sum(tf.cast(size, tf.int32) * tf.constant([1 << 24, 1 << 16, 1 << 8, 1]),
                         axis=-1)
    starts = tf.fill(tf.shape(size), _IDAT_DATA_AT)
    layout_ok = tf.reduce_all(
        (tf.strings.substr(pngs, 0, _HEAD_LEN) == png_head(height, width))
        & (tf.strings.substr(pngs, _IDAT_LEN_AT + 4, 4) == b"IDAT")
        & (tf.strings.length(pngs) == _IDAT_DATA_AT + size + 4 + len(PNG_TAIL))
        & (tf.strings.substr(pngs, starts + size + 4, tf.fill(tf.shape(size), len(PNG_TAIL))) == PNG_TAIL))

    def vectorised() -> tf.Tensor:
        raw = tf.io.decode_compressed(tf.strings.substr(pngs, starts, size), "ZLIB")
        ok = tf.reduce_all(tf.strings.length(raw) == height * row)
        with tf.control_dependencies([tf.debugging.assert_equal(
                ok, True, message="decode_png_batch: inflated size is not height*(width+1)")]):
            rows = tf.reshape(tf.io.decode_raw(raw, tf.uint8, fixed_length=height * row),
                              (-1, height, row))
        return rows

    def per_image() -> tf.Tensor:
        return tf.map_fn(lambda png: tf.io.decode_png(png, channels=1), pngs,
                         fn_output_signature=tf.TensorSpec((height, width, 1), tf.uint8))

    empty = tf.zeros((tf.size(pngs), height, row), tf.uint8)
    rows = tf.cond(layout_ok, vectorised, lambda: empty)
    filters_ok = layout_ok & tf.reduce_all(rows[:, :, 0] == 0)
    return tf.cond(filters_ok, lambda: rows[:, :, 1:, None], per_image)


def decode_raw_batch(data: tf.Tensor, shape: tuple[int, ...], dtype: tf.DType) -> tf.Tensor:
    """(n,) byte strings of fixed-shape tensors -> (n, *shape); every string's length is
    checked (``decode_raw``'s ``fixed_length`` would pad or cut silently)."""
    size = int(np.prod(shape)) * dtype.size
    with tf.control_dependencies([tf.debugging.assert_equal(
            tf.strings.length(data), size,
            message=f"decode_raw_batch: a stored tensor is not {size} bytes ({shape}, {dtype.name})")]):
        return tf.reshape(tf.io.decode_raw(data, dtype, fixed_length=size), (-1, *shape))


def _is_raw_bytes(feature: tfds.features.FeatureConnector) -> bool:
    """A fixed-shape numeric ``Tensor`` feature stored as its raw bytes in one string
    (``Encoding.BYTES``; told apart from ``ZLIB`` by encoding zeros, public API only)."""
    if type(feature) is not tfds.features.Tensor or None in feature.shape:  # noqa: E721
        return False
    info = feature.get_serialized_info()
    if info.shape != () or info.tf_dtype != tf.string or feature.tf_dtype == tf.string:
        return False
    zeros = np.zeros(feature.shape, feature.np_dtype)
    return len(feature.encode_example(zeros)) == zeros.nbytes


def _parse_spec(features: tfds.features.FeaturesDict) -> dict[str, tf.io.FixedLenFeature]:
    """``tf.io.parse_example`` spec of a FeaturesDict of scalars and images (as stored)."""
    spec = {}
    for name, info in features.get_serialized_info().items():
        if not isinstance(info, tfds.features.TensorInfo) or info.shape != ():
            raise ValueError(f"load_batched: feature {name!r} is not stored as a scalar "
                             f"({info}); use tfds.load")
        spec[name] = tf.io.FixedLenFeature([], info.tf_dtype)
    return spec


def load_batched(name: str, split: str, batch_size: int = 1024, *, data_dir: str | None = None,
                 as_supervised: bool = False, shuffle_files: bool = False,
                 seed: int | None = None, drop_remainder: bool = False) -> tf.data.Dataset:
    """Batches of a prepared dataset (``tfds.load(name, split=split, batch_size=...)``'s
    examples; order within a shard kept, shards interleaved), parsed and decoded per batch.

    The dataset must be prepared (``tfds.builder(name).download_and_prepare()``), stored as
    TFRecord, with scalar features, ``tfds.features.Image`` features of 8-bit grayscale
    (28x28 for the MNIST family) and fixed-shape ``Tensor`` features stored as bytes
    (``infimnist/mnist_raw``: no decoding at all, the fastest). Class labels stay int64,
    as TFDS returns them.
    """
    builder = tfds.builder(name, data_dir=data_dir)
    features = builder.info.features
    if builder.info.file_format != tfds.core.FileFormat.TFRECORD:
        raise ValueError(f"load_batched: {name} is stored as {builder.info.file_format}, "
                         "not TFRecord")
    images = {key: f for key, f in features.items() if isinstance(f, tfds.features.Image)}
    for key, feature in images.items():
        if feature.np_dtype != np.uint8 or feature.shape[-1] != 1 or None in feature.shape:
            raise ValueError(f"load_batched: image {key!r} is {feature.np_dtype} {feature.shape}, "
                             "not fixed-size 8-bit grayscale")
    raw = {key: f for key, f in features.items() if _is_raw_bytes(f)}
    spec = _parse_spec(features)
    instructions = list(builder.info.splits[split].file_instructions)
    if shuffle_files:
        np.random.default_rng(seed).shuffle(instructions)
    files = tf.data.Dataset.from_tensor_slices((
        [os.fspath(i.filename) for i in instructions],
        np.array([i.skip for i in instructions], np.int64),
        np.array([-1 if i.take is None or i.take < 0 else i.take for i in instructions], np.int64)))
    # One reader thread: a parallel interleave hands records across threads one at a
    # time and caps the whole pipeline at ~90 k img/s; one thread reads ~600 k records/s.
    records = files.interleave(
        lambda path, skip, take: tf.data.TFRecordDataset(path).skip(skip).take(take),
        cycle_length=min(len(instructions), _SHUFFLED_FILES_OPEN) if shuffle_files else 1,
        block_length=_BLOCK_LENGTH)

    def parse(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        example = tf.io.parse_example(serialized, spec)
        for key, feature in images.items():
            example[key] = decode_png_batch(example[key], *feature.shape[:2])
        for key, feature in raw.items():
            example[key] = decode_raw_batch(example[key], feature.shape, feature.tf_dtype)
        if as_supervised:
            image_key, label_key = builder.info.supervised_keys
            return example[image_key], example[label_key]
        return example

    return (records.batch(batch_size, drop_remainder=drop_remainder)
            .map(parse, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))
