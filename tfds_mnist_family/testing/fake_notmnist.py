"""Small synthetic notMNIST-layout archives, for tests and ``dummy_data/``.

Glyphs are drawn with Pillow's built-in font plus per-font noise, so every
(font, letter) pair has distinct pixels and the archives are deterministic.
``bad_members`` adds one file of every kind the builder must skip.
"""

from __future__ import annotations

import base64
import gzip
import io
import os
import tarfile
from collections.abc import Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw

from tfds_mnist_family.notmnist.members import LETTERS

_MTIME = 1315785600


def font_filename(font: str) -> str:
    """The notMNIST file name of a font: base64 of its name plus ``.png``."""
    return base64.b64encode(font.encode("utf-8")).decode("ascii") + ".png"


def glyph_pixels(letter: str, font_index: int) -> np.ndarray:
    """A 28x28 uint8 glyph, unique per (letter, font_index)."""
    canvas = Image.new("L", (28, 28), color=0)
    ImageDraw.Draw(canvas).text((8 + font_index % 5, 6 + font_index % 7), letter, fill=255)
    rng = np.random.default_rng(1000 * font_index + LETTERS.index(letter))
    noise = rng.integers(0, 40, size=(28, 28), dtype=np.uint8)
    return np.maximum(np.asarray(canvas), noise)


def png_bytes(pixels: np.ndarray, mode: str = "L", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(pixels, mode="L")
    (image.convert(mode) if mode != "L" else image).save(buffer, format=fmt)
    return buffer.getvalue()


def good_members(root: str, fonts: Iterable[tuple[int, str]],
                 letters: Sequence[str] = LETTERS) -> list[tuple[str, bytes]]:
    """``(path, png)`` for every letter of every ``(font_index, font_name)``."""
    return [(f"{root}/{letter}/{font_filename(name)}", png_bytes(glyph_pixels(letter, index)))
            for index, name in fonts for letter in letters]


def bad_members(root: str) -> dict[str, bytes]:
    """One member per failure kind, keyed by path (all must be skipped, none crash)."""
    good = png_bytes(glyph_pixels("B", 99))
    corrupt = bytearray(good)
    corrupt[40:60] = b"\x00" * 20  # damages IHDR/IDAT: CRC or zlib error
    return {
        f"{root}/A/{font_filename('Empty.ttf')}": b"",
        f"{root}/B/{font_filename('Corrupt.ttf')}": bytes(corrupt),
        f"{root}/C/{font_filename('Truncated.ttf')}": good[: len(good) // 2],
        f"{root}/D/{font_filename('NotAnImage.ttf')}": b"this is not an image\n",
        f"{root}/E/{font_filename('Jpeg.ttf')}": png_bytes(glyph_pixels("E", 98), fmt="JPEG"),
        f"{root}/F/{font_filename('WrongSize.ttf')}": png_bytes(np.zeros((32, 32), np.uint8)),
        f"{root}/G/{font_filename('Rgb.ttf')}": png_bytes(glyph_pixels("G", 97), mode="RGB"),
        f"{root}/README.txt": b"stray file outside the letter folders\n",
    }


def write_archive(path: str | os.PathLike, members: Iterable[tuple[str, bytes]]) -> str:
    """Writes a deterministic tar.gz with folder entries, like the published archives."""
    members = sorted(members)
    folders = sorted({p.rsplit("/", i)[0] for p, _ in members for i in (1, 2)
                      if p.count("/") >= i})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, _MTIME
            tar.addfile(info)
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, _MTIME
            tar.addfile(info, io.BytesIO(data))
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return os.fspath(path)


def fake_fonts(indices: Iterable[int]) -> list[tuple[int, str]]:
    return [(i, f"FakeFont-{i}.ttf") for i in indices]


SMALL_FONTS = range(0, 12)  # 12 fonts cover all five font folds
LARGE_FONTS = range(8, 20)  # fonts 8..11 also appear in small: 40 exact duplicates
RENAMED_COPY = ("C", 0)  # small's font-0 "C" re-appears in large under another name
EXPECTED_DUPLICATES = 4 * len(LETTERS) + 1


def small_members() -> list[tuple[str, bytes]]:
    root = "notMNIST_small"
    return good_members(root, fake_fonts(SMALL_FONTS)) + list(bad_members(root).items())


def large_members() -> list[tuple[str, bytes]]:
    root = "notMNIST_large"
    letter, index = RENAMED_COPY
    copy = (f"{root}/{letter}/{font_filename('RenamedCopy.ttf')}",
            png_bytes(glyph_pixels(letter, index)))
    return good_members(root, fake_fonts(LARGE_FONTS)) + [copy] + list(bad_members(root).items())


def write_dummy_data(directory: str | os.PathLike) -> None:
    """Writes ``notMNIST_small.tar.gz`` and ``notMNIST_large.tar.gz`` into ``directory``."""
    write_archive(os.path.join(directory, "notMNIST_small.tar.gz"), small_members())
    write_archive(os.path.join(directory, "notMNIST_large.tar.gz"), large_members())


if __name__ == "__main__":  # python -m tfds_mnist_family.testing.fake_notmnist DIR
    import sys

    write_dummy_data(sys.argv[1])
