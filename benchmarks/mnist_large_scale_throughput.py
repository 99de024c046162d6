"""MNIST Large Scale generation throughput (images/s) on this machine, by batch size.

Measures the pure-TF op (graph mode, and XLA-compiled) and the tf.data
on-the-fly pipeline at random scales, then, at one scale (2.0), ``ops.generate``
(one operator per example) against ``ops.generate_one_scale`` (one shared
operator, two large GEMMs). Usage:
    python benchmarks/mnist_large_scale_throughput.py [--batch-sizes 1 16 64 256 1024] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfds_mnist_family.core.mnist import load_mnist  # noqa: E402
from tfds_mnist_family.mnist_large_scale import ops, pipeline  # noqa: E402


def rate(fn, batch: int, seconds: float) -> float:
    """Images/s of ``fn()`` (which makes ``batch`` images), after one warm-up call."""
    fn()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        done += batch
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 64, 256, 1024])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()

    digits = load_mnist().train_images
    jitted = tf.function(ops._generate.python_function, jit_compile=True)  # noqa: SLF001
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"TF {tf.__version__}, devices {[d.device_type for d in tf.config.list_logical_devices()]}")
    print("| batch | graph op (img/s) | XLA jit op (img/s) | tf.data on the fly (img/s) "
          "| graph op, one scale (img/s) | shared operator, one scale (img/s) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for batch in args.batch_sizes:
        x = tf.constant(digits[:batch])
        s = tf.constant(np.exp2(np.random.default_rng(0).uniform(-1, 3, batch)).astype(np.float32))
        graph = rate(lambda: ops.generate(x, s).numpy(), batch, args.seconds)
        xla = rate(lambda: jitted(x, s).numpy(), batch, args.seconds)
        ds = pipeline.on_the_fly_dataset("train", scale_range=(0.5, 8.0), batch_size=batch,
                                         repeat=True)
        it = iter(ds)
        data = rate(lambda: next(it)[0].numpy(), batch, args.seconds)
        one = tf.fill([batch], 2.0)
        per_example = rate(lambda: ops.generate(x, one).numpy(), batch, args.seconds)
        shared = rate(lambda: ops.generate_one_scale(x, 2.0).numpy(), batch, args.seconds)
        print(f"| {batch} | {graph:,.0f} | {xla:,.0f} | {data:,.0f} | {per_example:,.0f} "
              f"| {shared:,.0f} | {shared / per_example:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
