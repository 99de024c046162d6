"""TFDS conformance test of mnist_large_scale on tiny official-layout files in dummy_data/.

The dummy files stand in for the official HDF5 files in manual_dir, so this
exercises the official-file path; generation from MNIST is tested in
tests/test_mnist_large_scale_builder.py with max_examples_per_split.
"""

import tensorflow_datasets as tfds

from tfds_mnist_family.mnist_large_scale import mnist_large_scale_dataset_builder


class TinyOfficialFiles(mnist_large_scale_dataset_builder.Builder, skip_registration=True):
    """The real builder, accepting dummy files that hold fewer examples than their names say."""

    name = "mnist_large_scale"
    CHECK_DECLARED_COUNTS = False


class SingleScaleTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = TinyOfficialFiles
    BUILDER_CONFIG_NAMES_TO_TEST = ["sctr1p000"]
    SPLITS = {"train": 3, "validation": 2, "test": 2}
    SKIP_CHECKSUMS = True  # Nothing is downloaded.


class RangeTest(SingleScaleTest):
    BUILDER_CONFIG_NAMES_TO_TEST = ["sctr1p000-4p000"]  # Labels stored as (n, 1).
    SPLITS = {"train": 2, "validation": 1, "test": 2}


class TestOnlyTest(SingleScaleTest):
    BUILDER_CONFIG_NAMES_TO_TEST = ["scte0p500"]
    SPLITS = {"test": 3}  # The 3-D dummy train/val samples must not become examples.


if __name__ == "__main__":
    tfds.testing.test_main()
