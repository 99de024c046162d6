"""The `tfds-mnist-family` command: build, show, export, demo."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
from PIL import Image

from tfds_mnist_family import cli
from tfds_mnist_family.core import idx


def test_build_reports_splits(prepared_mnist_dir, capsys):
    assert cli.main(["build", "infimnist/mnist", "--data_dir", prepared_mnist_dir]) == 0
    out = capsys.readouterr().out
    assert "train: 60000 examples" in out and "test: 10000 examples" in out


def test_show_writes_png_grid(prepared_mnist_dir, tmp_path):
    out = tmp_path / "grid.png"
    assert cli.main(["show", "infimnist/mnist", "--data_dir", prepared_mnist_dir,
                     "--split", "test", "--n", "20", "--columns", "5", "--out", str(out)]) == 0
    image = Image.open(out)
    assert image.mode == "L"
    # 5 columns x 4 rows of 56-px tiles (28 px at scale 2) plus padding and captions.
    assert image.size[0] > 5 * 56 and image.size[1] > 4 * 56


def test_grid_captions_use_class_names(tmp_path):
    import tensorflow_datasets as tfds

    assert cli.label_names(tfds.builder("notmnist/small", data_dir=str(tmp_path))) == list("ABCDEFGHIJ")
    assert cli.label_names(tfds.builder("infimnist/mnist", data_dir=str(tmp_path)))[:3] == ["0", "1", "2"]


def test_export_csv_is_mnist_in_csv(prepared_mnist_dir, tmp_path, shared_mnist_dir):
    out = tmp_path / "test.csv"
    assert cli.main(["export", "infimnist/mnist", "--data_dir", prepared_mnist_dir, "--split", "test",
                     "--format", "csv", "--n", "3", "--header", "--out", str(out)]) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0][:3] == ["label", "pix-11", "pix-12"] and rows[0][-1] == "pix-2828"
    assert len(rows) == 4 and all(len(r) == 785 for r in rows)
    images = idx.read_idx(shared_mnist_dir / "t10k-images-idx3-ubyte.gz")[:3]
    labels = idx.read_idx(shared_mnist_dir / "t10k-labels-idx1-ubyte.gz")[:3]
    for row, image, label in zip(rows[1:], images, labels):
        assert int(row[0]) == label
        np.testing.assert_array_equal(np.array(row[1:], dtype=np.uint8), image.reshape(-1))


def test_export_rejects_unknown_format(prepared_mnist_dir, capsys):
    assert cli.main(["export", "infimnist/mnist", "--data_dir", prepared_mnist_dir,
                     "--format", "parquet"]) == 2
    err = capsys.readouterr().err
    assert "parquet" in err and err.count("\n") == 1


def test_unknown_dataset_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["build", "no_such_dataset", "--data_dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no_such_dataset" in err and err.count("\n") == 1


def test_demo_prints_counts_grid_and_location(prepared_mnist_dir, tmp_path, capsys):
    assert cli.main(["demo", "--data_dir", prepared_mnist_dir, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("matches the published table") == 2
    assert (tmp_path / "infimnist_mnist_train.png").is_file()
    assert prepared_mnist_dir in out


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "tfds_mnist_family", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    for command in ("build", "show", "export", "demo", "infimnist"):
        assert command in result.stdout
