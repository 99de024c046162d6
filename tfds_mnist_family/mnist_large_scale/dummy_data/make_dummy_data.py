"""Writes the tiny official-layout HDF5 files used by the builder test.

Run from anywhere: python -m tfds_mnist_family.mnist_large_scale.dummy_data.make_dummy_data
Images are real generated digits so the files look like the official ones.
"""

from pathlib import Path

import numpy as np

from tfds_mnist_family.core.mnist_files import load_mnist
from tfds_mnist_family.mnist_large_scale import official_h5, ops

HERE = Path(__file__).resolve().parent


def _split(images, labels, scales):
    return ops.generate(images, np.asarray(scales, np.float32)).numpy(), labels.astype(np.uint8)


def main() -> None:
    m = load_mnist()
    tr, te = m.train_images, m.test_images
    trl, tel = m.train_labels, m.test_labels
    official_h5.write_file(HERE / official_h5.training_file_name("1p000"), {
        "train": _split(tr[:3], trl[:3], [1.0] * 3),
        "validation": _split(tr[50000:50002], trl[50000:50002], [1.0] * 2),
        "test": _split(te[:2], tel[:2], [1.0] * 2)})
    official_h5.write_file(HERE / official_h5.training_file_name("1p000-4p000"), {
        "train": _split(tr[:2], trl[:2], [1.3, 3.7]),
        "validation": _split(tr[50000:50001], trl[50000:50001], [2.2]),
        "test": _split(te[:2], tel[:2], [1.0, 4.0])}, label_column=True)
    official_h5.write_file(HERE / official_h5.test_file_name("0p500"), {
        "test": _split(te[:3], tel[:3], [0.5] * 3)}, dummy_splits=True)


if __name__ == "__main__":
    main()
