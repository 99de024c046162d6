"""Streaming reader and byte-exact writer for IDX files (MNIST, QMNIST, InfiMNIST).

An IDX file is a 4-byte magic ``00 00 TT NN`` (TT the element type, NN the rank),
NN big-endian int32 dimensions, then the elements in big-endian, row-major order.
Files may be gzip-compressed; the reader detects that from the content, not the
file name. Every error names the file and says what is wrong with it.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import struct
import zlib
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np

from tfds_mnist_family.core.atomic import atomic_output

# IDX element type code -> big-endian numpy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TYPE_CODES = {dtype.newbyteorder("=").kind + str(dtype.itemsize): code
               for code, dtype in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


class IdxFormatError(ValueError):
    """An IDX file is malformed, truncated or of an unexpected shape."""


@dataclasses.dataclass(frozen=True)
class IdxHeader:
    """What the header of an IDX file declares."""

    dtype: np.dtype
    shape: tuple[int, ...]

    @property
    def header_bytes(self) -> int:
        return 4 + 4 * len(self.shape)

    @property
    def record_shape(self) -> tuple[int, ...]:
        return self.shape[1:]

    @property
    def record_bytes(self) -> int:
        return int(np.prod(self.record_shape, dtype=np.int64)) * self.dtype.itemsize

    @property
    def data_bytes(self) -> int:
        return self.record_bytes * (self.shape[0] if self.shape else 1)


def _open_binary(path: str | os.PathLike) -> BinaryIO:
    raw = open(path, "rb")
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


class IdxReader:
    """Reads an IDX file record by record, never holding more than one chunk.

    Use as a context manager::

        with IdxReader(path) as reader:
            for chunk in reader.iter_chunks():
                ...

    ``expected_shape`` (``None`` entries are wildcards) and ``expected_dtype`` are
    checked against the header before any data is read.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        expected_shape: tuple[int | None, ...] | None = None,
        expected_dtype: np.dtype | str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"IDX file not found: {self.path}")
        self._stream = _open_binary(self.path)
        try:
            self.header = self._read_header()
            self._check_expectations(expected_shape, expected_dtype)
        except BaseException:
            self._stream.close()
            raise
        self._records_read = 0

    # -- context management ---------------------------------------------------
    def __enter__(self) -> "IdxReader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stream.close()

    # -- header ---------------------------------------------------------------
    def _fail(self, problem: str) -> IdxFormatError:
        return IdxFormatError(f"{self.path}: {problem}")

    def _read_exact(self, n: int, what: str) -> bytes:
        try:
            data = self._stream.read(n)
        except (EOFError, OSError, zlib.error) as e:
            raise self._fail(
                f"corrupt or truncated gzip stream while reading {what} ({e}); "
                "download the file again") from e
        if len(data) != n:
            declared = (f" (the header declares shape {self.header.shape})"
                        if hasattr(self, "header") else "")
            raise self._fail(
                f"file ends early: expected {n} bytes of {what}, got {len(data)}{declared}; "
                "the file is truncated or its header count is wrong; download it again")
        return data

    def _read_header(self) -> IdxHeader:
        magic = self._read_exact(4, "the IDX magic number")
        if magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_DTYPES:
            raise self._fail(
                f"not an IDX file: magic bytes {magic.hex()} (expected 0000TTNN with "
                f"TT one of {', '.join(f'{c:02x}' for c in IDX_DTYPES)})")
        rank = magic[3]
        dims = struct.unpack(f">{rank}i", self._read_exact(4 * rank, "the IDX dimensions"))
        if any(d < 0 for d in dims):
            raise self._fail(f"negative dimension in header {dims}")
        header = IdxHeader(dtype=IDX_DTYPES[magic[2]], shape=tuple(dims))
        raw_size = self._raw_size()
        if raw_size is not None and raw_size != header.header_bytes + header.data_bytes:
            raise self._fail(
                f"header declares shape {header.shape} ({header.data_bytes} data bytes) "
                f"but the file holds {raw_size - header.header_bytes} data bytes")
        return header

    def _raw_size(self) -> int | None:
        """File size for uncompressed files; ``None`` when the stream is gzip."""
        if isinstance(self._stream, gzip.GzipFile):
            return None
        return os.fstat(self._stream.fileno()).st_size

    def _check_expectations(self, shape, dtype) -> None:
        if dtype is not None and np.dtype(dtype).newbyteorder(">") != self.header.dtype:
            raise self._fail(f"element type {self.header.dtype} but {np.dtype(dtype)} was expected")
        if shape is not None:
            ok = len(shape) == len(self.header.shape) and all(
                want is None or want == got for want, got in zip(shape, self.header.shape))
            if not ok:
                raise self._fail(f"shape {self.header.shape} but {shape} was expected")

    # -- data -----------------------------------------------------------------
    @property
    def num_records(self) -> int:
        return self.header.shape[0] if self.header.shape else 1

    def read_records(self, count: int) -> np.ndarray:
        """Reads the next ``count`` records (fewer at the end) as native-endian array."""
        count = min(count, self.num_records - self._records_read)
        data = self._read_exact(count * self.header.record_bytes,
                                f"records {self._records_read}..{self._records_read + count - 1}")
        self._records_read += count
        if self._records_read == self.num_records:
            self._check_no_trailing_data()
        array = np.frombuffer(data, dtype=self.header.dtype)
        return array.reshape((count,) + self.header.record_shape).astype(
            self.header.dtype.newbyteorder("="), copy=False)

    def _check_no_trailing_data(self) -> None:
        try:
            extra = self._stream.read(1)
        except (EOFError, OSError, zlib.error) as e:
            raise self._fail(f"corrupt gzip stream after the last record ({e})") from e
        if extra:
            raise self._fail(
                f"more data than the header's shape {self.header.shape} declares; "
                "the header count is wrong or two files were concatenated")

    def iter_chunks(self, chunk_records: int = 8192) -> Iterator[np.ndarray]:
        """Yields consecutive arrays of at most ``chunk_records`` records."""
        while self._records_read < self.num_records:
            yield self.read_records(chunk_records)

    def read_all(self) -> np.ndarray:
        """Reads every remaining record into one array."""
        return self.read_records(self.num_records - self._records_read)


def read_idx(path: str | os.PathLike, **expectations) -> np.ndarray:
    """Reads a whole IDX file (raw or .gz) into a native-endian numpy array."""
    with IdxReader(path, **expectations) as reader:
        return reader.read_all()


def idx_header_bytes(dtype: np.dtype | str, shape: tuple[int, ...]) -> bytes:
    """The IDX header for an array of this dtype and shape."""
    dtype = np.dtype(dtype)
    key = dtype.kind + str(dtype.itemsize)
    if key not in _TYPE_CODES:
        raise ValueError(f"IDX cannot store dtype {dtype}; use one of uint8, int8, int16, "
                         "int32, float32, float64")
    return bytes([0, 0, _TYPE_CODES[key], len(shape)]) + struct.pack(f">{len(shape)}i", *shape)


def write_idx(target: str | os.PathLike | BinaryIO, array: np.ndarray) -> None:
    """Writes ``array`` as an IDX file (gzip-compressed when the name ends in .gz).

    Writing to a path goes through a temporary file renamed at the end, so an
    interrupted write never leaves a truncated file behind.
    """
    array = np.asarray(array)
    payload_dtype = array.dtype.newbyteorder(">")
    if isinstance(target, (str, os.PathLike)):
        with atomic_output(target) as f:
            if os.fspath(target).endswith(".gz"):
                with gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as gz:
                    write_idx(gz, array)
            else:
                write_idx(f, array)
        return
    target.write(idx_header_bytes(array.dtype, array.shape))
    target.write(np.ascontiguousarray(array, dtype=payload_dtype).tobytes())


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array`` as bytes."""
    buf = io.BytesIO()
    write_idx(buf, array)
    return buf.getvalue()
