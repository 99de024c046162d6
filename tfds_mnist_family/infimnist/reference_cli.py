"""``tfds-mnist-family infimnist``: the reference ``infimnist`` tool, byte for byte.

Grammar (as the InfiMNIST 1.3 tool)::

    infimnist [-d DATADIR] FORMAT FIRST [LAST]
    infimnist [-d DATADIR] --indices FILE {patterns|labels}

FORMAT is any unambiguous prefix of patterns, labels, svmlight, vw, arff,
display. Examples FIRST..=LAST (LAST defaults to FIRST) go to standard output
in exactly the reference tool's bytes. ``--indices FILE`` (one index per line)
writes patterns/labels for an arbitrary list. DATADIR holds the six input files
(MNIST ones raw or .gz) or is the ``infimnist.tar.gz`` archive; default: ``./data``,
else ``$TFDS_MNIST_FAMILY_DATA[/infimnist]`` (``sources.Locator``, as the builder).
``--procedural`` uses the procedural inputs (from MNIST alone; not MNIST8M). The
grammar is parsed, and bad usage reported (exit 10), by ``tfds_mnist_family_cli``
before this module is imported.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tfds_mnist_family.infimnist.indices import IndexRange

_BATCH = 8192
_DISPLAY_CHARS = np.frombuffer(b"  ....:::::###@@", np.uint8)


def locate_inputs(datadir: str | None) -> str:
    """The inputs for ``-d DATADIR``, else the reference tool's default ``./data``, else
    ``$TFDS_MNIST_FAMILY_DATA[/infimnist]``: the package's one locator, with ``./data``
    in the place of TFDS's manual_dir."""
    from tfds_mnist_family.core import sources
    from tfds_mnist_family.infimnist import inputs

    locator = sources.Locator("infimnist", inputs.InfimnistForms(), manual_dir=Path("data"),
                              explicit=None if datadir is None else Path(datadir))
    return str(locator.locate(inputs.ARCHIVE).path.resolve())


# --- output encoders: numpy batches -> the reference tool's bytes ---------------------------
def idx_header(magic: int, count: int, dims: tuple[int, ...] = ()) -> bytes:
    return np.array((magic, count) + dims, dtype=">i4").tobytes()


def sparse_lines(images: np.ndarray, labels: np.ndarray, fmt: str) -> bytes:
    """svmlight / vw / arff data lines for a batch."""
    out = []
    flat = images.reshape(len(images), -1)
    for image, label in zip(flat, labels.tolist()):
        nz = np.flatnonzero(image)
        values = image[nz].tolist()
        if fmt == "arff":
            pairs = "".join(f"{j} {v}," for j, v in zip(nz.tolist(), values))
            out.append(f"{{{pairs}784 {label}}}\n")
        else:
            head = f"{label} |" if fmt == "vw" else f"{label}"
            out.append(head + "".join(f" {j + 1}:{v}" for j, v in zip(nz.tolist(), values)) + "\n")
    return "".join(out).encode("ascii")


def arff_header(first: int, last: int) -> bytes:
    lines = [f"@relation mnist_{first}_{last}"]
    lines += [f"@attribute a_{j} numeric" for j in range(784)]
    lines += ["@attribute digit {0,1,2,3,4,5,6,7,8,9}", "@data"]
    return ("\n".join(lines) + "\n").encode("ascii")


def display_lines(indices: np.ndarray, images: np.ndarray, labels: np.ndarray) -> bytes:
    chars = _DISPLAY_CHARS[images.reshape(len(images), 28, 28) >> 4]
    out = []
    for index, label, picture in zip(indices.tolist(), labels.tolist(), chars):
        out.append(f"===== {index}:{label} =====\n".encode("ascii"))
        out.append(b"".join(b"\t" + row.tobytes() + b"\n" for row in picture))
    return b"".join(out)


def encode_batch(fmt: str, indices: np.ndarray, images: np.ndarray, labels: np.ndarray) -> bytes:
    if fmt == "patterns":
        return images.astype(np.uint8).tobytes()
    if fmt == "labels":
        return labels.astype(np.uint8).tobytes()
    if fmt == "display":
        return display_lines(indices, images, labels)
    return sparse_lines(images, labels, fmt)


def header(fmt: str, first: int, last: int, count: int) -> bytes:
    return {"patterns": idx_header(0x803, count, (28, 28)), "labels": idx_header(0x801, count),
            "arff": arff_header(first, last)}.get(fmt, b"")


def write(out: BinaryIO, fmt: str, batches: Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]],
          first: int, last: int, count: int) -> None:
    """Writes the header then every batch in ``fmt``."""
    out.write(header(fmt, first, last, count))
    for indices, images, labels in batches:
        out.write(encode_batch(fmt, indices, images, labels))


def _load_generator(opts: dict):
    return _cached_generator("procedural" if opts["procedural"] else locate_inputs(opts["datadir"]))


@functools.lru_cache(maxsize=1)
def _cached_generator(source: str):
    """One compiled generator per data source and process (tests call ``main`` often)."""
    from tfds_mnist_family.infimnist import inputs, ops  # TF import only when needed
    if source == "procedural":
        from tfds_mnist_family.infimnist import procedural
        loaded = procedural.procedural_inputs()
    else:
        loaded = inputs.load_inputs(source)
    return ops.BatchGenerator(loaded, batch_size=_BATCH, jit_compile=True)


def run(opts: dict) -> int:
    """Writes what ``opts`` (``tfds_mnist_family_cli.parse_reference_args``) asks for to
    stdout; returns the exit status. Data errors raise (the CLI reports them)."""
    generator = _load_generator(opts)
    out = sys.stdout.buffer
    fmt = opts["format"]
    try:
        if opts["listed"] is not None:
            listed = np.array(opts["listed"], dtype=np.int64)
            batches = ((chunk, *generator(chunk)) for chunk in
                       (listed[lo:lo + _BATCH] for lo in range(0, len(listed), _BATCH)))
            write(out, fmt, batches, 0, 0, len(listed))
        else:
            first, last = opts["first"], opts["last"]
            batches = generator.iter_range(IndexRange(first, last))
            write(out, fmt, batches, first, last, last - first + 1)
        out.flush()
    except BrokenPipeError:  # e.g. `... | head`: stop quietly, like the C tool on SIGPIPE
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    return 0
