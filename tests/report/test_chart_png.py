"""The cheaper chart PNG path publishes the same pixels as the slow one.

The slow path (as it was): matplotlib writes a deflated full-colour PNG, which is read back,
reduced to an adaptive palette (median cut) and saved with Pillow's ``optimize``. The fast path
skips deflating the intermediate PNG and saves the palette image at zlib level 8.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from clientvalue.report import notebook  # noqa: E402


def _chart():
    notebook.setup_plotting()
    rng = np.random.default_rng(3)
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    axes[0].barh([f"question {i}" for i in range(8)], rng.uniform(0, 1, 8), color="#2a6f97")
    axes[0].errorbar(rng.uniform(0, 1, 8), np.arange(8), xerr=0.1, fmt="o", color="#c44e52")
    axes[1].scatter(rng.normal(size=60), rng.normal(size=60), c=rng.uniform(size=60), cmap="viridis")
    axes[1].set_title("A scatter with a colour map")
    return fig


def _slow_png(fig, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    paletted = image.quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    paletted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.mark.parametrize("dpi", [notebook.SAVE_DPI, notebook.PHONE_DPI])
def test_fast_png_has_the_same_pixels_as_the_slow_path(dpi):
    fig = _chart()
    try:
        slow = _slow_png(fig, dpi)
        fast = base64.b64decode(notebook._png_base64(fig, dpi=dpi))
    finally:
        plt.close(fig)
    assert fast[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(fast)).mode == "P"  # still the compact palette image
    np.testing.assert_array_equal(_pixels(fast), _pixels(slow))
    assert len(fast) <= 1.10 * len(slow)  # level 8 instead of 9: at most a few percent larger


def test_compact_png_keeps_a_deflated_full_colour_image_when_the_palette_is_not_smaller():
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8))  # no palette can hold it
    raw = io.BytesIO()
    noise.save(raw, format="PNG", compress_level=9)
    out = notebook.compact_png(raw.getvalue())
    assert len(out) <= len(raw.getvalue())
    decoded = _pixels(out)
    if Image.open(io.BytesIO(out)).mode != "P":  # the full-colour image: lossless
        np.testing.assert_array_equal(decoded, np.asarray(noise))


def test_compact_png_returns_unreadable_bytes_unchanged():
    assert notebook.compact_png(b"not a png") == b"not a png"
