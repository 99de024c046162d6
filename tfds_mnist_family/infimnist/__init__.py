"""InfiMNIST (formerly MNIST8M): byte-exact TensorFlow generator, TFDS builder, pipelines, CLI.

Importing this package registers the ``infimnist`` TFDS builder.
"""

from tfds_mnist_family.infimnist.configs import InfimnistConfig
from tfds_mnist_family.infimnist.indices import IndexRange, InvalidIndexError, check_indices
from tfds_mnist_family.infimnist.infimnist_dataset_builder import Builder
from tfds_mnist_family.infimnist.inputs import load_inputs
from tfds_mnist_family.infimnist.pipeline import (InfimnistImages, index_label_dataset,
                                                  infimnist_dataset)
from tfds_mnist_family.infimnist.procedural import procedural_inputs

__all__ = ["Builder", "IndexRange", "InfimnistConfig", "InfimnistImages", "InvalidIndexError",
           "check_indices", "index_label_dataset", "infimnist_dataset", "load_inputs",
           "procedural_inputs"]
