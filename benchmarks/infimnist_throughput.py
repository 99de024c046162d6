"""On-the-fly InfiMNIST generation speed on CPU: images/s per batch size, with and without XLA.

    python benchmarks/infimnist_throughput.py [--seconds 3] [--batch-sizes 1024,4096,32768]

Measures, for batch sizes 1k..32k of deformed indices (>= 70000):
  * ``xla``: ``ops.generate`` (fused gathers) under ``tf.function(jit_compile=True)``,
  * ``staged``: ``ops.compiled_generator`` (two XLA stages: padded-row gathers + arithmetic,
    then the translation as static windows), what the pipeline and the builder use,
  * ``graph``: ``ops.generate`` (row gathers) under ``tf.function`` without XLA,
  * ``tf.data xla``: ``pipeline.infimnist_dataset`` (parallel map of ``staged``),
  * ``numpy``: ``infimnist_golden.numpy_generate``, a straightforward numpy implementation, the in-process
    baseline that ratios are quoted against.
Every implementation is first checked byte-exact on all 3229 golden vectors.
Anchor (not runnable here): the reference C tool, ~400,000 images/s on one core
of this machine kind (golden README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import tensorflow as tf

from tfds_mnist_family.testing import infimnist_golden
from tfds_mnist_family.infimnist import ops, pipeline


def rate(fn, batch: int, seconds: float) -> int:
    start_index = 70_000
    fn(np.arange(start_index, start_index + batch, dtype=np.int64))  # compile / warm up
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        out = fn(np.arange(start_index + n, start_index + n + batch, dtype=np.int64))
        n += batch
    _ = out[0].numpy() if hasattr(out[0], "numpy") else out[0]
    return int(n / (time.perf_counter() - t0))


def dataset_rate(inputs, batch: int, seconds: float) -> int:
    it = iter(pipeline.infimnist_dataset(inputs, 70_000, None, batch_size=batch, repeat=True))
    next(it)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        next(it)
        n += batch
    return int(n / (time.perf_counter() - t0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--batch-sizes", default="1024,2048,4096,8192,16384,32768")
    args = parser.parse_args()
    inputs = infimnist_golden.golden_inputs()
    tables = infimnist_golden.numpy_tables()
    xla = tf.function(lambda i: ops.generate(i, inputs, fused=True), jit_compile=True)
    graph = tf.function(lambda i: ops.generate(i, inputs, fused=False))
    staged = ops.compiled_generator(inputs)
    impls = {"xla": lambda i: xla(tf.constant(i)), "staged": lambda i: staged(tf.constant(i)),
             "graph": lambda i: graph(tf.constant(i)),
             "numpy": lambda i: infimnist_golden.numpy_generate(i, tables)}
    indices, want, want_labels = infimnist_golden.golden_vectors()
    for name, fn in impls.items():
        images, labels = fn(indices)
        images = images.numpy() if hasattr(images, "numpy") else images
        labels = labels.numpy() if hasattr(labels, "numpy") else labels
        assert (images == want).all() and (labels == want_labels).all(), f"{name} not exact"
    rows = []
    for batch in [int(b) for b in args.batch_sizes.split(",")]:
        row = {"batch": batch}
        for name, fn in impls.items():
            row[name] = rate(fn, batch, args.seconds)
        row["tf.data xla"] = dataset_rate(inputs, batch, args.seconds)
        row["xla/numpy"] = round(row["xla"] / row["numpy"], 1)
        row["staged/xla"] = round(row["staged"] / row["xla"], 2)
        row["tf.data/numpy"] = round(row["tf.data xla"] / row["numpy"], 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
                      "load_average_after": [round(x, 2) for x in os.getloadavg()],
                      "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "all implementations byte-exact on 3229 golden vectors": True,
                      "reference C anchor (not run here)": 400_000}, indent=1))


if __name__ == "__main__":
    main()
