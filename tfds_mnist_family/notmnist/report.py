"""What happened while generating: skipped files, plain-white glyphs, removed duplicates.

The report becomes ``builder.info.metadata`` (a ``tfds.core.MetadataDict``
saved as ``metadata.json`` next to the data), so users see after
``tfds.load`` exactly which source files were left out and why.
"""

from __future__ import annotations

import collections
import logging

logger = logging.getLogger(__name__)


class GenerationReport:
    """Collects per-file events; each skipped file is logged once however often it is read."""

    def __init__(self) -> None:
        self.skipped: dict[str, str] = {}
        self.plain_white: collections.Counter[str] = collections.Counter()
        self.duplicates_removed: list[str] = []
        self.examples: collections.Counter[str] = collections.Counter()

    def skip(self, path: str, reason: str) -> None:
        if path not in self.skipped:
            logger.warning("notmnist: skipping %s: %s", path, reason)
            self.skipped[path] = reason

    def metadata(self) -> dict[str, object]:
        """JSON-serialisable summary, sorted so that reruns give identical files."""
        return {
            "skipped_count": len(self.skipped),
            "skipped_files": sorted(self.skipped),
            "skipped_reasons": dict(sorted(self.skipped.items())),
            "examples_per_letter": dict(sorted(self.examples.items())),
            "plain_white_per_letter": dict(sorted(self.plain_white.items())),
            "duplicates_removed_count": len(self.duplicates_removed),
            "duplicates_removed_files": sorted(self.duplicates_removed),
        }
