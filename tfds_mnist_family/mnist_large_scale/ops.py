"""Pure-TensorFlow MNIST Large Scale generation: 28x28 digits -> 112x112 at scale s.

Every step is linear up to the final soft threshold, so an image is

    out = f(S(A X A^T)),   A = G R   (112 x 28, one per example),

with ``X`` the 28x28 digit on the 0-255 scale, ``R`` the separable bicubic
resampling matrix of the centred affine map into the 112x112 canvas and ``G``
the separable Gaussian smoothing matrix. Building ``R`` and ``G`` takes
elementwise ops and the products are batched ``matmul``s, all of which have GPU
kernels (TF's ``ResizeBicubic``/``ScaleAndTranslate`` are CPU-only) and compile
under XLA. The resampling weights are computed in float64 (sample positions
like (o + 0.5 - 56)/s + 13.5 lose ~1e-6 px in float32, which moves grey values
by up to ~5e-4) and cast to float32; the Gaussian weights (integer offsets)
and all image products are float32.
Constants live in :mod:`recipe`.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from tfds_mnist_family.mnist_large_scale import recipe

# Lattice padding that contains the whole support of any row of R whose support
# touches the 28 input pixels, for every scale >= MIN_SCALE.
_RESAMPLE_PAD = 2 * int(math.ceil(recipe.CUBIC_RADIUS / recipe.MIN_SCALE)) + 1
# Largest Gaussian radius: int(TRUNCATE * sigma_max + 0.5).
_GAUSS_PAD = int(recipe.GAUSSIAN_TRUNCATE * recipe.sigma_for_scale(recipe.MAX_SCALE) + 0.5)


def check_scales(scales) -> np.ndarray:
    """Validates concrete scales (array-like) against the supported range; returns float32."""
    values = np.asarray(scales, dtype=np.float64)
    bad = values[~((values >= recipe.MIN_SCALE) & (values <= recipe.MAX_SCALE))]
    if bad.size:
        raise ValueError(
            f"scale {bad.flat[0]!r} is outside the supported range "
            f"[{recipe.MIN_SCALE}, {recipe.MAX_SCALE}] (recipe.MIN_SCALE/MAX_SCALE); "
            "pass digit scales relative to the 28x28 MNIST digit, e.g. 0.5 ... 8")
    return values.astype(np.float32)


def cubic_kernel(x: tf.Tensor, a: float = recipe.CUBIC_A) -> tf.Tensor:
    """Keys (1981) cubic convolution kernel (a = -0.5: Catmull-Rom), support |x| < 2."""
    x = tf.abs(x)
    x2, x3 = x * x, x * x * x
    near = (a + 2.0) * x3 - (a + 3.0) * x2 + 1.0
    far = a * x3 - 5.0 * a * x2 + 8.0 * a * x - 4.0 * a
    return tf.where(x <= 1.0, near, tf.where(x < 2.0, far, tf.zeros_like(x)))


def resampling_matrices(scales: tf.Tensor, out_size: int = recipe.OUTPUT_SIZE,
                        in_size: int = recipe.INPUT_SIZE) -> tf.Tensor:
    """(B, out_size, in_size) bicubic matrices of the centred map with magnification s.

    Output pixel o (centre o + 0.5) samples input position
    u = (o + 0.5 - out_size/2) / s + in_size/2 - 0.5 (pixel-centre coordinates), so
    the digit's centre lands on the canvas centre. Outside the 28x28 digit the
    input is 0 (the background). For s < 1 the kernel is widened by 1/s
    (anti-aliasing). Rows are normalised over the full kernel support, so
    a constant image stays constant inside the digit's footprint.
    """
    scales = tf.reshape(tf.cast(scales, tf.float64), [-1, 1, 1])
    o = tf.range(out_size, dtype=tf.float64)[None, :, None]
    u = (o + 0.5 - out_size / 2.0) / scales + (in_size / 2.0 - 0.5)
    lattice = tf.range(-_RESAMPLE_PAD, in_size + _RESAMPLE_PAD, dtype=tf.float64)[None, None, :]
    support_scale = tf.minimum(scales, 1.0)
    weights = cubic_kernel((lattice - u) * support_scale)
    total = tf.reduce_sum(weights, axis=-1, keepdims=True)
    weights = tf.math.divide_no_nan(weights, total)
    return tf.cast(weights[:, :, _RESAMPLE_PAD:_RESAMPLE_PAD + in_size], tf.float32)


def gaussian_matrices(sigmas: tf.Tensor, size: int = recipe.OUTPUT_SIZE) -> tf.Tensor:
    """(B, size, size) Gaussian smoothing matrices, as scipy.ndimage.gaussian_filter1d.

    Sampled kernel, radius int(TRUNCATE * sigma + 0.5), normalised to sum 1, with
    'nearest' boundary handling (weights falling outside fold onto the edge pixel).
    """
    sigmas = tf.reshape(tf.cast(sigmas, tf.float32), [-1, 1, 1])
    radius = tf.floor(recipe.GAUSSIAN_TRUNCATE * sigmas + 0.5)
    o = tf.range(size, dtype=tf.float32)[None, :, None]
    j = tf.range(-_GAUSS_PAD, size + _GAUSS_PAD, dtype=tf.float32)[None, None, :]
    d = j - o
    weights = tf.where(tf.abs(d) <= radius, tf.exp(-0.5 * tf.square(d / sigmas)), 0.0)
    weights = weights / tf.reduce_sum(weights, axis=-1, keepdims=True)
    left = tf.reduce_sum(weights[:, :, :_GAUSS_PAD], axis=-1, keepdims=True)
    right = tf.reduce_sum(weights[:, :, _GAUSS_PAD + size:], axis=-1, keepdims=True)
    core = weights[:, :, _GAUSS_PAD:_GAUSS_PAD + size]
    first = tf.one_hot(0, size, dtype=tf.float32)
    last = tf.one_hot(size - 1, size, dtype=tf.float32)
    return core + left * first + right * last


def digit_operators(scales: tf.Tensor) -> tf.Tensor:
    """(B, 112, 28) = G R: resampling followed by smoothing, one matrix per example."""
    scales = tf.cast(scales, tf.float32)
    return tf.linalg.matmul(gaussian_matrices(recipe.SIGMA_PER_SCALE * scales),
                            resampling_matrices(scales))


def apply_separable(matrices: tf.Tensor, images: tf.Tensor) -> tf.Tensor:
    """M X M^T for each example: (B, m, n) x (B, n, n) -> (B, m, m)."""
    return tf.linalg.matmul(tf.linalg.matmul(matrices, images), matrices, transpose_b=True)


def _grey(images: tf.Tensor) -> tf.Tensor:
    """(B, 28, 28[, 1]) digits of any dtype -> (B, 28, 28) float32 on the 0-255 scale."""
    images = tf.reshape(images, [-1, recipe.INPUT_SIZE, recipe.INPUT_SIZE])
    return tf.cast(images, tf.float32)


def resample(images: tf.Tensor, scales: tf.Tensor) -> tf.Tensor:
    """Bicubic rescaling only (no smoothing, no threshold): (B, 112, 112) on 0-255."""
    return apply_separable(resampling_matrices(scales), _grey(images))


def smoothed(images: tf.Tensor, scales: tf.Tensor) -> tf.Tensor:
    """Resampled and smoothed grey canvas (B, 112, 112) on 0-255, before stretch and threshold."""
    scales = tf.cast(scales, tf.float32)
    return apply_separable(digit_operators(scales), _grey(images))


def stretch_contrast(grey: tf.Tensor, version: str = recipe.RECIPE_VERSION) -> tf.Tensor:
    """Per-image contrast stretch of recipe ``version`` on (B, H, W) grey canvases.

    'minmax' maps each canvas's min to STRETCH_LOW and its max to STRETCH_HIGH
    (a constant canvas is left unchanged); None (recipe 1.0.0) is the identity.
    """
    mode = recipe.contrast_stretch(version)
    if mode is None:
        return grey
    low = tf.reduce_min(grey, axis=[-2, -1], keepdims=True)
    high = tf.reduce_max(grey, axis=[-2, -1], keepdims=True)
    span = high - low
    gain = tf.math.divide_no_nan(tf.constant(recipe.STRETCH_HIGH - recipe.STRETCH_LOW, grey.dtype), span)
    stretched = recipe.STRETCH_LOW + (grey - low) * gain
    return tf.where(span > 0, stretched, grey)


def soft_threshold(grey: tf.Tensor) -> tf.Tensor:
    """f(I) = (2/pi) atan(0.02 (I - 128)); background 0 -> -0.7629."""
    return (2.0 / math.pi) * tf.atan(recipe.THRESHOLD_SLOPE * (grey - recipe.THRESHOLD_MIDPOINT))


_SCALE_MESSAGE = (f"MNIST Large Scale: a digit scale is outside [{recipe.MIN_SCALE}, "
                  f"{recipe.MAX_SCALE}] or NaN; pass scales relative to the 28x28 digit, e.g. 0.5 ... 8")


def checked_scales(scales) -> tf.Tensor:
    """``scales`` as float32, refused if any is outside [MIN_SCALE, MAX_SCALE] or NaN.

    In a graph a ``CheckNumerics`` (it has GPU kernels) raises InvalidArgumentError;
    ``generate`` checks concrete values first (ValueError). XLA drops runtime checks, so
    under ``jit_compile`` an invalid scale yields a NaN image: loud, never a clipped one.
    """
    scales = tf.cast(scales, tf.float32)
    valid = (scales >= recipe.MIN_SCALE) & (scales <= recipe.MAX_SCALE)  # False for NaN
    flag = tf.where(tf.reduce_all(valid), tf.constant(0.0), tf.constant(np.nan))
    with tf.control_dependencies([tf.debugging.check_numerics(flag, message=_SCALE_MESSAGE)]):
        return tf.where(valid, scales, tf.fill(tf.shape(scales), tf.constant(np.nan)))


@tf.function(reduce_retracing=True)
def _generate(images: tf.Tensor, scales: tf.Tensor,
              recipe_version: str = recipe.RECIPE_VERSION) -> tf.Tensor:
    """The traced body of ``generate``."""
    recipe.check_recipe_version(recipe_version)
    scales = checked_scales(scales)
    grey = stretch_contrast(smoothed(images, scales), recipe_version)
    return soft_threshold(grey)[..., None]


def generate(images, scales, recipe_version: str = recipe.RECIPE_VERSION) -> tf.Tensor:
    """MNIST Large Scale images: (B, 28, 28[, 1]) digits + (B,) scales -> (B, 112, 112, 1) float32.

    ``images`` are 0-255 (uint8 or float). Scales must lie in
    [recipe.MIN_SCALE, recipe.MAX_SCALE] and are never clipped (see ``checked_scales``).
    ``recipe_version`` (a Python string: one trace per version) selects a released
    recipe, default the newest (recipe.RECIPE_VERSION); unknown versions raise ValueError.
    """
    if tf.executing_eagerly():  # concrete scales: a ValueError naming the bad value
        check_scales(np.asarray(scales))
    return _generate(images, scales, recipe_version)


def apply_shared(matrix: tf.Tensor, images: tf.Tensor) -> tf.Tensor:
    """A X A^T for every X with one (m, n) ``matrix``: (B, n, n) -> (B, m, m), two large GEMMs.

    U = X^T A^T over all rows at once, then (U^T) A^T = A X A^T, again over all rows.
    """
    m, n = matrix.shape[-2], matrix.shape[-1]
    batch = tf.shape(images)[0]
    rows = tf.reshape(tf.transpose(images, [0, 2, 1]), [-1, n])  # rows of X^T
    u = tf.reshape(tf.linalg.matmul(rows, matrix, transpose_b=True), [batch, n, m])  # X^T A^T
    rows = tf.reshape(tf.transpose(u, [0, 2, 1]), [-1, n])  # rows of A X
    return tf.reshape(tf.linalg.matmul(rows, matrix, transpose_b=True), [batch, m, m])


@tf.function(reduce_retracing=True)
def _generate_one_scale(images: tf.Tensor, scale: tf.Tensor, recipe_version: str) -> tf.Tensor:
    """The traced body of ``generate_one_scale`` (no XLA: XLA:CPU fuses differently and
    moves values by up to 2e-6)."""
    operator = digit_operators(tf.reshape(scale, [1]))[0]
    grey = stretch_contrast(apply_shared(operator, _grey(images)), recipe_version)
    return soft_threshold(grey)[..., None]


def generate_one_scale(images, scale: float,
                       recipe_version: str = recipe.RECIPE_VERSION) -> tf.Tensor:
    """``generate(images, [scale] * B, recipe_version)`` for a batch at one scale, with one
    shared operator (A X A^T as two large matmuls); the same values up to float32
    rounding (bit-identical here; ``tests/test_mnist_large_scale_ops.py`` allows 1e-6)."""
    check_scales([scale])
    recipe.check_recipe_version(recipe_version)
    return _generate_one_scale(images, tf.constant(scale, tf.float32), recipe_version)


def range_scales(indices: tf.Tensor, lo: float = recipe.RANGE[0], hi: float = recipe.RANGE[1],
                 seed: int = recipe.RANGE_SEED) -> tf.Tensor:
    """Per-example log-uniform scales in [lo, hi], a pure function of each index.

    Uses TF's stateless Philox generator with seed (seed, index), so a digit gets
    the same scale in every build, on every device, in any batch.
    """
    u = _seeded_uniform(tf.cast(tf.reshape(indices, [-1]), tf.int64), tf.constant(seed, tf.int64))
    log_lo, log_hi = math.log2(lo), math.log2(hi)
    return tf.pow(2.0, log_lo + (log_hi - log_lo) * u)


@tf.function(reduce_retracing=True)
def _seeded_uniform(indices: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """One Uniform[0, 1) float32 per index from Philox seeded by (seed, index)."""
    def one(index):
        return tf.random.stateless_uniform([], seed=tf.stack([seed, index]),
                                           dtype=tf.float32, alg="philox")

    return tf.map_fn(one, indices, fn_output_signature=tf.float32)
