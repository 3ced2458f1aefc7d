"""The segment map: one node per segment, coloured by local coverage, edges the money between segments.

Drawn instead of firms when a chain (or a focus) has too many firms to draw
one by one; clicking a segment lists its largest firms.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..analysis.weak import weak_links
from ..errors import ChainDataError
from .attributes import numeric_values, run_or_leave_out, segment_stages
from .page import ChainNetwork, vis_options
from .style import (COVERAGE_STOPS, MISSING_COLOR, STAGE_LABELS, STAGE_ORDER, format_value, is_present,
                    ramp_colors, scale_sizes)

_NO_SEGMENT = "(no segment)"


def segment_flows_matrix(chain) -> tuple[np.ndarray, np.ndarray]:
    """``(F, counts)``: money between segments and firms per segment.

    ``F[k, l] = Σ W[s, j]`` over suppliers *s* in segment *k* and customers
    *j* in segment *l*; the last row/column (index ``K``) collects firms with
    no segment. ``counts[k, loc]`` is the number of firms of segment *k* or of
    a segment nested in it (as in :meth:`ChainGraph.summary`) that are local
    (0), outside (1) or foreign (2). Money is not nested: ``F`` is between the
    segments the firms are placed in, so that an edge is drawn once.
    """
    F = chain.segment_flow_matrix(unknown=True).toarray()
    by_location = chain.location_codes[:, None] == np.arange(3)
    return F, chain.segment_firm_counts(by_location, unknown=True, nested=True)


class _Segments(NamedTuple):
    """The numbers behind the map, one entry per node: every segment of the chain, then
    "(no segment)" when some firm has none."""

    ids: list
    names: list
    stages: list            # one of STAGE_ORDER or None
    counts: np.ndarray      # firms by location: columns local, outside, foreign
    firms: np.ndarray
    local_share: np.ndarray  # local / firms, NaN without firms
    sales: np.ndarray       # 万元, including sales within the segment
    purchases: np.ndarray
    internal: np.ndarray    # within-segment flow


def segment_map(chain, full, scores, *, size_by, highlight, height, weak=True) -> ChainNetwork:
    """The segment map of ``chain`` (see :func:`~chaingraph.viz.to_pyvis`).

    ``full`` is the chain before focusing and ``scores`` the score table
    computed on it; ``weak`` adds :func:`~chaingraph.weak_links`' verdict to
    the tooltips.
    """
    F, counts = segment_flows_matrix(chain)
    segs = _segment_numbers(chain, F, counts)
    ids, names, firms_n = segs.ids, segs.names, segs.firms
    colors = ramp_colors(segs.local_share, COVERAGE_STOPS)
    sizes = 12.0 + 48.0 * np.sqrt(firms_n / max(firms_n.max(), 1))
    marked = _highlighted_segments(chain, full, scores, highlight, len(ids))
    x, y, annotations = _stage_columns(segs.stages)

    net = ChainNetwork(height=height)
    net.view = "segments"
    nodes = []
    for k in range(len(ids)):
        node = {"id": ids[k], "label": f"{names[k]}\n{int(firms_n[k]):,}", "x": float(x[k]), "y": float(y[k]),
                "size": float(sizes[k]), "color": colors[k], "shape": "dot", "physics": False,
                "font": {"size": 26, "color": "#222222", "strokeWidth": 5, "strokeColor": "#ffffff"}}
        if marked[k]:
            node["borderWidth"] = 5
            node["color"] = {"background": colors[k], "border": "#111111"}
        nodes.append(node)
    tips = _segment_tooltips(chain, segs)
    if weak:
        _weak_rows(chain, tips, ids[:len(chain.segment_ids)])
    edges, net.edge_table = _segment_edges(chain, F, segs)
    net.nodes, net.edges, net.tips = nodes, edges, tips
    net.details = _largest_firms(chain, scores, size_by, segs)
    net.node_ids = list(ids)
    net.node_map = {nd["id"]: nd for nd in nodes}
    net.annotations = annotations
    net.options = vis_options(physics=False, n_edges=len(edges), smooth=True)
    net.options["nodes"]["scaling"]["label"]["drawThreshold"] = 4
    net.legend = [("local coverage 0% (no local firm, 缺链)", ramp_colors([0.0], COVERAGE_STOPS)[0]),
                  ("local coverage 50%", ramp_colors([0.5], COVERAGE_STOPS)[0]),
                  ("local coverage 100%", ramp_colors([1.0], COVERAGE_STOPS)[0]),
                  ("no firm in the data", MISSING_COLOR)]
    if (net.edge_table["amount"] == 0).any():
        net.legend.append(("dashed red: template flow with no transaction (断链)", "#c53a32"))
    elif net.edge_table["amount"].isna().any():
        net.legend.append(("grey: template flow (a chain map has no transactions)", "#9aa0a6"))
    if marked.any():
        net.legend.append(("highlighted (thick border)", "#111111"))
    net.size_note = "node area ∝ number of firms; edge width ∝ money flowing between segments"
    net.node_table = pd.DataFrame({
        "label": names, "name": names, "x": x, "y": y, "size": sizes, "color": colors,
        "stage": segs.stages, "firms": firms_n, "local": segs.counts[:, 0], "outside": segs.counts[:, 1],
        "foreign": segs.counts[:, 2], "local_share": segs.local_share, "sales": segs.sales,
        "purchases": segs.purchases, "internal_flow": segs.internal, "highlighted": marked,
    }, index=pd.Index(ids, name="segment_id"))
    return net


def _segment_numbers(chain, F, counts) -> _Segments:
    """Names, stages, firm counts and money per node, from :func:`segment_flows_matrix`'s results."""
    K = len(chain.segment_ids)
    has_orphans = bool(counts[K].sum() > 0)
    m = K + 1 if has_orphans else K
    orphans = [_NO_SEGMENT] if has_orphans else []
    seg = chain.segments
    names = seg["name"].to_numpy(dtype=object) if "name" in seg.columns else np.full(K, None)
    names = [str(v) if is_present(v) else str(s) for v, s in zip(names, chain.segment_ids)]
    firms_n = counts[:m].sum(axis=1)
    return _Segments(
        ids=[str(s) for s in chain.segment_ids] + orphans,
        names=names + orphans,
        stages=segment_stages(chain) + ([None] if has_orphans else []),
        counts=counts[:m],
        firms=firms_n,
        local_share=np.where(firms_n > 0, counts[:m, 0] / np.maximum(firms_n, 1), np.nan),
        sales=F[:m].sum(axis=1),
        purchases=F[:, :m].sum(axis=0),
        internal=np.diag(F)[:m],
    )


def _highlighted_segments(chain, full, scores, highlight, m) -> np.ndarray:
    """Which of the ``m`` segment nodes to mark: given segments, the segments of given firms, or
    those of the lead firms (``"leads"``), found by segment id (``full`` may have segments the
    focused ``chain`` does not draw). A firm with no segment marks "(no segment)" when it is
    among the map's firms. A given firm that nothing on the map stands for is an error; lead
    firms off the map are simply not marked."""
    marked = np.zeros(m, dtype=bool)
    if highlight is None:
        return marked
    if isinstance(highlight, str) and highlight == "leads":
        lead = scores["is_lead"].fillna(False).to_numpy(dtype=bool) if "is_lead" in scores else \
            np.zeros(full.n_firms, bool)
        for i in np.flatnonzero(lead):
            marked[_firm_nodes(chain, full, i, m)[0]] = True
        return marked
    wanted = [highlight] if isinstance(highlight, str) else list(highlight)
    for h in wanted:
        if h in chain.segment_ids:
            marked[chain.segment_ids.get_loc(h)] = True
        elif h in full.firm_ids:
            nodes, why = _firm_nodes(chain, full, full.firm_ids.get_loc(h), m)
            if not len(nodes):
                raise ChainDataError(f"highlight: firm {h!r} {why}: nothing on the segment map stands for it",
                                     source="firms", column="segment_id")
            marked[nodes] = True
        else:
            raise ChainDataError(f"highlight: {h!r} is neither a segment nor a firm",
                                 source="firms", column="firm_id")
    return marked


def _firm_nodes(chain, full, i, m) -> tuple[np.ndarray, str]:
    """The map nodes that stand for firm ``i`` of ``full`` (its segments on the map, or
    "(no segment)"), and, when there are none, why."""
    M = full.segment_membership
    segs = full.segment_ids[M.indices[M.indptr[i]:M.indptr[i + 1]]]
    K = len(chain.segment_ids)
    if not len(segs):
        if m > K and full.firm_ids[i] in chain.firm_ids:
            return np.array([K]), ""
        return np.array([], dtype=np.int64), f"has no segment and is not among the {chain.n_firms:,} firms of this map"
    pos = chain.segment_ids.get_indexer(segs)
    if (pos >= 0).any():
        return pos[pos >= 0], ""
    names = ", ".join(map(str, segs))
    where = f"segment {names}, which is" if len(segs) == 1 else f"segments {names}, which are"
    return pos[pos >= 0], f"is in {where} not on this map"


def _stage_columns(stages: list) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Positions: one column per stage (upstream → downstream, then unknown), segments stacked
    in template order and staggered left and right; the stage headings as annotations."""
    m = len(stages)
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
    return x, y, annotations


def _segment_tooltips(chain, segs: _Segments) -> dict:
    """Segment id → tooltip rows: names, stage, foundation, firms by location, coverage, money."""
    seg = chain.segments
    K = len(seg)
    tips = {}
    for k, sid in enumerate(segs.ids):
        s_en = seg["name_en"].iloc[k] if k < K and "name_en" in seg.columns else None
        found = seg["foundation"].iloc[k] if k < K and "foundation" in seg.columns else None
        rows = [("环节 segment", segs.names[k]), ("segment_id", sid)]
        if is_present(s_en):
            rows.append(("name (en)", str(s_en)))
        rows.append(("stage", STAGE_LABELS.get(segs.stages[k], "–")))
        if is_present(found):
            rows.append(("基础 foundation", str(found)))
        sold_out = segs.sales[k] - segs.internal[k]
        bought_in = segs.purchases[k] - segs.internal[k]
        rows += [("firms", f"{int(segs.firms[k]):,}"),
                 ("local / outside / foreign", " / ".join(f"{int(v):,}" for v in segs.counts[k])),
                 ("local coverage", "no firm (缺链)" if segs.firms[k] == 0 else f"{segs.local_share[k]:.0%}"),
                 ("sales to other segments (万元)", format_value(float(sold_out))),
                 ("purchases from other segments (万元)", format_value(float(bought_in))),
                 ("within-segment flow (万元)", format_value(float(segs.internal[k])))]
        tips[sid] = rows
    return tips


def _largest_firms(chain, scores, size_by, segs: _Segments) -> dict:
    """Segment id → its 15 largest firms for the side panel, by ``size_by`` when that is a firms
    column, else by sales + purchases in the chain."""
    key_name = size_by if size_by and (size_by in chain.firms.columns) else None
    size_key = numeric_values(chain.firms[key_name]) if key_name else chain.out_strength + chain.in_strength
    size_key = np.where(np.isfinite(size_key), size_key, -np.inf)
    members = _segment_members(chain, len(segs.ids))
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
    for k, sid in enumerate(segs.ids):
        firms_k = members[k]
        top = firms_k[np.argsort(-size_key[firms_k], kind="stable")[:15]]
        rows = []
        for i in top:
            row = [str(chain.firm_ids[i]), str(fnames[i]) if is_present(fnames[i]) else "",
                   format_value(size_class[i]), loc[i],
                   format_value(float(size_key[i]) if np.isfinite(size_key[i]) else None)]
            if lead_score is not None:
                row.append(format_value(lead_score[i]))
            rows.append(row)
        details[sid] = {"title": f"{segs.names[k]}: largest of {int(segs.firms[k]):,} firms",
                        "columns": columns, "rows": rows}
    return details


def _segment_members(chain, m) -> list[np.ndarray]:
    """Firm positions per node, in firm order: the firms counted in each segment (its own and
    its sub-segments', as in :func:`segment_flows_matrix`), then, when ``m`` has one more node,
    the firms with no segment."""
    present = sp.csc_array((chain.segment_membership > 0).astype(np.float64) @ chain.segment_ancestry)
    present.sort_indices()
    members = [present.indices[present.indptr[k]:present.indptr[k + 1]]
               for k in range(len(chain.segment_ids))]
    if m > len(members):
        members.append(np.flatnonzero(np.diff(chain.segment_membership.indptr) == 0))
    return members


def _segment_edges(chain, F, segs: _Segments) -> tuple[list[dict], pd.DataFrame]:
    """The vis edges and the edge table: every pair of segments with money flowing (width ∝
    ``F``), and template flows with no transaction, dashed red (断链). A chain without links
    (a chain map) has no money to show: its template flows are thin grey lines and their
    amount in the edge table is missing."""
    m = len(segs.ids)
    ids, names = segs.ids, segs.names
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
             "title": f"{names[k]} → {names[l]}: {format_value(amt)} 万元"}
        if not chain.has_links:
            e["width"] = 1.0
            e["color"] = {"color": "#9aa0a6", "opacity": 0.8}
            e["title"] = f"{names[k]} → {names[l]}: template flow"
        elif amt == 0:
            e["dashes"] = True
            e["width"] = 1.0
            e["color"] = {"color": "#c53a32", "opacity": 0.8}
            e["title"] = f"{names[k]} → {names[l]}: template flow with no transaction (断链)"
        edges.append(e)
    edge_table = pd.DataFrame({
        "source": [ids[k] for k, _ in pairs], "target": [ids[l] for _, l in pairs],
        "amount": amounts if chain.has_links else np.full(len(pairs), np.nan),
        "width": [e["width"] for e in edges],
        "in_template": [(k, l) in templ for k, l in pairs],
    })
    return edges, edge_table


def _weak_rows(chain, tips, seg_ids):
    """Add weak_links' verdict (weakness, severity) to the segment tooltips; when it cannot run,
    warn and leave it out (:func:`~chaingraph.viz.attributes.run_or_leave_out`)."""
    wl = run_or_leave_out("weak_links", weak_links, chain, "its verdict is", stacklevel=5)
    if wl is None:
        return
    for col, label in (("weakness", "弱链 weakness"), ("severity", "severity")):
        for s in seg_ids:
            tips[s].append((label, format_value(wl.at[s, col])))
