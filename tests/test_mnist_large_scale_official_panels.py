"""Generated mnist_large_scale digits against official images decoded from the official notebook.

The fixture (tests/data/mnist_large_scale/, see SOURCE.md there) holds both
8x8 `imshow` grids of the official notebook, decoded from the notebook's own
base64 PNGs (stored whole, CRC-checked): the range file `sctr1p000-4p000` train
items 0-63 (MNIST training digits 0-63; the files do not record the per-image
scale, so it is fitted per digit) and `scte2p000` test items 0-63 (MNIST test
digits 0-63 at scale 2).

Bounds, in imshow's per-image normalised units (one viridis colour step is
1/256 = 0.0039), from benchmarks/mnist_large_scale_panel_fit.py:
* range file, 64 panels: recipe 2.0.0 mean stroke MAE 0.0065 (0.0064 on items
  0-15, which fixed the recipe, and 0.0065 on items 16-63, which did not);
  every alternative tried is at 0.0141 or worse (1.0.0: 0.047; sigma 0.75 s:
  0.017; slope 0.025: 0.014). Bound 0.010, about 0.004 from each side. Worst
  2.0.0 panel 0.0130 (item 25); per-panel bound 0.015 guards against one grossly
  wrong panel only (per panel the recipes overlap).
* scte2p000, 64 panels at the known scale 2 (nothing fitted): recipe 2.0.0 mean
  0.0051, worst panel 0.0098 (item 47); alternatives 0.0146 or worse (1.0.0:
  0.070; sigma 0.75 s: 0.016; slope 0.025: 0.015). Same bounds.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MEAN_MAE_BOUND = 0.010
PANEL_MAE_BOUND = 0.015  # worst recipe-2.0.0 range panel is 0.0130 (item 25)
SCALE2_MEAN_MAE_BOUND = 0.010
SCALE2_PANEL_MAE_BOUND = 0.015  # worst recipe-2.0.0 scale-2 panel is 0.0098 (item 47)


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


def _official_and_digits(fixture, key: str):
    items = fixture[f"{key}_items"]
    return fit.official_values(fixture[key]), fit.source_digits(key, items)


@pytest.mark.parametrize("key", sorted(fit.PNG_TEXTS))
def test_fixture_is_the_decoded_notebook_png(fixture, key):
    text = fit.read_png_text(key)
    rows = fit.png_rows(text)  # checks every chunk CRC and the white margins
    assert rows.shape == (901, 904, 4)
    panels, geometry = fit.panels_from_rows(rows, lut=fixture["viridis"])
    np.testing.assert_array_equal(panels, fixture[key])
    assert panels.shape == (64, 92, 92)
    np.testing.assert_array_equal(fixture[f"{key}_items"], np.arange(64))
    assert geometry["spine_cols"][:2] == [7, 100] and len(geometry["spine_cols"]) == 16
    assert geometry["spine_rows"][:4] == [24, 117, 135, 228] and len(geometry["spine_rows"]) == 16
    # Corrupting one base64 character is detected.
    broken = text[:20000] + ("A" if text[20000] != "A" else "B") + text[20001:]
    with pytest.raises(ValueError):
        fit.panels_from_rows(fit.png_rows(broken), lut=fixture["viridis"])


def test_recipe_2_matches_the_official_range_panels(fixture):
    official, digits = _official_and_digits(fixture, "train_range")
    scales, errors = fit.fit_range_panels(official, digits, "2.0.0")
    assert errors.mean() < MEAN_MAE_BOUND, errors
    assert errors.max() < PANEL_MAE_BOUND, errors
    assert ((scales > 1.0) & (scales < 4.0)).all(), scales  # fitted inside the file's range


def test_recipe_2_matches_the_official_scale_2_panels(fixture):
    official, digits = _official_and_digits(fixture, "test_scale2")
    errors = fit.fixed_scale_errors(official, digits, "2.0.0", 2.0)
    assert errors.mean() < SCALE2_MEAN_MAE_BOUND, errors
    assert errors.max() < SCALE2_PANEL_MAE_BOUND, errors


@pytest.mark.parametrize("variant", ["1.0.0", "2.0.0 sigma 0.75s", "2.0.0 slope 0.025"])
def test_bound_rejects_wrong_recipes(fixture, variant):
    """The tests above can fail: the old recipe and nearby constants miss the bounds."""
    official, digits = _official_and_digits(fixture, "train_range")
    _, errors = fit.fit_range_panels(official, digits, variant)
    assert errors.mean() > MEAN_MAE_BOUND, errors
    official, digits = _official_and_digits(fixture, "test_scale2")
    errors = fit.fixed_scale_errors(official, digits, variant, 2.0)
    assert errors.mean() > SCALE2_MEAN_MAE_BOUND, errors
