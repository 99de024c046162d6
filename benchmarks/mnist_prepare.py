"""Prepare time of `infimnist/mnist` against TFDS's built-in `mnist`, in one process.

Both read the same four MNIST files (ours from the package, TFDS's from a
manual_dir), so the ratio isolates the builders. Also times the IDX reader
against a plain gzip + numpy read of the same file.

    python benchmarks/mnist_prepare.py [--mnist_dir ../shared/data/mnist]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402

import tfds_mnist_family  # noqa: E402,F401
from tfds_mnist_family.core import idx, mnist  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def prepare(name: str, data_dir: str, manual_dir: str | None = None) -> None:
    tfds.builder(name, data_dir=data_dir).download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=manual_dir, try_download_gcs=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist_dir", default=str(mnist.EMBEDDED_DIR),
                        help="directory with the four MNIST .gz files (for TFDS's mnist)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    path = Path(args.mnist_dir) / mnist.TRAIN_IMAGES
    reader = min(timed(lambda: idx.read_idx(path)) for _ in range(args.repeats))
    baseline = min(timed(lambda: np.frombuffer(gzip.open(path).read()[16:], np.uint8)
                         .reshape(-1, 28, 28)) for _ in range(args.repeats))
    print(f"IDX reader, train images: {reader:.3f} s; gzip+numpy baseline {baseline:.3f} s "
          f"(ratio {reader / baseline:.2f})")

    with tempfile.TemporaryDirectory() as tmp:
        ours = timed(lambda: prepare("infimnist/mnist", f"{tmp}/ours"))
        builtin = timed(lambda: prepare("mnist", f"{tmp}/builtin", args.mnist_dir))
    n_ours, n_builtin = 80_000, 70_000  # ours writes the 10,000 validation examples too
    print(f"infimnist/mnist prepare: {ours:.1f} s, {n_ours / ours:,.0f} examples/s")
    print(f"built-in mnist prepare:  {builtin:.1f} s, {n_builtin / builtin:,.0f} examples/s")
    print(f"ratio (examples/s, ours / built-in): {(n_ours / ours) / (n_builtin / builtin):.2f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
