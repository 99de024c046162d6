"""notMNIST (Bulatov, 2011) as the TFDS dataset ``notmnist`` (configs small, large, large_dedup)."""

from tfds_mnist_family.notmnist.notmnist_dataset_builder import Builder, NotMnistConfig

__all__ = ["Builder", "NotMnistConfig"]
