"""The one epoch convention of the on-the-fly APIs (InfiMNIST, MNIST Large Scale).

Every on-the-fly dataset is finite by default (one pass over its range or
split), so ``model.fit(ds, epochs=k)`` ends. ``repeat=True`` makes it infinite
(then ``model.fit`` needs ``steps_per_epoch``); ``epoch_size=N`` makes each pass
exactly ``N // batch_size`` batches, cycling through the data. An endless
source (InfiMNIST with ``last=None``) has no natural pass, so it needs one of
the two: it raises instead of silently never ending an epoch.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

ENDLESS_HINT = ("an endless stream never ends a Keras epoch: pass epoch_size=N (N examples "
                "per pass) or repeat=True (then give model.fit steps_per_epoch=...)")


def check_batch_size(batch_size: int) -> int:
    """``batch_size`` if it is an integer >= 1; else ValueError naming it."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r}: must be an integer >= 1")
    return int(batch_size)


def needs_repeat(*, endless: bool, repeat: bool, epoch_size: int | None, batch_size: int) -> bool:
    """Checks the epoch arguments; True when the underlying pass must be repeated."""
    check_batch_size(batch_size)
    if repeat and epoch_size is not None:
        raise ValueError("pass either repeat=True (infinite) or epoch_size=N (finite), not both")
    if epoch_size is not None and epoch_size < batch_size:
        raise ValueError(f"epoch_size={epoch_size} is smaller than one batch ({batch_size})")
    if endless and not repeat and epoch_size is None:
        raise ValueError(ENDLESS_HINT)
    return repeat or epoch_size is not None


def limit_epoch(batches: tf.data.Dataset, *, repeat: bool, epoch_size: int | None,
                batch_size: int) -> tf.data.Dataset:
    """``epoch_size // batch_size`` batches per pass of a repeated ``batches``, or all of them.

    The cardinality is declared (infinite with ``repeat``, or the batch count) so
    Keras knows the epoch length even when filters upstream hide it.
    """
    if epoch_size is not None:
        count = epoch_size // batch_size
        return batches.take(count).apply(tf.data.experimental.assert_cardinality(count))
    if repeat:
        return batches.apply(tf.data.experimental.assert_cardinality(tf.data.INFINITE_CARDINALITY))
    return batches
