"""Benchmark: the per-organisation speed-ups of a batch, each against its slow path.

Usage::

    python benchmarks/bench_org_parts.py            # one organisation of 1,500 respondents
    python benchmarks/bench_org_parts.py --quick    # 500 respondents, fewer repetitions (CI)

For one organisation made as :mod:`benchmarks.bench_batch` makes them (the demo municipality survey),
CPU seconds (one BLAS thread) of

- the half-way age bootstrap of notebook 20 (``n_boot`` 1000): replicates refitted one at a time with
  a linear programme for every far fit (``bootstrap_half_ages_slow``) against the batched refits
  (``bootstrap_half_ages``); the replicates must agree to 1e-7;
- a driver chart of notebook 10 written as the report's compact PNG: a deflated PNG read back,
  reduced to a palette and saved with Pillow's ``optimize`` (as before) against
  :func:`clientvalue.report.notebook._png_base64`; the pixels must be identical.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import base64  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from profile_org import write_organisation  # noqa: E402


def _cpu(function, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        tick = time.process_time()
        result = function()
        best = min(best, time.process_time() - tick)
    return best, result


def senior_bootstrap(survey, n_boot: int, repeat: int) -> str:
    from clientvalue.stats import senior_halfway as SH

    curve = _senior_curve(survey)
    grid = np.unique(np.r_[np.arange(curve.age_min, curve.age_max, 0.1), curve.age_max])
    slow_s, slow = _cpu(lambda: SH.bootstrap_half_ages_slow(curve, grid, n_boot, np.random.default_rng(1)), repeat)
    fast_s, fast = _cpu(lambda: SH.bootstrap_half_ages(curve, grid, n_boot, np.random.default_rng(1)), repeat)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-7, atol=1e-7)
    return (f"half-way age bootstrap, {n_boot} replicates, {curve.n:,} respondents: {slow_s:.2f} CPU s one at a time, "
            f"{fast_s:.2f} batched ({slow_s / fast_s:.1f}x), replicates equal to 1e-7")


def _senior_curve(survey):
    """The curve notebook 20 fits (through the analysis' own preparation)."""
    from clientvalue.analyses import senior
    from clientvalue.stats import senior_halfway as SH

    captured = {}

    original = SH.bootstrap_half_ages

    def spy(curve, grid, n_boot, rng):
        captured.setdefault("curve", curve)
        return original(curve, grid, n_boot, rng)

    SH.bootstrap_half_ages = spy
    try:
        senior.analyse(survey, age_bands=[18, 55, 65, 75, 85], age_threshold=65, age_thresholds=[65],
                       min_group_size=10, n_boot=1, seed=1)
    finally:
        SH.bootstrap_half_ages = original
    return captured["curve"]


def chart_png(survey, repeat: int) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from clientvalue.analyses import drivers
    from clientvalue.report import notebook
    from clientvalue.report.plots_driver_panels import plot_groups

    notebook.setup_plotting()
    results = drivers.analyse(survey, min_group_size=10, n_boot=50, seed=1, language="en")
    fig = plot_groups(results, "quadrants")

    def slow() -> bytes:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=notebook.SAVE_DPI)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
        paletted = image.quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        paletted.save(out, format="PNG", optimize=True)
        return out.getvalue()

    slow_s, old = _cpu(slow, repeat)
    fast_s, new = _cpu(lambda: base64.b64decode(notebook._png_base64(fig)), repeat)
    plt.close(fig)

    def pixels(png):
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    np.testing.assert_array_equal(pixels(new), pixels(old))
    return (f"driver chart (quadrants) as compact PNG: {slow_s:.2f} CPU s before, {fast_s:.2f} now "
            f"({slow_s - fast_s:.2f} s less per chart), same pixels; {len(old):,} -> {len(new):,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    args = parser.parse_args()
    rows, n_boot, repeat = (500, 200, 1) if args.quick else (1500, 1000, 3)
    from clientvalue.data.survey import load_survey

    with tempfile.TemporaryDirectory(prefix="clientvalue-bench-parts-") as tmp:
        survey = load_survey(write_organisation(Path(tmp), rows))
        print(senior_bootstrap(survey, n_boot, repeat), flush=True)
        print(chart_png(survey, repeat), flush=True)


if __name__ == "__main__":
    main()
