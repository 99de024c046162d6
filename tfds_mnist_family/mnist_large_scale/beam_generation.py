"""Beam generation of MNIST Large Scale from MNIST (needs the ``beam`` extra).

``examples_ptransform(config, images, labels, indices, chunk)``: ``beam.Create`` of
chunks of source digits (a multiple of the generation batch, so every batch is the one
the single-process path rescales) → ``RescaleChunks``, which calls the builder's
``rescaled_examples`` on each. Official HDF5 files are read in one process (no Beam).
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
import numpy as np

from tfds_mnist_family.core import beam_support
from tfds_mnist_family.mnist_large_scale import mnist_large_scale_dataset_builder as builder_module


class RescaleChunks(beam.DoFn):
    """``(images, labels, indices)`` chunk → ``(index, example)`` rescaled digits."""

    def __init__(self, config: builder_module.MnistLargeScaleConfig) -> None:
        self.config = config

    def process(self, chunk: tuple[np.ndarray, np.ndarray, np.ndarray]
                ) -> Iterator[tuple[int, dict]]:
        yield from builder_module.rescaled_examples(self.config, *chunk, progress=False)


def examples_ptransform(config: builder_module.MnistLargeScaleConfig, images: np.ndarray,
                        labels: np.ndarray, indices: np.ndarray, chunk: int) -> beam.PTransform:
    """The split's PTransform over the digits ``images`` (their labels and indices)."""
    batch = builder_module.GENERATION_BATCH
    chunk = max(batch, chunk // batch * batch)
    chunks = [(images[lo:lo + chunk], labels[lo:lo + chunk], indices[lo:lo + chunk])
              for lo in range(0, len(images), chunk)]
    return beam_support.chunked_examples(chunks, RescaleChunks(config))
