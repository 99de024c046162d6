"""The notMNIST hook of the data locator: which local copies of a notMNIST set are usable.

Unlike a download, a local copy need not be byte-identical to the published
archive: re-packed archives (such as a tar.gz rebuilt from the loose PNG files)
and extracted ``notMNIST_<size>/A..J/`` folders are accepted too, because every
image is validated one by one anyway. Such a source is logged as not matching
the original checksum and recorded in the dataset metadata.
"""

from __future__ import annotations

import logging
from pathlib import Path

from tfds_mnist_family.core import sources
from tfds_mnist_family.notmnist.members import LETTERS

logger = logging.getLogger(__name__)


def folder_name(resource: sources.Resource) -> str:
    """``notMNIST_small.tar.gz`` -> ``notMNIST_small`` (the archive's top folder)."""
    return resource.filename.removesuffix(".tar.gz")


class NotMnistForms(sources.Forms):
    """The archive (any checksum, recorded) or the extracted ``notMNIST_<size>/`` folder."""

    def in_directory(self, directory: Path, resource: sources.Resource) -> sources.Found | None:
        if (directory / resource.filename).is_file():
            return self.file(directory / resource.filename, resource)
        if (directory / folder_name(resource)).is_dir():
            return self.folder(directory / folder_name(resource))
        return None

    def file(self, path: Path, resource: sources.Resource) -> sources.Found:
        sha256 = sources.sha256_of(path)
        is_original = sha256 == resource.sha256 and path.stat().st_size == resource.size
        if not is_original:
            logger.warning(
                "%s: SHA-256 %s is not the published %s (%s). Using it as a user-supplied "
                "copy; every image in it is still validated, and the dataset metadata "
                "records this.", path, sha256, resource.filename, resource.sha256)
        return sources.Found(path, "archive", sha256, is_original)

    def folder(self, path: Path) -> sources.Found:
        missing = [letter for letter in LETTERS if not (path / letter).is_dir()]
        if missing:
            raise sources.DataSourceError(
                f"{path}: extracted notMNIST folder lacks the letter folder(s) "
                f"{', '.join(missing)}. Extract the complete archive there, or remove "
                "the folder and put the .tar.gz in its parent directory instead.")
        logger.warning("%s: reading an extracted folder; it cannot be checked against the "
                       "published checksum (recorded in the dataset metadata).", path)
        return sources.Found(path, "folder", None, False)

    def describe(self, resource: sources.Resource) -> str:
        return (f"{resource.filename} (sha256 {resource.sha256}; a re-pack is accepted and "
                f"recorded) or the extracted folder {folder_name(resource)}/A..J/")
