"""Local-first data sources: checksum verification, mirror order, and the offline error."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tfds_mnist_family.core import sources

CLOSED_PORT_URL = "http://127.0.0.1:9/{}"  # discard port: nothing listens, fails at once


def _resource(tmp_path: Path, name: str = "a.bin", content: bytes = b"hello") -> sources.Resource:
    return sources.Resource(name, (CLOSED_PORT_URL.format(name), CLOSED_PORT_URL.format("m2/" + name)),
                            len(content), hashlib.sha256(content).hexdigest())


class FakeDownloadManager:
    """Stands in for TFDS's DownloadManager; records the URLs it was asked for."""

    def __init__(self, manual_dir=None, files: dict[str, Path] | None = None):
        self._manual_dir = manual_dir
        self.files = files or {}
        self.requested: list[str] = []

    @property
    def manual_dir(self):
        # As TFDS: AssertionError when no manual_dir, or a missing or empty one.
        if not self._manual_dir or not Path(self._manual_dir).is_dir() or \
                not any(Path(self._manual_dir).iterdir()):
            raise AssertionError("Manual directory does not exist or is empty")
        return self._manual_dir

    def download(self, url):
        self.requested.append(url)
        if url in self.files:
            return self.files[url]
        raise ConnectionError(f"cannot reach {url}")


def fetch(dl_manager, dataset, resources, **kwargs) -> dict[str, Path]:
    locator = sources.Locator.for_builder(dl_manager, dataset, **kwargs)
    return {name: found.path for name, found in locator.locate_all(resources).items()}


def test_checksums_tsv_rows_become_mirrors(tmp_path):
    tsv = tmp_path / "checksums.tsv"
    tsv.write_text("# comment\nhttp://a/x.gz\t3\tabc\tx.gz\nhttp://b/x.gz\t3\tabc\tx.gz\n"
                   "http://a/y.gz\t4\tdef\ty.gz\n")
    resources = sources.load_resources(tsv)
    assert resources["x.gz"].urls == ("http://a/x.gz", "http://b/x.gz")
    assert resources["y.gz"] == sources.Resource("y.gz", ("http://a/y.gz",), 4, "def")


def test_checksums_tsv_inconsistent_mirror_rejected(tmp_path):
    tsv = tmp_path / "checksums.tsv"
    tsv.write_text("http://a/x.gz\t3\tabc\tx.gz\nhttp://b/x.gz\t5\tabc\tx.gz\n")
    with pytest.raises(ValueError, match=r"checksums.tsv:2: mirror of x.gz"):
        sources.load_resources(tsv)


def test_repo_checksum_files_parse_and_match_shared_mnist(shared_mnist_dir):
    repo = Path(__file__).resolve().parents[1]
    resources = sources.load_resources(repo / "checksums" / "infimnist.tsv")
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert len(resources[name].urls) >= 2
        sources.verify(shared_mnist_dir / name, resources[name])


def test_manual_dir_file_is_used_without_download(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"hello")
    dl = FakeDownloadManager(manual_dir=tmp_path)
    paths = fetch(dl, "demo", [_resource(tmp_path)])
    assert paths == {"a.bin": tmp_path / "a.bin"} and dl.requested == []


def test_mirror_env_var_and_dataset_subfolder(tmp_path, monkeypatch):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "a.bin").write_bytes(b"hello")
    monkeypatch.setenv(sources.MIRROR_ENV_VAR, str(tmp_path))
    paths = fetch(FakeDownloadManager(), "demo", [_resource(tmp_path)])
    assert paths["a.bin"] == tmp_path / "demo" / "a.bin"


def test_wrong_local_checksum_names_file(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"HELLO")  # right size, wrong content
    with pytest.raises(sources.ChecksumMismatchError, match=r"a\.bin: SHA-256"):
        fetch(FakeDownloadManager(manual_dir=tmp_path), "demo", [_resource(tmp_path)])


def test_truncated_local_file_names_size(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"hel")
    with pytest.raises(sources.ChecksumMismatchError, match=r"a\.bin: size 3 bytes.*5 bytes"):
        fetch(FakeDownloadManager(manual_dir=tmp_path), "demo", [_resource(tmp_path)])


def test_second_mirror_used_when_first_fails(tmp_path, monkeypatch):
    resource = _resource(tmp_path)
    downloaded = tmp_path / "dl" / "a.bin"
    downloaded.parent.mkdir()
    downloaded.write_bytes(b"hello")
    dl = FakeDownloadManager(files={resource.urls[1]: downloaded})
    monkeypatch.setattr(sources, "_host_reachable", lambda url: None)
    assert fetch(dl, "demo", [resource]) == {"a.bin": downloaded}
    assert dl.requested == list(resource.urls)


def test_offline_error_lists_urls_files_and_where_to_put_them(tmp_path):
    missing = [_resource(tmp_path, "a.bin"), _resource(tmp_path, "b.bin", b"other")]
    with pytest.raises(sources.DataSourceError) as excinfo:
        fetch(FakeDownloadManager(manual_dir=tmp_path / "manual"), "demo", missing)
    message = str(excinfo.value)
    for resource in missing:
        assert resource.filename in message and resource.sha256 in message
        for url in resource.urls:
            assert url in message
    assert str(tmp_path / "manual") in message and sources.MIRROR_ENV_VAR in message


def test_search_order_explicit_manual_mirror_package(tmp_path, monkeypatch):
    dirs = {name: tmp_path / name for name in ("explicit", "manual", "mirror", "package")}
    for directory in dirs.values():
        directory.mkdir()
        (directory / "a.bin").write_bytes(b"hello")
    monkeypatch.setenv(sources.MIRROR_ENV_VAR, str(dirs["mirror"]))
    dl = FakeDownloadManager(manual_dir=dirs["manual"])
    resource = [_resource(tmp_path)]
    assert fetch(dl, "demo", resource, explicit=dirs["explicit"], package_dir=dirs["package"]) == {
        "a.bin": dirs["explicit"] / "a.bin"}
    assert fetch(dl, "demo", resource, package_dir=dirs["package"])["a.bin"].parent == dirs["manual"]
    assert fetch(FakeDownloadManager(), "demo", resource, package_dir=dirs["package"])[
        "a.bin"].parent == dirs["mirror"]
    monkeypatch.delenv(sources.MIRROR_ENV_VAR)
    assert fetch(FakeDownloadManager(), "demo", resource, package_dir=dirs["package"])[
        "a.bin"].parent == dirs["package"]


def test_explicit_path_is_verified_and_must_exist(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"HELLO")
    with pytest.raises(sources.ChecksumMismatchError, match=r"a\.bin: SHA-256"):
        fetch(FakeDownloadManager(), "demo", [_resource(tmp_path)], explicit=tmp_path / "a.bin")
    with pytest.raises(sources.DataSourceError, match=r"nowhere: no such file or directory"):
        fetch(FakeDownloadManager(), "demo", [_resource(tmp_path)], explicit=tmp_path / "nowhere")


def test_forms_hook_accepts_another_form(tmp_path):
    class FolderForms(sources.Forms):
        def in_directory(self, directory, resource):
            folder = directory / resource.filename.removesuffix(".bin")
            return sources.Found(folder, "folder", None, False) if folder.is_dir() else None

    (tmp_path / "a").mkdir()
    found = sources.Locator.for_builder(FakeDownloadManager(manual_dir=tmp_path), "demo",
                                        FolderForms()).locate(_resource(tmp_path))
    assert found == sources.Found(tmp_path / "a", "folder", None, False)
    assert found.metadata()["matches_published_checksum"] is False
