"""Do the letter folders hold their letters? A content check for re-packed notMNIST copies.

A re-pack cannot be checked against the published checksum, so a copy whose
``A/`` and ``B/`` folders were swapped would otherwise build a dataset with wrong
labels. ``letter_templates.npz`` holds the mean glyph of each letter of the real
notMNIST_small (rounded to uint8, 10 x 28 x 28). The mean of a few hundred
glyphs of a folder correlates with its own letter's template at about 0.94-0.97
and with any other letter's at 0.77 at most (measured on notMNIST_small with 50
glyphs per letter), so a folder whose mean matches another letter best is
mislabeled. Folders with fewer than ``MIN_GLYPHS`` readable glyphs (tiny test
archives) are not judged.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from tfds_mnist_family.core import sources
from tfds_mnist_family.notmnist.members import LETTERS

MIN_GLYPHS = 50
MAX_GLYPHS = 500  # per letter; enough for a stable mean
_TEMPLATES = Path(__file__).resolve().parent / "letter_templates.npz"


class LetterFolderError(sources.DataSourceError):
    """A letter folder's images look like another letter."""


@functools.lru_cache(maxsize=1)
def _templates() -> np.ndarray:
    with np.load(_TEMPLATES) as data:
        return _normalised(np.stack([data[letter] for letter in LETTERS]))


def _normalised(images: np.ndarray) -> np.ndarray:
    flat = images.reshape(len(images), -1).astype(np.float64)
    flat -= flat.mean(axis=1, keepdims=True)
    return flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)


class LetterMeans:
    """Accumulates up to ``MAX_GLYPHS`` glyphs per letter folder."""

    def __init__(self) -> None:
        self.sums = {letter: np.zeros((28, 28)) for letter in LETTERS}
        self.counts = dict.fromkeys(LETTERS, 0)

    def add(self, letter: str, pixels: np.ndarray) -> None:
        if self.counts[letter] < MAX_GLYPHS:
            self.sums[letter] += pixels
            self.counts[letter] += 1

    def check(self, source: object) -> dict[str, str]:
        """Raises LetterFolderError naming ``source`` if a folder matches another letter
        best; returns {letter: verdict} for the metadata."""
        verdicts = {}
        judged = [letter for letter in LETTERS if self.counts[letter] >= MIN_GLYPHS]
        if not judged:
            return {"letter_folders": f"not checked (fewer than {MIN_GLYPHS} glyphs per letter)"}
        means = np.stack([self.sums[letter] / self.counts[letter] for letter in judged])
        scores = _normalised(means) @ _templates().T
        wrong = []
        for letter, row in zip(judged, scores):
            best = LETTERS[int(row.argmax())]
            verdicts[letter] = f"looks like {best} (r={row.max():.2f})"
            if best != letter:
                wrong.append(f"{letter}/ looks like {best} (r={row.max():.2f} vs "
                             f"{row[LETTERS.index(letter)]:.2f} for {letter})")
        if wrong:
            raise LetterFolderError(
                f"{source}: letter folders hold the wrong letters: {'; '.join(wrong)}. The "
                "copy is mislabeled; use the published archive or fix the folder names.")
        return verdicts
