"""Read speed of prepared `infimnist/mnist` train (60,000 examples), batch 1024, images/s.

    python benchmarks/read_throughput.py [--data_dir DIR] [--rounds 3] [--json]

Ways, measured round-robin in one process (best pass of ``--rounds``; every pass
is a fresh dataset, so TFDS's in-memory auto-cache of small datasets never serves
a pass; each pass is timed from its first batch to its end, so pipeline start-up
and tracing are excluded alike for every way):
  * ``default``: ``tfds.load("infimnist/mnist", split="train", batch_size=1024)``,
  * ``skip_decoding``: the same with ``decoders={"image": tfds.decode.SkipDecoding()}``
    (PNG bytes, not images: the per-element ceiling of ``tfds.load``),
  * ``load_batched``: ``tfds_mnist_family.load_batched("infimnist/mnist", ...)`` (batch
    first, then one parse and one vectorised PNG decode per batch),
  * ``load_batched_raw``: ``load_batched("infimnist/mnist_raw", ...)``: the same examples
    stored as raw bytes (2.7x the disk), parsed per batch with nothing to decode,
  * ``tfds_load_raw``: ``tfds.load("infimnist/mnist_raw", ...)`` (per-element decode).
``--json``: the last stdout line is one JSON object with ``default_img_s``,
``skip_decoding_img_s``, ``fastest_img_s``, ``fastest_how`` (fastest of all ways but
``skip_decoding``), ``fastest_png_img_s`` (fastest on the PNG records themselves) and
every way's figure.
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

NAME, RAW_NAME, SPLIT, BATCH = "infimnist/mnist", "infimnist/mnist_raw", "train", 1024

# way -> how a user writes it (the JSON's ``fastest_how``).
HOW = {
    "default": f"tfds.load({NAME!r}, split={SPLIT!r}, batch_size={BATCH})",
    "skip_decoding": f"tfds.load({NAME!r}, ..., decoders={{'image': tfds.decode.SkipDecoding()}})",
    "load_batched": f"tfds_mnist_family.load_batched({NAME!r}, {SPLIT!r}, {BATCH})",
    "load_batched_raw": f"tfds_mnist_family.load_batched({RAW_NAME!r}, {SPLIT!r}, {BATCH})",
    "tfds_load_raw": f"tfds.load({RAW_NAME!r}, split={SPLIT!r}, batch_size={BATCH})",
}
PNG_WAYS = ("default", "load_batched")  # ways reading the PNG records of infimnist/mnist


def ways(data_dir: str) -> dict[str, Callable[[], tf.data.Dataset]]:
    """Name -> a function making a fresh dataset of (batched) examples."""
    def load(name: str, **kwargs) -> tf.data.Dataset:
        return tfds.load(name, split=SPLIT, batch_size=BATCH, data_dir=data_dir, **kwargs)

    return {
        "default": lambda: load(NAME),
        "skip_decoding": lambda: load(NAME, decoders={"image": tfds.decode.SkipDecoding()}),
        "load_batched": lambda: tfds_mnist_family.load_batched(NAME, SPLIT, BATCH,
                                                               data_dir=data_dir),
        "load_batched_raw": lambda: tfds_mnist_family.load_batched(RAW_NAME, SPLIT, BATCH,
                                                                   data_dir=data_dir),
        "tfds_load_raw": lambda: load(RAW_NAME),
    }


def one_pass(make: Callable[[], tf.data.Dataset]) -> float:
    """Images/s of one pass over a fresh dataset, from its first batch to its end."""
    batches = iter(make())
    next(batches)
    n, start = 0, time.perf_counter()
    for example in batches:
        n += int(example["image"].shape[0])
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", default=os.path.expanduser("~/tensorflow_datasets"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for name in (NAME, RAW_NAME):
        tfds.builder(name, data_dir=args.data_dir).download_and_prepare()
    makers = ways(args.data_dir)
    best = dict.fromkeys(makers, 0.0)
    for make in makers.values():
        one_pass(make)  # warm-up: tracing, page cache
    for _ in range(args.rounds):
        for name, make in makers.items():
            best[name] = max(best[name], one_pass(make))
    load = os.getloadavg()
    for name, value in best.items():
        print(f"{name:18s} {value:12,.0f} img/s  {value / best['default']:5.2f}x default")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    fastest = max((n for n in best if n != "skip_decoding"), key=best.get)
    fastest_png = max(PNG_WAYS, key=best.get)
    if args.json:
        print(json.dumps({"default_img_s": round(best["default"]),
                          "skip_decoding_img_s": round(best["skip_decoding"]),
                          "fastest_img_s": round(best[fastest]), "fastest_how": HOW[fastest],
                          "fastest_png_img_s": round(best[fastest_png]),
                          "fastest_png_how": HOW[fastest_png],
                          "ways_img_s": {n: round(v) for n, v in best.items()},
                          "batch_size": BATCH, "rounds": args.rounds,
                          "loadavg": [round(x, 2) for x in load]}))


if __name__ == "__main__":
    main()
