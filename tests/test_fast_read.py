"""``load_batched`` / ``decode_png_batch`` give exactly what ``tfds.load`` gives."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import tfds_mnist_family
from tfds_mnist_family.core import fast_read
from tfds_mnist_family.infimnist import fast_writer


def _by_index(batches: list[dict]) -> dict[str, np.ndarray]:
    arrays = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    order = np.argsort(arrays["index"], kind="stable")
    return {key: value[order] for key, value in arrays.items()}


@pytest.mark.parametrize("split", ["test", "train[1234:5000]", "validation"])
def test_load_batched_equals_tfds_load(prepared_mnist_dir: str, split: str) -> None:
    default = tfds.as_numpy(tfds.load("infimnist/mnist", split=split, batch_size=-1,
                                      data_dir=prepared_mnist_dir))
    fast = list(tfds.as_numpy(tfds_mnist_family.load_batched(
        "infimnist/mnist", split, 1000, data_dir=prepared_mnist_dir)))
    assert all(len(b["index"]) <= 1000 for b in fast)
    expected, got = _by_index([default]), _by_index(fast)
    assert sorted(got) == sorted(expected)
    assert len(np.unique(got["index"])) == len(got["index"]) > 0
    for key in expected:
        assert got[key].dtype == expected[key].dtype, key
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def test_load_batched_as_supervised(prepared_mnist_dir: str) -> None:
    images, labels = next(iter(tfds_mnist_family.load_batched(
        "infimnist/mnist", "test[:300]", 300, data_dir=prepared_mnist_dir, as_supervised=True)))
    ref_images, ref_labels = tfds.as_numpy(tfds.load(
        "infimnist/mnist", split="test[:300]", batch_size=-1, as_supervised=True,
        data_dir=prepared_mnist_dir))
    np.testing.assert_array_equal(images.numpy(), ref_images)
    np.testing.assert_array_equal(labels.numpy(), ref_labels)


@pytest.fixture(scope="module")
def prepared_raw_dir(prepared_mnist_dir: str) -> str:
    """``infimnist/mnist_raw`` prepared beside ``infimnist/mnist``."""
    tfds.builder("infimnist/mnist_raw", data_dir=prepared_mnist_dir).download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    return prepared_mnist_dir


@pytest.mark.parametrize("split", ["test", "train[1234:5000]"])
def test_mnist_raw_holds_the_examples_of_mnist(prepared_raw_dir: str, split: str) -> None:
    png, raw = (_by_index([tfds.as_numpy(tfds.load(name, split=split, batch_size=-1,
                                                   data_dir=prepared_raw_dir))])
                for name in ("infimnist/mnist", "infimnist/mnist_raw"))
    for key in ("image", "label", "index"):
        np.testing.assert_array_equal(raw[key], png[key], err_msg=key)
    fast = _by_index(list(tfds.as_numpy(tfds_mnist_family.load_batched(
        "infimnist/mnist_raw", split, 1000, data_dir=prepared_raw_dir))))
    for key in ("image", "label", "index"):
        assert fast[key].dtype == png[key].dtype, key
        np.testing.assert_array_equal(fast[key], png[key], err_msg=key)


def test_mnist_raw_costs_784_bytes_an_image(prepared_raw_dir: str) -> None:
    info = tfds.builder("infimnist/mnist_raw", data_dir=prepared_raw_dir).info
    png_info = tfds.builder("infimnist/mnist", data_dir=prepared_raw_dir).info
    per_example = info.splits["train"].num_bytes / info.splits["train"].num_examples
    assert 784 < per_example < 784 + 64
    assert info.splits["train"].num_bytes > 2.5 * png_info.splits["train"].num_bytes


def test_decode_raw_batch_refuses_wrong_lengths() -> None:
    good = np.arange(6, dtype=np.uint8).tobytes()
    np.testing.assert_array_equal(
        fast_read.decode_raw_batch(tf.constant([good, good]), (2, 3), tf.uint8).numpy()[1],
        np.arange(6).reshape(2, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not 6 bytes"):
        fast_read.decode_raw_batch(tf.constant([good, good[:5]]), (2, 3), tf.uint8).numpy()


def test_only_byte_encoded_tensors_count_as_raw() -> None:
    def tensor(encoding):
        return tfds.features.Tensor(shape=(28, 28, 1), dtype=np.uint8, encoding=encoding)
    assert fast_read._is_raw_bytes(tensor(tfds.features.Encoding.BYTES))
    assert not fast_read._is_raw_bytes(tensor(tfds.features.Encoding.ZLIB))
    assert not fast_read._is_raw_bytes(tensor(tfds.features.Encoding.NONE))
    assert not fast_read._is_raw_bytes(tfds.features.Image(shape=(28, 28, 1)))


def _random_images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28, 1), dtype=np.uint8)


def test_decode_png_batch_vectorised_path_on_package_pngs() -> None:
    images = _random_images(7)
    pngs = tf.constant(fast_writer.encode_png_batch(images[..., 0]))
    np.testing.assert_array_equal(fast_read.decode_png_batch(pngs, 28, 28).numpy(), images)


def test_decode_png_batch_falls_back_for_other_pngs() -> None:
    """TF's encoder uses other filters / chunking: the per-image fallback must decode them,
    also when mixed with this package's PNGs in one batch."""
    images = _random_images(6, seed=1)
    ours = fast_writer.encode_png_batch(images[:3, ..., 0])
    theirs = [tf.io.encode_png(image).numpy() for image in images[3:]]
    decoded = fast_read.decode_png_batch(tf.constant(ours + theirs), 28, 28).numpy()
    np.testing.assert_array_equal(decoded, images)


def test_decode_png_batch_rejects_corrupt_stream() -> None:
    png = bytearray(fast_writer.encode_png_batch(_random_images(1)[..., 0])[0])
    png[45] ^= 0xFF  # inside the zlib stream: the layout checks pass, inflate must fail
    with pytest.raises(tf.errors.OpError):
        fast_read.decode_png_batch(tf.constant([bytes(png)]), 28, 28).numpy()
