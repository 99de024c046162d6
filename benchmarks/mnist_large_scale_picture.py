"""Draws docs/mnist_large_scale_scales.png: the same digits at the 17 official test scales.

Usage: python benchmarks/mnist_large_scale_picture.py [--out docs/mnist_large_scale_scales.png]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from tfds_mnist_family.core.mnist import load_mnist  # noqa: E402
from tfds_mnist_family.core.sample_grid import save_grid  # noqa: E402
from tfds_mnist_family.mnist_large_scale import ops, recipe  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/mnist_large_scale_scales.png")
    parser.add_argument("--digits", type=int, nargs="+", default=[0, 1, 2],
                        help="MNIST test indices, one row each")
    args = parser.parse_args()
    test = load_mnist().test_images
    scales = np.array(recipe.TEST_SCALES, np.float32)
    rows = [ops.generate(np.repeat(test[i:i + 1], len(scales), 0), scales).numpy()
            for i in args.digits]
    images = np.concatenate(rows)
    captions = [f"s={s:.3g}" for s in scales] * len(args.digits)
    print(save_grid(args.out, images, captions, columns=len(scales), scale=1))


if __name__ == "__main__":
    main()
