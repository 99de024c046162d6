"""Where data files come from: local copies first, then mirrors in order.

Every builder asks for files by name. ``fetch`` looks in, in order,

1. TFDS's ``manual_dir`` (``tfds.download.DownloadConfig(manual_dir=...)``),
2. the directory named by the environment variable ``TFDS_MNIST_FAMILY_DATA``
   (a local mirror; files may sit directly in it or in a sub-folder named after
   the dataset),
3. each download URL, in the order of ``checksums/<dataset>.tsv``.

Local files are checked against the same size and SHA-256 that TFDS checks for
downloads, so a wrong local copy fails as loudly as a wrong download. When no
source works, the error lists every URL tried with its failure and says exactly
where to put which file.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import os
import socket
import urllib.parse
from collections.abc import Iterable, Sequence
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
    urls: tuple[str, ...]
    size: int | None
    sha256: str | None


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


def verify(path: Path, resource: Resource) -> Path:
    """Returns ``path`` if its size and SHA-256 match ``resource``; raises otherwise."""
    size = path.stat().st_size
    if resource.size is not None and size != resource.size:
        raise ChecksumMismatchError(
            f"{path}: size {size} bytes, but {resource.filename} must be {resource.size} "
            "bytes. The file is truncated or a different file; replace it with a fresh copy.")
    if resource.sha256 is not None:
        actual = sha256_of(path)
        if actual != resource.sha256:
            raise ChecksumMismatchError(
                f"{path}: SHA-256 {actual}, but {resource.filename} must have "
                f"{resource.sha256}. The file is corrupt or a different version; "
                "replace it with a fresh copy.")
    return path


def local_dirs(manual_dir: str | os.PathLike | None, dataset: str) -> list[Path]:
    """The local directories searched, in order."""
    dirs: list[Path] = []
    for base in (manual_dir, os.environ.get(MIRROR_ENV_VAR)):
        if base:
            dirs += [Path(base), Path(base) / dataset]
    return dirs


def find_local(resource: Resource, dirs: Iterable[Path]) -> Path | None:
    """The first verified local copy of ``resource``; a bad copy raises."""
    for directory in dirs:
        candidate = directory / resource.filename
        if candidate.is_file():
            return verify(candidate, resource)
    return None


def _host_reachable(url: str) -> str | None:
    """``None`` if the URL's host accepts a TCP connection, else the reason."""
    parsed = urllib.parse.urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=_PROBE_TIMEOUT_S):
            return None
    except OSError as e:
        return f"host unreachable ({e.__class__.__name__}: {e}); no network?"


def missing_files_message(dataset: str, resources: Sequence[Resource],
                          dirs: Sequence[Path], failures: Sequence[str]) -> str:
    lines = [f"{dataset}: could not obtain {len(resources)} required file(s)."]
    if failures:
        lines.append("Tried:")
        lines += [f"  - {failure}" for failure in failures]
    lines.append("To build offline, place these files (names exactly as given):")
    for r in resources:
        checksum = f" (sha256 {r.sha256})" if r.sha256 else ""
        lines.append(f"  {r.filename}{checksum}")
    searched = ", ".join(str(d) for d in dirs) or "none configured"
    lines.append(
        f"in the TFDS manual_dir (tfds.download.DownloadConfig(manual_dir=DIR), or "
        f"`tfds-mnist-family build {dataset} --manual_dir DIR`) or in the directory "
        f"named by ${MIRROR_ENV_VAR}. Searched: {searched}.")
    return "\n".join(lines)


def fetch(dl_manager, dataset: str, resources: Sequence[Resource],
          fallback_dirs: Sequence[Path] = ()) -> dict[str, Path]:
    """Returns ``{filename: local path}`` for every resource, or raises one clear error.

    ``dl_manager`` is the TFDS ``DownloadManager``; downloads go through it so they
    are cached, checksum-verified and shown with TFDS's progress bars.
    ``fallback_dirs`` (e.g. data shipped in the package) are searched after the
    user's local directories and before any download.
    """
    manual_dir = manual_dir_of(dl_manager)
    dirs = local_dirs(manual_dir, dataset) + [Path(d) for d in fallback_dirs]
    found: dict[str, Path] = {}
    missing: list[Resource] = []
    failures: list[str] = []
    for resource in resources:
        local = find_local(resource, dirs)
        if local is not None:
            found[resource.filename] = local
            continue
        path = download_first_mirror(dl_manager, resource, failures)
        if path is None:
            missing.append(resource)
        else:
            found[resource.filename] = path
    if missing:
        raise DataSourceError(missing_files_message(dataset, missing, dirs, failures))
    return found


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
    try:
        return Path(os.fspath(dl_manager.manual_dir))
    except (AssertionError, ValueError):
        configured = getattr(dl_manager, "_manual_dir", None)
        return Path(os.fspath(configured)) if configured else None
