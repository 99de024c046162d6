"""The one place that touches private TFDS API: writing a builder's shards in batches.

TFDS's generic writer costs about 150 us of Python per example. A builder whose
examples come in large, cheap batches (InfiMNIST) can write TFDS-format shards
itself; TFDS has no public hook for that, so ``BatchWriterMixin`` overrides the
private ``_download_and_prepare`` and names shards with the private
``_get_filename_template``. If a TFDS release changes either, ``missing_private_api``
says which, a warning names it, and the builder falls back to TFDS's generic
writer, which produces the same records (a parity test checks it).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Mapping

import tensorflow_datasets as tfds

logger = logging.getLogger(__name__)

# Private attribute -> the parameters this module passes to it.
_PRIVATE_API = {
    "_download_and_prepare": ("dl_manager", "download_config"),
    "_get_filename_template": ("split_name",),
}

# split name -> a function writing that split's shards under a filename template.
SplitWriters = Mapping[str, Callable[["tfds.core.ShardedFileTemplate"], "tfds.core.SplitInfo"]]


@functools.lru_cache(maxsize=1)
def missing_private_api() -> tuple[str, ...]:
    """The private TFDS attributes this module needs that this TFDS lacks or changed."""
    problems = []
    for name, params in _PRIVATE_API.items():
        method = getattr(tfds.core.GeneratorBasedBuilder, name, None)
        if method is None:
            problems.append(f"tfds.core.GeneratorBasedBuilder.{name} is gone")
            continue
        have = inspect.signature(method).parameters
        lacking = [p for p in params if p not in have]
        if lacking:
            problems.append(f"tfds.core.GeneratorBasedBuilder.{name} has no parameter(s) "
                            f"{', '.join(lacking)}")
    return tuple(problems)


class BatchWriterMixin:
    """Mixin for a ``GeneratorBasedBuilder`` that can write its own shards.

    The builder implements ``batch_split_writers(dl_manager, download_config)``,
    returning ``{split: write(filename_template) -> SplitInfo}``, or None to use
    TFDS's generic writer. ``BATCH_WRITER = False`` forces the generic writer.
    """

    BATCH_WRITER = True

    def batch_split_writers(self, dl_manager, download_config) -> SplitWriters | None:
        raise NotImplementedError

    def expected_split_sizes(self, download_config) -> Mapping[str, int]:
        """Examples each split must hold when written (checked on every path); {} = unknown."""
        return {}

    def _check_split_sizes(self, download_config) -> None:
        """Fails (so TFDS discards the build) if a writer or runner lost examples: a Beam
        DirectRunner run was once seen to write 865,934 of 1,000,000 without an error."""
        wrong = [f"{split}: {self.info.splits[split].num_examples} of {want}"
                 for split, want in self.expected_split_sizes(download_config).items()
                 if self.info.splits[split].num_examples != want]
        if wrong:
            raise RuntimeError(f"{self.name}/{self.builder_config.name}: incomplete write "
                               f"({'; '.join(wrong)} examples); the dataset was discarded. "
                               "Run the build again.")

    def _download_and_prepare(self, dl_manager, download_config):  # noqa: D401 - TFDS hook
        limit = download_config.max_examples_per_split
        if limit is not None and limit < 1:
            raise ValueError(f"max_examples_per_split={limit}: must be a positive number of "
                             "examples (or None for all)")
        writers = self.batch_split_writers(dl_manager, download_config) if self.BATCH_WRITER else None
        if writers is not None and missing_private_api():
            logger.warning("%s: TFDS %s changed private API this package's batch writer uses "
                           "(%s); using TFDS's generic writer (same records, slower).",
                           self.name, tfds.__version__, "; ".join(missing_private_api()))
            writers = None
        if writers is None:
            super()._download_and_prepare(dl_manager, download_config)
        else:
            split_infos = [write(self._get_filename_template(split_name=split))
                           for split, write in writers.items()]
            self.info.set_splits(tfds.core.SplitDict(split_infos))
        self._check_split_sizes(download_config)
        return None


class PrepareMessageMixin:
    """Replaces TFDS's "Downloading and preparing dataset Unknown size (download: Unknown
    size, ...)" line, printed before every preparation from local or embedded files, by one
    that says what happens. Overrides the private ``_log_download_bytes``; if a TFDS release
    drops it, TFDS simply prints its own line again."""

    def _log_download_bytes(self) -> None:  # noqa: D401 - TFDS hook
        if self.info.download_size:
            super()._log_download_bytes()
            return
        print(f"Preparing dataset {self.info.full_name} from local or package files "
              f"(nothing to download) to {self.data_dir}...")
