"""Rerun every throughput benchmark and print RESULTS.md-style sections.

    python -m benchmarks [--quick] [--device cpu|gpu] [--data_dir DIR]

Each benchmark runs in its own process (``benchmarks/<name>.py``), one after the
other, so the figures of one run share a machine state; the header names the
machine, date, load average (before and after) and versions. ``--quick``: short
measurements and small builds (checks that everything runs; figures are rough).
``--device gpu``: measures only if TensorFlow sees a GPU, and otherwise prints
"not measured" for every benchmark (a GPU figure is never estimated).
The accuracy benchmarks (notMNIST blog, MNIST Large Scale scale generalisation)
take minutes to hours and are run by hand (see RESULTS.md).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks(quick: bool, data_dir: str) -> dict[str, list[str]]:
    """Title -> argv (after the script path) of every throughput benchmark."""
    seconds = "0.5" if quick else "3"
    return {
        "read_throughput": ["--data_dir", data_dir, "--rounds", "1" if quick else "3", "--json"],
        "mnist_large_scale_build": (["--examples", "500"] if quick else []) + ["--json"],
        "infimnist_throughput": ["--seconds", seconds, "--batch-sizes",
                                 "1024" if quick else "1024,4096,16384,32768"],
        "mnist_large_scale_throughput": ["--seconds", seconds, "--batch-sizes", "64", "1024"],
        "model_fit_throughput": ["--data_dir", data_dir, "--steps", "5" if quick else "30",
                                 "--json"],
    }


def versions() -> str:
    """Python, TensorFlow, TFDS and numpy versions, read in a child process."""
    code = ("import numpy, tensorflow as tf, tensorflow_datasets as tfds; "
            "print(f'TF {tf.__version__}, TFDS {tfds.__version__}, numpy {numpy.__version__}, "
            "GPUs {len(tf.config.list_physical_devices(\"GPU\"))}')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), check=True)
    return f"Python {platform.python_version()}, {out.stdout.strip()}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--data_dir", default=None,
                        help="TFDS data_dir for the prepared infimnist/mnist (default: a temp dir)")
    args = parser.parse_args()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if args.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    info = versions()
    print(f"# Benchmarks ({args.device}{', quick' if args.quick else ''})\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}; "
          f"date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"load average at start {load()}; {info}\n")
    if args.device == "gpu" and info.endswith("GPUs 0"):
        for name in benchmarks(args.quick, "-"):
            print(f"## {name}\n\nnot measured: TensorFlow sees no GPU on this machine.\n")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name, argv in benchmarks(args.quick, args.data_dir or tmp).items():
            command = [sys.executable, str(HERE / f"{name}.py"), *argv]
            print(f"## {name}\n\n`python benchmarks/{name}.py {' '.join(argv)}` "
                  f"(load average before: {load()})\n", flush=True)
            result = subprocess.run(command, capture_output=True, text=True, env=env)
            lines = [line for line in result.stdout.splitlines() if line.strip()]
            print("```\n" + "\n".join(lines) + "\n```" if lines else "(no output)")
            if result.returncode:
                print(f"\nFAILED (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
            print(f"\nload average after: {load()}\n", flush=True)


if __name__ == "__main__":
    main()
