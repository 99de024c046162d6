"""Every TFDS loading idiom on every dataset of the package (small preparations).

The idioms of the TFDS and Keras tutorials: the "MNIST with Keras" line
(``shuffle_files=True, as_supervised=True, with_info=True``), ``batch_size=-1``,
split slicing, ``tfds.as_numpy``, ``tfds.as_dataframe``, ``tfds.show_examples``,
``tfds.benchmark`` and ``tfds.data_source`` (``file_format="array_record"``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401
from tfds_mnist_family.testing import infimnist_golden

matplotlib.use("Agg")
NOTMNIST_DUMMY = Path(tfds_mnist_family.__file__).parent / "notmnist" / "dummy_data"
LIMIT = 60  # max_examples_per_split


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    train: str  # the split a tutorial trains on
    test: str  # ... and tests on
    manual_dir: str | None = None


def _cases() -> list[Case]:
    return [
        Case("infimnist/mnist", "train", "test"),
        Case("infimnist", "train", "test", manual_dir="golden"),
        Case("infimnist/procedural", "train", "test"),
        # notMNIST small: `train` (font folds 1-4) and `test` (fold 0) share no font.
        Case("notmnist/small", "train", "test", str(NOTMNIST_DUMMY)),
        Case("mnist_large_scale/sctr1p000", "train", "test"),
        Case("mnist_large_scale/scte2p000", "test[:50%]", "test[50%:]"),
    ]


CASES = _cases()


def _prepare(case: Case, data_dir: Path, file_format: str = "tfrecord") -> str:
    manual = case.manual_dir
    if manual == "golden":
        manual = str(infimnist_golden.golden_data_dir())
    builder = tfds.builder(case.name, data_dir=str(data_dir), file_format=file_format)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=manual, max_examples_per_split=LIMIT, try_download_gcs=False))
    return str(data_dir)


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.name)
def prepared(request, tmp_path_factory) -> tuple[Case, str]:
    case = request.param
    return case, _prepare(case, tmp_path_factory.mktemp(case.name.replace("/", "_")))


def test_tutorial_line_with_shuffle_files(prepared):
    case, data_dir = prepared
    (train, test), info = tfds.load(case.name, split=[case.train, case.test], shuffle_files=True,
                                    as_supervised=True, with_info=True, data_dir=data_dir,
                                    download=False)
    image, label = next(iter(train))
    assert image.shape == info.features["image"].shape and label.dtype == tf.int64
    assert sum(1 for _ in test) == info.splits[case.test].num_examples > 0
    model = tf.keras.Sequential([tf.keras.Input(image.shape), tf.keras.layers.Flatten(),
                                 tf.keras.layers.Dense(info.features["label"].num_classes)])
    model.compile("sgd", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    to_float = lambda x, y: (tf.cast(x, tf.float32), y)  # noqa: E731
    model.fit(train.map(to_float).batch(16), epochs=1, verbose=0)
    assert np.isfinite(model.evaluate(test.map(to_float).batch(16), verbose=0))


def test_batch_size_minus_one_slicing_and_as_numpy(prepared):
    case, data_dir = prepared
    info = tfds.builder(case.name, data_dir=data_dir).info
    split = case.train.split("+")[0].split("[")[0]
    total = info.splits[split].num_examples
    whole = tfds.as_numpy(tfds.load(case.name, split=split, batch_size=-1, data_dir=data_dir,
                                    download=False))
    assert len(whole["label"]) == total and whole["image"].shape[0] == total
    head = tfds.as_numpy(tfds.load(case.name, split=f"{split}[:10]", batch_size=-1,
                                   data_dir=data_dir, download=False))
    assert len(head["label"]) == 10
    middle = list(tfds.as_numpy(tfds.load(case.name, split=f"{split}[25%:50%]", data_dir=data_dir,
                                          download=False)))
    assert len(middle) == len(range(total)[total // 4:total // 2])
    assert isinstance(middle[0]["image"], np.ndarray)


def test_as_dataframe_show_examples_benchmark(prepared):
    case, data_dir = prepared
    ds, info = tfds.load(case.name, split=case.test, with_info=True, data_dir=data_dir,
                         download=False)
    frame = tfds.as_dataframe(ds.take(3), info)
    assert len(frame) == 3 and {"image", "label"} <= set(frame.columns)
    figure = tfds.show_examples(ds, info, rows=1, cols=2)
    assert len(figure.axes) == 2
    matplotlib.pyplot.close(figure)
    result = tfds.benchmark(ds, batch_size=8)
    assert result.stats["num_examples"].iloc[0] > 0


def test_data_source_from_array_record(prepared, tmp_path):
    case, tfrecord_dir = prepared
    data_dir = _prepare(case, tmp_path, file_format="array_record")
    split = case.test.split("[")[0]
    source = tfds.data_source(case.name, split=split, data_dir=data_dir, download=False)
    info = tfds.builder(case.name, data_dir=data_dir).info
    assert len(source) == info.splits[split].num_examples
    example = source[len(source) - 1]
    assert example["image"].shape == info.features["image"].shape
    assert example["image"].dtype == info.features["image"].np_dtype
    # Random access holds the same examples as tf.data reading the TFRecord preparation.
    loaded = tfds.as_numpy(tfds.load(case.name, split=split, batch_size=-1, data_dir=tfrecord_dir,
                                     download=False))
    def multiset(images, labels):
        return sorted(image.tobytes() + bytes([int(label)]) for image, label in zip(images, labels))
    accessed = [source[i] for i in range(len(source))]
    assert multiset([e["image"] for e in accessed], [e["label"] for e in accessed]) == multiset(
        loaded["image"], loaded["label"])
