"""TFDS conformance tests of the notmnist builder on the generated ``dummy_data/`` archives.

``dummy_data/`` is written by ``python -m tfds_mnist_family.testing.fake_notmnist``:
12 fonts x 10 letters in small, 12 fonts (4 shared with small) plus one renamed
copy in large, and in both one file of every bad kind (all must be skipped).
"""

import os
from pathlib import Path

import tensorflow_datasets as tfds

from tfds_mnist_family.core.sources import MIRROR_ENV_VAR
from tfds_mnist_family.testing import fake_notmnist
from tfds_mnist_family.notmnist import notmnist_dataset_builder

_DUMMY = Path(__file__).resolve().parent / "dummy_data"
_FOLDS = list(notmnist_dataset_builder.FOLD_SPLITS)


class _NotMnistTestCase(tfds.testing.DatasetBuilderTestCase):
    """Points the builder's local-copy lookup at dummy_data/ (no network, no manual_dir)."""

    DATASET_CLASS = notmnist_dataset_builder.Builder
    EXAMPLE_DIR = str(_DUMMY)
    SKIP_TF1_GRAPH_MODE = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._saved_env = os.environ.get(MIRROR_ENV_VAR)
        os.environ[MIRROR_ENV_VAR] = str(_DUMMY)

    @classmethod
    def tearDownClass(cls):
        if cls._saved_env is None:
            os.environ.pop(MIRROR_ENV_VAR, None)
        else:
            os.environ[MIRROR_ENV_VAR] = cls._saved_env
        super().tearDownClass()


class NotMnistSmallTest(_NotMnistTestCase):
    BUILDER_CONFIG_NAMES_TO_TEST = ["small"]
    # Fonts 0..11 fall into folds 1,3,0,0,1,4,3,0,3,3,3,2 (SHA-256 of the font name mod 5).
    # `test` is fold 0, `train` folds 1-4 (120 readable glyphs in all).
    SPLITS = {"train": 90, "test": 30, "fold_0": 30, "fold_1": 20, "fold_2": 10, "fold_3": 50,
              "fold_4": 10}
    OVERLAPPING_SPLITS = _FOLDS


class NotMnistLargeTest(_NotMnistTestCase):
    BUILDER_CONFIG_NAMES_TO_TEST = ["large"]
    SPLITS = {"train": 12 * 10 + 1}


class NotMnistLargeDedupTest(_NotMnistTestCase):
    BUILDER_CONFIG_NAMES_TO_TEST = ["large_dedup"]
    SPLITS = {"train": 12 * 10 + 1 - fake_notmnist.EXPECTED_DUPLICATES}


del _NotMnistTestCase  # abstract: not collected on its own

if __name__ == "__main__":
    tfds.testing.test_main()
