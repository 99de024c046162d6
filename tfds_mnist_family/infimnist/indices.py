"""InfiMNIST example indices: validation and inclusive ranges (no TensorFlow)."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable, Iterator

import numpy as np

MAX_INDEX = 2**62  # exclusive: valid indices are 0 <= i < 2**62


class InvalidIndexError(ValueError):
    """An InfiMNIST index is not an integer, is negative or is >= 2**62."""


def _out_of_range(value: int) -> InvalidIndexError:
    side = "negative" if value < 0 else ">= 2**62"
    return InvalidIndexError(f"InfiMNIST index {value} is {side}; valid indices are "
                             "0 <= i < 2**62")


def check_indices(indices: Iterable[int] | np.ndarray) -> np.ndarray:
    """The indices as an int64 array; raises InvalidIndexError for non-integers or i
    outside 0 <= i < 2**62."""
    array = np.asarray(indices)
    if array.dtype == object and all(isinstance(v, numbers.Integral) for v in array.flat):
        for value in array.flat:  # Python ints beyond int64
            if not 0 <= value < MAX_INDEX:
                raise _out_of_range(int(value))
        array = array.astype(np.int64)
    if array.size == 0:
        return array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise InvalidIndexError(f"InfiMNIST indices must be integers, got {indices!r:.80}")
    if array.dtype == np.uint64 and array.max() >= MAX_INDEX:
        raise _out_of_range(int(array.max()))
    array = array.astype(np.int64)
    lo, hi = int(array.min()), int(array.max())
    if lo < 0:
        raise _out_of_range(lo)
    if hi >= MAX_INDEX:
        raise _out_of_range(hi)
    return array


@dataclasses.dataclass(frozen=True)
class IndexRange:
    """Inclusive range of InfiMNIST example indices, ``first..=last``."""

    first: int
    last: int

    def __post_init__(self) -> None:
        for name in ("first", "last"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise InvalidIndexError(f"IndexRange {name}={value!r}: must be an integer")
        if not 0 <= self.first <= self.last < MAX_INDEX:
            raise InvalidIndexError(f"invalid InfiMNIST index range {self.first}..{self.last}: "
                                    "need 0 <= first <= last < 2**62")

    @classmethod
    def of_span(cls, span: tuple[int, int]) -> "IndexRange":
        return cls(*span)

    def __len__(self) -> int:
        return self.last - self.first + 1

    def head(self, count: int) -> "IndexRange":
        """The first ``count`` (>= 1) indices."""
        return IndexRange(self.first, min(self.last, self.first + count - 1))

    def chunks(self, size: int) -> Iterator["IndexRange"]:
        """Consecutive sub-ranges of at most ``size`` indices: the one way to cut a range."""
        for start in range(self.first, self.last + 1, size):
            yield IndexRange(start, min(start + size - 1, self.last))

    def arange(self) -> np.ndarray:
        return np.arange(self.first, self.last + 1, dtype=np.int64)
