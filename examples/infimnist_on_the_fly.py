"""Train a small CNN on InfiMNIST digits generated on the fly (no preparation step).

Two routes, same byte-exact generator:

* ``--route dataset`` (default): ``infimnist_dataset`` generates (image, label)
  batches inside ``tf.data`` (on the CPU, in parallel with training).
* ``--route layer``: the dataset yields only (index, label) batches and the
  ``InfimnistImages`` Keras layer generates the images inside the model, i.e.
  on the GPU when there is one (the input tables are moved there).

Inputs: ``--data DIR`` (the InfiMNIST archive or its data/ folder: real MNIST8M
deformations) or, by default, the procedural inputs computed from the MNIST
copy inside the package (a different dataset; works offline).

    python examples/infimnist_on_the_fly.py --quick
    python examples/infimnist_on_the_fly.py --data ~/infimnist/data --route layer
"""

from __future__ import annotations

import argparse
import time

import tensorflow as tf

from tfds_mnist_family.infimnist import inputs, ops, pipeline, procedural


def small_cnn(first_layer: tf.keras.layers.Layer | None = None) -> tf.keras.Model:
    layers = [tf.keras.Input(shape=(), dtype="int64"), first_layer] if first_layer else [
        tf.keras.Input(shape=(28, 28, 1))]
    layers += [
        tf.keras.layers.Conv2D(16, 3, activation="relu"),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Conv2D(32, 3, activation="relu"),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(10),
    ]
    model = tf.keras.Sequential(layers)
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="InfiMNIST archive or data directory (default: "
                                       "procedural inputs from the embedded MNIST)")
    parser.add_argument("--route", choices=["dataset", "layer"], default="dataset")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=300, help="training steps per epoch")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a few steps, for smoke tests")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.epochs, args.batch_size = 20, 1, 128

    tf.keras.utils.set_random_seed(args.seed)  # reproducible weights and shuffling
    tables = inputs.load_inputs(args.data) if args.data else procedural.procedural_inputs()
    test_x, test_y = pipeline.take_numpy(  # the MNIST test set is InfiMNIST 0..9999
        pipeline.infimnist_dataset(tables, 0, 9_999, batch_size=1000, normalize=True), 10)
    # Training: an endless seeded stream of deformed digits (indices >= 70000).
    if args.route == "dataset":
        train = pipeline.infimnist_dataset(tables, 70_000, None, batch_size=args.batch_size,
                                           shuffle_seed=args.seed, normalize=True, repeat=True)
        model = small_cnn()
        evaluate = lambda: model.evaluate(test_x, test_y, verbose=0)  # noqa: E731
    else:
        device = "/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"
        layer = pipeline.InfimnistImages(tables.to(device))
        train = pipeline.index_label_dataset(tables, 70_000, None, batch_size=args.batch_size,
                                             shuffle_seed=args.seed, repeat=True)
        model = small_cnn(layer)
        evaluate = lambda: model.evaluate(tf.range(0, 10_000, dtype=tf.int64), test_y,  # noqa: E731
                                          verbose=0, batch_size=1000)
    start = time.perf_counter()
    model.fit(train, steps_per_epoch=args.steps, epochs=args.epochs, verbose=2)
    seconds = time.perf_counter() - start
    loss, accuracy = evaluate()
    seen = args.steps * args.epochs * args.batch_size
    print(f"route={args.route}: trained on {seen} on-the-fly digits in {seconds:.1f} s; "
          f"MNIST test accuracy {accuracy:.4f}")
    return {"loss": loss, "accuracy": accuracy, "examples": seen}


if __name__ == "__main__":
    main()
