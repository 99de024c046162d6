"""notmnist/small prepared offline from the real (re-packed) archive, plus the --quick benchmark.

Needs ``notmnist/notMNIST_small.tar.gz`` under ``$TFDS_MNIST_FAMILY_DATA`` (see
``conftest.real_data``: skipped without it, a failure on CI).
"""

from __future__ import annotations

import collections
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  (registers notmnist)
from tfds_mnist_family.notmnist import notmnist_dataset_builder as nb

from conftest import real_data

EMPTY_PNGS = [
    "notMNIST_small/A/RGVtb2NyYXRpY2FCb2xkT2xkc3R5bGUgQm9sZC50dGY=.png",
    "notMNIST_small/F/Q3Jvc3NvdmVyIEJvbGRPYmxpcXVlLnR0Zg==.png",
]
EXPECTED_PER_LETTER = dict(zip("ABCDEFGHIJ", [1872] + [1873] * 4 + [1872] * 5))
BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "notmnist_blog.py"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> str:
    manual = real_data("notmnist", "notMNIST_small.tar.gz").parent
    directory = str(tmp_path_factory.mktemp("tfds"))
    tfds.builder("notmnist/small", data_dir=directory).download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual)))
    return directory


@pytest.fixture(scope="module")
def examples(data_dir) -> list[dict]:
    ds = tfds.load("notmnist/small", split="train+test", data_dir=data_dir)  # the whole set
    return list(tfds.as_numpy(ds))


def test_small_has_18724_examples_and_reports_the_two_empty_pngs(data_dir):
    builder = tfds.builder("notmnist/small", data_dir=data_dir)  # fresh: reads metadata.json
    splits = builder.info.splits
    assert splits["train"].num_examples + splits["test"].num_examples == 18_724
    assert splits["test"].num_examples == splits["fold_0"].num_examples
    metadata = builder.info.metadata
    assert metadata["skipped_count"] == 2
    assert metadata["skipped_files"] == EMPTY_PNGS
    assert all("empty" in metadata["skipped_reasons"][f] for f in EMPTY_PNGS)
    assert metadata["source"]["matches_published_checksum"] is False  # it is a re-pack


def test_per_letter_counts(examples):
    names = tfds.features.ClassLabel(names=list("ABCDEFGHIJ"))
    counts = collections.Counter(names.int2str(int(e["label"])) for e in examples)
    assert dict(counts) == EXPECTED_PER_LETTER


def test_images_are_28x28x1_uint8_and_254_plain_white_letter_i(examples, data_dir):
    assert {(e["image"].shape, e["image"].dtype) for e in examples} == {((28, 28, 1), np.dtype(np.uint8))}
    white = collections.Counter(int(e["label"]) for e in examples if (e["image"] == 255).all())
    assert white == {8: 254}  # label 8 is "I"
    metadata = tfds.builder("notmnist/small", data_dir=data_dir).info.metadata
    assert metadata["plain_white_per_letter"]["I"] == 254


def test_filename_and_font_features(examples):
    by_name = {e["filename"].decode(): e for e in examples}
    example = by_name["notMNIST_small/D/R291ZHlDYXRhbG9ndWVCVC1SZWd1bGFyLm90Zg==.png"]
    assert example["font"].decode() == "GoudyCatalogueBT-Regular.otf"
    assert not set(EMPTY_PNGS) & set(by_name)


def test_train_and_test_share_no_font(data_dir):
    fonts = {split: {e["font"] for e in tfds.as_numpy(tfds.load("notmnist/small", split=split,
                                                               data_dir=data_dir))}
             for split in ("train", "test")}
    assert fonts["train"] and fonts["test"] and not fonts["train"] & fonts["test"]


def test_font_folds_partition_the_set_without_sharing_fonts(data_dir, examples):
    fonts_of = {}
    for split in nb.FOLD_SPLITS:
        ds = tfds.load("notmnist/small", split=split, data_dir=data_dir)
        fonts_of[split] = [e["font"] for e in tfds.as_numpy(ds)]
    assert sum(len(f) for f in fonts_of.values()) == len(examples)
    font_sets = [set(f) for f in fonts_of.values()]
    assert sum(len(s) for s in font_sets) == len(set().union(*font_sets))  # disjoint
    assert all(len(f) > 3000 for f in fonts_of.values())  # roughly balanced fifths


def test_blog_benchmark_quick_mode_runs_end_to_end(data_dir, tmp_path):
    spec = importlib.util.spec_from_file_location("notmnist_blog", BENCHMARK)
    blog = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = blog  # dataclasses look their module up there
    spec.loader.exec_module(blog)
    result = blog.main(["--quick", "--protocol", "proxy", "--data_dir", data_dir,
                        "--manual_dir", str(real_data("notmnist", "notMNIST_small.tar.gz").parent), "--json", str(tmp_path / "r.json")])
    assert result["protocol"] == "proxy"
    assert set(result["summary"]) == {"logreg", "mlp1024", "mlp_deep", "cnn"}
    for run in result["runs"]:
        assert run["train_examples"] == 2_000
        assert 0.3 < run["test_accuracy"] <= 1.0, run  # far above chance (0.1) after 1 epoch
    assert (tmp_path / "r.json").is_file()
