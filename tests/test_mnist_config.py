"""`infimnist/mnist`: MNIST through TFDS, offline, beside TFDS's own `mnist`."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401
from tfds_mnist_family.core.mnist import PUBLISHED_CLASS_COUNTS
from tfds_mnist_family.core import idx, sources


def _load_numpy(split: str, data_dir: str, name: str = "infimnist/mnist", **kwargs):
    ds = tfds.load(name, split=split, data_dir=data_dir, batch_size=-1, **kwargs)
    return tfds.as_numpy(ds)


def _by_index(data: dict) -> dict:
    """The examples sorted by InfiMNIST index (the on-disk order is not part of the contract)."""
    order = np.argsort(data["index"], kind="stable")
    return {key: value[order] for key, value in data.items()}


def test_splits_sizes_and_published_class_counts(prepared_mnist_dir):
    builder = tfds.builder("infimnist/mnist", data_dir=prepared_mnist_dir)
    assert {k: v.num_examples for k, v in builder.info.splits.items()} == {
        "train": 60_000, "train_50k": 50_000, "validation": 10_000, "test": 10_000}
    for split in ("train", "test"):
        labels = _load_numpy(split, prepared_mnist_dir)["label"]
        assert np.bincount(labels, minlength=10).tolist() == list(PUBLISHED_CLASS_COUNTS[split])


def test_images_labels_and_indices_are_mnist(prepared_mnist_dir, shared_mnist_dir):
    train = _by_index(_load_numpy("train", prepared_mnist_dir))
    test = _by_index(_load_numpy("test", prepared_mnist_dir))
    assert train["image"].shape == (60_000, 28, 28, 1) and train["image"].dtype == np.uint8
    np.testing.assert_array_equal(train["image"][..., 0],
                                  idx.read_idx(shared_mnist_dir / "train-images-idx3-ubyte.gz"))
    np.testing.assert_array_equal(test["label"],
                                  idx.read_idx(shared_mnist_dir / "t10k-labels-idx1-ubyte.gz"))
    np.testing.assert_array_equal(train["index"], np.arange(10_000, 70_000))
    np.testing.assert_array_equal(test["index"], np.arange(0, 10_000))


def test_lisa_protocol_is_the_named_splits_train_50k_and_validation(prepared_mnist_dir):
    train = _by_index(_load_numpy("train", prepared_mnist_dir))
    train_50k = _by_index(_load_numpy("train_50k", prepared_mnist_dir))
    validation = _by_index(_load_numpy("validation", prepared_mnist_dir))
    np.testing.assert_array_equal(train_50k["index"], np.arange(10_000, 60_000))
    np.testing.assert_array_equal(validation["index"], np.arange(60_000, 70_000))
    np.testing.assert_array_equal(train_50k["image"], train["image"][:50_000])
    np.testing.assert_array_equal(validation["image"], train["image"][50_000:])
    np.testing.assert_array_equal(validation["label"], train["label"][50_000:])


def test_shuffle_files_is_accepted_and_keeps_the_examples(prepared_mnist_dir):
    shuffled = _load_numpy("train_50k", prepared_mnist_dir, shuffle_files=True,
                           read_config=tfds.ReadConfig(shuffle_seed=1))
    assert sorted(shuffled["index"].tolist()) == list(range(10_000, 60_000))


def test_builtin_tfds_mnist_still_works_in_same_process(prepared_mnist_dir, shared_mnist_dir, tmp_path):
    assert "infimnist" in tfds.list_builders()  # forces TFDS's lazy import of all built-ins
    assert "mnist" in tfds.list_builders() and "coco" in tfds.list_builders()
    builtin = _load_numpy("test", str(tmp_path), name="mnist", download_and_prepare_kwargs={
        "download_config": tfds.download.DownloadConfig(manual_dir=str(shared_mnist_dir),
                                                        try_download_gcs=False)})
    ours = _load_numpy("test", prepared_mnist_dir)
    assert type(tfds.builder("mnist", data_dir=str(tmp_path))).__module__.startswith("tensorflow_datasets")
    # On-disk order is not part of either contract: compare as multisets.
    def multiset(data):
        return sorted(image.tobytes() + bytes([label]) for image, label in zip(data["image"], data["label"]))
    assert multiset(builtin) == multiset(ours)


# -- bad input: clear errors, nothing half-prepared left behind ----------------------------

def _assert_not_prepared(data_dir: str) -> None:
    assert not tfds.builder("infimnist/mnist", data_dir=data_dir).is_prepared()
    with pytest.raises(AssertionError, match="could not find data"):
        tfds.load("infimnist/mnist", split="test", data_dir=data_dir, download=False)


def _prepare(data_dir: str, manual_dir=None) -> None:
    tfds.builder("infimnist/mnist", data_dir=data_dir).download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=manual_dir, try_download_gcs=False))


@pytest.mark.parametrize("corruption", ["truncated", "wrong_content"])
def test_bad_manual_file_fails_with_its_name(tmp_path, shared_mnist_dir, corruption):
    manual = tmp_path / "manual"
    shutil.copytree(shared_mnist_dir, manual)
    bad = manual / "t10k-images-idx3-ubyte.gz"
    bad.chmod(0o644)
    data = bad.read_bytes()
    flipped = data[:500] + bytes([data[500] ^ 0xFF]) + data[501:]
    bad.write_bytes(data[:1000] if corruption == "truncated" else flipped)
    with pytest.raises(sources.ChecksumMismatchError, match=r"t10k-images-idx3-ubyte\.gz"):
        _prepare(str(tmp_path / "data"), manual_dir=str(manual))
    _assert_not_prepared(str(tmp_path / "data"))


def test_failure_during_generation_leaves_nothing_loadable(tmp_path, monkeypatch):
    def corrupt_read(self, count):
        raise idx.IdxFormatError(f"{self.path}: file ends early (simulated)")

    monkeypatch.setattr(idx.IdxReader, "read_records", corrupt_read)
    with pytest.raises(idx.IdxFormatError, match="simulated"):
        _prepare(str(tmp_path / "data"))
    monkeypatch.undo()
    _assert_not_prepared(str(tmp_path / "data"))


def test_missing_file_error_lists_what_to_place(tmp_path, monkeypatch):
    from tfds_mnist_family.core import mnist

    # No embedded copy and no network: point the embedded dir and every mirror nowhere.
    monkeypatch.setattr(mnist, "EMBEDDED_DIR", tmp_path / "nothing")
    real_load = sources.load_resources
    monkeypatch.setattr(sources, "load_resources", lambda path: {
        name: sources.Resource(r.filename, ("http://127.0.0.1:9/" + name,), r.size, r.sha256)
        for name, r in real_load(path).items()})
    with pytest.raises(sources.DataSourceError) as excinfo:
        _prepare(str(tmp_path / "data"), manual_dir=str(tmp_path / "manual"))
    for name in mnist.FILENAMES:
        assert name in str(excinfo.value)
    _assert_not_prepared(str(tmp_path / "data"))


def test_uncompressed_idx_files_are_accepted(tmp_path, shared_mnist_dir):
    from tfds_mnist_family.core import mnist

    for path in shared_mnist_dir.glob("*.gz"):
        (tmp_path / path.name.removesuffix(".gz")).write_bytes(gzip.open(path).read())
    arrays = mnist.load_mnist(tmp_path)
    assert arrays.train_images.shape == (60_000, 28, 28) and arrays.test_labels.shape == (10_000,)
