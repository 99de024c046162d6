"""InfiMNIST (formerly MNIST8M): byte-exact TensorFlow generator, TFDS builder, pipelines, CLI.

Importing this package registers the ``infimnist`` TFDS builder.
"""

from tfds_mnist_family.infimnist import infimnist_dataset_builder  # noqa: F401  registers it
