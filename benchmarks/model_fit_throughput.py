"""End-to-end ``model.fit`` images/s of one small CNN fed three ways, one process.

    python benchmarks/model_fit_throughput.py [--steps 30] [--batch 1024] [--data_dir DIR] [--json]

Feeds (same model architecture, batch, optimizer; each in a fresh model):
  * ``prepared tfds.load``: prepared ``infimnist/mnist`` train via
    ``tfds.load(..., as_supervised=True, batch_size=B)``, scaled to [0, 1], repeated,
  * ``prepared load_batched``: the same data via ``tfds_mnist_family.load_batched``,
  * ``on-the-fly tf.data``: ``infimnist_dataset`` (procedural tables, XLA generator in
    ``tf.data.map``, deformed indices from 70000),
  * ``GPU layer on CPU``: ``index_label_dataset`` + ``InfimnistImages`` as the model's
    first layer (the generator runs inside the model's step; here on the CPU).
Images/s = steps x batch / wall time of the second epoch (the first traces and warms up).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402

import tfds_mnist_family  # noqa: E402
from tfds_mnist_family.infimnist import (InfimnistImages, index_label_dataset,  # noqa: E402
                                         infimnist_dataset, procedural_inputs)


def cnn(first_layers: list[tf.keras.layers.Layer]) -> tf.keras.Model:
    """The benchmark CNN (2x conv-pool, dense) after ``first_layers``."""
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(first_layers + [
        tf.keras.layers.Conv2D(16, 3, activation="relu"), tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Conv2D(32, 3, activation="relu"), tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def fit_rate(model: tf.keras.Model, ds: tf.data.Dataset, steps: int, batch: int) -> float:
    """Images/s of the second of two ``steps``-step epochs."""
    times = []

    class Timer(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            times.append(time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            times[-1] = time.perf_counter() - times[-1]

    model.fit(ds, steps_per_epoch=steps, epochs=2, verbose=0, callbacks=[Timer()])
    return steps * batch / times[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--data_dir", default=os.path.expanduser("~/tensorflow_datasets"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    b = args.batch
    tfds.builder("infimnist/mnist", data_dir=args.data_dir).download_and_prepare()
    tables = procedural_inputs()

    def scaled(images, labels):
        return tf.cast(images, tf.float32) / 255.0, labels

    image_input = [tf.keras.Input((28, 28, 1))]
    feeds = {
        "prepared tfds.load": lambda: (cnn(image_input), tfds.load(
            "infimnist/mnist", split="train", as_supervised=True, batch_size=b,
            data_dir=args.data_dir).map(scaled).repeat()),
        "prepared load_batched": lambda: (cnn(image_input), tfds_mnist_family.load_batched(
            "infimnist/mnist", "train", b, data_dir=args.data_dir, as_supervised=True)
            .map(scaled).repeat()),
        "on-the-fly tf.data": lambda: (cnn(image_input), infimnist_dataset(
            tables, 70_000, None, batch_size=b, normalize=True, repeat=True)),
        "GPU layer on CPU": lambda: (cnn([tf.keras.Input((), dtype=tf.int64),
                                          InfimnistImages(tables)]),
                                     index_label_dataset(tables, 70_000, None, batch_size=b,
                                                         repeat=True)),
    }
    rates = {}
    for name, make in feeds.items():
        model, ds = make()
        rates[name] = fit_rate(model, ds, args.steps, b)
        print(f"{name:24s} {rates[name]:10,.0f} img/s", flush=True)
    load = os.getloadavg()
    print(f"batch {b}, {args.steps} steps; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        print(json.dumps({"img_s": {n: round(v) for n, v in rates.items()}, "batch": b,
                          "steps": args.steps, "loadavg": [round(x, 2) for x in load]}))


if __name__ == "__main__":
    main()
