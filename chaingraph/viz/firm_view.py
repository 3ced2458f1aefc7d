"""The firm view: one node per firm, laid out in stage columns and segment blocks.

:func:`firm_view` draws the nodes (coloured and sized by a firm attribute
or score, highlighted firms with a thick border), the edges (width ∝ amount)
and one tooltip per firm; :func:`layered_positions` is the layered layout.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import ChainDataError
from .attributes import firm_values, is_numeric, numeric_values, role_flags, score_table, segment_stages
from .page import ChainNetwork, vis_options
from .style import (FIXED_PALETTES, MISSING_COLOR, STAGE_LABELS, STAGE_ORDER, categorical_colors,
                    format_value, is_present, ramp_colors, scale_sizes)

#: Above this many nodes physics (force simulation in the browser) is off.
PHYSICS_LIMIT = 300
SPACING = 42.0          # distance between firm nodes in the layered grid (vis units)
STAGE_GAP = 700.0       # gap between stage columns
BLOCK_GAP = 150.0       # gap between segment blocks within a column
#: Role tags under the name of lead firms and chokepoints, and how they are drawn.
LEAD_TAG = "链主 lead"
CHOKEPOINT_TAG = "堵点 chokepoint"
ROLE_FONT = {"size": 40, "strokeWidth": 6, "strokeColor": "#ffffff", "color": "#111111"}
CHOKEPOINT_BORDER = "#c53a32"
_TOOLTIP_LABELS = {"lead_score": "链主 lead score", "rank": "lead rank", "is_lead": "链主 lead firm",
                   "tier": "梯度 tier", "esri": "系统性风险 ESRI", "chokepoint": "堵点 chokepoint"}


def firm_view(chain, full, scores, *, color_by, size_by, highlight, layout, height) -> ChainNetwork:
    """The firm view of ``chain`` (see :func:`~chaingraph.viz.to_pyvis`).

    ``full`` is the chain before focusing and ``scores`` the score table
    computed on it.
    """
    n = chain.n_firms
    scores = scores.reindex(chain.firm_ids)
    net = ChainNetwork(height=height)
    net.view = "firms"

    cvals = firm_values(chain, color_by, scores)
    colors, legend, cnum = firm_colors(chain, color_by, cvals)
    net.legend = legend
    svals, sizes, net.size_note = firm_sizes(chain, size_by, scores)

    marked = highlighted_firms(chain, full, highlight, scores)
    lead, choke = role_flags(scores, n)
    labels = (chain.firms["name"].astype(object).where(chain.firms["name"].notna(), None).to_numpy()
              if "name" in chain.firms.columns else np.full(n, None, dtype=object))
    ids = chain.firm_ids.astype(str).tolist()
    physics = False
    annotations = []
    if layout == "layered":
        strength = chain.out_strength + chain.in_strength
        x, y, annotations = layered_positions(chain, np.where(np.isfinite(svals), svals, strength))
    elif n <= PHYSICS_LIMIT:
        x = y = None  # the browser's force simulation places the nodes
        physics = True
    else:
        x, y = _spring_positions(chain)
        net.notes.append(f"physics off above {PHYSICS_LIMIT} nodes: positions from a spring layout")

    nodes = []
    for i in range(n):
        node = {"id": ids[i], "label": str(labels[i]) if is_present(labels[i]) else ids[i],
                "color": colors[i], "size": float(max(sizes[i], 15.0) if marked[i] else sizes[i]),
                "shape": "dot"}
        if x is not None:
            node["x"] = float(x[i])
            node["y"] = float(y[i])
            node["physics"] = False
        mark_roles(node, lead=lead[i], chokepoint=choke[i])
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
    net.options = vis_options(physics=physics, n_edges=len(net.edges))
    net.tips = dict(zip(ids, tooltip_rows(chain, scores)))
    net.annotations = annotations

    stage_vals = firm_values(chain, "stage", scores).to_numpy(dtype=object)
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
        "lead": lead,
        "chokepoint": choke,
    }, index=chain.firm_ids)
    net.edge_table = pd.DataFrame({
        "source": chain.firm_ids[coo.row], "target": chain.firm_ids[coo.col],
        "amount": amounts, "width": widths,
    })
    net.legend = net.legend + role_legend(lead, choke)
    if marked.any():
        net.legend = net.legend + [("highlighted (thick border)", "#111111")]
    return net


def mark_roles(node: dict, *, lead: bool, chokepoint: bool) -> None:
    """Make a lead firm or a chokepoint readable when zoomed out: its role under its name in a
    large font; a chokepoint also gets a red border."""
    if not (lead or chokepoint):
        return
    tags = [tag for tag, on in ((LEAD_TAG, lead), (CHOKEPOINT_TAG, chokepoint)) if on]
    node["label"] = f"{node['label']}\n{' · '.join(tags)}"
    node["font"] = dict(ROLE_FONT)
    if chokepoint:
        color = node["color"]
        node["color"] = {"background": color["background"] if isinstance(color, dict) else color,
                         "border": CHOKEPOINT_BORDER}
        node["borderWidth"] = 4


def role_legend(lead: np.ndarray, chokepoint: np.ndarray) -> list[tuple[str, str]]:
    """Legend rows for the labelled roles present in a view."""
    rows = []
    if np.any(lead):
        rows.append((f"{LEAD_TAG} firm: labelled", "#111111"))
    if np.any(chokepoint):
        rows.append((f"{CHOKEPOINT_TAG}: red border, labelled", CHOKEPOINT_BORDER))
    return rows


def firm_sizes(chain, size_by, scores, lo: float = 5.0, hi: float = 25.0) -> tuple[np.ndarray, np.ndarray, str]:
    """``(values, sizes, note)``: node sizes ``lo + (hi − lo)·√(v / max v)`` for the ``size_by`` values.

    Without ``size_by`` every node is ``(lo + hi) / 2``; a chain without a
    ``revenue`` column is sized by sales + purchases in the chain instead
    (said in the note).
    """
    n = chain.n_firms
    if size_by is None:
        return np.full(n, np.nan), np.full(n, (lo + hi) / 2), "all nodes the same size"
    try:
        values = numeric_values(firm_values(chain, size_by, scores))
        note = f"node area ∝ {size_by}"
    except ChainDataError:
        if size_by != "revenue":
            raise
        values = chain.out_strength + chain.in_strength
        note = "node area ∝ sales + purchases in the chain (no revenue column)"
    return values, scale_sizes(values, lo, hi), note


def _spring_positions(chain) -> tuple[np.ndarray, np.ndarray]:
    """Positions from networkx's spring layout (``seed=0``), for views too large for physics."""
    import networkx as nx

    n = chain.n_firms
    g = nx.Graph()
    g.add_nodes_from(range(n))
    coo = chain.adjacency.tocoo()
    g.add_edges_from(zip(coo.row.tolist(), coo.col.tolist()))
    pos = nx.spring_layout(g, seed=0, iterations=30, scale=SPACING * math.sqrt(n) * 1.5)
    return np.array([pos[i][0] for i in range(n)]), np.array([pos[i][1] for i in range(n)])


def highlighted_firms(chain, full, highlight, scores) -> np.ndarray:
    """Which firms to mark: the given ones (each must be a firm of ``full``) or the lead firms."""
    n = chain.n_firms
    if highlight is None:
        return np.zeros(n, dtype=bool)
    if isinstance(highlight, str) and highlight == "leads":
        if "is_lead" not in scores.columns:
            extra = score_table(full, ["lead_firms"]).reindex(chain.firm_ids)
            if "is_lead" not in extra.columns:
                return np.zeros(n, dtype=bool)
            return extra["is_lead"].fillna(False).to_numpy(dtype=bool)
        return scores["is_lead"].fillna(False).to_numpy(dtype=bool)
    ids = [highlight] if isinstance(highlight, str) else list(highlight)
    missing = [i for i in ids if i not in full.firm_ids]
    if missing:
        raise ChainDataError(f"highlight: unknown firms {missing[:3]}", source="firms", column="firm_id")
    return chain.firm_ids.isin(ids)


def firm_colors(chain, name: str, values: pd.Series):
    """(colours per firm, legend, numeric values or None)."""
    if is_numeric(values) and name not in ("segment",):
        v = numeric_values(values)
        finite = np.isfinite(v)
        lo, hi = (np.nanmin(v), np.nanmax(v)) if finite.any() else (0.0, 1.0)
        t = (v - lo) / (hi - lo) if hi > lo else np.where(finite, 0.5, np.nan)
        legend = [(f"{name} = {format_value(lo)} (low)", ramp_colors([0.0])[0]),
                  (f"{name} = {format_value(hi)} (high)", ramp_colors([1.0])[0])]
        if not finite.all():
            legend.append((f"{name} missing", MISSING_COLOR))
        return ramp_colors(t), legend, v
    if name == "segment":
        cats = [str(s) for s in chain.segment_ids]
        names = chain.segments["name"] if "name" in chain.segments.columns else pd.Series(dtype=object)
        labels = [f"{names.get(s)} ({s})" if is_present(names.get(s)) else s for s in cats]
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


def tooltip_rows(chain, scores: pd.DataFrame, positions=None) -> list[list[tuple[str, str]]]:
    """Per firm (of ``positions`` in ``chain.firm_ids``, default all), its tooltip rows
    ``(label, text)``: name, segment, stage, size, tier, place, money in the chain, partners,
    then the other score columns. ``scores`` is indexed like ``chain.firm_ids``."""
    firms = chain.firms
    seg = chain.segments
    codes = chain.segment_codes
    seg_names = seg["name"].to_numpy(dtype=object) if "name" in seg.columns else np.full(len(seg), None)
    stages = segment_stages(chain)
    loc = chain.location.astype(str).to_numpy()
    n_sup = np.diff(chain.adjacency_t.indptr)
    n_cus = np.diff(chain.adjacency.indptr)

    def col(name):
        return firms[name].to_numpy(dtype=object, na_value=None) if name in firms.columns else None

    name, city, prov, country = col("name"), col("city"), col("province"), col("country")
    size_class, revenue, employees = col("size_class"), col("revenue"), col("employees")
    score_cols = [c for c in scores.columns]
    score_vals = {c: scores[c].to_numpy(dtype=object, na_value=None) for c in score_cols}
    positions = list(range(chain.n_firms)) if positions is None else [int(p) for p in positions]
    fids = chain.firm_ids[positions].astype(str).tolist()
    rows = []
    for i, fid in zip(positions, fids):
        r = []
        if name is not None and is_present(name[i]):
            r.append(("企业 name", str(name[i])))
        r.append(("firm_id", str(fid)))
        k = codes[i]
        if k >= 0:
            sname = seg_names[k]
            r.append(("环节 segment", f"{sname} ({chain.segment_ids[k]})" if is_present(sname)
                      else str(chain.segment_ids[k])))
            r.append(("stage", STAGE_LABELS.get(stages[k], "–")))
        if size_class is not None:
            r.append(("规模 size class", format_value(size_class[i])))
        if "tier" in score_vals:
            r.append((_TOOLTIP_LABELS["tier"], format_value(score_vals["tier"][i])))
        place = ", ".join(str(v[i]) for v in (city, prov, country) if v is not None and is_present(v[i]))
        r.append(("地区 region", f"{place} · {loc[i]}" if place else loc[i]))
        if revenue is not None:
            r.append(("营收 revenue (万元)", format_value(revenue[i])))
        if employees is not None:
            r.append(("employees", format_value(employees[i])))
        r.append(("sales in chain (万元)", format_value(float(chain.out_strength[i]))))
        r.append(("purchases in chain (万元)", format_value(float(chain.in_strength[i]))))
        r.append(("suppliers / customers", f"{int(n_sup[i]):,} / {int(n_cus[i]):,}"))
        for c in score_cols:
            if c == "tier":
                continue
            r.append((_TOOLTIP_LABELS.get(c, str(c)), format_value(score_vals[c][i])))
        rows.append(r)
    return rows


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
    seg_stage = segment_stages(chain)
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
                label = str(names.iloc[k]) if names is not None and is_present(names.iloc[k]) \
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
