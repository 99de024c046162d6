"""core.mnist is the one home of MNIST facts: sizes, index convention, class counts."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import numpy as np
import pytest

from tfds_mnist_family.core import mnist

REPO = Path(__file__).resolve().parents[1]
# MNIST sizes and index boundaries; as code literals they belong in core/mnist.py only.
MNIST_NUMBERS = {10_000, 50_000, 60_000, 70_000, 8_109_999, 9_999, 59_999, 69_999}


def test_index_convention_spans():
    assert mnist.TEST_SPAN == (0, 9_999) and mnist.TRAIN_SPAN == (10_000, 69_999)
    assert mnist.REDUCED_TRAIN_SPAN == (10_000, 59_999) and mnist.VALIDATION_SPAN == (60_000, 69_999)
    assert mnist.MNIST8M_TRAIN_SPAN == (10_000, 8_109_999)
    assert {k: mnist.span_length(v) for k, v in mnist.REDUCED_SPLIT_SPANS.items()} == {
        "train": 50_000, "validation": 10_000, "test": 10_000}
    assert [sum(c) for c in mnist.PUBLISHED_CLASS_COUNTS.values()] == [60_000, 10_000]


def test_source_row_numpy_and_tensorflow_agree():
    import tensorflow as tf

    indices = np.array([0, 9_999, 10_000, 69_999, 70_000, 70_001, 129_999, 130_000, 2**62 - 1],
                       np.int64)
    want = np.array([0, 9_999, 10_000, 69_999, 10_000, 10_001, 69_999, 10_000,
                     (2**62 - 1 - 10_000) % 60_000 + 10_000])
    np.testing.assert_array_equal(mnist.source_row(indices), want)
    np.testing.assert_array_equal(mnist.source_row(tf.constant(indices)).numpy(), want)
    assert mnist.source_row(70_000) == 10_000


def test_by_index_is_test_then_train():
    arrays = mnist.load_mnist()
    images, labels = arrays.by_index(np.array([0, 9_999, 10_000, 69_999]))
    np.testing.assert_array_equal(images, np.stack([arrays.test_images[0], arrays.test_images[-1],
                                                    arrays.train_images[0], arrays.train_images[-1]]))
    np.testing.assert_array_equal(labels, [arrays.test_labels[0], arrays.test_labels[-1],
                                           arrays.train_labels[0], arrays.train_labels[-1]])
    with pytest.raises(ValueError, match="0..69999"):
        arrays.by_index(np.array([70_000]))


def _numeric_literals(path: Path) -> list[tuple[int, str]]:
    found = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type == tokenize.NUMBER:
            try:
                value = int(token.string.replace("_", ""), 0)
            except ValueError:
                continue
            if value in MNIST_NUMBERS:
                found.append((token.start[0], token.string))
    return found


def test_no_mnist_size_literal_outside_core_mnist():
    package = REPO / "tfds_mnist_family"
    offenders = {str(p.relative_to(REPO)): hits for p in sorted(package.rglob("*.py"))
                 if p != package / "core" / "mnist.py" and (hits := _numeric_literals(p))}
    assert not offenders, f"MNIST sizes written as literals (use core.mnist): {offenders}"


def test_literal_scan_can_fail(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("BATCH = 60_000  # an MNIST size\nname = '70000'\n")
    assert _numeric_literals(sample) == [(1, "60_000")]


def test_mnist_checksum_rows_are_identical_for_every_builder():
    def mnist_rows(name):
        return [line for line in (REPO / "checksums" / name).read_text().splitlines()
                if any(f in line for f in mnist.FILENAMES) and not line.startswith("#")]
    assert mnist_rows("infimnist.tsv") == mnist_rows("mnist_large_scale.tsv")
    assert len(mnist_rows("infimnist.tsv")) == 8
