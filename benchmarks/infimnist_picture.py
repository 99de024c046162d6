"""Draws docs/infimnist_procedural.png: MNIST training digits and their deformed copies.

Row r is training image a = r; column 0 is InfiMNIST index 10000 + a (the
original), column k is index 10000 + a + 60000 k, a deformation of the same
digit. Drawn with the procedural inputs (computed from MNIST alone), because the
real MNIST8M fields and tangents are not available offline; with the archive,
pass --data (an infimnist.tar.gz or its data/ folder) to draw real MNIST8M.

Usage: python benchmarks/infimnist_picture.py [--data PATH] [--out docs/infimnist_procedural.png]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from tfds_mnist_family.core.sample_grid import save_grid  # noqa: E402
from tfds_mnist_family.infimnist import inputs, ops, procedural  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="infimnist.tar.gz or its data/ folder (default: procedural)")
    parser.add_argument("--out", default="docs/infimnist_procedural.png")
    parser.add_argument("--rows", type=int, default=4, help="training digits 0..rows-1")
    parser.add_argument("--columns", type=int, default=12, help="original + deformations")
    args = parser.parse_args()
    tables = inputs.load_inputs(args.data) if args.data else procedural.procedural_inputs()
    indices = np.array([10_000 + a + 60_000 * k for a in range(args.rows)
                        for k in range(args.columns)], dtype=np.int64)
    images, _ = ops.generate(indices, tables, validate=True)
    print(save_grid(args.out, images.numpy(), [str(i) for i in indices],
                    columns=args.columns, scale=2))


if __name__ == "__main__":
    main()
