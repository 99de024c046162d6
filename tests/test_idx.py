"""IDX reader/writer: round trips, real files byte for byte, and every kind of bad input."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from tfds_mnist_family.core import idx, mnist
from conftest import real_data

ALL_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape", [(7,), (5, 3), (4, 2, 3), (2, 3, 1, 2)])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_every_dtype_and_rank(tmp_path, dtype, shape, suffix):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    path = tmp_path / f"x.idx{suffix}"
    idx.write_idx(path, array)
    back = idx.read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == shape
    np.testing.assert_array_equal(back, array)


def test_header_layout_is_big_endian(tmp_path):
    data = idx.idx_bytes(np.array([[1, 2], [3, 256]], dtype=np.int32))
    assert data[:4] == bytes([0, 0, 0x0C, 2])
    assert struct.unpack(">2i", data[4:12]) == (2, 2)
    assert struct.unpack(">4i", data[12:]) == (1, 2, 3, 256)


@pytest.mark.parametrize("name", ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
def test_real_mnist_rewrites_byte_identical(shared_mnist_dir, name):
    original = gzip.open(shared_mnist_dir / name).read()
    assert idx.idx_bytes(idx.read_idx(shared_mnist_dir / name)) == original


def test_streaming_chunks_cover_the_file_in_order(shared_mnist_dir):
    whole = idx.read_idx(shared_mnist_dir / "t10k-images-idx3-ubyte.gz")
    with idx.IdxReader(shared_mnist_dir / "t10k-images-idx3-ubyte.gz") as reader:
        chunks = list(reader.iter_chunks(3000))
    assert [len(c) for c in chunks] == [3000, 3000, 3000, 1000]
    np.testing.assert_array_equal(np.concatenate(chunks), whole)


def test_qmnist_idx2_int32():
    labels = idx.read_idx(real_data("qmnist", "qmnist-train-labels-idx2-int.gz"),
                          expected_shape=(60000, 8), expected_dtype=np.int32)
    train_labels = idx.read_idx(mnist.EMBEDDED_DIR / "train-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(labels[:, 0], train_labels)


def test_raw_uncompressed_file(tmp_path, shared_mnist_dir):
    raw = tmp_path / "t10k-labels-idx1-ubyte"
    raw.write_bytes(gzip.open(shared_mnist_dir / "t10k-labels-idx1-ubyte.gz").read())
    assert hashlib.md5(idx.idx_bytes(idx.read_idx(raw))).hexdigest() == \
        hashlib.md5(raw.read_bytes()).hexdigest()


# -- bad input -------------------------------------------------------------------------

def test_truncated_gzip_names_file(tmp_path, shared_mnist_dir):
    data = (shared_mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes()
    bad = tmp_path / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(idx.IdxFormatError, match=r"t10k-images-idx3-ubyte\.gz.*(truncated|corrupt)"):
        idx.read_idx(bad)


def test_wrong_magic_names_file(tmp_path):
    bad = tmp_path / "labels.idx"
    bad.write_bytes(b"\x08\x03\x00\x00" + b"\x00" * 20)
    with pytest.raises(idx.IdxFormatError, match=r"labels\.idx: not an IDX file"):
        idx.read_idx(bad)


def test_unknown_type_code_rejected(tmp_path):
    bad = tmp_path / "x.idx"
    bad.write_bytes(bytes([0, 0, 0x07, 1]) + struct.pack(">i", 1) + b"\x00")
    with pytest.raises(idx.IdxFormatError, match="not an IDX file"):
        idx.read_idx(bad)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_header_count_larger_than_data(tmp_path, suffix):
    payload = idx.idx_header_bytes(np.uint8, (100, 28, 28)) + bytes(50 * 784)
    bad = tmp_path / f"images{suffix}"
    bad.write_bytes(gzip.compress(payload) if suffix else payload)
    with pytest.raises(idx.IdxFormatError, match=f"images{suffix}") as excinfo:
        idx.read_idx(bad)
    assert "100" in str(excinfo.value)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_more_data_than_header_declares(tmp_path, suffix):
    payload = idx.idx_header_bytes(np.uint8, (3,)) + bytes(5)
    bad = tmp_path / f"labels{suffix}"
    bad.write_bytes(gzip.compress(payload) if suffix else payload)
    with pytest.raises(idx.IdxFormatError, match="more data|holds"):
        idx.read_idx(bad)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.idx"):
        idx.read_idx(tmp_path / "nothere.idx")


def test_expected_shape_and_dtype_checked(shared_mnist_dir):
    with pytest.raises(idx.IdxFormatError, match=r"shape \(10000,\) but \(60000,\)"):
        idx.read_idx(shared_mnist_dir / "t10k-labels-idx1-ubyte.gz", expected_shape=(60000,))
    with pytest.raises(idx.IdxFormatError, match="element type"):
        idx.read_idx(shared_mnist_dir / "t10k-labels-idx1-ubyte.gz", expected_dtype=np.int32)


def test_interrupted_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.idx"

    with pytest.raises(ValueError):
        idx.write_idx(target, np.zeros(3, dtype=np.complex64))
    assert not target.exists() and not list(tmp_path.iterdir())
