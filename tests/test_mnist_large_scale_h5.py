"""Official-layout HDF5 reader/writer of mnist_large_scale."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from tfds_mnist_family.mnist_large_scale import official_h5


def _split(n, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-0.99, 0.99, size=(n, 112, 112, 1)).astype(np.float32)
    return images, rng.integers(0, 10, n)


@pytest.mark.parametrize("label_column", [False, True])
def test_round_trip_is_exact(tmp_path, label_column):
    splits = {"train": _split(5, 1), "validation": _split(2, 2), "test": _split(3, 3)}
    path = official_h5.write_file(tmp_path / "f.h5", splits, label_column=label_column)
    with h5py.File(path) as h5:
        assert h5["y_train"].shape == ((5, 1) if label_column else (5,))
    for split, (images, labels) in splits.items():
        batches = list(official_h5.iter_batches(path, split, batch_size=2))
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images)
        np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), labels)
        assert official_h5.num_examples(path, split) == len(images)


def test_test_only_file_dummy_sample_is_rejected_as_a_split(tmp_path):
    path = official_h5.write_file(tmp_path / "t.h5", {"test": _split(2)}, dummy_splits=True)
    with h5py.File(path) as h5:
        assert h5["x_train"].shape == (112, 112, 1)  # the official 3-D dummy
    assert official_h5.num_examples(path, "test") == 2
    with pytest.raises(official_h5.OfficialFileError, match=r"t\.h5: /x_train has shape \(112, 112, 1\).*dummy"):
        official_h5.num_examples(path, "train")


def test_bad_labels_are_reported(tmp_path):
    images, _ = _split(2)
    path = official_h5.write_file(tmp_path / "b.h5", {"test": (images, np.array([3, 12]))})
    with pytest.raises(official_h5.OfficialFileError, match="outside the digits"):
        list(official_h5.iter_batches(path, "test"))
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as h5:
        h5["x_test"] = images
        h5["y_test"] = np.zeros(3)
    with pytest.raises(official_h5.OfficialFileError, match=r"/y_test has shape \(3,\)"):
        official_h5.num_examples(path, "test")


def test_official_file_names():
    assert official_h5.training_file_name("1p000") == \
        "mnist_large_scale_tr50000_vl10000_te10000_outsize112-112_sctr1p000_scte1p000.h5"
    assert official_h5.test_file_name("0p500") == "mnist_large_scale_te10000_outsize112-112_scte0p500.h5"
