"""Test helpers (as ``tensorflow_datasets.testing``): golden-vector fixtures, fake
archives, dummy-data makers and the GPU-kernel check. Not imported by the builders."""
