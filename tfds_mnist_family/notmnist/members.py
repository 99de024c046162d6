"""Streaming the glyph files out of a notMNIST archive or an extracted folder tree.

Both sources yield ``Member(path, letter, data)`` in a stable order, with
``path`` as it appears in the archive (``notMNIST_small/A/<font>.png``). The
tar is read as a stream, so the 500k files of the large set never touch disk.
Files that sit outside a letter folder ``A``..``J`` are yielded with
``letter=None`` so that the caller can report them.
"""

from __future__ import annotations

import dataclasses
import os
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from tfds_mnist_family.core.sources import DataSourceError

LETTERS = tuple("ABCDEFGHIJ")


class ArchiveError(DataSourceError):
    """The archive itself (not one image in it) is unreadable."""


@dataclasses.dataclass(frozen=True)
class Member:
    """One file of the dataset: archive path, letter folder (or None) and bytes."""

    path: str
    letter: str | None
    data: bytes


def letter_of(path: str) -> str | None:
    """The letter folder a member path sits in, e.g. ``"x/A/f.png" -> "A"``."""
    parts = path.replace("\\", "/").split("/")
    return parts[-2] if len(parts) >= 2 and parts[-2] in LETTERS else None


def iter_archive(archive: str | os.PathLike) -> Iterator[Member]:
    """Streams the regular files of a (gzipped) tar; raises ``ArchiveError`` if it is broken."""
    try:
        with tarfile.open(archive, mode="r|*") as tar:
            for info in tar:
                if info.isdir():
                    continue
                data = tar.extractfile(info).read() if info.isfile() else b""
                yield Member(info.name, letter_of(info.name), data)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise ArchiveError(
            f"{archive}: the archive is unreadable ({e.__class__.__name__}: {e}). It is "
            "truncated or not a notMNIST tar.gz; delete it and put a fresh copy in "
            "its place (or the extracted notMNIST_small/ or notMNIST_large/ folder).") from e


def iter_folder(root: str | os.PathLike) -> Iterator[Member]:
    """Reads an extracted ``notMNIST_<size>/A..J/*.png`` tree in sorted order."""
    root = Path(root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = f"{root.name}/{path.relative_to(root).as_posix()}"
        yield Member(relative, letter_of(relative), path.read_bytes())


def iter_source(source: str | os.PathLike) -> Iterator[Member]:
    """Members of an archive file or of an extracted folder."""
    return iter_folder(source) if Path(source).is_dir() else iter_archive(source)
