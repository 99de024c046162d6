"""Beam generation of any InfiMNIST range (needs the ``beam`` extra).

``examples_ptransform(source, index_range, chunk)``: ``beam.Create`` of the range's
chunks (``IndexRange.chunks``, the one way to cut a range) → ``GenerateChunks``, a
``DoFn`` that opens the ``BatchSource`` once per worker (``setup``: loads or computes
the deformation tables, from a local or ``gs://`` path) and turns each chunk into
``(index, example)`` with the builder's ``examples_from``: the same TF ops, PNG encoder
and example layout as the single-process path. No worker reads MNIST8M: it computes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import apache_beam as beam

from tfds_mnist_family.core import beam_support
from tfds_mnist_family.infimnist import infimnist_dataset_builder as builder_module
from tfds_mnist_family.infimnist.indices import IndexRange


class GenerateChunks(beam.DoFn):
    """Chunk of indices → ``(index, example)``; the inputs are loaded once per worker."""

    def __init__(self, source: builder_module.BatchSource, storage: str = "png") -> None:
        self.source = source
        self.storage = storage
        self._batches = None

    def setup(self) -> None:
        self._batches = self.source.open()

    def process(self, chunk: tuple[int, int]) -> Iterator[tuple[int, dict]]:
        yield from builder_module.examples_from(self._batches.iter_range(IndexRange(*chunk)),
                                                self.storage)


def examples_ptransform(source: builder_module.BatchSource, index_range: IndexRange,
                        chunk: int, storage: str = "png") -> beam.PTransform:
    """The split's PTransform: ``(index, example)`` for every index of ``index_range``."""
    chunks = [(c.first, c.last) for c in index_range.chunks(chunk)]
    # A worker's compiled batch never exceeds a chunk (no padding work on small chunks).
    source = dataclasses.replace(source, batch_size=min(source.batch_size, chunk))
    return beam_support.chunked_examples(chunks, GenerateChunks(source, storage))
