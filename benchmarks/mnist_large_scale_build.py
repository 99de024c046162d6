"""MNIST Large Scale build speed: TFDS's generic writer vs the batch writer, one process.

    python benchmarks/mnist_large_scale_build.py [--config scte1p000] [--examples N] [--json]

Each writer builds the generated config into a fresh data_dir (``BATCH_WRITER``
False: TFDS's per-example writer, ``_generate_examples``; True: the batch
writer, ``mnist_large_scale/fast_writer.py``); images/s = examples / wall time of
``download_and_prepare``. ``--json``: the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow_datasets as tfds  # noqa: E402

import tfds_mnist_family  # noqa: E402,F401


def build_rate(name: str, data_dir: str, batch_writer: bool, examples: int | None) -> float:
    """Images/s of one ``download_and_prepare`` of ``name`` with the chosen writer."""
    cls = tfds.builder_cls(name.split("/")[0])
    old, cls.BATCH_WRITER = cls.BATCH_WRITER, batch_writer
    try:
        builder = tfds.builder(name, data_dir=data_dir)
        start = time.perf_counter()
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            max_examples_per_split=examples, try_download_gcs=False))
        seconds = time.perf_counter() - start
    finally:
        cls.BATCH_WRITER = old
    total = sum(split.num_examples for split in builder.info.splits.values())
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="scte1p000")
    parser.add_argument("--examples", type=int, default=None, help="max_examples_per_split")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tfds.disable_progress_bar()
    name = f"mnist_large_scale/{args.config}"
    with tempfile.TemporaryDirectory() as tmp:
        generic = build_rate(name, f"{tmp}/generic", False, args.examples)
        batch = build_rate(name, f"{tmp}/batch", True, args.examples)
    load = os.getloadavg()
    print(f"{name}: generic writer {generic:,.0f} img/s, batch writer {batch:,.0f} img/s "
          f"({batch / generic:.1f}x); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        print(json.dumps({"config": args.config, "generic_img_s": round(generic),
                          "batch_img_s": round(batch), "ratio": round(batch / generic, 2),
                          "loadavg": [round(x, 2) for x in load]}))


if __name__ == "__main__":
    main()
