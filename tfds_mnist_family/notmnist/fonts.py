"""Font names hidden in notMNIST file names, and font-disjoint fold assignment.

Every notMNIST image is stored as ``<letter>/<base64 of the font file name>.png``,
so all ten letters of one font share a file name. The font is what duplicate and
leakage studies group by.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

NUM_FOLDS = 5


def font_from_filename(filename: str) -> str:
    """The font file name encoded in ``filename`` (e.g. ``"Arial Bold.ttf"``).

    Names that are not valid base64 of UTF-8 text (none in the small set) fall
    back to the undecoded stem, so every image still gets a stable font key.
    """
    stem = filename.rsplit("/", 1)[-1].removesuffix(".png")
    try:
        font = base64.b64decode(stem, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return stem
    return font if font.isprintable() and font else stem


def fold_of_font(font: str, num_folds: int = NUM_FOLDS) -> int:
    """A stable fold in ``[0, num_folds)`` derived from the font name only.

    Hash-based (not order-based), so adding or removing fonts never moves the
    others, and every letter of a font lands in the same fold.
    """
    digest = hashlib.sha256(font.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % num_folds
