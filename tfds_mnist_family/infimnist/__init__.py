"""InfiMNIST (formerly MNIST8M): byte-exact TensorFlow generator, TFDS builder, pipelines, CLI."""

# Importing the builder module registers the `infimnist` dataset with TFDS.
from tfds_mnist_family.infimnist import infimnist_dataset_builder  # noqa: E402,F401
