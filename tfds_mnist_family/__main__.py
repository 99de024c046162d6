"""`python -m tfds_mnist_family` is the `tfds-mnist-family` command."""

import sys

from tfds_mnist_family_cli import main

sys.exit(main())
