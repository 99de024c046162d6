"""InfiMNIST (formerly MNIST8M): byte-exact TensorFlow generator, TFDS builder, pipelines, CLI."""
