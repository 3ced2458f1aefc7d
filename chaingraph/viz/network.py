"""Interactive network views of a chain: :func:`to_pyvis` and :class:`ChainNetwork`."""

from __future__ import annotations

import colorsys
import hashlib
import base64
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from pyvis.network import Network

from ..core import ChainGraph
from ..errors import ChainDataError
from . import html as _html

__all__ = ["ChainNetwork", "to_pyvis", "DEFAULT_MAX_NODES", "PHYSICS_LIMIT"]

#: Above this many firms :func:`to_pyvis` draws the segment map instead of firms.
DEFAULT_MAX_NODES = 2500
#: Above this many nodes physics (force simulation in the browser) is off.
PHYSICS_LIMIT = 300

STAGE_ORDER = ("upstream", "midstream", "downstream")
STAGE_LABELS = {"upstream": "上游 upstream", "midstream": "中游 midstream",
                "downstream": "下游 downstream", None: "环节未定 stage unknown"}
MISSING_COLOR = "#c8c8c8"
FIXED_PALETTES = {
    "stage": {"upstream": "#3b75af", "midstream": "#ef8636", "downstream": "#519e3e"},
    "location": {"local": "#2e9e4f", "outside": "#3b75af", "foreign": "#c53a32"},
    "size_class": {"large": "#6a3d9a", "medium": "#3b75af", "small": "#5fa2ce", "micro": "#a6cee3"},
}
# score columns shown in tooltips, from the analyses that may be installed
_SCORE_SOURCES = {
    "lead_firms": ("chaingraph.analysis.leads", "lead_firms", ["lead_score", "rank", "is_lead"]),
    "tiers": ("chaingraph.analysis.tiers", "tiers", ["tier"]),
    "systemic_risk": ("chaingraph.analysis.resilience", "systemic_risk", ["esri"]),
}
_COLUMN_SOURCE = {"lead_score": "lead_firms", "rank": "lead_firms", "is_lead": "lead_firms",
                  "tier": "tiers", "esri": "systemic_risk", "esri_downstream": "systemic_risk",
                  "esri_upstream": "systemic_risk"}
_TOOLTIP_LABELS = {"lead_score": "链主 lead score", "rank": "lead rank", "is_lead": "链主 lead firm",
                   "tier": "梯度 tier", "esri": "系统性风险 ESRI"}
SPACING = 42.0          # distance between firm nodes in the layered grid (vis units)
STAGE_GAP = 700.0       # gap between stage columns
BLOCK_GAP = 150.0       # gap between segment blocks within a column


class ChainNetwork(Network):
    """A :class:`pyvis.network.Network` whose HTML is self-contained and escaped.

    Made by :func:`to_pyvis`. It is a normal pyvis network (``nodes``,
    ``edges``, ``add_node``, ``add_edge``, ``num_nodes`` … work), but
    :meth:`save_graph`, :meth:`write_html` and :meth:`generate_html` use
    chaingraph's own template: vis-network's JavaScript and CSS inlined (no
    ``http(s)://`` resource, no ``<link>``), the data as escaped JSON in a
    ``<script type="application/json">`` block, labels drawn on the canvas and
    tooltips built with ``textContent``, and a Content-Security-Policy that
    allows no network access and no inline event handler.

    Attributes
    ----------
    view : {"firms", "segments"}
        Firm-level network, or segment map (one node per segment).
    node_table : DataFrame
        The numbers behind the figure, one row per node (indexed by
        ``firm_id`` or ``segment_id``): ``x``, ``y``, ``size``, ``color`` and
        the values they encode (see :func:`to_pyvis`).
    edge_table : DataFrame
        ``source``, ``target``, ``amount`` (万元) and ``width`` per drawn edge.
    legend : list of (label, color)
    notes : list of str
        What the view shows and why (e.g. why a segment map was drawn).
    tips : dict
        Node id → list of ``(label, value)`` rows shown in its tooltip.
    details : dict
        Segment map only: segment id → ``{"columns": [...], "rows": [[...]]}``,
        the segment's largest firms, listed when the segment is clicked.
    annotations : list of dict
        Texts drawn on the canvas (stage and segment headings): ``x``, ``y``,
        ``text``, ``size``.
    """

    def __init__(self, *, title: str = "", height: str = "800px", width: str = "100%"):
        super().__init__(height=height, width=width, directed=True, heading=title,
                         cdn_resources="in_line")
        self.view = "firms"
        self.node_table = pd.DataFrame()
        self.edge_table = pd.DataFrame(columns=["source", "target", "amount", "width"])
        self.legend: list[tuple[str, str]] = []
        self.size_note = ""
        self.notes: list[str] = []
        self.tips: dict = {}
        self.details: dict = {}
        self.annotations: list[dict] = []
        self.options = _vis_options(physics=False, n_edges=0)

    # pyvis keeps options in an Options object; chaingraph keeps vis's own dict.
    def toggle_physics(self, status):
        self.options.setdefault("physics", {})["enabled"] = bool(status)

    def set_options(self, options):
        import json

        self.options = json.loads(options) if isinstance(options, str) else dict(options)

    # ---------------------------------------------------------------- output
    def page_data(self) -> dict:
        """Everything the page's script needs (nodes, edges, tooltips, options), as plain data."""
        keep = ("id", "label", "x", "y", "size", "color", "shape", "borderWidth", "font",
                "title", "fixed", "physics", "hidden", "value", "mass")
        nodes = [{k: _plain(v) for k, v in n.items() if k in keep} for n in self.nodes]
        ekeep = ("from", "to", "width", "value", "color", "dashes", "title", "arrows", "hidden")
        edges = [{k: _plain(v) for k, v in e.items() if k in ekeep} for e in self.edges]
        return {
            "view": self.view,
            "nodes": nodes,
            "edges": edges,
            "tips": {str(k): [[str(a), str(b)] for a, b in rows] for k, rows in self.tips.items()},
            "details": self.details,
            "annotations": self.annotations,
            "options": self.options,
        }

    def generate_html(self, name="index.html", local=True, notebook=False) -> str:
        """The self-contained page (``name``, ``local`` and ``notebook`` are ignored)."""
        page_js = _html.inline_script((_html.TEMPLATE_DIR / "network.js").read_text(encoding="utf-8"))
        vis_js, _ = _html.vis_assets()
        vis_js = _html.inline_script(vis_js)
        from markupsafe import Markup

        csp = "; ".join([
            "default-src 'none'",
            f"script-src {_sha256(vis_js)} {_sha256(page_js)}",
            "style-src 'unsafe-inline'",
            "img-src data: blob:",
            "font-src data:",
        ])
        self.html = _html.render(
            "network.html.j2",
            title=self.heading or "chaingraph",
            notes=self.notes,
            legend=self.legend,
            size_note=self.size_note,
            height=self.height,
            width=self.width,
            view=self.view,
            n_nodes=len(self.nodes),
            n_edges=len(self.edges),
            data=self.page_data(),
            page_js=Markup(page_js),
            vis_js=Markup(vis_js),
            csp=csp,
        )
        return self.html

    def write_html(self, name, local=True, notebook=False, open_browser=False):
        """Write the page to ``name`` (UTF-8); returns the path."""
        path = Path(name)
        path.write_text(self.generate_html(), encoding="utf-8")
        if open_browser:  # pragma: no cover - interactive
            import webbrowser

            webbrowser.open(path.resolve().as_uri())
        return path

    def save_graph(self, name):
        """Write the self-contained, escaped HTML page to ``name``; returns the path.

        Unlike pyvis's own ``save_graph`` no ``lib/`` folder is written and
        nothing is loaded from a CDN: the file opens without network access.
        """
        return self.write_html(name)

    def show(self, name, local=True, notebook=False):  # pragma: no cover - interactive
        """Write the page and open it in a web browser."""
        return self.write_html(name, open_browser=True)

    def _repr_html_(self) -> str:
        """In a notebook: the page in an iframe (``srcdoc``, escaped)."""
        import html

        return (f'<iframe srcdoc="{html.escape(self.generate_html(), quote=True)}" '
                f'style="width:100%;height:{html.escape(str(self.height))};border:0"></iframe>')

    def __str__(self) -> str:
        return repr(self)

    def __repr__(self) -> str:
        return f"<ChainNetwork view={self.view}: {len(self.nodes):,} nodes, {len(self.edges):,} edges>"


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _plain(v):
    """numpy/pandas scalars → JSON-able Python values (missing → None)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(v) else None
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    return v if isinstance(v, (int, str)) else str(v)


def _vis_options(*, physics: bool, n_edges: int, smooth: bool = False) -> dict:
    return {
        "autoResize": True,
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "font": {"size": 14, "face": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"},
                  "scaling": {"label": {"enabled": False, "drawThreshold": 9}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
                  "smooth": ({"enabled": True, "type": "curvedCW", "roundness": 0.15}
                             if smooth else {"enabled": False}),
                  "color": {"color": "#8a8a8a", "opacity": 0.12 if n_edges > 5000 else 0.3 if n_edges > 1000 else 0.6},
                  "scaling": {"min": 0.5, "max": 6}},
        "physics": ({"enabled": True, "solver": "barnesHut",
                     "stabilization": {"enabled": True, "iterations": 300, "fit": True}}
                    if physics else {"enabled": False}),
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n_edges > 5000,
                        "hideEdgesOnZoom": n_edges > 20000, "navigationButtons": False,
                        "keyboard": False},
    }


# --------------------------------------------------------------------------- #
# colours and sizes


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


_RAMP = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], float)
_COVERAGE = np.array([[200, 55, 45], [240, 170, 50], [46, 158, 79]], float)


def ramp_colors(t: np.ndarray, stops: np.ndarray = _RAMP) -> list[str]:
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


# --------------------------------------------------------------------------- #
# firm attributes and scores


def _scores(chain, scores, needed=()) -> pd.DataFrame:
    """Score columns by firm_id from analysis names and/or DataFrames (see to_pyvis)."""
    import importlib

    if scores is None:
        items = []
    elif isinstance(scores, str):
        items = ["lead_firms", "tiers"] if scores == "auto" else [scores]
    elif isinstance(scores, pd.DataFrame):
        items = [scores]
    else:
        items = list(scores)
    for col in needed:
        src = _COLUMN_SOURCE.get(col)
        if src and src not in items:
            items.append(src)
    frame = pd.DataFrame(index=chain.firm_ids)
    for item in items:
        if isinstance(item, pd.DataFrame):
            part = item
        elif isinstance(item, str):
            if item not in _SCORE_SOURCES:
                raise ValueError(f"unknown score source {item!r}; use one of {sorted(_SCORE_SOURCES)} "
                                 "or a DataFrame indexed by firm_id")
            module, func, cols = _SCORE_SOURCES[item]
            try:
                fn = getattr(importlib.import_module(module), func)
            except (ImportError, AttributeError):
                continue  # analysis not part of this installation: no such tooltip rows
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = fn(chain)
            except ChainDataError as exc:
                warnings.warn(f"to_pyvis: {func} could not run on this chain ({exc}); "
                              f"its scores are left out of the tooltips", UserWarning, stacklevel=3)
                continue
            part = result[[c for c in cols + [c for c in needed if c in result.columns] if c in result.columns]]
            part = part.loc[:, ~part.columns.duplicated()]
        else:
            raise TypeError("scores must be 'auto', None, an analysis name, a DataFrame or a list of them")
        part = part.reindex(chain.firm_ids)
        for col in part.columns:
            if col not in frame.columns:
                frame[col] = part[col].to_numpy()
    return frame


def _values(chain, name: str, scores: pd.DataFrame) -> pd.Series:
    """A firm attribute by name: segment, stage, location, a firms column or a score column."""
    firms = chain.firms
    if name == "segment":
        return firms["segment_id"] if "segment_id" in firms.columns else pd.Series(
            [None] * chain.n_firms, index=chain.firm_ids, dtype=object)
    if name == "stage":
        codes = chain.segment_codes
        stages = chain.segments["stage"].to_numpy(dtype=object) if len(chain.segments) else np.array([], object)
        vals = np.array([stages[c] if c >= 0 else None for c in codes], dtype=object)
        return pd.Series(vals, index=chain.firm_ids, dtype=object)
    if name == "location":
        return chain.location.astype(object)
    if name in firms.columns:
        return firms[name]
    if name in scores.columns:
        return scores[name]
    raise ChainDataError(f"no column {name!r} to draw by: not a firms column, not 'segment', "
                         f"'stage' or 'location', and no score of that name",
                         source="firms", column=name)


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _numeric(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _color_map(chain, name: str, values: pd.Series):
    """(colours per firm, legend, numeric values or None)."""
    if _is_numeric(values) and name not in ("segment",):
        v = _numeric(values)
        finite = np.isfinite(v)
        lo, hi = (np.nanmin(v), np.nanmax(v)) if finite.any() else (0.0, 1.0)
        t = (v - lo) / (hi - lo) if hi > lo else np.where(finite, 0.5, np.nan)
        legend = [(f"{name} = {_fmt(lo)} (low)", ramp_colors([0.0])[0]),
                  (f"{name} = {_fmt(hi)} (high)", ramp_colors([1.0])[0])]
        if not finite.all():
            legend.append((f"{name} missing", MISSING_COLOR))
        return ramp_colors(t), legend, v
    if name == "segment":
        cats = [str(s) for s in chain.segment_ids]
        names = chain.segments["name"] if "name" in chain.segments.columns else pd.Series(dtype=object)
        labels = [f"{names.get(s)} ({s})" if _present(names.get(s)) else s for s in cats]
    elif name in FIXED_PALETTES:
        cats = list(FIXED_PALETTES[name])
        labels = list(cats)
    else:
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats = [str(c) for c in values.cat.categories]
        else:
            cats = sorted({str(x) for x in values.dropna().tolist()})
        labels = list(cats)
    palette = FIXED_PALETTES.get(name) or dict(zip(cats, categorical_colors(len(cats))))
    text = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    colors = [palette.get(str(x), MISSING_COLOR) if x is not None else MISSING_COLOR for x in text]
    present = {str(x) for x in text if x is not None}
    legend = [(lab, palette[c]) for c, lab in zip(cats, labels) if c in present]
    if any(x is None or str(x) not in palette for x in text):
        legend.append(("(missing)", MISSING_COLOR))
    return colors, legend, None


def _present(v) -> bool:
    if v is None:
        return False
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def _fmt(v) -> str:
    if not _present(v):
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


# --------------------------------------------------------------------------- #
# layout


def _stage_of_segments(chain) -> list:
    seg = chain.segments
    stages = seg["stage"].to_numpy(dtype=object) if "stage" in seg.columns else np.full(len(seg), None)
    return [s if s in STAGE_ORDER else None for s in stages]


def layered_positions(chain, order_key: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Precomputed positions: stage columns (upstream → midstream → downstream), segment blocks.

    Firms are grouped by stage into columns, left to right upstream,
    midstream, downstream, then firms whose stage is unknown. Within a column
    each segment is a block (segments in template order), and within a block
    firms sit on a grid of pitch :data:`SPACING`, row by row in decreasing
    ``order_key`` (largest first). A column with ``N`` firms is
    ``ceil(√(1.2·N))`` grid cells wide.

    Returns
    -------
    x, y : ndarray
        Per firm (positions of ``chain.firm_ids``); y grows downwards.
    annotations : list of dict
        Stage headings and segment names with their positions.
    """
    n = chain.n_firms
    codes = chain.segment_codes
    seg_stage = _stage_of_segments(chain)
    names = chain.segments["name"] if "name" in chain.segments.columns else None
    firm_stage = np.array([seg_stage[c] if c >= 0 else None for c in codes], dtype=object)
    x = np.zeros(n)
    y = np.zeros(n)
    notes = []
    left = 0.0
    key = np.where(np.isfinite(order_key), order_key, -np.inf)
    for stage in (*STAGE_ORDER, None):
        in_stage = np.array([s == stage for s in firm_stage], dtype=bool)
        count = int(in_stage.sum())
        if count == 0:
            continue
        cols = max(4, math.ceil(math.sqrt(1.2 * count)))
        width = (cols - 1) * SPACING
        notes.append({"x": left + width / 2, "y": -240.0, "text": STAGE_LABELS[stage], "size": 110})
        top = 0.0
        blocks = [k for k in range(len(chain.segment_ids)) if seg_stage[k] == stage]
        if stage is None:
            blocks.append(-1)
        for k in blocks:
            members = np.flatnonzero((codes == k) & in_stage) if k >= 0 else np.flatnonzero(codes < 0)
            if len(members) == 0:
                continue
            members = members[np.argsort(-key[members], kind="stable")]
            if k >= 0:
                label = str(names.iloc[k]) if names is not None and _present(names.iloc[k]) \
                    else str(chain.segment_ids[k])
            else:
                label = "(no segment)"
            notes.append({"x": left + width / 2, "y": top - 70.0, "text": f"{label} · {len(members)}",
                          "size": 52})
            r, c = np.divmod(np.arange(len(members)), cols)
            x[members] = left + c * SPACING
            y[members] = top + r * SPACING
            top += (r.max() + 1) * SPACING + BLOCK_GAP
        left += width + STAGE_GAP
    return x, y, notes


# --------------------------------------------------------------------------- #
# the public function


def to_pyvis(
    chain: ChainGraph,
    *,
    color_by: str = "segment",
    size_by: str | None = "revenue",
    highlight=None,
    layout: str = "layered",
    max_nodes: int = DEFAULT_MAX_NODES,
    view: str = "auto",
    segment=None,
    ecosystem: str | None = None,
    depth: int = 2,
    scores="auto",
    title: str | None = None,
    height: str = "800px",
) -> ChainNetwork:
    """Interactive network of a chain (产业链图谱) as a pyvis network with an offline page.

    Firm level: one node per firm, one edge per supplier → customer pair
    (repeated links summed), width ∝ amount. With ``layout="layered"`` firms
    sit in columns upstream (上游) → midstream (中游) → downstream (下游), in
    one block per segment (环节), on precomputed positions (see
    :func:`layered_positions`); physics is off. With ``layout="force"`` the
    browser runs vis-network's Barnes–Hut simulation up to
    :data:`PHYSICS_LIMIT` nodes; above it positions are precomputed
    (networkx spring layout, ``seed=0``) and physics is off.

    Segment map (when the chain, or the focus, has more than ``max_nodes``
    firms, or ``view="segments"``): one node per segment, area ∝ number of
    firms (size ``12 + 48·√(firms / max firms)``), coloured by local coverage
    ``local_share = local firms / firms`` on a red (0) → amber → green (1)
    ramp (grey: no firm at all, 缺链 shows red), edges the money flowing
    between segments, ``F[k, l] = Σ W[s, j]`` over suppliers *s* in *k* and
    customers *j* in *l* (*k* ≠ *l*), width ∝ ``F``; template flows with no
    transaction are dashed. Clicking a segment lists its largest firms. The
    firm level of a large chain is reached per segment (``segment=``) or per
    lead firm's ecosystem (``ecosystem=``).

    Node size at firm level is ``5 + 25·√(v / max v)`` for the ``size_by``
    value *v* (area ∝ value; missing or ≤ 0 → 5). Tooltips show the firm's
    name, id, segment, stage, size class, tier, city / province / country and
    location (local / outside / foreign), revenue, sales and purchases in
    the network, numbers of suppliers and customers, and the scores in
    ``scores``.

    Parameters
    ----------
    chain : ChainGraph
    color_by : str
        ``"segment"``, ``"stage"``, ``"location"``, ``"size_class"``, any firms
        column or score column (``"tier"``, ``"lead_score"``, ``"esri"``).
        Text columns get one colour per value, numeric ones a
        low → high ramp. The segment map is always coloured by local coverage.
    size_by : str or None
        A numeric firms or score column (``"revenue"``, ``"employees"``,
        ``"lead_score"``, ``"esri"``…); ``None`` for equal sizes. A missing
        column falls back to sales + purchases in the network (said in the legend).
    highlight : str, iterable of str, "leads" or None
        Firms to mark (thick dark border, large label visible when zoomed
        out); ``"leads"`` marks the lead firms (``is_lead`` of
        :func:`chaingraph.lead_firms`). In a segment map, segment ids or the
        segments of the given firms are marked.
    layout : {"layered", "force"}
    max_nodes : int
        Largest number of firms drawn one by one (default 2,500).
    view : {"auto", "firms", "segments"}
    segment : str or list of str, optional
        Firm level of these segments: their firms plus their direct
        suppliers and customers (the partners trading most with the segment
        first, up to ``max_nodes`` firms in all).
    ecosystem : str, optional
        Firm level of this firm's ecosystem (生态圈) within ``depth`` tiers
        (:func:`chaingraph.ecosystem`); the firm is highlighted.
    depth : int
        Tiers for ``ecosystem``.
    scores : "auto", None, str, DataFrame or list of them
        Scores for tooltips (and for ``color_by``/``size_by``): analysis
        names ``"lead_firms"`` (lead_score, rank, is_lead), ``"tiers"`` (tier),
        ``"systemic_risk"`` (esri), or DataFrames indexed by ``firm_id`` whose
        columns are shown as they are. ``"auto"`` is lead_firms and tiers
        (both linear in the chain's size); an analysis missing from the
        installation is skipped. Scores are computed on the whole chain,
        before focusing on a segment or ecosystem. In a segment map,
        ``"auto"`` is lead_firms (for the firm lists) plus the weakness and
        severity of :func:`chaingraph.weak_links` in the segment tooltips;
        ``None`` computes no analysis at all (fastest).
    title : str, optional
        Page title (default from the chain and view).
    height : str
        CSS height of the canvas.

    Returns
    -------
    ChainNetwork
        A :class:`pyvis.network.Network`; ``.save_graph("chain.html")`` writes
        the offline page. ``node_table`` holds, per node, ``x``, ``y``,
        ``size``, ``color``, ``label`` and: at firm level ``segment_id``,
        ``stage``, ``location``, ``color_value``, ``size_value``,
        ``highlighted``; in a segment map ``name``, ``stage``, ``firms``,
        ``local``, ``outside``, ``foreign``, ``local_share``, ``sales``,
        ``purchases``, ``internal_flow`` (万元 within the segment),
        ``highlighted``. ``edge_table`` holds ``source``, ``target``,
        ``amount`` (万元), ``width`` and (segment map) ``in_template``.

    Raises
    ------
    ChainDataError
        For an unknown ``color_by``/``size_by`` column, firm or segment.

    References
    ----------
    vis-network 9.1.2 (https://visjs.github.io/vis-network/docs/network/), as
    bundled with pyvis 0.3.2; 工业和信息化部/山东省 链长制 chain maps
    (产业链图谱) for the upstream → downstream reading order.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> net = cg.to_pyvis(chain, color_by="location", highlight="leads")
    >>> net.view, net.num_nodes() == chain.n_firms
    ('firms', True)
    >>> bool((net.node_table.groupby("stage").x.max()["upstream"]
    ...       < net.node_table.groupby("stage").x.min()["midstream"]))
    True
    >>> seg = cg.to_pyvis(chain, view="segments")
    >>> int(seg.node_table["firms"].sum()) == chain.n_firms
    True
    >>> net.save_graph("chain.html")  # doctest: +SKIP
    """
    if layout not in ("layered", "force"):
        raise ValueError("layout must be 'layered' or 'force'")
    if view not in ("auto", "firms", "segments"):
        raise ValueError("view must be 'auto', 'firms' or 'segments'")
    if int(max_nodes) != max_nodes or max_nodes < 1:
        raise ValueError("max_nodes must be a positive integer")
    full = chain
    notes = []
    focus_ids = []
    if ecosystem is not None and segment is not None:
        raise ValueError("give either segment= or ecosystem=, not both")
    if ecosystem is not None:
        chain = _ecosystem(full, ecosystem, depth)
        focus_ids = [ecosystem]
        notes.append(f"生态圈 ecosystem of {ecosystem} within {depth} tiers: {chain.n_firms:,} firms")
    elif segment is not None:
        chain = _segment_focus(full, segment, max_nodes)
        notes.append(f"segment {', '.join([segment] if isinstance(segment, str) else list(segment))}: "
                     f"its firms and their direct suppliers and customers, {chain.n_firms:,} firms")

    kind = view
    if view == "auto":
        kind = "segments" if chain.n_firms > max_nodes else "firms"
        if kind == "segments":
            notes.append(f"segment map: {chain.n_firms:,} firms are more than max_nodes={max_nodes:,}; "
                         "draw one segment's firms with segment=… or a lead firm's with ecosystem=…")
    needed = [c for c in (color_by, size_by) if c]
    if kind == "segments":
        score_frame = _scores(full, "lead_firms" if scores == "auto" else scores,
                              [c for c in needed if c in _COLUMN_SOURCE])
        net = _segment_map(chain, full, score_frame, size_by=size_by, highlight=highlight,
                           height=height, weak=scores is not None)
    else:
        score_frame = _scores(full, scores, [c for c in needed if c in _COLUMN_SOURCE
                                             and c not in full.firms.columns])
        net = _firm_view(chain, full, score_frame, color_by=color_by, size_by=size_by,
                         highlight=list(focus_ids) if highlight is None and focus_ids else highlight,
                         layout=layout, height=height)
    net.notes = notes + net.notes
    region = f" · {chain.region}" if chain.region else ""
    tname = f"{chain.template.name} " if chain.template is not None else ""
    net.heading = title or (f"产业链 {tname}chain{region}: {chain.n_firms:,} firms, "
                            f"{chain.n_links:,} links" + (" (segment map)" if kind == "segments" else ""))
    return net


def _ecosystem(chain, firm_id, depth):
    try:
        from ..analysis.leads import ecosystem as eco
    except ImportError:  # pragma: no cover - leads is part of the package
        raise ChainDataError("ecosystem views need chaingraph.analysis.leads") from None
    return eco(chain, firm_id, depth=depth)


def _segment_focus(chain, segment, max_nodes):
    segs = [segment] if isinstance(segment, str) else list(segment)
    unknown = [s for s in segs if s not in chain.segment_ids]
    if unknown:
        raise ChainDataError(f"unknown segments {unknown[:3]}", source="segments", column="segment_id")
    codes = np.flatnonzero(chain.segment_ids.isin(segs))
    inside = np.isin(chain.segment_codes, codes)
    w = chain.adjacency
    wt = chain.adjacency_t
    # amount each outside firm trades with the segment (sales to it + purchases from it)
    trade = np.asarray(w[:, inside].sum(axis=1)).ravel() + np.asarray(wt[:, inside].sum(axis=1)).ravel()
    trade[inside] = 0.0
    partners = np.flatnonzero(trade > 0)
    room = max(0, max_nodes - int(inside.sum()))
    if len(partners) > room:
        partners = partners[np.argsort(-trade[partners], kind="stable")[:room]]
    keep = inside.copy()
    keep[partners] = True
    return chain.subchain(firms=chain.firm_ids[keep])


def _tooltip_rows(chain, scores: pd.DataFrame) -> list[list[tuple[str, str]]]:
    firms = chain.firms
    seg = chain.segments
    codes = chain.segment_codes
    seg_names = seg["name"].to_numpy(dtype=object) if "name" in seg.columns else np.full(len(seg), None)
    stages = _stage_of_segments(chain)
    loc = chain.location.astype(str).to_numpy()
    n_sup = np.diff(chain.adjacency_t.indptr)
    n_cus = np.diff(chain.adjacency.indptr)

    def col(name):
        return firms[name].to_numpy(dtype=object, na_value=None) if name in firms.columns else None

    name, city, prov, country = col("name"), col("city"), col("province"), col("country")
    size_class, revenue, employees = col("size_class"), col("revenue"), col("employees")
    score_cols = [c for c in scores.columns]
    score_vals = {c: scores[c].to_numpy(dtype=object, na_value=None) for c in score_cols}
    rows = []
    for i, fid in enumerate(chain.firm_ids):
        r = []
        if name is not None and _present(name[i]):
            r.append(("企业 name", str(name[i])))
        r.append(("firm_id", str(fid)))
        k = codes[i]
        if k >= 0:
            sname = seg_names[k]
            r.append(("环节 segment", f"{sname} ({chain.segment_ids[k]})" if _present(sname)
                      else str(chain.segment_ids[k])))
            r.append(("stage", STAGE_LABELS.get(stages[k], "–")))
        if size_class is not None:
            r.append(("规模 size class", _fmt(size_class[i])))
        if "tier" in score_vals:
            r.append((_TOOLTIP_LABELS["tier"], _fmt(score_vals["tier"][i])))
        place = ", ".join(str(v[i]) for v in (city, prov, country) if v is not None and _present(v[i]))
        r.append(("地区 region", f"{place} · {loc[i]}" if place else loc[i]))
        if revenue is not None:
            r.append(("营收 revenue (万元)", _fmt(revenue[i])))
        if employees is not None:
            r.append(("employees", _fmt(employees[i])))
        r.append(("sales in chain (万元)", _fmt(float(chain.out_strength[i]))))
        r.append(("purchases in chain (万元)", _fmt(float(chain.in_strength[i]))))
        r.append(("suppliers / customers", f"{int(n_sup[i]):,} / {int(n_cus[i]):,}"))
        for c in score_cols:
            if c == "tier":
                continue
            r.append((_TOOLTIP_LABELS.get(c, str(c)), _fmt(score_vals[c][i])))
        rows.append(r)
    return rows


def _firm_view(chain, full, scores, *, color_by, size_by, highlight, layout, height) -> ChainNetwork:
    n = chain.n_firms
    scores = scores.reindex(chain.firm_ids)
    net = ChainNetwork(height=height)
    net.view = "firms"

    cvals = _values(chain, color_by, scores)
    colors, legend, cnum = _color_map(chain, color_by, cvals)
    net.legend = legend

    strength = chain.out_strength + chain.in_strength
    if size_by is None:
        svals = np.full(n, np.nan)
        sizes = np.full(n, 10.0)
        net.size_note = "all nodes the same size"
    else:
        try:
            svals = _numeric(_values(chain, size_by, scores))
            net.size_note = f"node area ∝ {size_by}"
        except ChainDataError:
            if size_by != "revenue":
                raise
            svals = strength
            net.size_note = "node area ∝ sales + purchases in the chain (no revenue column)"
        sizes = scale_sizes(svals, 5.0, 25.0)

    marked = _highlight_firms(chain, full, highlight, scores)
    labels = (chain.firms["name"].astype(object).where(chain.firms["name"].notna(), None).to_numpy()
              if "name" in chain.firms.columns else np.full(n, None, dtype=object))
    ids = chain.firm_ids.astype(str).tolist()
    order_key = np.where(np.isfinite(svals), svals, strength)

    physics = False
    annotations = []
    if layout == "layered":
        x, y, annotations = layered_positions(chain, order_key)
    elif n <= PHYSICS_LIMIT:
        x = y = None
        physics = True
    else:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(n))
        coo = chain.adjacency.tocoo()
        g.add_edges_from(zip(coo.row.tolist(), coo.col.tolist()))
        pos = nx.spring_layout(g, seed=0, iterations=30, scale=SPACING * math.sqrt(n) * 1.5)
        x = np.array([pos[i][0] for i in range(n)])
        y = np.array([pos[i][1] for i in range(n)])
        net.notes.append(f"physics off above {PHYSICS_LIMIT} nodes: positions from a spring layout")

    nodes = []
    for i in range(n):
        node = {"id": ids[i], "label": str(labels[i]) if _present(labels[i]) else ids[i],
                "color": colors[i], "size": float(max(sizes[i], 15.0) if marked[i] else sizes[i]),
                "shape": "dot"}
        if x is not None:
            node["x"] = float(x[i])
            node["y"] = float(y[i])
            node["physics"] = False
        if marked[i]:
            node["borderWidth"] = 5
            node["color"] = {"background": colors[i], "border": "#111111"}
            node["font"] = {"size": 64, "strokeWidth": 6, "strokeColor": "#ffffff"}
        nodes.append(node)
    net.nodes = nodes
    net.node_ids = list(ids)
    net.node_map = {nd["id"]: nd for nd in nodes}

    coo = chain.adjacency.tocoo()
    amounts = coo.data.astype(float)
    widths = scale_sizes(amounts, 0.5, 6.0) if len(amounts) else amounts
    net.edges = [{"from": ids[s], "to": ids[t], "width": float(wd), "arrows": "to"}
                 for s, t, wd in zip(coo.row.tolist(), coo.col.tolist(), widths.tolist())]
    net.options = _vis_options(physics=physics, n_edges=len(net.edges))
    net.tips = dict(zip(ids, _tooltip_rows(chain, scores)))
    net.annotations = annotations

    stage_vals = _values(chain, "stage", scores).to_numpy(dtype=object)
    net.node_table = pd.DataFrame({
        "label": [nd["label"] for nd in nodes],
        "x": x if x is not None else np.nan,
        "y": y if y is not None else np.nan,
        "size": [nd["size"] for nd in nodes],
        "color": colors,
        "segment_id": chain.firms["segment_id"].to_numpy(dtype=object) if "segment_id" in chain.firms
        else None,
        "stage": stage_vals,
        "location": chain.location.astype(str).to_numpy(),
        "color_value": cnum if cnum is not None else cvals.astype(object).to_numpy(),
        "size_value": svals,
        "highlighted": marked,
    }, index=chain.firm_ids)
    net.edge_table = pd.DataFrame({
        "source": chain.firm_ids[coo.row], "target": chain.firm_ids[coo.col],
        "amount": amounts, "width": widths,
    })
    if marked.any():
        net.legend = net.legend + [("highlighted (thick border)", "#111111")]
    return net


def _highlight_firms(chain, full, highlight, scores) -> np.ndarray:
    n = chain.n_firms
    if highlight is None:
        return np.zeros(n, dtype=bool)
    if isinstance(highlight, str) and highlight == "leads":
        if "is_lead" not in scores.columns:
            extra = _scores(full, ["lead_firms"]).reindex(chain.firm_ids)
            if "is_lead" not in extra.columns:
                return np.zeros(n, dtype=bool)
            return extra["is_lead"].fillna(False).to_numpy(dtype=bool)
        return scores["is_lead"].fillna(False).to_numpy(dtype=bool)
    ids = [highlight] if isinstance(highlight, str) else list(highlight)
    missing = [i for i in ids if i not in full.firm_ids]
    if missing:
        raise ChainDataError(f"highlight: unknown firms {missing[:3]}", source="firms", column="firm_id")
    return chain.firm_ids.isin(ids)


# --------------------------------------------------------------------------- #
# segment map


def segment_flows_matrix(chain) -> tuple[np.ndarray, np.ndarray]:
    """``(F, counts)``: money between segments and firms per segment.

    ``F[k, l] = Σ W[s, j]`` over suppliers *s* in segment *k* and customers
    *j* in segment *l*; the last row/column (index ``K``) collects firms with
    no segment. ``counts[k, loc]`` is the number of firms of segment *k* that
    are local (0), outside (1) or foreign (2).
    """
    K = len(chain.segment_ids)
    codes = np.where(chain.segment_codes >= 0, chain.segment_codes, K).astype(np.int64)
    w = chain.adjacency.tocoo()
    F = np.bincount(codes[w.row] * (K + 1) + codes[w.col], weights=w.data,
                    minlength=(K + 1) ** 2).reshape(K + 1, K + 1)
    loc = np.where(chain.is_foreign, 2, np.where(chain.is_local, 0, 1))
    counts = np.bincount(codes * 3 + loc, minlength=(K + 1) * 3).reshape(K + 1, 3)
    return F, counts


def _segment_map(chain, full, scores, *, size_by, highlight, height, weak=True) -> ChainNetwork:
    net = ChainNetwork(height=height)
    net.view = "segments"
    K = len(chain.segment_ids)
    F, counts = segment_flows_matrix(chain)
    seg = chain.segments
    has_orphans = bool(counts[K].sum() > 0)
    ids = [str(s) for s in chain.segment_ids] + (["(no segment)"] if has_orphans else [])
    m = len(ids)
    names = (seg["name"].to_numpy(dtype=object) if "name" in seg.columns else np.full(K, None))
    names = [str(v) if _present(v) else str(s) for v, s in zip(names, chain.segment_ids)]
    names += ["(no segment)"] if has_orphans else []
    stages = _stage_of_segments(chain) + ([None] if has_orphans else [])
    firms_n = counts[:m].sum(axis=1)
    local_share = np.where(firms_n > 0, counts[:m, 0] / np.maximum(firms_n, 1), np.nan)
    sales = F[:m].sum(axis=1)
    purchases = F[:, :m].sum(axis=0)
    internal = np.diag(F)[:m]

    colors = ramp_colors(local_share, _COVERAGE)
    sizes = 12.0 + 48.0 * np.sqrt(firms_n / max(firms_n.max(), 1))

    marked = np.zeros(m, dtype=bool)
    if highlight is not None:
        if isinstance(highlight, str) and highlight == "leads":
            lead = scores["is_lead"].fillna(False).to_numpy(dtype=bool) if "is_lead" in scores else \
                np.zeros(full.n_firms, bool)
            hit = full.segment_codes[lead & (full.segment_codes >= 0)]
            marked[np.unique(hit)] = True
        else:
            wanted = [highlight] if isinstance(highlight, str) else list(highlight)
            for h in wanted:
                if h in chain.segment_ids:
                    marked[chain.segment_ids.get_loc(h)] = True
                elif h in full.firm_ids:
                    k = full.segment_codes[full.firm_ids.get_loc(h)]
                    marked[k if k >= 0 else K] = True
                else:
                    raise ChainDataError(f"highlight: {h!r} is neither a segment nor a firm",
                                         source="firms", column="firm_id")

    # positions: stage columns, segments stacked in template order
    x = np.zeros(m)
    y = np.zeros(m)
    annotations = []
    col = 0
    for stage in (*STAGE_ORDER, None):
        members = [k for k in range(m) if stages[k] == stage]
        if not members:
            continue
        xs = col * 720.0
        annotations.append({"x": xs, "y": -130.0, "text": STAGE_LABELS[stage], "size": 30})
        for r, k in enumerate(members):
            x[k] = xs + (90.0 if r % 2 else -90.0)
            y[k] = r * 130.0
        col += 1

    # largest firms per segment, for the side panel
    key_name = size_by if size_by and (size_by in chain.firms.columns) else None
    size_key = _numeric(chain.firms[key_name]) if key_name else chain.out_strength + chain.in_strength
    size_key = np.where(np.isfinite(size_key), size_key, -np.inf)
    codes = np.where(chain.segment_codes >= 0, chain.segment_codes, K)
    order = np.lexsort((-size_key, codes))
    starts = np.searchsorted(codes[order], np.arange(m + 1))
    fnames = (chain.firms["name"].to_numpy(dtype=object, na_value=None) if "name" in chain.firms
              else np.full(chain.n_firms, None))
    size_class = chain.firms["size_class"].to_numpy(dtype=object, na_value=None)
    loc = chain.location.astype(str).to_numpy()
    sc = scores.reindex(chain.firm_ids)
    lead_score = sc["lead_score"].to_numpy(dtype=float, na_value=np.nan) if "lead_score" in sc else None
    columns = ["firm_id", "name", "size class", "location", key_name or "sales + purchases (万元)"]
    if lead_score is not None:
        columns.append("lead score")
    details = {}
    for k in range(m):
        top = order[starts[k]:min(starts[k + 1], starts[k] + 15)]
        rows = []
        for i in top:
            row = [str(chain.firm_ids[i]), str(fnames[i]) if _present(fnames[i]) else "",
                   _fmt(size_class[i]), loc[i], _fmt(float(size_key[i]) if np.isfinite(size_key[i]) else None)]
            if lead_score is not None:
                row.append(_fmt(lead_score[i]))
            rows.append(row)
        details[ids[k]] = {"title": f"{names[k]}: largest of {int(firms_n[k]):,} firms",
                           "columns": columns, "rows": rows}

    nodes = []
    tips = {}
    for k in range(m):
        label = f"{names[k]}\n{int(firms_n[k]):,}"
        node = {"id": ids[k], "label": label, "x": float(x[k]), "y": float(y[k]), "size": float(sizes[k]),
                "color": colors[k], "shape": "dot", "physics": False,
                "font": {"size": 26, "color": "#222222", "strokeWidth": 5, "strokeColor": "#ffffff"}}
        if marked[k]:
            node["borderWidth"] = 5
            node["color"] = {"background": colors[k], "border": "#111111"}
        nodes.append(node)
        s_en = seg["name_en"].iloc[k] if k < K and "name_en" in seg.columns else None
        found = seg["foundation"].iloc[k] if k < K and "foundation" in seg.columns else None
        rows = [("环节 segment", names[k]), ("segment_id", ids[k])]
        if _present(s_en):
            rows.append(("name (en)", str(s_en)))
        rows.append(("stage", STAGE_LABELS.get(stages[k], "–")))
        if _present(found):
            rows.append(("基础 foundation", str(found)))
        rows += [("firms", f"{int(firms_n[k]):,}"),
                 ("local / outside / foreign", " / ".join(f"{int(v):,}" for v in counts[k])),
                 ("local coverage", "no firm (缺链)" if firms_n[k] == 0 else f"{local_share[k]:.0%}"),
                 ("sales to other segments (万元)", _fmt(float(sales[k] - internal[k]))),
                 ("purchases from other segments (万元)", _fmt(float(purchases[k] - internal[k]))),
                 ("within-segment flow (万元)", _fmt(float(internal[k])))]
        tips[ids[k]] = rows
    if weak:
        _weak_rows(chain, tips, ids[:K])

    templ = set()
    if chain.template is not None and len(chain.template.flows):
        fl = chain.template.flows
        a = chain.segment_ids.get_indexer(fl["from_segment"])
        b = chain.segment_ids.get_indexer(fl["to_segment"])
        templ = {(int(i), int(j)) for i, j in zip(a, b) if i >= 0 and j >= 0}
    pairs = [(k, l) for k in range(m) for l in range(m) if k != l and (F[k, l] > 0 or (k, l) in templ)]
    amounts = np.array([F[k, l] for k, l in pairs], dtype=float)
    widths = scale_sizes(amounts, 1.0, 14.0) if len(amounts) else amounts
    edges = []
    for (k, l), amt, wd in zip(pairs, amounts.tolist(), widths.tolist()):
        e = {"from": ids[k], "to": ids[l], "width": float(wd), "arrows": "to",
             "title": f"{names[k]} → {names[l]}: {_fmt(amt)} 万元"}
        if amt == 0:
            e["dashes"] = True
            e["width"] = 1.0
            e["color"] = {"color": "#c53a32", "opacity": 0.8}
            e["title"] = f"{names[k]} → {names[l]}: template flow with no transaction (断链)"
        edges.append(e)
    net.nodes, net.edges, net.tips, net.details = nodes, edges, tips, details
    net.node_ids = list(ids)
    net.node_map = {nd["id"]: nd for nd in nodes}
    net.annotations = annotations
    net.options = _vis_options(physics=False, n_edges=len(edges), smooth=True)
    net.options["nodes"]["scaling"]["label"]["drawThreshold"] = 4
    net.legend = [("local coverage 0% (no local firm, 缺链)", ramp_colors([0.0], _COVERAGE)[0]),
                  ("local coverage 50%", ramp_colors([0.5], _COVERAGE)[0]),
                  ("local coverage 100%", ramp_colors([1.0], _COVERAGE)[0]),
                  ("no firm in the data", MISSING_COLOR)]
    if any(amounts == 0):
        net.legend.append(("dashed red: template flow with no transaction (断链)", "#c53a32"))
    if marked.any():
        net.legend.append(("highlighted (thick border)", "#111111"))
    net.size_note = "node area ∝ number of firms; edge width ∝ money flowing between segments"
    net.node_table = pd.DataFrame({
        "label": names, "name": names, "x": x, "y": y, "size": sizes, "color": colors,
        "stage": stages, "firms": firms_n, "local": counts[:m, 0], "outside": counts[:m, 1],
        "foreign": counts[:m, 2], "local_share": local_share, "sales": sales,
        "purchases": purchases, "internal_flow": internal, "highlighted": marked,
    }, index=pd.Index(ids, name="segment_id"))
    net.edge_table = pd.DataFrame({
        "source": [ids[k] for k, _ in pairs], "target": [ids[l] for _, l in pairs],
        "amount": amounts, "width": [e["width"] for e in edges],
        "in_template": [(k, l) in templ for k, l in pairs],
    })
    return net


def _weak_rows(chain, tips, seg_ids):
    """Add weak_links' verdict to segment tooltips when that analysis is installed."""
    try:
        from ..analysis.weak import weak_links
    except ImportError:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wl = weak_links(chain)
    except ChainDataError:
        return
    for col, label in (("weakness", "弱链 weakness"), ("severity", "severity")):
        if col in wl.columns:
            for s in seg_ids:
                if s in wl.index:
                    tips[s].append((label, _fmt(wl.at[s, col])))
