"""Generated mnist_large_scale digits against official images decoded from the official notebook.

The fixture (tests/data/mnist_large_scale/, see SOURCE.md there) holds the
first two grid rows of the official notebook's `imshow` grid of the range file
`sctr1p000-4p000`: train items 0-15, which are MNIST training digits 0-15. The
official files do not record the per-image scale, so it is fitted per digit.

Bound: mean stroke MAE < 0.010 in imshow's per-image normalised units (one
viridis colour step is 1/256 = 0.0039, so 0.010 is about 2.5 steps). On the 16
panels recipe 2.0.0 reaches 0.0064 (0.0067 on items 0-7, 0.0060 on items 8-15);
every alternative tried is at 0.0140 or worse (1.0.0: 0.038; sigma 0.75 s:
0.016; slope 0.025: 0.014; see benchmarks/mnist_large_scale_panel_fit.py), so
the bound separates them with a margin of about 0.004 on each side.
Per panel the recipes overlap (a wrong recipe's best panel can beat 2.0.0's
worst), so the per-panel bound only guards against one grossly wrong panel:
worst 2.0.0 panel 0.0123 (item 14, fitted s = 1.07), bound 0.015.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tfds_mnist_family.core.mnist import load_mnist

ROOT = Path(__file__).resolve().parents[1]
MEAN_MAE_BOUND = 0.010
PANEL_MAE_BOUND = 0.015  # worst recipe-2.0.0 panel is 0.0123 (item 14)


def _load_fit_module():
    spec = importlib.util.spec_from_file_location(
        "mnist_large_scale_panel_fit", ROOT / "benchmarks" / "mnist_large_scale_panel_fit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fit = _load_fit_module()


@pytest.fixture(scope="module")
def fixture():
    return np.load(fit.FIXTURE)


@pytest.fixture(scope="module")
def digits(fixture):
    return load_mnist().train_images[fixture["train_range_items"]]


def test_fixture_is_the_decoded_notebook_png(fixture):
    rows = fit.png_rows(fit.read_prefix())  # checks chunk CRCs and margins
    panels, geometry = fit.panels_from_rows(rows, lut=fixture["viridis"])
    np.testing.assert_array_equal(panels, fixture["train_range"])
    assert panels.shape == (16, 92, 92) and geometry["spine_cols"][:2] == [7, 100]
    assert geometry["spine_rows"][:4] == [24, 117, 135, 228]
    np.testing.assert_array_equal(fixture["train_range_items"], np.arange(16))
    # Corrupting one base64 character is detected.
    text = fit.read_prefix()
    broken = text[:20000] + ("A" if text[20000] != "A" else "B") + text[20001:]
    with pytest.raises(ValueError):
        fit.panels_from_rows(fit.png_rows(broken), lut=fixture["viridis"])


def test_recipe_2_matches_the_official_range_panels(fixture, digits):
    official = fit.official_values(fixture["train_range"])
    scales, errors = fit.fit_range_panels(official, digits, "2.0.0")
    assert errors.mean() < MEAN_MAE_BOUND, errors
    assert errors.max() < PANEL_MAE_BOUND, errors
    assert ((scales > 1.0) & (scales < 4.0)).all(), scales  # fitted inside the file's range


@pytest.mark.parametrize("variant", ["1.0.0", "2.0.0 sigma 0.75s", "2.0.0 slope 0.025"])
def test_bound_rejects_wrong_recipes(fixture, digits, variant):
    """The test above can fail: the old recipe and nearby constants miss the bound."""
    official = fit.official_values(fixture["train_range"])
    _, errors = fit.fit_range_panels(official, digits, variant)
    assert errors.mean() > MEAN_MAE_BOUND, errors
