"""TFDS conventions for the infimnist builder (tfds.testing.DatasetBuilderTestCase).

The registered configs generate 80,000 to 8.1 M examples, too many for a unit
test, so the test builder is the real one restricted to small procedural index
ranges (no download, no archive: MNIST is embedded). It is not registered under
a new name; ``test_registered`` checks the name ``infimnist`` it inherits.
"""

import tensorflow_datasets as tfds

from tfds_mnist_family.infimnist import Builder, IndexRange, InfimnistConfig

SMALL_CONFIGS = [
    InfimnistConfig(name="small_procedural", version="1.0.0", source="procedural",
                    description="indices 69990..70019 (pristine then deformed) and 0..4",
                    splits={"train": IndexRange(69_990, 70_019), "test": IndexRange(0, 4)}),
    InfimnistConfig(first=2**61, last=2**61 + 9, source="procedural"),
]


class SmallInfimnist(Builder, skip_registration=True):
    name = "infimnist"
    BUILDER_CONFIGS = SMALL_CONFIGS
    DEFAULT_CONFIG_NAME = "small_procedural"


class InfimnistBuilderTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = SmallInfimnist
    BUILDER_CONFIG_NAMES_TO_TEST = ["small_procedural"]
    SPLITS = {"train": 30, "test": 5}
    SKIP_CHECKSUMS = True  # nothing is downloaded


class InfimnistRangeConfigTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = SmallInfimnist
    BUILDER_CONFIG_NAMES_TO_TEST = [f"range_{2**61}_{2**61 + 9}_procedural"]
    SPLITS = {"train": 10}
    SKIP_CHECKSUMS = True


if __name__ == "__main__":
    tfds.testing.test_main()
