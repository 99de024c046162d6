"""Procedural InfiMNIST inputs: tangents and fields computed from MNIST alone.

For users without the official archive. This is a DIFFERENT dataset from
InfiMNIST/MNIST8M (its deformed examples differ); it is versioned on its own
(the ``procedural`` config's version). Indices 0..69999 are still exactly MNIST.

* Tangents (Simard-style): the image smoothed by the separable binomial kernel
  [1, 2, 1] / 4 (zero outside the image), then central differences
  ``T0 = (S[r][c+1] - S[r][c-1]) / 2``, ``T1 = (S[r+1][c] - S[r-1][c]) / 2``.
* Fields: 1522 smooth random fields: per pixel the sum of four 16-bit uniforms
  from SplitMix64(seed, field, pixel) (an integer, approximately normal),
  smoothed twice by the binomial kernel [1, 4, 6, 4, 1] in each direction, then
  scaled by 2**-28 (exact) and rounded to float32.

Every step is integer arithmetic or exact dyadic float arithmetic except one
correctly rounded float64 -> float32 cast, so the inputs are bit-identical on every
platform and numpy version (no library RNG, no transcendental functions).
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from tfds_mnist_family.core import mnist
from tfds_mnist_family.infimnist import inputs, ops

DEFAULT_SEED = 20260101
# A power of two (exact), chosen so the fields have a standard deviation of about
# 1.7 (the synthetic golden fields have 1.5); part of the definition of version 1.0.0.
FIELD_SCALE = 2.0 ** -28
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK64
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK64
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK64
        return z ^ (z >> np.uint64(31))


def _smooth_int(a: np.ndarray, kernel: tuple[int, ...]) -> np.ndarray:
    """Separable integer convolution over the last two axes (zero padding, same size)."""
    r = len(kernel) // 2
    for axis in (-1, -2):
        pad = [(0, 0)] * a.ndim
        pad[axis] = (r, r)
        p = np.pad(a, pad)
        n = a.shape[axis]
        a = sum(w * np.take(p, np.arange(k, k + n), axis=axis) for k, w in enumerate(kernel))
    return a


def procedural_fields(seed: int = DEFAULT_SEED) -> np.ndarray:
    """(1522, 784) float32 smooth random deformation fields, deterministic in ``seed``."""
    counter = (np.uint64(seed) << np.uint64(32)) + np.arange(ops.NUM_FIELDS * ops.PIXELS,
                                                             dtype=np.uint64)
    bits = splitmix64(counter)
    total = sum(((bits >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(np.int64)
                for k in range(4)) - 2 * 0xFFFF
    grid = total.reshape(ops.NUM_FIELDS, mnist.IMAGE_SIDE, mnist.IMAGE_SIDE)
    for _ in range(2):
        grid = _smooth_int(grid, (1, 4, 6, 4, 1))
    scaled = grid.astype(np.float64) * FIELD_SCALE  # exact; the cast below rounds once
    return scaled.astype(np.float32).reshape(ops.NUM_FIELDS, ops.PIXELS)


def procedural_tangents(train_images: np.ndarray, chunk: int = 5000) -> np.ndarray:
    """(N, 2, ROW) float32 padded rows: central-difference tangents of binomially
    smoothed images (exact dyadic values)."""
    table = ops.padded_rows((len(train_images), 2))
    for lo in range(0, len(train_images), chunk):
        img = np.asarray(train_images[lo:lo + chunk], np.int32).reshape(-1, 28, 28)
        smooth = _smooth_int(img, (1, 2, 1)).astype(np.float32) / 16
        inputs.central_difference_tangents(smooth, out=table[lo:lo + chunk])
    return table


@functools.lru_cache(maxsize=2)
def procedural_inputs(seed: int = DEFAULT_SEED) -> ops.InfimnistInputs:
    """Procedural ``InfimnistInputs`` from the package's embedded MNIST."""
    return procedural_inputs_from(mnist.load_mnist(), seed)


def procedural_inputs_from(arrays: mnist.MnistArrays,
                           seed: int = DEFAULT_SEED) -> ops.InfimnistInputs:
    """Procedural ``InfimnistInputs`` from MNIST arrays."""
    fields = procedural_fields(seed)
    provenance = {"inputs": f"procedural (seed {seed})",
                  "fields_sha256": hashlib.sha256(fields.tobytes()).hexdigest()}
    return ops.numpy_inputs_to_tensors(
        arrays.test_images, arrays.test_labels, arrays.train_images, arrays.train_labels,
        fields, procedural_tangents(arrays.train_images), provenance)


# SHA-256 of procedural_fields(DEFAULT_SEED).tobytes(): pins version 1.0.0.
FIELDS_SHA256_V1 = "bfd9e062d72fd44b923aabb24c2079ced2e13ba0b31dde7d6b4ebf4d2c51ed68"
