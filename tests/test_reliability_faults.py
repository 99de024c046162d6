"""Reliability, faults: kill -9 during builds and exports, concurrent builds, leftovers.

Kills happen at file-system milestones (not after fixed delays), so each test hits
the same phase on a fast or a slow machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401  (registers the builders)
from tfds_mnist_family.core import build_guard

CLI = [sys.executable, "-m", "tfds_mnist_family_cli"]
NAME = "infimnist/mnist"
VERSION = str(tfds.builder(NAME).version)


def start(*argv: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"finished before the milestone: {process.stderr.read()[-500:]}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("milestone not reached")
        time.sleep(0.05)


def incomplete_dirs(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "infimnist" / "mnist").glob("incomplete.*"))


def shard_bytes(data_dir: Path, pattern: str) -> int:
    return sum(p.stat().st_size for d in incomplete_dirs(data_dir) for p in d.glob(pattern))


MILESTONES = {
    "incomplete dir created": lambda d: bool(incomplete_dirs(d)),
    "train shard being written": lambda d: shard_bytes(d, "*train.tfrecord*") > 1_000_000,
    "validation shard being written": lambda d: shard_bytes(d, "*validation.tfrecord*") > 100_000,
}


@pytest.mark.parametrize("milestone", MILESTONES, ids=MILESTONES)
def test_kill_during_build_leaves_nothing_loadable_and_the_next_build_cleans_up(tmp_path, milestone):
    data_dir = tmp_path / "tfds"
    process = start("build", NAME, "--data_dir", str(data_dir))
    wait_for(lambda: MILESTONES[milestone](data_dir), process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert incomplete_dirs(data_dir), "the kill should leave TFDS's incomplete directory"
    assert not tfds.builder(NAME, data_dir=str(data_dir)).is_prepared()
    with pytest.raises(AssertionError, match="could not find data"):
        tfds.load(NAME, split="test", data_dir=str(data_dir), download=False)
    if milestone == "incomplete dir created":  # one rebuild is enough to show the cleanup
        builder = tfds.builder(NAME, data_dir=str(data_dir))
        builder.download_and_prepare()
        assert builder.info.splits["test"].num_examples == 10_000
        assert incomplete_dirs(data_dir) == []


def test_kill_during_export_leaves_the_previous_file_intact(tmp_path, prepared_mnist_dir):
    out = tmp_path / "train.csv"
    out.write_text("the user's previous export\n")
    process = start("export", NAME, "--data_dir", prepared_mnist_dir, "--split", "train",
                    "--out", str(out))
    temporaries = lambda: [p for p in tmp_path.glob(".train.csv.*.tmp")  # noqa: E731
                           if p.stat().st_size > 200_000]
    wait_for(lambda: bool(temporaries()), process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert out.read_text() == "the user's previous export\n"


def test_concurrent_builds_give_one_dataset_and_no_error(tmp_path):
    data_dir = tmp_path / "tfds"
    processes = [start("build", NAME, "--data_dir", str(data_dir)) for _ in range(2)]
    results = [(p.wait(timeout=600), p.stderr.read().decode()) for p in processes]
    assert [code for code, _ in results] == [0, 0], results
    assert all("Traceback" not in err for _, err in results)
    versions = sorted(p.name for p in (data_dir / "infimnist" / "mnist").iterdir()
                      if not p.name.startswith("."))
    assert versions == [VERSION]
    assert tfds.builder(NAME, data_dir=str(data_dir)).info.splits["train"].num_examples == 60_000


def test_second_build_waits_for_the_lock(tmp_path):
    version_dir = tmp_path / "infimnist" / "mnist" / VERSION
    with build_guard.build_lock(version_dir):
        code = ("import sys, time, tensorflow_datasets as tfds, tfds_mnist_family\n"
                "t = time.monotonic()\n"
                f"tfds.builder('{NAME}', data_dir={str(tmp_path)!r}).download_and_prepare()\n"
                "print('waited', time.monotonic() - t)")
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        seen = []
        for line in process.stderr:  # until the child says it waits for our lock
            seen.append(line)
            if "another process is preparing this dataset" in line:
                break
        assert process.poll() is None and not version_dir.exists(), "".join(seen)[-1000:]
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-1000:]
    assert version_dir.is_dir() and out.splitlines()[-1].startswith("waited")


def test_stale_incomplete_dirs_are_removed_with_their_size(tmp_path, caplog):
    version_dir = tmp_path / "infimnist" / "mnist" / "1.0.0"
    stale = version_dir.parent / "incomplete.ABC123_1.0.0"
    stale.mkdir(parents=True)
    (stale / "shard").write_bytes(b"\0" * 2_000_000)
    other_version = version_dir.parent / "incomplete.ZZZ999_2.0.0"
    other_version.mkdir()
    assert build_guard.remove_stale_incomplete(version_dir) == [stale]
    assert not stale.exists() and other_version.exists()
    assert "2.0 MB left by an interrupted build" in caplog.text


def test_read_only_data_dir_is_one_line(tmp_path, capsys):
    import tfds_mnist_family_cli as shim
    if os.geteuid() == 0:  # root writes anywhere: use a path no one can create files in
        data_dir = "/proc/tfds_mnist_family_data"
    else:
        (tmp_path / "ro").mkdir(mode=0o555)
        data_dir = str(tmp_path / "ro")
    status = shim.main(["build", NAME, "--data_dir", data_dir])
    err = capsys.readouterr().err
    assert status == 4 and err.count("\n") == 1 and "Traceback" not in err
