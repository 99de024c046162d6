"""TFDS builders for the MNIST family.

``import tfds_mnist_family`` registers the builders with TFDS, after which
``tfds.load("infimnist/mnist")``, ``tfds.load("infimnist")``,
``tfds.load("notmnist/small")`` and ``tfds.load("mnist_large_scale/...")`` work.
"""

__version__ = "0.2.0"  # the one source: setup.cfg reads it (attr:)
from tfds_mnist_family import infimnist  # registers the builder
from tfds_mnist_family import notmnist  # registers the builder
from tfds_mnist_family import mnist_large_scale  # registers the builder
from tfds_mnist_family.core.fast_read import load_batched  # fast batched reads of prepared data

__all__ = ["load_batched"]
