"""Read speed of prepared `infimnist/mnist` train (60,000 examples), batch 1024, images/s.

    python benchmarks/read_throughput.py [--data_dir DIR] [--rounds 3] [--json]

Ways, measured round-robin in one process (best pass of ``--rounds``; every pass
is a fresh ``tfds.load``, so its first pass: TFDS auto-caches datasets under
250 MiB in memory, and a second pass over the same dataset object would time
the cache, not the files):
  * ``default``: ``tfds.load("infimnist/mnist", split="train", batch_size=1024)``,
  * ``skip_decoding``: the same with ``decoders={"image": tfds.decode.SkipDecoding()}``
    (PNG bytes, not images: the per-element ceiling of ``tfds.load``),
  * ``skip_decoding+decode_png_batch``: that, then ``core.fast_read.decode_png_batch`` per batch,
  * ``load_batched``: ``tfds_mnist_family.load_batched`` (batch first, then one parse and
    one vectorised PNG decode per batch; documented in the README).
``--json``: the last stdout line is one JSON object with ``default_img_s``,
``skip_decoding_img_s``, ``fastest_img_s``, ``fastest_how`` and every way's figure.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402

import tfds_mnist_family  # noqa: E402
from tfds_mnist_family.core import fast_read  # noqa: E402

NAME, SPLIT, BATCH = "infimnist/mnist", "train", 1024


def ways(data_dir: str) -> dict[str, Callable[[], tf.data.Dataset]]:
    """Name -> a function making a fresh dataset of (batched) examples."""
    def load(**kwargs) -> tf.data.Dataset:
        return tfds.load(NAME, split=SPLIT, batch_size=BATCH, data_dir=data_dir, **kwargs)

    skip = {"image": tfds.decode.SkipDecoding()}

    def decode(example: dict) -> dict:
        return {**example, "image": fast_read.decode_png_batch(example["image"], 28, 28)}

    return {
        "default": load,
        "skip_decoding": lambda: load(decoders=skip),
        "skip_decoding+decode_png_batch": lambda: load(decoders=skip).map(
            decode, num_parallel_calls=tf.data.AUTOTUNE),
        "load_batched": lambda: tfds_mnist_family.load_batched(NAME, SPLIT, BATCH,
                                                               data_dir=data_dir),
    }


def one_pass(make: Callable[[], tf.data.Dataset]) -> float:
    """Images/s of one pass over a fresh dataset (construction excluded)."""
    ds = make()
    n, start = 0, time.perf_counter()
    for example in ds:
        n += int(example["image"].shape[0])
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", default=os.path.expanduser("~/tensorflow_datasets"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tfds.builder(NAME, data_dir=args.data_dir).download_and_prepare()
    makers = ways(args.data_dir)
    best = dict.fromkeys(makers, 0.0)
    for make in makers.values():
        one_pass(make)  # warm-up: tracing, page cache
    for _ in range(args.rounds):
        for name, make in makers.items():
            best[name] = max(best[name], one_pass(make))
    load = os.getloadavg()
    for name, value in best.items():
        print(f"{name:32s} {value:12,.0f} img/s  {value / best['default']:5.2f}x default")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    fastest = max((n for n in best if n != "skip_decoding"), key=best.get)
    if args.json:
        print(json.dumps({"default_img_s": round(best["default"]),
                          "skip_decoding_img_s": round(best["skip_decoding"]),
                          "fastest_img_s": round(best[fastest]), "fastest_how": fastest,
                          "ways_img_s": {n: round(v) for n, v in best.items()},
                          "batch_size": BATCH, "rounds": args.rounds,
                          "loadavg": [round(x, 2) for x in load]}))


if __name__ == "__main__":
    main()
