"""`tfds-mnist-family infimnist`: byte-for-byte parity with the reference tool."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tfds_mnist_family.testing import infimnist_golden
from tfds_mnist_family.core import idx
import tfds_mnist_family_cli

EXTENSIONS = {"patterns": "pat", "labels": "lab", "svmlight": "svm", "vw": "vw",
              "arff": "arff", "display": "disp"}
DIGESTS_70000_70999 = {  # from the golden README
    "svmlight": "d6fceb8db13947b874868a523ff28c15fcac0c0cd78aa974ed91b59d17a4fec7",
    "vw": "7aa22d7ae6f6096d76b88e54bba903d9bd376905fadbccb7ed263f9233ce0015",
    "arff": "77a730a86c531693519ee128af0c27e3fa16545aacc2f5571c36d7c7a153946b",
    "display": "134f404e46ae86c1c77eb8e46d9407dc3a8e416895cc307980fab7e76566f511",
}


@pytest.fixture(scope="module")
def datadir() -> str:
    return str(infimnist_golden.golden_data_dir())


def run(capsysbinary, *argv: str) -> tuple[int, bytes, bytes]:
    status = tfds_mnist_family_cli.main(["infimnist", *argv])
    captured = capsysbinary.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("fmt,spelling", [("patterns", "patterns"), ("labels", "lab"),
                                          ("svmlight", "s"), ("vw", "vw"), ("arff", "ar"),
                                          ("display", "disp")])
def test_format_files_70000_70004_byte_identical(capsysbinary, datadir, fmt, spelling):
    status, out, _ = run(capsysbinary, "-d", datadir, spelling, "70000", "70004")
    assert status == 0
    assert out == (infimnist_golden.GOLDEN_DIR / f"formats-70000-70004.{EXTENSIONS[fmt]}").read_bytes()


@pytest.mark.parametrize("fmt", sorted(DIGESTS_70000_70999))
def test_1000_example_digests_match_golden_readme(capsysbinary, datadir, fmt):
    status, out, _ = run(capsysbinary, "-d", datadir, fmt, "70000", "70999")
    assert status == 0
    assert hashlib.sha256(out).hexdigest() == DIGESTS_70000_70999[fmt]


def test_indices_file_gives_golden_patterns_and_labels(capsysbinary, datadir, tmp_path):
    indices, images, labels = infimnist_golden.golden_vectors()
    pick = np.r_[0:50, 1000:1100, 3000:3229]
    listing = tmp_path / "indices.txt"
    listing.write_text("".join(f"{i}\n" for i in indices[pick]))
    status, out, _ = run(capsysbinary, "-d", datadir, "--indices", str(listing), "pat")
    assert status == 0 and out == idx.idx_bytes(images[pick])
    status, out, _ = run(capsysbinary, "-d", datadir, "--indices", str(listing), "labels")
    assert status == 0 and out == idx.idx_bytes(labels[pick])


def test_single_pristine_example_default_last(capsysbinary, datadir):
    mnist, _, _ = infimnist_golden.golden_numpy()
    status, out, _ = run(capsysbinary, "-d", datadir, "pat", "10003")
    assert status == 0 and out == idx.idx_bytes(mnist.train_images[3:4])


@pytest.mark.parametrize("argv", [
    ["bogus", "1"], ["", "1"], ["patterns", "-1"], ["patterns", "5", "4"], ["patterns", "12x"],
    ["patterns"], ["patterns", "1", "2", "3"], ["svmlight", "1", str(2**62)],
    ["--indices", "f.txt", "svmlight"], ["-d"], [],
])
def test_bad_arguments_are_one_line_and_exit_10(capsysbinary, argv):
    status, out, err = run(capsysbinary, *argv)
    assert status == 10
    assert out == b""
    assert err.count(b"\n") == 1 and err.startswith(b"infimnist: ")
    assert b"(usage: tfds-mnist-family infimnist --help)" in err


def test_help_prints_the_reference_usage_and_exits_0(capsysbinary):
    status, out, err = run(capsysbinary, "--help")
    assert status == 0 and out.startswith(b"usage: tfds-mnist-family infimnist") and err == b""


def test_bad_index_file_names_file_and_line(capsysbinary, tmp_path):
    listing = tmp_path / "idx.txt"
    listing.write_text("70000\nseventy\n")
    status, _, err = run(capsysbinary, "--indices", str(listing), "patterns")
    assert status == 10 and f"{listing}:2".encode() in err


def test_missing_data_dir_lists_files_and_exits_3(capsysbinary, tmp_path):
    status, out, err = run(capsysbinary, "-d", str(tmp_path), "patterns", "70000")
    assert status == 3 and out == b"" and err.count(b"\n") == 1
    assert b"fields_float_1522x28x28.bin: missing" in err
    assert b"tangVec_float_60000x28x28.bin: missing" in err
