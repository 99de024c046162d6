"""Finding the notMNIST data: a local archive or folder first, then the mirrors.

Local copies are looked up where ``core.sources`` looks (TFDS ``manual_dir``,
then ``$TFDS_MNIST_FAMILY_DATA``, each also with a ``notmnist/`` sub-folder).
Unlike a download, a local copy need not be byte-identical to the published
archive: re-packed archives (such as a tar.gz rebuilt from the loose PNG files)
and extracted ``notMNIST_<size>/A..J/`` folders are accepted too, because
every image is validated one by one anyway. Such a source is logged as not
matching the original checksum and recorded in the dataset metadata.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

from tfds_mnist_family.core import sources
from tfds_mnist_family.notmnist.members import LETTERS

DATASET = "notmnist"

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Source:
    """Where one notMNIST set is read from, and whether it is the published archive."""

    path: Path
    kind: str  # "archive" or "folder"
    sha256: str | None
    is_original: bool

    def metadata(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.path.name, "sha256": self.sha256,
                "matches_published_checksum": self.is_original}


def folder_name(resource: sources.Resource) -> str:
    """``notMNIST_small.tar.gz`` -> ``notMNIST_small`` (the archive's top folder)."""
    return resource.filename.removesuffix(".tar.gz")


def _archive_source(path: Path, resource: sources.Resource) -> Source:
    sha256 = sources.sha256_of(path)
    is_original = sha256 == resource.sha256 and path.stat().st_size == resource.size
    if not is_original:
        logger.warning(
            "%s: SHA-256 %s is not the published %s (%s). Using it as a user-supplied "
            "copy; every image in it is still validated, and the dataset metadata "
            "records this.", path, sha256, resource.filename, resource.sha256)
    return Source(path, "archive", sha256, is_original)


def _folder_source(path: Path) -> Source:
    missing = [letter for letter in LETTERS if not (path / letter).is_dir()]
    if missing:
        raise sources.DataSourceError(
            f"{path}: extracted notMNIST folder lacks the letter folder(s) "
            f"{', '.join(missing)}. Extract the complete archive there, or remove "
            "the folder and put the .tar.gz in its parent directory instead.")
    logger.warning("%s: reading an extracted folder; it cannot be checked against the "
                   "published checksum (recorded in the dataset metadata).", path)
    return Source(path, "folder", None, False)


def find_local(resource: sources.Resource, dirs: Sequence[Path]) -> Source | None:
    """The first archive (any checksum) or extracted folder for ``resource`` in ``dirs``."""
    for directory in dirs:
        if (directory / resource.filename).is_file():
            return _archive_source(directory / resource.filename, resource)
        if (directory / folder_name(resource)).is_dir():
            return _folder_source(directory / folder_name(resource))
    return None


def locate(dl_manager, resource: sources.Resource) -> Source:
    """A local copy if there is one, else a verified download via ``sources.fetch``."""
    dirs = sources.local_dirs(sources.manual_dir_of(dl_manager), DATASET)
    local = find_local(resource, dirs)
    if local is not None:
        return local
    path = sources.fetch(dl_manager, DATASET, [resource])[resource.filename]
    return Source(path, "archive", resource.sha256, True)
