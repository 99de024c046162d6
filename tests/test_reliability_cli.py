"""Reliability, command line: every user mistake is one line on stderr with a documented
exit code, no traceback, and no file of the user's is touched.

Exit codes (tfds_mnist_family_cli): 2 usage, 3 input data, 4 output, 10 infimnist usage.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tfds_mnist_family_cli as shim

MNIST = ["infimnist/mnist"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = shim.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line(err: str, *needles: str) -> None:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


# --- usage errors: caught by the grammar, before TensorFlow is imported --------------------
USAGE_CASES = {
    "show --n -5": (["show", *MNIST, "--n", "-5"], "--n"),
    "show --n 0": (["show", *MNIST, "--n", "0"], "--n"),
    "show --n x": (["show", *MNIST, "--n", "x"], "--n"),
    "show --columns 0": (["show", *MNIST, "--columns", "0"], "--columns"),
    "export --n -5": (["export", *MNIST, "--n", "-5"], "--n"),
    "export --format parquet": (["export", *MNIST, "--format", "parquet"], "parquet"),
    "build --max_examples_per_split -5": (["build", *MNIST, "--max_examples_per_split", "-5"],
                                          "--max_examples_per_split"),
    "build --max_examples_per_split 0": (["build", *MNIST, "--max_examples_per_split", "0"],
                                         "--max_examples_per_split"),
    "unknown command": (["frobnicate"], "frobnicate"),
    "no command": ([], "COMMAND"),
    "build without name": (["build"], "name"),
    "unknown option": (["build", *MNIST, "--colour"], "--colour"),
}


@pytest.mark.parametrize("argv, culprit", USAGE_CASES.values(), ids=USAGE_CASES.keys())
def test_usage_error_is_one_line_exit_2(capsys, argv, culprit):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert_one_line(err, culprit, "--help")


REFERENCE_CASES = {
    "IDX count overflow": (["labels", "0", "2147483647"], "2**31-1"),
    "float FIRST": (["patterns", "1.5"], "FIRST"),
    "index 2**62": (["patterns", str(2**62)], "2**62"),
    "negative": (["patterns", "-3"], "FIRST"),
    "LAST < FIRST": (["patterns", "9", "3"], "LAST"),
    "unknown format": (["x", "1"], "'x'"),
    "--indices with svmlight": (["--indices", "f", "svmlight"], "--indices"),
}


@pytest.mark.parametrize("argv, culprit", REFERENCE_CASES.values(), ids=REFERENCE_CASES.keys())
def test_reference_tool_usage_error_is_one_line_exit_10(capsys, argv, culprit):
    status, out, err = run(capsys, "infimnist", *argv)
    assert status == 10 and out == ""
    assert_one_line(err, culprit)


def test_reference_tool_non_utf8_indices_file(capsys, tmp_path):
    listing = tmp_path / "idx.bin"
    listing.write_bytes(b"70000\n\xff\xfe\n")
    status, _, err = run(capsys, "infimnist", "--indices", str(listing), "patterns")
    assert status == 10
    assert_one_line(err, str(listing), "UTF-8")


def test_reference_tool_missing_indices_file(capsys, tmp_path):
    status, _, err = run(capsys, "infimnist", "--indices", str(tmp_path / "none.txt"), "labels")
    assert status == 10
    assert_one_line(err, "none.txt")


def test_grammar_never_imports_tensorflow():
    code = ("import sys, tfds_mnist_family_cli as c\n"
            "for argv in (['show', 'x', '--n', '-1'], ['infimnist', 'bogus', '1'], ['--version']):\n"
            "    try: c.main(argv)\n"
            "    except SystemExit: pass\n"
            "print(sorted(m for m in ('tensorflow', 'tensorflow_datasets', 'numpy') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr


def test_help_and_version_work_without_tensorflow():
    result = subprocess.run([sys.executable, "-m", "tfds_mnist_family_cli", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Exit codes" in result.stdout
    for command in ("list", "build", "show", "export", "demo", "infimnist"):
        assert command in result.stdout
    version = subprocess.run([sys.executable, "-m", "tfds_mnist_family_cli", "--version"],
                             capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("tfds-mnist-family ")


def test_every_option_has_help_text():
    parser = shim.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001
    for name, sub in subparsers.choices.items():
        for action in sub._actions:  # noqa: SLF001
            if action.dest not in ("help",) and name != "infimnist":
                assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_max_index_matches_the_package():
    from tfds_mnist_family.infimnist.indices import MAX_INDEX
    assert shim.MAX_INDEX == MAX_INDEX


# --- path errors: checked before any work -------------------------------------------------
def test_out_is_a_directory(capsys, tmp_path):
    status, _, err = run(capsys, "export", *MNIST, "--out", str(tmp_path))
    assert status == 4
    assert_one_line(err, str(tmp_path), "directory")


def test_out_in_missing_directory(capsys, tmp_path):
    status, _, err = run(capsys, "show", *MNIST, "--out", str(tmp_path / "no" / "g.png"))
    assert status == 4
    assert_one_line(err, "does not exist")
    assert not (tmp_path / "no").exists()


def test_data_dir_is_a_file(capsys, tmp_path):
    (tmp_path / "f").write_text("x")
    status, _, err = run(capsys, "build", *MNIST, "--data_dir", str(tmp_path / "f"))
    assert status == 4
    assert_one_line(err, "--data_dir", "is a file")
    assert (tmp_path / "f").read_text() == "x"


def test_manual_dir_missing(capsys, tmp_path):
    status, _, err = run(capsys, "build", *MNIST, "--manual_dir", str(tmp_path / "none"))
    assert status == 3
    assert_one_line(err, "--manual_dir")


# --- errors found while working: still one line, still nothing touched --------------------
def test_unknown_dataset(capsys, tmp_path):
    status, _, err = run(capsys, "build", "no_such_dataset", "--data_dir", str(tmp_path))
    assert status == 2
    assert_one_line(err, "no_such_dataset", "list")


def test_unknown_config_names_the_valid_ones(capsys, tmp_path):
    status, _, err = run(capsys, "build", "infimnist/mnist9m", "--data_dir", str(tmp_path))
    assert status == 2
    assert_one_line(err, "mnist9m", "mnist8m, mnist, procedural, mnist_raw")
    assert not any(tmp_path.iterdir())


def test_export_unknown_split_keeps_the_existing_file(capsys, prepared_mnist_dir, tmp_path):
    out = tmp_path / "precious.csv"
    out.write_text("my data\n")
    status, _, err = run(capsys, "export", *MNIST, "--data_dir", prepared_mnist_dir,
                         "--split", "tset", "--out", str(out))
    assert status == 2
    assert_one_line(err, "tset")
    assert out.read_text() == "my data\n" and sorted(p.name for p in tmp_path.iterdir()) == [
        "precious.csv"]


def test_show_unknown_split_writes_nothing(capsys, prepared_mnist_dir, tmp_path):
    status, _, err = run(capsys, "show", *MNIST, "--data_dir", prepared_mnist_dir,
                         "--split", "valid", "--out", str(tmp_path / "g.png"))
    assert status == 2
    assert_one_line(err, "valid")
    assert not any(tmp_path.iterdir())


def test_export_to_dev_full_is_one_line(capsys, prepared_mnist_dir):
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full: needs Linux")
    status, _, err = run(capsys, "export", *MNIST, "--data_dir", prepared_mnist_dir,
                         "--split", "test[:200]", "--out", "/dev/full")
    assert status == 4
    assert_one_line(err, "No space left")
    assert Path("/dev/full").is_char_device()


def test_export_where_files_cannot_be_created(capsys, prepared_mnist_dir):
    status, _, err = run(capsys, "export", *MNIST, "--data_dir", prepared_mnist_dir,
                         "--split", "test[:2]", "--out", "/proc/tfds_mnist_family.csv")
    assert status == 4
    assert_one_line(err, "/proc")


def test_export_replaces_the_file_whole(capsys, prepared_mnist_dir, tmp_path):
    out = tmp_path / "t.csv"
    out.write_text("old\n")
    status, _, _ = run(capsys, "export", *MNIST, "--data_dir", prepared_mnist_dir,
                       "--split", "test[:3]", "--out", str(out))
    assert status == 0 and len(out.read_text().splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # no temporary left


def test_debug_shows_the_traceback(capsys, tmp_path):
    with pytest.raises(shim.UserError):
        shim.main(["--debug", "build", "infimnist/mnist9m", "--data_dir", str(tmp_path)])
