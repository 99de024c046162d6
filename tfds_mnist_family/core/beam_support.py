"""Apache Beam generation shared by the builders (optional extra ``beam``).

A builder that mixes in ``BeamRequestMixin`` knows, in ``_split_generators``,
whether the user asked for Beam (``DownloadConfig(beam_options=...)`` /
``beam_runner``, or ``tfds build --beam_pipeline_options=...``). It then returns
``chunked_examples(chunks, dofn)`` per split: ``beam.Create(chunks)`` (which
reshuffles, so a cluster spreads the chunks over its workers) → ``dofn``, which
yields ``(key, example)``. TFDS writes the shards. Only this module and the
builders' ``beam_generation`` modules import ``apache_beam``, and only on request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

BEAM_EXTRA_HINT = "Beam generation needs apache-beam: pip install 'tfds_mnist_family[beam]'"


@dataclasses.dataclass(frozen=True)
class BeamRequest:
    """The user asked for Beam; ``limit`` is ``max_examples_per_split`` (TFDS's Beam path
    ignores it, so the builders apply it to their chunks)."""

    limit: int | None


class BeamRequestMixin:
    """Records ``self.beam_request`` (a ``BeamRequest``, or None without Beam options)."""

    beam_request: BeamRequest | None = None

    def _download_and_prepare(self, dl_manager, download_config):  # noqa: D401 - TFDS hook
        wants_beam = (download_config.beam_options is not None
                      or download_config.beam_runner is not None)
        self.beam_request = (BeamRequest(download_config.max_examples_per_split)
                             if wants_beam else None)
        try:
            return super()._download_and_prepare(dl_manager, download_config)
        finally:
            self.beam_request = None


def chunked_examples(chunks: Sequence[object], dofn) -> "beam.PTransform":
    """``beam.Create(chunks)`` → ``beam.ParDo(dofn)``: the PTransform of one split."""
    try:
        import apache_beam as beam
    except ImportError as e:
        raise ImportError(BEAM_EXTRA_HINT) from e

    class _ChunkedExamples(beam.PTransform):
        def expand(self, pbegin):
            # Create reshuffles (its default), so a cluster spreads the chunks.
            return pbegin | "Chunks" >> beam.Create(list(chunks)) | "Generate" >> beam.ParDo(dofn)

    return _ChunkedExamples()
