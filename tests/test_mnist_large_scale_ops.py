"""mnist_large_scale generation ops against independent float64 numpy references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from tfds_mnist_family.testing.gpu_readiness import ops_without_gpu_kernel
from tfds_mnist_family.core.mnist import load_mnist
from tfds_mnist_family.mnist_large_scale import ops, recipe

SCALES = (0.5, 0.595, 0.8, 1.0, 1.414, 2.0, 3.364, 4.0, 5.657, 8.0)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    m = load_mnist()
    return m.test_images[:16], m.test_labels[:16]


# ---------------------------------------------------------------- references
def keys_weight(x: float, a: float = -0.5) -> float:
    """Keys cubic convolution weight, written from the 1981 paper's piecewise form."""
    x = abs(x)
    if x <= 1:
        return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
    if x < 2:
        return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a
    return 0.0


def reference_axis(s: float, n_out: int = 112, n_in: int = 28) -> np.ndarray:
    """float64 (n_out, n_in) bicubic weights: taps around each sample point, zero outside."""
    w = np.zeros((n_out, n_in))
    stretch = min(s, 1.0)
    radius = 2.0 / stretch
    for o in range(n_out):
        u = (o + 0.5 - n_out / 2) / s + n_in / 2 - 0.5   # centred map, pixel centres
        taps = range(math.floor(u - radius), math.ceil(u + radius) + 1)
        k = np.array([keys_weight((i - u) * stretch) for i in taps])
        if k.sum() == 0:
            continue
        k /= k.sum()
        for i, ki in zip(taps, k):
            if 0 <= i < n_in:
                w[o, i] = ki
    return w


def reference_resample(image: np.ndarray, s: float) -> np.ndarray:
    w = reference_axis(s)
    return w @ image.astype(np.float64) @ w.T


def reference_gaussian(image: np.ndarray, sigma: float) -> np.ndarray:
    """scipy.ndimage.gaussian_filter(mode='nearest', truncate=4) re-written with np.pad."""
    r = int(4.0 * sigma + 0.5)
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    out = np.asarray(image, np.float64)
    for axis in (0, 1):
        padded = np.pad(out, [(r, r) if a == axis else (0, 0) for a in (0, 1)], mode="edge")
        out = np.apply_along_axis(lambda v: np.convolve(v, k, mode="valid"), axis, padded)
    return out


def reference_threshold(grey: np.ndarray) -> np.ndarray:
    return 2 / np.pi * np.arctan(0.02 * (grey - 128))


def reference_stretch(grey: np.ndarray) -> np.ndarray:
    """Recipe 2.0.0: min-max stretch of one smoothed canvas to 0..255."""
    return (grey - grey.min()) * 255.0 / (grey.max() - grey.min())


def reference_image(image: np.ndarray, s: float, version: str) -> np.ndarray:
    grey = reference_gaussian(reference_resample(image, s), 7 / 8 * s)  # sigma from the paper, not recipe.py
    if version == "2.0.0":
        grey = reference_stretch(grey)
    return reference_threshold(grey)


# --------------------------------------------------------------------- tests
def test_shapes_and_dtype(digits):
    images, _ = digits
    out = ops.generate(images, np.full(len(images), 2.0, np.float32))
    assert out.shape == (16, 112, 112, 1) and out.dtype == tf.float32
    out4 = ops.generate(images[..., None], np.full(len(images), 2.0, np.float32))
    np.testing.assert_array_equal(out.numpy(), out4.numpy())


@pytest.mark.parametrize("s", SCALES)
def test_value_range_and_background_recipe_1(digits, s):
    images, _ = digits
    out = ops.generate(images, np.full(len(images), s, np.float32), "1.0.0").numpy()
    # Bicubic overshoot may reach a few grey levels below 0 / above 255, no more.
    assert out.min() >= reference_threshold(-20.0) and out.max() <= reference_threshold(275.0)
    assert out.max() > 0.5  # The digit's strokes are there.
    if s <= 4.0:  # Digit fits the frame: corners are pure background.
        np.testing.assert_allclose(out[:, [0, 0, -1, -1], [0, -1, 0, -1], 0],
                                   recipe.BACKGROUND_VALUE, atol=1e-6)


def test_background_value_is_the_published_one():
    assert abs(recipe.BACKGROUND_VALUE - (-0.7629)) < 1e-4


@pytest.mark.parametrize("s", SCALES)
def test_recipe_2_spans_the_full_range_per_image(digits, s):
    images, _ = digits
    out = ops.generate(images, np.full(len(images), s, np.float32)).numpy()
    # Every image is stretched: min grey -> 0, max grey -> 255 before the threshold.
    np.testing.assert_allclose(out.max(axis=(1, 2, 3)), reference_threshold(255.0), atol=1e-5)
    np.testing.assert_allclose(out.min(axis=(1, 2, 3)), reference_threshold(0.0), atol=1e-5)
    if s <= 4.0:  # Corners are background (grey 0), mapped by the same stretch.
        corners = out[:, [0, 0, -1, -1], [0, -1, 0, -1], 0]
        grey = ops.smoothed(images, np.full(len(images), s, np.float32)).numpy().astype(np.float64)
        lo, hi = grey.min(axis=(1, 2)), grey.max(axis=(1, 2))
        expected = np.broadcast_to(reference_threshold(-lo * 255 / (hi - lo))[:, None], corners.shape)
        np.testing.assert_allclose(corners, expected, atol=1e-5)
        if s >= 1.0:  # Bicubic undershoot is < 1 grey level here: background stays ~f(0).
            assert np.abs(corners - recipe.BACKGROUND_VALUE).max() < 2e-3
    # The check can fail: recipe 1.0.0 leaves most peaks below f(255).
    old = ops.generate(images, np.full(len(images), s, np.float32), "1.0.0").numpy()
    assert (old.max(axis=(1, 2, 3)) < reference_threshold(250.0)).mean() > 0.5


def test_recipe_versions_are_validated(digits):
    images, _ = digits
    assert recipe.RECIPE_VERSION == "2.0.0" and recipe.RECIPE_VERSIONS == ("1.0.0", "2.0.0")
    with pytest.raises(ValueError, match="recipe_version"):
        ops.generate(images[:1], np.ones(1, np.float32), "3.0.0")
    default = ops.generate(images[:2], np.full(2, 2.0, np.float32)).numpy()
    np.testing.assert_array_equal(
        default, ops.generate(images[:2], np.full(2, 2.0, np.float32), "2.0.0").numpy())


def test_stretch_leaves_a_constant_canvas_unchanged():
    flat = tf.fill([2, 112, 112], 7.0)
    np.testing.assert_array_equal(ops.stretch_contrast(flat, "2.0.0").numpy(), 7.0)
    blank = ops.generate(np.zeros((1, 28, 28), np.uint8), np.ones(1, np.float32)).numpy()
    np.testing.assert_allclose(blank, recipe.BACKGROUND_VALUE, atol=1e-6)


def test_large_scales_are_cropped_not_shrunk(digits):
    images, _ = digits
    out = ops.generate(images, np.full(len(images), 8.0, np.float32)).numpy()[..., 0]
    border = np.concatenate([out[:, 0], out[:, -1], out[:, :, 0], out[:, :, -1]], axis=1)
    assert (border.max(axis=1) > 0).mean() > 0.5  # Strokes run off the frame for most digits.


@pytest.mark.parametrize("s", (0.5, 1.0, 1.7, 4.0, 6.727))
def test_centring_is_exact_for_symmetric_input(s):
    rng = np.random.default_rng(1)
    half = rng.integers(0, 256, (2, 14, 28)).astype(np.uint8)
    sym = np.concatenate([half, half[:, ::-1, ::-1]], axis=1)  # 180-degree symmetric
    out = ops.generate(sym, np.full(2, s, np.float32)).numpy()[..., 0]
    # 5e-6: recipe 2.0.0's contrast gain (up to ~2x) amplifies float32 rounding.
    np.testing.assert_allclose(out, out[:, ::-1, ::-1], atol=5e-6)
    # A shifted input is not symmetric: the check can fail.
    shifted = ops.generate(np.roll(sym, 1, axis=2), np.full(2, s, np.float32)).numpy()[..., 0]
    assert np.abs(shifted - shifted[:, ::-1, ::-1]).max() > 1e-3


@pytest.mark.parametrize("s", (0.5, 1.0, 2.0, 3.0))
def test_digit_centroid_scales_about_the_canvas_centre(digits, s):
    images, _ = digits
    grey = ops.resample(images, np.full(len(images), s, np.float32)).numpy()
    for image, out in zip(images.astype(np.float64), grey):
        rows = np.arange(28)
        c_in = (image.sum(1) @ rows) / image.sum()
        c_out = (out.sum(1) @ np.arange(112)) / out.sum()
        assert abs(c_out - ((c_in - 13.5) * s + 55.5)) < 0.05 * max(s, 1)


@pytest.mark.parametrize("s", (0.5, 0.595, 0.707, 0.841, 1.0, 1.189, 2.378, 4.0, 4.757, 8.0, 13.0))
def test_resampling_matches_float64_bicubic_reference(s):
    rng = np.random.default_rng(int(s * 1000))
    images = rng.integers(0, 256, (3, 28, 28)).astype(np.uint8)  # random, nonzero borders
    s32 = np.float32(s)  # The ops take float32 scales; the reference uses that value in float64.
    ours = ops.resample(images, np.full(3, s32)).numpy()
    for image, got in zip(images, ours):
        np.testing.assert_allclose(got, reference_resample(image, float(s32)), rtol=0, atol=1e-4)


def test_resampling_reference_agrees_with_classic_four_tap_form():
    """Guards the reference itself: for s >= 1 it is the textbook 4-tap bicubic."""
    s, a = 1.7, -0.5
    w = reference_axis(s)
    for o in (45, 55, 66):
        u = (o + 0.5 - 56) / s + 13.5
        f, t = math.floor(u), u - math.floor(u)
        taps = [a * (t ** 3 - 2 * t ** 2 + t), (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1,
                -(a + 2) * t ** 3 + (2 * a + 3) * t ** 2 - a * t, a * (t ** 2 - t ** 3)]
        np.testing.assert_allclose(w[o, f - 1:f + 3], taps, atol=1e-12)


@pytest.mark.parametrize("version", ("1.0.0", "2.0.0"))
@pytest.mark.parametrize("s", (0.5, 1.0, 2.828, 4.0, 8.0))
def test_full_pipeline_matches_reference(digits, s, version):
    images, _ = digits
    s = float(np.float32(s))
    ours = ops.generate(images[:2], np.full(2, s, np.float32), version).numpy()[..., 0]
    for image, got in zip(images[:2], ours):
        np.testing.assert_allclose(got, reference_image(image, s, version), rtol=0, atol=2e-5)
    # Each reference fails against the other recipe: the versions really differ.
    other = "1.0.0" if version == "2.0.0" else "2.0.0"
    assert np.abs(ours[0] - reference_image(images[0], s, other)).max() > 1e-3


def test_scale_one_correlates_with_directly_smoothed_mnist(digits):
    images, _ = digits
    out = ops.generate(images, np.ones(len(images), np.float32), "1.0.0").numpy()[..., 0]
    for image, got in zip(images, out):
        canvas = np.zeros((112, 112))
        canvas[42:70, 42:70] = image   # MNIST digit pasted in the centre, no resampling
        direct = reference_threshold(reference_gaussian(canvas, 7 / 8))
        assert np.corrcoef(got.ravel(), direct.ravel())[0, 1] > 0.99
        # The correlation test can fail: a one-pixel shift drops it.
        assert np.corrcoef(np.roll(got, 3, 0).ravel(), direct.ravel())[0, 1] < 0.99


def test_deterministic_and_batch_independent(digits):
    images, _ = digits
    scales = np.linspace(0.5, 8.0, len(images)).astype(np.float32)
    first = ops.generate(images, scales).numpy().tobytes()
    assert ops.generate(images, scales).numpy().tobytes() == first
    alone = ops.generate(images[5:6], scales[5:6]).numpy()
    np.testing.assert_array_equal(alone[0], ops.generate(images, scales).numpy()[5])


@pytest.mark.parametrize("version", recipe.RECIPE_VERSIONS)
def test_every_op_has_a_gpu_kernel(version):
    cf = tf.function(ops.generate).get_concrete_function(
        tf.TensorSpec([None, 28, 28], tf.uint8), tf.TensorSpec([None], tf.float32), version)
    assert ops_without_gpu_kernel(cf) == []
    scales_cf = tf.function(ops.range_scales).get_concrete_function(tf.TensorSpec([None], tf.int64))
    assert ops_without_gpu_kernel(scales_cf) == []


def test_gpu_check_flags_tf_bicubic_resize():
    """The check is able to fail: TF's own bicubic resize has CPU kernels only."""
    cf = tf.function(lambda x: tf.image.resize(x, [112, 112], method="bicubic")).get_concrete_function(
        tf.TensorSpec([None, 28, 28, 1], tf.float32))
    assert any(name.startswith("ResizeBicubic") for name in ops_without_gpu_kernel(cf))


@pytest.mark.parametrize("version", recipe.RECIPE_VERSIONS)
def test_runs_under_xla_jit(digits, version):
    images, _ = digits
    scales = np.linspace(0.5, 8.0, len(images)).astype(np.float32)
    jitted = tf.function(ops.generate, jit_compile=True)
    np.testing.assert_allclose(jitted(images, scales, version).numpy(),
                               ops.generate(images, scales, version).numpy(), atol=1e-5)


def test_range_scales_are_log_uniform_and_per_index():
    idx = np.arange(10_000, 14_000, dtype=np.int64)
    s = ops.range_scales(idx).numpy()
    assert s.dtype == np.float32 and s.min() >= 1.0 and s.max() <= 4.0
    hist = np.histogram(np.log2(s), bins=4, range=(0, 2))[0] / len(s)
    np.testing.assert_allclose(hist, 0.25, atol=0.03)  # log-uniform, not uniform
    np.testing.assert_array_equal(ops.range_scales(idx[::-1]).numpy(), s[::-1])
    np.testing.assert_array_equal(ops.range_scales(idx, seed=1).numpy() == s, False)


def test_check_scales_names_the_range():
    with pytest.raises(ValueError, match="MIN_SCALE"):
        ops.check_scales([1.0, 0.1])
    assert ops.check_scales([0.5, 8.0]).dtype == np.float32


@pytest.mark.parametrize("version", recipe.RECIPE_VERSIONS)
@pytest.mark.parametrize("s", [recipe.MIN_SCALE, 0.707, 1.0, 2.828, recipe.MAX_SCALE])
def test_one_shared_operator_matches_generate(digits, s, version):
    """``generate_one_scale`` (one A for the batch, two large GEMMs) = ``generate`` (one A per
    example, batched A X A^T) within 1e-6, for every recipe version."""
    images = tf.constant(digits[0])
    expected = ops.generate(images, np.full(len(digits[0]), s, np.float32), version).numpy()
    got = ops.generate_one_scale(images, s, version).numpy()
    assert got.shape == expected.shape == (len(digits[0]), 112, 112, 1)
    assert np.abs(got - expected).max() <= 1e-6


def test_apply_shared_is_a_x_a_transpose():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 3)).astype(np.float32)
    x = rng.standard_normal((4, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(ops.apply_shared(tf.constant(a), tf.constant(x)).numpy(),
                               np.einsum("mi,bij,nj->bmn", a, x, a), rtol=1e-5, atol=1e-5)


def test_generate_one_scale_refuses_out_of_range_scale(digits):
    with pytest.raises(ValueError, match="outside the supported range"):
        ops.generate_one_scale(tf.constant(digits[0]), recipe.MAX_SCALE * 2)
