"""InfiMNIST prepare rate: examples/s and peak RSS for an index range, fast vs TFDS generic writer.

    python benchmarks/infimnist_prepare.py --examples 1000000 --baseline-examples 100000

Uses the synthetic golden inputs (real MNIST + golden fields + rule-built
tangents: same sizes as the real archive). Runs the TFDS generic per-example
writer (``Builder.FAST_WRITER = False``) on a smaller range first as the
baseline, then the fast batch writer, and reports where time goes (input
loading, TF generation, PNG encoding, record assembly + writing). Each
measurement runs in a fresh process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import tensorflow_datasets as tfds

import tfds_mnist_family  # noqa: F401
from tfds_mnist_family.testing import infimnist_golden
from concurrent.futures import ThreadPoolExecutor

from tfds_mnist_family.core import mnist
from tfds_mnist_family.infimnist import Builder, IndexRange, InfimnistConfig, fast_writer, inputs, ops

DEFORMED_FIRST = mnist.NUM_IMAGES  # the first deformed index


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(first: int, count: int, fast: bool, data_dir: str, data_path: str) -> dict:
    Builder.BATCH_WRITER = fast
    config = InfimnistConfig(first=first, last=first + count - 1, data_path=data_path)
    builder = tfds.builder("infimnist", config=config, data_dir=data_dir)
    start = time.perf_counter()
    builder.download_and_prepare()
    seconds = time.perf_counter() - start
    split = builder.info.splits["train"]
    return {"writer": "fast" if fast else "tfds-generic", "examples": split.num_examples,
            "shards": split.num_shards, "seconds": round(seconds, 1),
            "examples_per_s": round(count / seconds), "peak_rss_mb": round(peak_rss_mb())}


def breakdown(data_path: str, n: int = 100_000) -> dict:
    """Seconds per 100k examples for each stage of the fast writer, measured alone."""
    start = time.perf_counter()
    loaded = inputs.load_inputs(data_path)
    load_s = time.perf_counter() - start
    gen = ops.BatchGenerator(loaded, batch_size=8192)
    gen(np.arange(DEFORMED_FIRST, DEFORMED_FIRST + 8192))  # compile
    t = time.perf_counter()
    batches = list(gen.iter_range(IndexRange(DEFORMED_FIRST, DEFORMED_FIRST + n - 1)))
    gen_s = time.perf_counter() - t
    with ThreadPoolExecutor(2) as pool:
        t = time.perf_counter()
        pngs = [fast_writer.encode_images(images, "png", pool, 2) for _, images, _ in batches]
        png_s = time.perf_counter() - t
    t = time.perf_counter()
    for (indices, _, labels), batch_pngs in zip(batches, pngs):
        for png, label, index in zip(batch_pngs, labels.tolist(), indices.tolist()):
            fast_writer.serialize_example(png, label, index)
    ser_s = time.perf_counter() - t
    scale = 100_000 / n
    return {"load_inputs_s": round(load_s, 2), "per_100k_generate_s": round(gen_s * scale, 2),
            "per_100k_png_2threads_s": round(png_s * scale, 2),
            "per_100k_serialize_s": round(ser_s * scale, 2)}


def run_child(args: list[str]) -> dict:
    """Runs one measurement in a fresh process, so peak RSS is that measurement's own."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, __file__, *args], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--baseline-examples", type=int, default=100_000)
    parser.add_argument("--first", type=int, default=DEFORMED_FIRST)
    parser.add_argument("--child", choices=["fast", "generic", "breakdown"])
    parser.add_argument("--data-path")
    parser.add_argument("--out-dir")
    args = parser.parse_args()
    if args.child == "breakdown":
        print(json.dumps(breakdown(args.data_path)))
        return
    if args.child:
        print(json.dumps(prepare(args.first, args.examples, args.child == "fast", args.out_dir,
                                 args.data_path)))
        return
    results = {"machine": f"{platform.machine()} {platform.node()} (2 cores shared with 3 other "
                          "engineers' jobs)",
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    data_path = str(infimnist_golden.golden_data_dir())  # six synthetic files, real sizes
    common = ["--first", str(args.first), "--data-path", data_path]
    results["breakdown"] = run_child(["--child", "breakdown", *common])
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline_examples:
            results["baseline"] = run_child(["--child", "generic", "--examples",
                                             str(args.baseline_examples), "--out-dir",
                                             tmp + "/a", *common])
        results["fast"] = run_child(["--child", "fast", "--examples", str(args.examples),
                                     "--out-dir", tmp + "/b", *common])
    if args.baseline_examples:
        results["speedup"] = round(results["fast"]["examples_per_s"]
                                   / results["baseline"]["examples_per_s"], 2)
    mnist8m = len(IndexRange.of_span(mnist.MNIST8M_TRAIN_SPAN)) + mnist.NUM_TEST_IMAGES
    results["mnist8m_extrapolated_min"] = round(mnist8m / results["fast"]["examples_per_s"] / 60, 1)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
