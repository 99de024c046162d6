"""Scale generalisation on MNIST Large Scale: a small CNN trained at one scale, tested on all 17.

A reduced version of the Jansson & Lindeberg experiment (their exact vanilla CNN
and schedule could not be verified; see the research note), with data generated
on the fly by this package's ops. Usage:
    python benchmarks/mnist_large_scale_scale_generalisation.py --quick          # CI smoke test
    python benchmarks/mnist_large_scale_scale_generalisation.py --train-size 10000 --epochs 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfds_mnist_family.mnist_large_scale import pipeline, recipe  # noqa: E402


def small_cnn(seed: int) -> keras.Model:
    """4 conv layers (3x3; 16-16-32-32, BN, ReLU), 3 max-pools, global max-pool, dropout, dense."""
    keras.utils.set_random_seed(seed)
    x = inputs = keras.Input((recipe.OUTPUT_SIZE, recipe.OUTPUT_SIZE, 1))
    for i, channels in enumerate((16, 16, 32, 32)):
        x = keras.layers.Conv2D(channels, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        if i < 3:
            x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    x = keras.layers.Dropout(0.1)(x)
    return keras.Model(inputs, keras.layers.Dense(10)(x))


def generated(split: str, scale: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for batch in pipeline.on_the_fly_dataset(split, scale=scale, batch_size=500, take=n,
                                             as_supervised=False):
        images.append(batch["image"].numpy())
        labels.append(batch["label"].numpy())
    return np.concatenate(images), np.concatenate(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-scale", type=float, default=1.0)
    parser.add_argument("--train-size", type=int, default=10_000, help="first N of the 50k train split")
    parser.add_argument("--test-size", type=int, default=1_000, help="first N test digits per scale")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny run for CI (not a measurement)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.train_size, args.test_size, args.epochs = 256, 32, 1

    start = time.perf_counter()
    x, y = generated("train", args.train_scale, args.train_size)
    steps = -(-len(x) // args.batch_size)
    model = small_cnn(args.seed)
    lr = keras.optimizers.schedules.ExponentialDecay(3e-3, decay_steps=2 * steps,
                                                     decay_rate=float(np.exp(-1)))
    model.compile(keras.optimizers.Adam(lr), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=True,
                        verbose=2)
    train_seconds = time.perf_counter() - start
    del x, y

    results = []
    for k, scale in zip(recipe.TEST_SCALE_EXPONENTS, recipe.TEST_SCALES):
        xt, yt = generated("test", scale, args.test_size)
        _, accuracy = model.evaluate(xt, yt, batch_size=250, verbose=0)
        results.append({"k": k, "scale": round(scale, 3), "accuracy": accuracy})
        print(f"scale {scale:6.3f}: accuracy {accuracy:.4f}", flush=True)
    total = time.perf_counter() - start

    print(f"\n# train scale {args.train_scale}, {args.train_size} train digits, {args.epochs} epochs, "
          f"{args.test_size} test digits per scale; final train accuracy "
          f"{history.history['accuracy'][-1]:.4f}; {platform.machine()}, {os.cpu_count()} CPUs, "
          f"TF {tf.__version__}; train {train_seconds:.0f} s, total {total:.0f} s")
    print("| test scale | " + " | ".join(f"{r['scale']:.3f}" for r in results) + " |")
    print("|---|" + "---:|" * len(results))
    print("| accuracy (%) | " + " | ".join(f"{100 * r['accuracy']:.1f}" for r in results) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results, "train_seconds": train_seconds,
                       "total_seconds": total}, f, indent=1)


if __name__ == "__main__":
    main()
