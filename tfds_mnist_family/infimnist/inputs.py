"""Loading the six InfiMNIST input files as tensors (archive or directory).

Sources accepted by ``load_inputs``:

* the official archive ``infimnist.tar.gz`` (version 1.3; its ``infimnist/data/``
  members are read straight from the tar stream),
* a directory holding the six files (the archive's ``data/``), or a directory with
  ``data/`` or ``infimnist/data/`` inside. MNIST files may be raw or ``.gz``.

The 376 MB tangent file is read in chunks straight into the tables' padded rows
(one 64-byte-aligned buffer that TensorFlow adopts without copying), so peak
memory is one copy, not two.
Missing or wrong-sized files raise ``InputFilesError`` listing all of them.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tfds_mnist_family.core import idx, mnist, sources
from tfds_mnist_family.infimnist import ops

FIELDS_FILE = "fields_float_1522x28x28.bin"
TANGENTS_FILE = "tangVec_float_60000x28x28.bin"
FIELDS_BYTES = ops.NUM_FIELDS * ops.PIXELS * 4                # 4,772,992
TANGENTS_BYTES = mnist.NUM_TRAIN_IMAGES * 2 * ops.PIXELS * 4  # 376,320,000
_SIDES = (mnist.IMAGE_SIDE, mnist.IMAGE_SIDE)
MNIST_RAW = {  # raw file name -> (expected raw size, shape), in the order of the archive
    mnist.TEST_IMAGES.removesuffix(".gz"): (16 + mnist.NUM_TEST_IMAGES * ops.PIXELS,
                                            (mnist.NUM_TEST_IMAGES, *_SIDES)),
    mnist.TEST_LABELS.removesuffix(".gz"): (8 + mnist.NUM_TEST_IMAGES, (mnist.NUM_TEST_IMAGES,)),
    mnist.TRAIN_IMAGES.removesuffix(".gz"): (16 + mnist.NUM_TRAIN_IMAGES * ops.PIXELS,
                                             (mnist.NUM_TRAIN_IMAGES, *_SIDES)),
    mnist.TRAIN_LABELS.removesuffix(".gz"): (8 + mnist.NUM_TRAIN_IMAGES,
                                             (mnist.NUM_TRAIN_IMAGES,)),
}
ALL_FILES = tuple(MNIST_RAW) + (FIELDS_FILE, TANGENTS_FILE)
ARCHIVE_NAME = "infimnist.tar.gz"
ARCHIVE_URL = "https://leon.bottou.org/_media/projects/infimnist.tar.gz"
ARCHIVE_SHA256 = "bff89ae6a80bd7be5de0cc67eaac0db7bb1945287d27c216a18f9924069dc1bb"
# The archive's byte size is not published, so only its SHA-256 is checked.
ARCHIVE = sources.Resource(ARCHIVE_NAME, (ARCHIVE_URL,), None, ARCHIVE_SHA256)
_CHUNK = 8 << 20


class InputFilesError(FileNotFoundError):
    """Some InfiMNIST input files are missing or have the wrong size."""


def _fail(where: str, problems: list[str]) -> InputFilesError:
    return InputFilesError(
        f"{where}: unusable InfiMNIST input files:\n" + "\n".join(f"  - {p}" for p in problems)
        + "\nThe directory must hold the six files of the InfiMNIST 1.3 archive's data/ "
        f"folder ({', '.join(ALL_FILES)}; MNIST ones raw or .gz). Get the archive from "
        f"{ARCHIVE_URL} (sha256 {ARCHIVE_SHA256}) or use a procedural config.")


def resolve_data_dir(directory: str | os.PathLike) -> Path:
    """The directory that actually holds the files (``d``, ``d/data`` or ``d/infimnist/data``)."""
    directory = Path(directory)
    for candidate in (directory, directory / "data", directory / "infimnist" / "data"):
        if (candidate / FIELDS_FILE).exists() or (candidate / TANGENTS_FILE).exists():
            return candidate
    return directory


def check_data_dir(directory: str | os.PathLike,
                   require_tangents: bool = True) -> dict[str, Path]:
    """``{raw name: path}`` for the six files; raises one error listing every problem."""
    directory = resolve_data_dir(directory)
    if not directory.is_dir():
        raise _fail(str(directory), ["the directory does not exist"])
    found: dict[str, Path] = {}
    problems: list[str] = []
    for name, (size, _) in MNIST_RAW.items():
        try:
            path = mnist.find_file(directory, name + ".gz")
        except FileNotFoundError:
            problems.append(f"{name} (or {name}.gz): missing")
            continue
        if not path.name.endswith(".gz") and path.stat().st_size != size:
            problems.append(f"{path.name}: {path.stat().st_size} bytes, expected {size}")
            continue
        found[name] = path
    raw_files = [(FIELDS_FILE, FIELDS_BYTES)]
    if require_tangents:
        raw_files.append((TANGENTS_FILE, TANGENTS_BYTES))
    for name, size in raw_files:
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != size:
            problems.append(f"{name}: {path.stat().st_size} bytes, expected {size}")
        else:
            found[name] = path
    if problems:
        raise _fail(str(directory), problems)
    return found


def _read_tangents(stream: BinaryIO, what: str) -> tuple[np.ndarray, str]:
    """The tangent file read chunk by chunk straight into the tables' padded rows
    (``ops.padded_rows``): ((60000, 2, ROW) float32, SHA-256 of the file's bytes)."""
    table = ops.padded_rows((mnist.NUM_TRAIN_IMAGES, 2))
    pixels = ops.unpadded(table)
    rows = _CHUNK // (2 * ops.PIXELS * 4)
    chunk = np.empty((rows, 2, ops.PIXELS), "<f4")
    view = memoryview(chunk.view(np.uint8).reshape(-1))
    digest = hashlib.sha256()
    for lo in range(0, len(table), rows):
        n = min(rows, len(table) - lo)
        want = n * 2 * ops.PIXELS * 4
        pos = 0
        while pos < want:
            got = stream.readinto(view[pos:want])
            if not got:
                raise InputFilesError(f"{what}: ends after {lo * 2 * ops.PIXELS * 4 + pos} "
                                      f"bytes, expected {TANGENTS_BYTES}")
            pos += got
        digest.update(view[:want])
        pixels[lo:lo + n] = chunk[:n]  # "<f4" to native float32
    return table, digest.hexdigest()


# No published checksum exists for the fields and tangents; these bounds are the strongest
# check there is: finite values on the pixel scale (tangents are image derivatives, fields
# displacements of a few pixels), far beyond any real value, far below garbage floats.
MAX_ABS_INPUT_VALUE = 1e4


def check_values(array: np.ndarray, what: str, chunk: int = 1 << 22) -> None:
    """Raises InputFilesError naming ``what`` for NaN/inf or values beyond the pixel scale.

    Works in chunks, so checking the 376 MB of tangents adds ~16 MB of peak memory."""
    flat = array.reshape(-1)
    for start in range(0, flat.size, chunk):
        part = flat[start:start + chunk]
        finite = np.isfinite(part)
        if not finite.all():
            raise InputFilesError(f"{what}: non-finite value (NaN or inf) at element "
                                  f"{start + int(np.argmin(finite))}; the file is corrupt. "
                                  "Replace it with a fresh copy.")
        peak = float(np.abs(part).max())
        if peak > MAX_ABS_INPUT_VALUE:
            raise InputFilesError(f"{what}: value {peak:g} is beyond +-{MAX_ABS_INPUT_VALUE:g}; "
                                  "not InfiMNIST data (wrong file or byte order?). Replace it.")


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(memoryview(np.ascontiguousarray(array)).cast("B")).hexdigest()


def _tables(paths: dict[str, Path], fields: np.ndarray, tangents: tuple[np.ndarray, str],
            where: str) -> ops.InfimnistInputs:
    """Verified MNIST (content checksums) + value-checked fields/tangents, with provenance.

    ``tangents``: what ``_read_tangents`` returns."""
    tangents, tangents_sha256 = tangents
    arrays = mnist.load_mnist_files({name + ".gz": paths[name] for name in MNIST_RAW},
                                    verify=True)
    check_values(fields, f"{where}: {FIELDS_FILE}")
    check_values(tangents, f"{where}: {TANGENTS_FILE}")
    provenance = {name + " (content)": mnist.CONTENT_SHA256[name + ".gz"] for name in MNIST_RAW}
    provenance |= {FIELDS_FILE: _sha256(fields), TANGENTS_FILE: tangents_sha256}
    return ops.numpy_inputs_to_tensors(arrays.test_images, arrays.test_labels,
                                       arrays.train_images, arrays.train_labels, fields,
                                       tangents, provenance)


def load_data_dir(directory: str | os.PathLike) -> ops.InfimnistInputs:
    """Loads the six files of a directory as ``InfimnistInputs``."""
    paths = check_data_dir(directory)
    fields = np.fromfile(paths[FIELDS_FILE], dtype="<f4")
    with open(paths[TANGENTS_FILE], "rb") as f:
        tangents = _read_tangents(f, str(paths[TANGENTS_FILE]))
    return _tables(paths, fields, tangents, str(resolve_data_dir(directory)))


def load_archive(archive: str | os.PathLike) -> ops.InfimnistInputs:
    """Loads the inputs from ``infimnist.tar.gz`` without unpacking the tangent file to disk."""
    try:
        return _load_archive(Path(archive))
    except (tarfile.TarError, EOFError, zlib.error) as e:
        raise InputFilesError(f"{archive}: damaged or truncated archive ({e}); replace it with "
                              f"{ARCHIVE_NAME} ({ARCHIVE_URL})") from None


def _load_archive(archive: Path) -> ops.InfimnistInputs:
    tangents = None
    with tempfile.TemporaryDirectory(prefix="infimnist_") as tmp, \
            _open_tar(archive) as tar:
        for member in tar:
            base = os.path.basename(member.name)
            if not member.isfile() or base not in ALL_FILES + tuple(n + ".gz" for n in MNIST_RAW):
                continue
            stream = tar.extractfile(member)
            assert stream is not None
            if base == TANGENTS_FILE:
                if member.size != TANGENTS_BYTES:
                    raise _fail(str(archive), [f"{member.name}: {member.size} bytes, expected "
                                               f"{TANGENTS_BYTES}"])
                tangents = _read_tangents(stream, f"{archive}:{member.name}")
            else:
                with open(Path(tmp) / base, "wb") as out:
                    while chunk := stream.read(_CHUNK):
                        out.write(chunk)
        try:
            paths = check_data_dir(tmp, require_tangents=False)
        except InputFilesError as e:
            raise InputFilesError(f"{archive} (archive members): {e}") from None
        if tangents is None:
            raise _fail(str(archive), [f"{TANGENTS_FILE}: missing from the archive"])
        fields = np.fromfile(paths[FIELDS_FILE], dtype="<f4")
        try:
            return _tables(paths, fields, tangents, f"{archive} (archive)")
        except (sources.DataSourceError, idx.IdxFormatError) as e:  # name the member, not tmp
            raise InputFilesError(f"{archive}: bad archive member: "
                                  f"{str(e).replace(tmp + os.sep, '')}") from None


def _open_tar(archive: Path) -> tarfile.TarFile:
    """The archive opened for streaming; a damaged one fails naming the file."""
    try:
        return tarfile.open(archive, mode="r:*")
    except (tarfile.TarError, EOFError, OSError) as e:
        raise InputFilesError(f"{archive}: not a readable tar archive ({e}); replace it with "
                              f"{ARCHIVE_NAME} ({ARCHIVE_URL})") from None


def load_inputs(source: str | os.PathLike) -> ops.InfimnistInputs:
    """Loads an archive (``*.tar.gz``/``*.tar``) or a data directory as ``InfimnistInputs``."""
    source = Path(source)
    if source.is_file():
        return load_archive(source)
    if source.is_dir():
        archive = source / ARCHIVE_NAME
        if archive.is_file() and not (resolve_data_dir(source) / TANGENTS_FILE).exists():
            return load_archive(archive)
        return load_data_dir(source)
    raise InputFilesError(f"{source}: no such file or directory; pass the InfiMNIST archive "
                          f"{ARCHIVE_NAME} or a directory with its six data files")


class InfimnistForms(sources.Forms):
    """The locator hook: the archive (SHA-256 verified) or a directory of the six files."""

    def in_directory(self, directory: Path, resource: sources.Resource) -> sources.Found | None:
        if (directory / ARCHIVE_NAME).is_file():
            return self.file(directory / ARCHIVE_NAME, resource)
        data_dir = resolve_data_dir(directory)
        if any((data_dir / name).exists() for name in (FIELDS_FILE, TANGENTS_FILE)):
            return sources.Found(data_dir, "data_dir", None, False)  # load_inputs checks it
        return None

    def explicit(self, path: Path, resource: sources.Resource) -> sources.Found:
        if path.is_dir():  # load_inputs then lists every missing or wrong-sized file
            return self.in_directory(path, resource) or sources.Found(
                resolve_data_dir(path), "data_dir", None, False)
        return super().explicit(path, resource)

    def describe(self, resource: sources.Resource) -> str:
        return (f"{ARCHIVE_NAME} (sha256 {ARCHIVE_SHA256}), or the six files of its data/ "
                f"folder ({', '.join(ALL_FILES)}; MNIST ones raw or .gz)")


# --- writing input directories (tests, procedural exports) -------------------------------
def central_difference_tangents(train_images: np.ndarray, out: np.ndarray | None = None,
                                chunk: int = 5000) -> np.ndarray:
    """Tangents by the golden README rule: T0 = (I[r][c+1]-I[r][c-1])/2, T1 = (I[r+1][c]-I[r-1][c])/2.

    Pixels outside the image count as 0. Values are exact multiples of 0.5, so
    the result is bit-identical to the synthetic file behind the golden vectors.
    Returns (N, 2, ROW) float32 padded rows (``ops.padded_rows``, what
    ``ops.numpy_inputs_to_tensors`` shares without a copy), built chunk by chunk
    into ``out`` if given (then ``out``'s own layout, (N, 2, 784) or padded).
    """
    n = len(train_images)
    table = ops.padded_rows((n, 2)) if out is None else out
    out = ops.unpadded(table)
    for lo in range(0, n, chunk):
        img = np.asarray(train_images[lo:lo + chunk], np.float32).reshape(-1, 28, 28)
        pad = np.pad(img, ((0, 0), (1, 1), (1, 1)))
        out[lo:lo + chunk, 0] = ((pad[:, 1:-1, 2:] - pad[:, 1:-1, :-2]) / 2).reshape(-1, 784)
        out[lo:lo + chunk, 1] = ((pad[:, 2:, 1:-1] - pad[:, :-2, 1:-1]) / 2).reshape(-1, 784)
    return table


def write_data_dir(directory: str | os.PathLike, arrays: mnist.MnistArrays,
                   fields: np.ndarray, tangents: np.ndarray, write_mnist: bool = True) -> Path:
    """Writes the six InfiMNIST files (MNIST as raw IDX, fields/tangents raw float32 LE).

    ``write_mnist=False`` writes only fields and tangents (copy MNIST yourself).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    in_file_order = (arrays.test_images, arrays.test_labels, arrays.train_images,
                     arrays.train_labels)
    for name, array in zip(MNIST_RAW, in_file_order):
        if write_mnist:
            idx.write_idx(directory / name, array)
    np.asarray(fields, "<f4").tofile(directory / FIELDS_FILE)
    with open(directory / TANGENTS_FILE, "wb") as f:
        flat = ops.unpadded(np.asarray(tangents)).reshape(-1, 2 * ops.PIXELS)
        for lo in range(0, len(flat), 5000):
            f.write(np.ascontiguousarray(flat[lo:lo + 5000], "<f4").tobytes())
    return directory
