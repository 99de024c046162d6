"""InfiMNIST (formerly MNIST8M) and MNIST as index-addressed TFDS datasets."""

from tfds_mnist_family.infimnist.infimnist_dataset_builder import Builder, InfimnistConfig, IndexRange
