"""MNIST Large Scale (Jansson & Lindeberg): TFDS builder, pure-TF generation ops, on-the-fly API."""

from tfds_mnist_family.mnist_large_scale import recipe
from tfds_mnist_family.mnist_large_scale.mnist_large_scale_dataset_builder import (
    Builder,
    MnistLargeScaleConfig,
)
from tfds_mnist_family.mnist_large_scale.ops import generate, range_scales
from tfds_mnist_family.mnist_large_scale.pipeline import RescaleDigits, on_the_fly_dataset, rescale_example

__all__ = ["Builder", "MnistLargeScaleConfig", "RescaleDigits", "generate", "on_the_fly_dataset",
           "range_scales", "recipe", "rescale_example"]
