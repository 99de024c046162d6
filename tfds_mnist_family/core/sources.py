"""The one data locator: where every builder and the reference CLI find their input files.

``Locator.locate`` looks for a dataset's file, in this order,

1. an explicit path (a config's ``data_path``, the CLI's ``-d``),
2. TFDS's ``manual_dir`` (``tfds.download.DownloadConfig(manual_dir=...)``),
3. ``$TFDS_MNIST_FAMILY_DATA`` (a local mirror), each of 2-3 also with a sub-folder
   named after the dataset,
4. data shipped inside the package,
5. each download URL, in the order of ``checksums/<dataset>.tsv``,

and returns the first copy its ``Forms`` accept. ``Forms`` is the per-dataset
hook: by default a directory must hold the exact file, verified against the
same size and SHA-256 TFDS checks for downloads; a dataset that also accepts
other forms (an extracted folder, a data directory, a re-packed archive)
overrides ``in_directory`` / ``file``. Downloads are always verified strictly.
When nothing works the one error lists every place and URL tried and says
exactly which file to put where.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import os
import socket
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

MIRROR_ENV_VAR = "TFDS_MNIST_FAMILY_DATA"
_PROBE_TIMEOUT_S = 5.0


class DataSourceError(RuntimeError):
    """No usable copy of a required data file was found."""


class ChecksumMismatchError(DataSourceError):
    """A local file does not have the registered size or SHA-256."""


@dataclasses.dataclass(frozen=True)
class Resource:
    """One data file, known by its file name, with its mirrors and checksum."""

    filename: str
    urls: tuple[str, ...] = ()
    size: int | None = None
    sha256: str | None = None


@dataclasses.dataclass(frozen=True)
class Found:
    """A usable copy of a resource: where it is and what it is.

    ``kind``: "file" (the named file), or a dataset's other form ("folder",
    "data_dir", ...). ``verified``: its bytes match the published checksum.
    """

    path: Path
    kind: str = "file"
    sha256: str | None = None
    verified: bool = True

    def metadata(self) -> dict[str, object]:
        """What the prepared dataset records about its source."""
        return {"kind": self.kind, "name": self.path.name, "sha256": self.sha256,
                "matches_published_checksum": self.verified}


def load_resources(checksums_tsv: str | os.PathLike) -> dict[str, Resource]:
    """Reads a TFDS ``checksums.tsv`` (url, size, sha256, filename) into resources.

    Rows sharing a file name are mirrors of one file, tried in file order.
    """
    urls: dict[str, list[str]] = collections.defaultdict(list)
    info: dict[str, tuple[int, str]] = {}
    for lineno, line in enumerate(Path(checksums_tsv).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{checksums_tsv}:{lineno}: expected 4 tab-separated fields "
                             f"(url, size, sha256, filename), got {len(fields)}")
        url, size, sha256, filename = fields
        if filename in info and info[filename] != (int(size), sha256):
            raise ValueError(f"{checksums_tsv}:{lineno}: mirror of {filename} has a "
                             "different size or checksum than the first URL")
        info[filename] = (int(size), sha256)
        urls[filename].append(url)
    return {name: Resource(name, tuple(urls[name]), *info[name]) for name in info}


def sha256_of(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, resource: Resource) -> Found:
    """``path`` as a verified copy of ``resource``; raises if its size or SHA-256 differ."""
    size = path.stat().st_size
    if resource.size is not None and size != resource.size:
        raise ChecksumMismatchError(
            f"{path}: size {size} bytes, but {resource.filename} must be {resource.size} "
            "bytes. The file is truncated or a different file; replace it with a fresh copy.")
    actual = sha256_of(path) if resource.sha256 is not None else None
    if actual is not None and actual != resource.sha256:
        raise ChecksumMismatchError(
            f"{path}: SHA-256 {actual}, but {resource.filename} must have "
            f"{resource.sha256}. The file is corrupt or a different version; "
            "replace it with a fresh copy.")
    return Found(path, "file", actual, resource.sha256 is not None)


class Forms:
    """The forms a dataset's data may take in a directory (the per-dataset hook).

    Default: exactly the named file, verified against its published checksum.
    """

    def in_directory(self, directory: Path, resource: Resource) -> Found | None:
        """A usable copy of ``resource`` in ``directory``, or None; raises for a bad copy."""
        candidate = directory / resource.filename
        return self.file(candidate, resource) if candidate.is_file() else None

    def file(self, path: Path, resource: Resource) -> Found:
        """``path`` (a local file) checked as a copy of ``resource``."""
        return verify(path, resource)

    def explicit(self, path: Path, resource: Resource) -> Found:
        """A path the user named for ``resource``: the file itself, or a directory holding it."""
        if path.is_file():
            return self.file(path, resource)
        found = self.in_directory(path, resource) if path.is_dir() else None
        if found is None:
            raise DataSourceError(
                f"{path}: {'no such file or directory' if not path.exists() else 'does not hold'}"
                f" {self.describe(resource)}. Fix the path you gave for it.")
        return found

    def describe(self, resource: Resource) -> str:
        """How a user provides ``resource`` (for the error message)."""
        checksum = f" (sha256 {resource.sha256})" if resource.sha256 else ""
        return f"{resource.filename}{checksum}"


def search_dirs(dataset: str, manual_dir: str | os.PathLike | None,
                package_dir: str | os.PathLike | None = None) -> list[Path]:
    """The local directories searched, in order."""
    dirs: list[Path] = []
    for base in (manual_dir, os.environ.get(MIRROR_ENV_VAR)):
        if base:
            dirs += [Path(base), Path(base) / dataset]
    if package_dir is not None:
        dirs.append(Path(package_dir))
    return dirs


@dataclasses.dataclass
class Locator:
    """Finds the files of one dataset (see the module docstring for the order).

    ``manual_dir``: TFDS's manual_dir (``manual_dir_of(dl_manager)``) or the CLI's
    data directory; ``dl_manager``: the TFDS DownloadManager for downloads (None:
    local only); ``explicit``: a path the user named, searched first and alone
    when given; ``package_dir``: data shipped with the package.
    """

    dataset: str
    forms: Forms = dataclasses.field(default_factory=Forms)
    manual_dir: Path | None = None
    dl_manager: object | None = None
    explicit: Path | None = None
    package_dir: Path | None = None

    @classmethod
    def for_builder(cls, dl_manager, dataset: str, forms: Forms | None = None,
                    explicit: str | os.PathLike | None = None,
                    package_dir: str | os.PathLike | None = None) -> "Locator":
        return cls(dataset, forms or Forms(), manual_dir_of(dl_manager), dl_manager,
                   None if explicit is None else Path(explicit),
                   None if package_dir is None else Path(package_dir))

    @property
    def dirs(self) -> list[Path]:
        return search_dirs(self.dataset, self.manual_dir, self.package_dir)

    def find_local(self, resource: Resource) -> Found | None:
        """The first local copy the forms accept (the explicit path alone if given)."""
        if self.explicit is not None:
            return self.forms.explicit(self.explicit, resource)
        for directory in self.dirs:
            found = self.forms.in_directory(directory, resource)
            if found is not None:
                return found
        return None

    def locate_all(self, resources: Sequence[Resource]) -> dict[str, Found]:
        """``{filename: Found}`` for every resource, or one error naming all missing ones."""
        found: dict[str, Found] = {}
        missing: list[Resource] = []
        failures: list[str] = []
        for resource in resources:
            copy = self.find_local(resource)
            if copy is None and self.dl_manager is not None:
                path = download_first_mirror(self.dl_manager, resource, failures)
                copy = None if path is None else verify(path, resource)
            if copy is None:
                missing.append(resource)
            else:
                found[resource.filename] = copy
        if missing:
            raise DataSourceError(self.missing_message(missing, failures))
        return found

    def locate(self, resource: Resource) -> Found:
        return self.locate_all([resource])[resource.filename]

    def missing_message(self, resources: Sequence[Resource], failures: Sequence[str]) -> str:
        lines = [f"{self.dataset}: could not obtain {len(resources)} required file(s)."]
        if failures:
            lines.append("Tried:")
            lines += [f"  - {failure}" for failure in failures]
        lines.append("To build offline, place (names exactly as given):")
        lines += [f"  {self.forms.describe(r)}" for r in resources]
        searched = ", ".join(str(d) for d in self.dirs) or "none configured"
        lines.append(
            f"in the TFDS manual_dir (tfds.download.DownloadConfig(manual_dir=DIR), or "
            f"`tfds-mnist-family build {self.dataset} --manual_dir DIR`) or in the "
            f"directory named by ${MIRROR_ENV_VAR}. Searched: {searched}.")
        return "\n".join(lines)


def _host_reachable(url: str) -> str | None:
    """``None`` if the URL's host accepts a TCP connection, else the reason."""
    parsed = urllib.parse.urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=_PROBE_TIMEOUT_S):
            return None
    except OSError as e:
        return f"host unreachable ({e.__class__.__name__}: {e}); no network?"


def download_first_mirror(dl_manager, resource: Resource, failures: list[str]) -> Path | None:
    """Downloads ``resource`` from its first working mirror; appends each failure as "url: why"."""
    for url in resource.urls:
        reason = _host_reachable(url)
        if reason is None:
            try:
                return Path(os.fspath(dl_manager.download(url)))
            except Exception as e:  # noqa: BLE001 - every mirror failure is reported
                reason = f"{e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        failures.append(f"{url}: {reason}")
    return None


def manual_dir_of(dl_manager) -> Path | None:
    """The manual_dir TFDS was given (or its default), even when it is missing or empty.

    Reads the public ``manual_dir`` property first (TFDS's test harness mocks it).
    TFDS raises there for a missing or empty directory (AssertionError), which is
    still worth naming in a "searched:" message, and for builders without
    MANUAL_DOWNLOAD_INSTRUCTIONS (ValueError).
    """
    if dl_manager is None:
        return None
    try:
        return Path(os.fspath(dl_manager.manual_dir))
    except (AssertionError, ValueError):
        configured = getattr(dl_manager, "_manual_dir", None)
        return Path(os.fspath(configured)) if configured else None


def is_remote(path: str | os.PathLike | None) -> bool:
    """True for a URL-style path (``gs://``, ``s3://``, ``hdfs://``...) read through tf.io.gfile."""
    return path is not None and "://" in str(path)


def local_copy(path: str, into: str | os.PathLike | None = None) -> Path:
    """A local copy of a remote file or flat directory (``is_remote``), made with
    ``tf.io.gfile`` (so every filesystem TF can read works); local paths are returned as is.
    ``into``: the directory for the copy (default: a new temporary directory)."""
    if not is_remote(path):
        return Path(path)
    import tempfile

    import tensorflow as tf

    target = Path(into or tempfile.mkdtemp(prefix="tfds_mnist_family_"))
    path = str(path).rstrip("/")
    name = path.rsplit("/", 1)[-1]
    if not tf.io.gfile.isdir(path):
        tf.io.gfile.copy(path, str(target / name), overwrite=True)
        return target / name
    (target / name).mkdir(parents=True, exist_ok=True)
    for child in tf.io.gfile.listdir(path):
        child = child.rstrip("/")
        if not tf.io.gfile.isdir(f"{path}/{child}"):
            tf.io.gfile.copy(f"{path}/{child}", str(target / name / child), overwrite=True)
        else:  # the archive's data/ folder one level down
            local_copy(f"{path}/{child}", target / name)
    return target / name
