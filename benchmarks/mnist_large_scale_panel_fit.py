"""Fit the MNIST Large Scale generation recipe to official images shown in the official notebook.

The official helper notebook (github:spacemir/MNISTLargeScaleDataset,
Load_MNISTLargeScale_dataset.ipynb, commit 7e2df84e) saves two 8x8 ``imshow``
grids (viridis, auto-scaled per image, matplotlib 3.0.2, nearest sampling) of
official images. This script

1. decodes both base64 PNGs of that notebook (stored whole in tests/data), checking
   the PNG CRC of every chunk and that the white page margins stay white,
2. finds the 64 panels of each, inverts viridis to panel values in [0, 1]
   (imshow's per-image min-max normalisation), and writes them as the fixture
   ``tests/data/mnist_large_scale/official_panels.npz``,
3. renders this package's images the same way (per-image min-max, nearest
   sampling on the panel grid) and reports the mean absolute error on the
   strokes for several recipes: per-digit fitted scales for the range file,
   scale 2 for ``scte2p000``.

Analysis only: needs matplotlib (viridis table), which is not a package
dependency. Usage:
    python benchmarks/mnist_large_scale_panel_fit.py --write-fixture
    python benchmarks/mnist_large_scale_panel_fit.py            # fit from the fixture
"""

from __future__ import annotations

import argparse
import base64
import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "mnist_large_scale"
# Fixture key -> the notebook's base64 PNG holding it (whole PNGs; see SOURCE.md there).
PNG_TEXTS = {
    "train_range": DATA / "notebook_png1.b64.gz",  # sctr1p000-4p000 x_train items 0-63
    "test_scale2": DATA / "notebook_png2.b64.gz",  # scte2p000 x_test items 0-63
}
FIXTURE = DATA / "official_panels.npz"
PANEL_PITCH = 114          # px between panel origins (spines at 7, 121, ...)
STROKE_LEVEL = 0.5         # a pixel is "stroke" if official or ours >= this (normalised)


# ------------------------------------------------------------------ decoding
def read_png_text(key: str) -> str:
    """The stored base64 text of the notebook PNG behind fixture ``key``."""
    return gzip.decompress(PNG_TEXTS[key].read_bytes()).decode("ascii").strip()


def png_rows(b64: str) -> np.ndarray:
    """RGBA rows (n, W, 4) decodable from a base64 PNG prefix; raises on a bad chunk CRC."""
    raw_png = base64.b64decode(b64[: len(b64) // 4 * 4])
    assert raw_png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", None
    while pos + 8 <= len(raw_png):
        n, kind = struct.unpack(">I4s", raw_png[pos:pos + 8])
        data = raw_png[pos + 8:pos + 8 + n]
        complete = pos + 12 + n <= len(raw_png)
        if complete:
            crc, = struct.unpack(">I", raw_png[pos + 8 + n:pos + 12 + n])
            if crc != zlib.crc32(kind + data):
                raise ValueError(f"bad CRC in {kind!r} chunk at byte {pos}")
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", data[:10])
            assert (depth, colour) == (8, 6), "expects 8-bit RGBA"
        elif kind == b"IDAT":
            idat += data
        elif kind == b"IEND":
            break
        pos += 12 + n
    raw = zlib.decompressobj().decompress(idat)
    stride = width * 4 + 1
    rows = len(raw) // stride
    out = np.zeros((rows, width * 4), np.int32)
    prev = np.zeros(width * 4, np.int32)
    for r in range(rows):
        f = raw[r * stride]
        line = np.frombuffer(raw[r * stride + 1:(r + 1) * stride], np.uint8).astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:
            cur = np.zeros_like(line)
            for i in range(len(line)):
                a = cur[i - 4] if i >= 4 else 0
                c = prev[i - 4] if i >= 4 else 0
                b = prev[i]
                if f == 1:
                    p = a
                elif f == 3:
                    p = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (line[i] + p) & 255
        out[r] = cur
        prev = cur
    img = out.reshape(rows, width, 4).astype(np.uint8)
    margins = np.concatenate([img[:, :6, :3], img[:, -5:, :3]], axis=1)
    if (margins != 255).any():
        raise ValueError("page margins are not white: the base64 text is corrupt")
    return img


def viridis_table() -> np.ndarray:
    """matplotlib's viridis as 0-255 RGB; without matplotlib, the table already in the fixture."""
    try:
        from matplotlib import colormaps  # analysis-only dependency
    except ImportError:
        return np.load(FIXTURE)["viridis"].astype(np.int32)
    return np.round(colormaps["viridis"](np.arange(256))[:, :3] * 255).astype(np.int32)


def panels_from_rows(img: np.ndarray, lut: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
    """(n, h, w) uint8 viridis indices of every complete panel, row-major, and the geometry."""
    lut = viridis_table() if lut is None else np.asarray(lut, np.int32)
    rgb = img[..., :3].astype(np.int32)
    dark = (rgb.sum(-1) < 60)  # black spines (antialiased with viridis' darkest purple)
    spine_rows = [r for r in range(len(img)) if dark[r, 8:99].mean() > 0.9]
    spine_cols = [c for c in range(img.shape[1]) if dark[spine_rows[0] + 5, c]]
    tops, lefts = spine_rows[0::2], spine_cols[0::2]
    rights = spine_cols[1::2]
    panels = []
    for top, bottom in zip(spine_rows[0::2], spine_rows[1::2]):
        for left, right in zip(lefts, rights):
            block = rgb[top + 1:bottom, left + 1:right]
            d = np.abs(block[:, :, None, :] - lut[None, None]).sum(-1)
            index = d.argmin(-1)
            if d.min(-1).max() > 3:
                raise ValueError("panel pixel off the viridis table")
            panels.append(index.astype(np.uint8))
    geometry = {"spine_rows": spine_rows, "spine_cols": spine_cols}
    return np.stack(panels), geometry


# ------------------------------------------------------------------- fitting
def sample_positions(n_display: int, n_source: int = 112) -> np.ndarray:
    """Source pixel shown at each display pixel by nearest sampling across the axes box.

    The axes box runs from the left edge of the left spine pixel to the left edge
    of the right spine pixel (n_display + 1 px: 93 here), so display pixel j (0-based
    inside the spines) has its centre j + 1.5 px into the box: source
    floor((j + 1.5) * n_source / (n_display + 1)). Fitted: offsets 0..2 px in
    quarter steps and box widths 91..94 px were tried on the 8 panels with the
    scale refitted each time; this one has the lowest stroke MAE (0.015 vs 0.021
    for the next, 1.0 / 92 px), the same for rows and columns.
    """
    j = np.arange(n_display)
    return np.minimum(((j + 1.5) * n_source / (n_display + 1)).astype(int), n_source - 1)


def normalise(images: np.ndarray) -> np.ndarray:
    lo = images.min(axis=(-2, -1), keepdims=True)
    hi = images.max(axis=(-2, -1), keepdims=True)
    return (images - lo) / np.where(hi > lo, hi - lo, 1)


def render(images: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Our (B, 112, 112) images as imshow shows them: per-image min-max, nearest sampling."""
    rows, cols = sample_positions(shape[0]), sample_positions(shape[1])
    return normalise(images)[:, rows][:, :, cols]


def stroke_mae(official: np.ndarray, ours: np.ndarray) -> np.ndarray:
    """Per-panel mean |official - ours| over pixels where either is >= STROKE_LEVEL."""
    mask = (official >= STROKE_LEVEL) | (ours >= STROKE_LEVEL)
    return (np.abs(official - ours) * mask).sum(axis=(-2, -1)) / mask.sum(axis=(-2, -1))


def official_values(indices: np.ndarray) -> np.ndarray:
    """Colormap index k covers normalised values [k/256, (k+1)/256): take the centre."""
    return (indices.astype(np.float64) + 0.5) / 256.0


# name -> (stretch, sigma per scale, threshold slope, threshold midpoint); None = recipe as shipped.
VARIANTS = {
    "1.0.0": None,
    "2.0.0": None,
    "2.0.0 peak-only": ("peak", 7 / 8, 0.02, 128.0),
    "2.0.0 sigma 0.75s": ("minmax", 0.75, 0.02, 128.0),
    "2.0.0 sigma 1.0s": ("minmax", 1.0, 0.02, 128.0),
    "2.0.0 slope 0.015": ("minmax", 7 / 8, 0.015, 128.0),
    "2.0.0 slope 0.025": ("minmax", 7 / 8, 0.025, 128.0),
    "2.0.0 midpoint 108": ("minmax", 7 / 8, 0.02, 108.0),
    "2.0.0 midpoint 148": ("minmax", 7 / 8, 0.02, 148.0),
}


def variant_images(digits: np.ndarray, scales: np.ndarray, variant: str) -> np.ndarray:
    """(B, 112, 112) float64 images of a recipe variant (see VARIANTS)."""
    import tensorflow as tf
    from tfds_mnist_family.mnist_large_scale import ops
    params = VARIANTS[variant]
    if params is None:
        return ops.generate(digits, scales.astype(np.float32), variant).numpy()[..., 0].astype(np.float64)
    stretch, sigma_factor, slope, midpoint = params
    s = tf.constant(scales, tf.float32)
    grey = ops.apply_separable(
        tf.linalg.matmul(ops.gaussian_matrices(sigma_factor * s), ops.resampling_matrices(s)),
        ops._grey(tf.constant(digits))).numpy().astype(np.float64)
    lo, hi = grey.min(axis=(1, 2), keepdims=True), grey.max(axis=(1, 2), keepdims=True)
    grey = grey * 255.0 / hi if stretch == "peak" else (grey - lo) * 255.0 / (hi - lo)
    return 2 / math.pi * np.arctan(slope * (grey - midpoint))


def fit_range_panels(official: np.ndarray, digits: np.ndarray, variant: str,
                     coarse: int = 41, fine: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """Per-digit scale minimising the stroke MAE, and that MAE.

    Coarse search on ``coarse`` log-spaced scales in [1, 4] (the range file's
    range), then ``fine`` scales spanning the neighbours of each digit's best.
    """
    def errors(scales):
        return stroke_mae(official, render(variant_images(digits, scales, variant), official.shape[1:]))

    grid = 2.0 ** np.linspace(0.0, 2.0, coarse)
    table = np.stack([errors(np.full(len(digits), s)) for s in grid])      # (coarse, B)
    k = table.argmin(axis=0)
    lo, hi = grid[np.maximum(k - 1, 0)], grid[np.minimum(k + 1, coarse - 1)]
    best_s, best_e = grid[k], table[k, np.arange(len(digits))]
    for t in np.linspace(0.0, 1.0, fine):
        s = lo * (hi / lo) ** t
        e = errors(s)
        better = e < best_e
        best_e[better], best_s[better] = e[better], s[better]
    return best_s, best_e


def fixed_scale_errors(official: np.ndarray, digits: np.ndarray, variant: str,
                       scale: float) -> np.ndarray:
    """Per-panel stroke MAE of ``variant`` at one known scale (a single-scale test file)."""
    images = variant_images(digits, np.full(len(digits), scale), variant)
    return stroke_mae(official, render(images, official.shape[1:]))


def source_digits(key: str, items: np.ndarray) -> np.ndarray:
    """The MNIST digits behind fixture ``key``'s panels: training or test images, in order."""
    from tfds_mnist_family.core.mnist import load_mnist
    arrays = load_mnist()
    return (arrays.train_images if key == "train_range" else arrays.test_images)[items]


def write_fixture() -> None:
    """Decodes both notebook PNGs and (re)writes the fixture."""
    arrays = {"viridis": viridis_table().astype(np.uint8)}
    for key in PNG_TEXTS:
        rows = png_rows(read_png_text(key))
        panels, geometry = panels_from_rows(rows)
        arrays[key], arrays[f"{key}_items"] = panels, np.arange(len(panels))
        arrays[f"{key}_spine_rows"] = geometry["spine_rows"]
        arrays[f"{key}_spine_cols"] = geometry["spine_cols"]
        print(f"{PNG_TEXTS[key].name}: {len(rows)} PNG rows, {len(panels)} panels "
              f"{panels.shape[1:]}")
    np.savez_compressed(FIXTURE, **arrays)
    print(f"-> {FIXTURE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-fixture", action="store_true",
                        help=f"decode the notebook PNGs and (re)write {FIXTURE.name}")
    args = parser.parse_args()
    if args.write_fixture:
        write_fixture()
    fixture = np.load(FIXTURE)
    items = fixture["train_range_items"]
    official = official_values(fixture["train_range"])
    digits = source_digits("train_range", items)
    print(f"sctr1p000-4p000 train items 0-{items[-1]}: stroke MAE per panel "
          "(scale fitted per digit in [1, 4])")
    for variant in VARIANTS:
        s, e = fit_range_panels(official, digits, variant)
        print(f"  {variant:18s} mean {e.mean():.4f}  worst {e.max():.4f} (item {e.argmax()})  "
              f"scales {s.min():.2f}..{s.max():.2f}")
    items = fixture["test_scale2_items"]
    official = official_values(fixture["test_scale2"])
    digits = source_digits("test_scale2", items)
    print(f"scte2p000 test items 0-{items[-1]} (scale 2): stroke MAE per panel")
    for variant in VARIANTS:
        e = fixed_scale_errors(official, digits, variant, 2.0)
        print(f"  {variant:18s} mean {e.mean():.4f}  worst {e.max():.4f} (item {e.argmax()})")


if __name__ == "__main__":
    main()
