"""One build at a time per dataset version, and no leftovers from interrupted builds.

TFDS writes a dataset into ``<config>/incomplete.XXXXXX_<version>/`` and renames it
when done. A killed build leaves that directory behind (up to GBs for MNIST8M),
and two concurrent builds of one dataset race to the final rename (the loser
fails with ``FileExistsError``). ``BuildGuardMixin`` holds an exclusive lock file
beside the version directory while preparing: a second build waits, then finds
the dataset prepared and reuses it; and whoever holds the lock knows every
``incomplete.*`` directory of that version is stale and removes it.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

from tfds_mnist_family.core import sources

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locking, TFDS's behaviour
    fcntl = None

logger = logging.getLogger(__name__)


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def remove_stale_incomplete(version_dir: Path) -> list[Path]:
    """Removes ``incomplete.*_<version>`` siblings of ``version_dir``; returns them."""
    stale = sorted(version_dir.parent.glob(f"incomplete.*_{version_dir.name}"))
    for path in stale:
        logger.warning("%s: removing %.1f MB left by an interrupted build", path, _size_mb(path))
        shutil.rmtree(path, ignore_errors=True)
    return stale


@contextlib.contextmanager
def build_lock(version_dir: Path) -> Iterator[None]:
    """Holds ``<config>/.<version>.lock`` exclusively; waits (and says so) if it is taken."""
    version_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(version_dir.parent / f".{version_dir.name}.lock", "a") as lock:
        if fcntl is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                logger.warning("%s: another process is preparing this dataset; waiting for it "
                               "to finish", version_dir)
                fcntl.flock(lock, fcntl.LOCK_EX)
        yield


class BuildGuardMixin:
    """Mixin for a TFDS builder: ``download_and_prepare`` under ``build_lock``."""

    def download_and_prepare(self, *args, **kwargs):
        version_dir = Path(str(self.data_dir))
        if sources.is_remote(self.data_dir) or version_dir.exists():  # remote, or prepared
            return super().download_and_prepare(*args, **kwargs)
        with build_lock(version_dir):
            if not version_dir.exists():  # else another build finished while we waited
                remove_stale_incomplete(version_dir)
            return super().download_and_prepare(*args, **kwargs)
