"""Sample grids: many small images in one PNG, for eyeballing a dataset."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from tfds_mnist_family.core.atomic import atomic_output


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Maps images of any dtype/range to uint8 (min-max over the whole batch for floats)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    lo, hi = float(images.min()), float(images.max())
    scaled = (images - lo) / (hi - lo if hi > lo else 1.0)
    return np.round(scaled * 255).astype(np.uint8)


def grid_image(images: np.ndarray, captions: Sequence[str] | None = None,
               columns: int = 10, scale: int = 2, pad: int = 2) -> Image.Image:
    """Tiles images (N, H, W[, 1]) into one grayscale picture, captions under each."""
    images = to_uint8(images)
    if images.ndim == 4:
        images = images[..., 0]
    n, h, w = images.shape
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    caption_h = 12 if captions else 0
    cell_w, cell_h = w * scale + pad, h * scale + pad + caption_h
    canvas = Image.new("L", (columns * cell_w + pad, rows * cell_h + pad), color=128)
    draw = ImageDraw.Draw(canvas)
    for i, image in enumerate(images):
        x, y = pad + (i % columns) * cell_w, pad + (i // columns) * cell_h
        tile = Image.fromarray(image, mode="L").resize((w * scale, h * scale), Image.NEAREST)
        canvas.paste(tile, (x, y))
        if captions:
            draw.text((x, y + h * scale), str(captions[i])[: max(1, w * scale // 6)], fill=255)
    return canvas


def save_grid(path: str | os.PathLike, images: np.ndarray,
              captions: Sequence[str] | None = None, **kwargs) -> str:
    """Writes a sample grid PNG and returns its path."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image = grid_image(images, captions, **kwargs)
    with atomic_output(path) as f:
        image.save(f, format="PNG")
    return path
