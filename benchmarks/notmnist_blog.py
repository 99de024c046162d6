"""Reproduces the notMNIST blog's baselines (Bulatov, 2011) on ``tfds.load`` pipelines.

Models (Keras): multinomial logistic regression on raw pixels, one hidden layer of
1024 ReLU units, a deeper MLP with dropout (1024-300 ReLU) and a small CNN
(2x conv-pool + dropout).

Protocols:
  large  The published one: train on all of ``notmnist/large`` (or ``large_dedup``
         with ``--train_config large_dedup``), test on all of ``notmnist/small``.
  proxy  Used when ``large`` is not prepared: 5-fold cross-validation on ``small``
         over its font-disjoint ``fold_0``..``fold_4`` splits (no font is in both
         train and test). A PROXY: clean training data, 4/5 of 18.7k images
         instead of 530k noisy ones, so its numbers are not the blog's numbers.
         ``--grouping random`` uses five contiguous 20% slices of ``train`` instead
         (TFDS stores examples in hash order, so these mix fonts): fonts then leak
         between train and test, which shows how much the grouping matters.
  auto   (default) ``large`` if ``notmnist/large`` is already prepared, else ``proxy``.

``--quick`` (CI): one fold, 2,000 training / 1,000 test images, one epoch each.

Example:
  python benchmarks/notmnist_blog.py --manual_dir /work/shared/data --json out.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402

import tfds_mnist_family  # noqa: E402,F401  (registers notmnist)
from tfds_mnist_family.notmnist.notmnist_dataset_builder import FOLD_SPLITS  # noqa: E402

BATCH = 128


def logreg() -> keras.Model:
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(10)])


def mlp1024() -> keras.Model:
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(1024, activation="relu"),
                             keras.layers.Dense(10)])


def mlp_deep() -> keras.Model:
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(1024, activation="relu"), keras.layers.Dropout(0.5),
                             keras.layers.Dense(300, activation="relu"), keras.layers.Dropout(0.3),
                             keras.layers.Dense(10)])


def cnn() -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(10)])


MODELS: dict[str, tuple[Callable[[], keras.Model], int]] = {
    # name: (constructor, epochs in a full run)
    "logreg": (logreg, 10),
    "mlp1024": (mlp1024, 10),
    "mlp_deep": (mlp_deep, 10),
    "cnn": (cnn, 8),
}


@dataclasses.dataclass
class Run:
    """One model on one train/test split."""

    model: str
    fold: str
    train_examples: int
    test_accuracy: float
    seconds: float


def prepare(config: str, data_dir: str | None, manual_dir: str | None) -> None:
    builder = tfds.builder(f"notmnist/{config}", data_dir=data_dir)
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))


def pipeline(config: str, split: str, data_dir: str | None, *, train: bool,
             limit: int | None) -> tf.data.Dataset:
    """``tfds.load`` -> float images in [0, 1], cached, shuffled for training, batched."""
    ds = tfds.load(f"notmnist/{config}", split=split, data_dir=data_dir,
                   as_supervised=True, shuffle_files=train,
                   read_config=tfds.ReadConfig(shuffle_seed=0))
    if limit:
        ds = ds.shuffle(20_000, seed=1).take(limit)
    ds = ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y),
                num_parallel_calls=tf.data.AUTOTUNE).cache()
    if train:
        ds = ds.shuffle(20_000, seed=0, reshuffle_each_iteration=True)
    return ds.batch(BATCH).prefetch(tf.data.AUTOTUNE)


def train_and_test(name: str, train_ds: tf.data.Dataset, test_ds: tf.data.Dataset,
                   epochs: int) -> tuple[float, int]:
    keras.utils.set_random_seed(0)
    model = MODELS[name][0]()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(train_ds, epochs=epochs, verbose=0)
    del history
    _, accuracy = model.evaluate(test_ds, verbose=0)
    train_examples = sum(int(x.shape[0]) for x, _ in train_ds)
    return float(accuracy), train_examples


def splits_for(protocol: str, train_config: str, quick: bool,
               grouping: str = "font") -> list[tuple[str, str, str, str]]:
    """``(fold name, train config, train split, test config:split)`` tuples to run."""
    if protocol == "large":
        return [("large->small", train_config, "train", "small:train+test")]  # all of small
    if grouping == "random":  # the same 20% slice of every font fold: random, not font-disjoint
        runs = []
        for k in range(len(FOLD_SPLITS)):
            lo, hi = 20 * k, 20 * (k + 1)
            rest = [f"{f}[{a}]" for f in FOLD_SPLITS
                    for a, keep in ((f":{lo}%", lo > 0), (f"{hi}%:", hi < 100)) if keep]
            test = "+".join(f"{f}[{lo}%:{hi}%]" for f in FOLD_SPLITS)
            runs.append((f"slice_{k}", "small", "+".join(rest), f"small:{test}"))
    else:
        runs = [(test, "small", "+".join(f for f in FOLD_SPLITS if f != test), f"small:{test}")
                for test in FOLD_SPLITS]
    return runs[:1] if quick else runs


def resolve_protocol(protocol: str, data_dir: str | None) -> str:
    if protocol != "auto":
        return protocol
    return "large" if tfds.builder("notmnist/large", data_dir=data_dir).is_prepared() else "proxy"


def run(args: argparse.Namespace) -> dict:
    protocol = resolve_protocol(args.protocol, args.data_dir)
    prepare("small", args.data_dir, args.manual_dir)
    if protocol == "large":
        prepare(args.train_config, args.data_dir, args.manual_dir)
    limits = (2_000, 1_000) if args.quick else (None, None)
    runs: list[Run] = []
    started = time.time()
    for fold, train_config, train_split, test in splits_for(protocol, args.train_config, args.quick,
                                                              args.grouping):
        test_config, test_split = test.split(":", 1)
        train_ds = pipeline(train_config, train_split, args.data_dir, train=True, limit=limits[0])
        test_ds = pipeline(test_config, test_split, args.data_dir, train=False, limit=limits[1])
        for name in args.models:
            epochs = 1 if args.quick else (args.epochs or MODELS[name][1])
            t0 = time.time()
            accuracy, n_train = train_and_test(name, train_ds, test_ds, epochs)
            runs.append(Run(name, fold, n_train, accuracy, time.time() - t0))
            print(f"{protocol} {fold:>14} {name:8} epochs={epochs:2d} train={n_train:6d} "
                  f"test_acc={accuracy:.4f} ({runs[-1].seconds:.0f}s)", flush=True)
    return {
        "protocol": protocol, "quick": args.quick,
        "train_config": args.train_config if protocol == "large" else "small",
        "grouping": args.grouping if protocol == "proxy" else None,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}, "
                   f"TF {tf.__version__}, Keras {keras.__version__}, TFDS {tfds.__version__}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "summary": summarize(runs),
        "runs": [dataclasses.asdict(r) for r in runs],
    }


def summarize(runs: Sequence[Run]) -> dict[str, dict[str, float]]:
    """Mean and (population) std of test accuracy per model, over folds."""
    out = {}
    for name in dict.fromkeys(r.model for r in runs):
        accs = [r.test_accuracy for r in runs if r.model == name]
        out[name] = {"mean": statistics.fmean(accs), "std": statistics.pstdev(accs),
                     "folds": len(accs),
                     "seconds": sum(r.seconds for r in runs if r.model == name)}
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--protocol", choices=("auto", "large", "proxy"), default="auto")
    parser.add_argument("--train_config", choices=("large", "large_dedup"), default="large",
                        help="training set of the large protocol")
    parser.add_argument("--grouping", choices=("font", "random"), default="font",
                        help="proxy folds: font-disjoint (default) or random slices")
    parser.add_argument("--quick", action="store_true", help="seconds-long CI run")
    parser.add_argument("--models", type=lambda s: s.split(","), default=list(MODELS),
                        help=f"comma-separated subset of {','.join(MODELS)}")
    parser.add_argument("--epochs", type=int, default=None, help="override per-model epochs")
    parser.add_argument("--data_dir", default=None, help="TFDS data_dir")
    parser.add_argument("--manual_dir", default=None,
                        help="folder holding notMNIST_small.tar.gz (or notmnist/ with it)")
    parser.add_argument("--json", default=None, help="write the results here as JSON")
    args = parser.parse_args(argv)
    unknown = set(args.models) - set(MODELS)
    if unknown:
        parser.error(f"unknown model(s) {sorted(unknown)}; choose from {list(MODELS)}")
    return args


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    tfds.disable_progress_bar()
    result = run(args)
    for name, s in result["summary"].items():
        print(f"{name:8} {100 * s['mean']:.2f}% +- {100 * s['std']:.2f} over {s['folds']} "
              f"fold(s), {s['seconds']:.0f}s")
    print(f"total {result['seconds']}s on {result['machine']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
