"""How the network views look: palettes, colour ramps, size scales and value formatting.

Pure functions of values (no chain, no pyvis), shared by the firm view
(:mod:`chaingraph.viz.firm_view`) and the segment map
(:mod:`chaingraph.viz.segment_map`).
"""

from __future__ import annotations

import colorsys

import numpy as np
import pandas as pd

STAGE_ORDER = ("upstream", "midstream", "downstream")
STAGE_LABELS = {"upstream": "上游 upstream", "midstream": "中游 midstream",
                "downstream": "下游 downstream", None: "环节未定 stage unknown"}
MISSING_COLOR = "#c8c8c8"
FIXED_PALETTES = {
    "stage": {"upstream": "#3b75af", "midstream": "#ef8636", "downstream": "#519e3e"},
    "location": {"local": "#2e9e4f", "outside": "#3b75af", "foreign": "#c53a32"},
    "size_class": {"large": "#6a3d9a", "medium": "#3b75af", "small": "#5fa2ce", "micro": "#a6cee3"},
    "size_group": {"large": "#6a3d9a", "SME": "#2a9d8f"},
}
#: Low → high ramp for numeric values (viridis stops).
RAMP_STOPS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], float)
#: Local coverage 0 → 1: red → amber → green.
COVERAGE_STOPS = np.array([[200, 55, 45], [240, 170, 50], [46, 158, 79]], float)


def categorical_colors(k: int) -> list[str]:
    """``k`` distinct colours: hues spaced by the golden angle, alternating lightness.

    Examples
    --------
    >>> categorical_colors(3)
    ['#3d78d1', '#d13d4d', '#3dd158']
    """
    out = []
    for i in range(k):
        h = (0.6 + i * 0.381966) % 1.0
        light = (0.53, 0.40, 0.66)[(i // 7) % 3]
        r, g, b = colorsys.hls_to_rgb(h, light, 0.62)
        out.append("#{:02x}{:02x}{:02x}".format(round(r * 255), round(g * 255), round(b * 255)))
    return out


def ramp_colors(t: np.ndarray, stops: np.ndarray = RAMP_STOPS) -> list[str]:
    """Colours for values ``t`` in [0, 1] by linear interpolation between ``stops``; NaN → grey."""
    t = np.asarray(t, dtype=float)
    out = []
    k = len(stops) - 1
    for v in t:
        if not np.isfinite(v):
            out.append(MISSING_COLOR)
            continue
        pos = min(max(v, 0.0), 1.0) * k
        i = min(int(pos), k - 1)
        c = stops[i] + (stops[i + 1] - stops[i]) * (pos - i)
        out.append("#{:02x}{:02x}{:02x}".format(*(int(round(x)) for x in c)))
    return out


def scale_sizes(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Node sizes ``lo + (hi − lo)·√(v / max v)``; missing or ≤ 0 → ``lo``.

    The area of a dot is then proportional to the value.

    Examples
    --------
    >>> scale_sizes(np.array([0.0, 25.0, 100.0, np.nan]), 5, 25).tolist()
    [5.0, 15.0, 25.0, 5.0]
    """
    v = np.asarray(values, dtype=float)
    v = np.where(np.isfinite(v) & (v > 0), v, 0.0)
    top = v.max() if len(v) else 0.0
    if top <= 0:
        return np.full(len(v), float(lo))
    return lo + (hi - lo) * np.sqrt(v / top)


def is_present(v) -> bool:
    """False for ``None`` and pandas/numpy missing values, True for anything else."""
    if v is None:
        return False
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def format_value(v) -> str:
    """A value as tooltip text: thousands separators, 4 significant digits below 1,000, "–" when missing.

    Examples
    --------
    >>> [format_value(v) for v in (None, True, 12345, 2.0, 0.123456, 98765.4, "micro")]
    ['–', 'yes', '12,345', '2', '0.1235', '98,765', 'micro']
    """
    if not is_present(v):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if float(v).is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)
