"""Decoding and validating one notMNIST glyph file.

The archives contain a few files that are not usable images (empty, truncated
or corrupt PNGs). A glyph is accepted only if it is a PNG that decodes
completely to a 28x28 8-bit grayscale (mode ``L``) image; everything else gets a
human-readable reason instead of an exception.

Accepted glyphs keep their original PNG bytes when these are plain 8-bit
grayscale (every file of the small set), so the builder stores the source bytes
unchanged and skips a slow re-encode; other bit depths are re-encoded from the
decoded pixels.
"""

from __future__ import annotations

import dataclasses
import io

import numpy as np
from PIL import Image

SHAPE = (28, 28)


@dataclasses.dataclass(frozen=True)
class Glyph:
    """A decoded glyph: ``pixels`` (28, 28) uint8 and ``png`` bytes, or a ``reason``."""

    pixels: np.ndarray | None
    png: bytes = b""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.pixels is not None


def decode_glyph(data: bytes) -> Glyph:
    """Decodes PNG bytes; never raises for bad input, returns the reason instead."""
    if not data:
        return Glyph(None, reason="empty file (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as image:
            rawmode = image.tile[0][3] if image.tile else None
            image.load()  # Image.open is lazy: force a full decode to catch truncation.
            fmt, mode, size = image.format, image.mode, image.size
            pixels = np.asarray(image) if mode == "L" else None
    except Exception as e:  # noqa: BLE001 - untrusted bytes: any decoder failure means "skip"
        return Glyph(None, reason=f"cannot decode ({e.__class__.__name__}: {e})")
    if fmt != "PNG":
        return Glyph(None, reason=f"not a PNG ({fmt} image)")
    if size != SHAPE[::-1]:
        return Glyph(None, reason=f"wrong size {size[0]}x{size[1]}, expected 28x28")
    if mode != "L":
        return Glyph(None, reason=f"not 8-bit grayscale (PIL mode {mode!r}, expected 'L')")
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    return Glyph(pixels, data if rawmode == "L" else encode_png(pixels))


def encode_png(pixels: np.ndarray) -> bytes:
    """8-bit grayscale PNG bytes of a (28, 28) uint8 array."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()
