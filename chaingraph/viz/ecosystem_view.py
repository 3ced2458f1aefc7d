"""The ecosystem view: a firm in the middle, its suppliers and customers tier by tier.

Columns, left to right: suppliers at tier ``depth`` … tier 1, the firm,
customers at tier 1 … ``depth`` (the firm sits at one end when it has no
customers). Within a column, one band per segment (环节) in template order,
firms largest first. Only the links along shortest supply paths to and from
the firm are drawn (:class:`~chaingraph.viz.ecosystem_figures.EcosystemFigures`
``.links``). Nodes are coloured by size group (large / SME), shaped by
location (local ●, outside ■, foreign ▲); lead firms and chokepoints carry
their role in a large label.

Folding: when the ecosystem has more firms than fit (``fold`` nodes in all),
each band keeps its largest firms and folds the rest into one node
"N more in 环节 X", which shows them when clicked (:func:`fold_plan`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .attributes import firm_values, role_flags
from .ecosystem_figures import SIDES, EcosystemFigures, ecosystem_figures
from .firm_view import firm_colors, firm_sizes, highlighted_firms, mark_roles, role_legend, tooltip_rows
from .page import ChainNetwork, vis_options
from .style import format_value, is_present

__all__ = ["ecosystem_view", "fold_plan", "FoldPlan", "aggregate_links", "DEFAULT_FOLD"]

#: Nodes drawn in all (the firm, its partners and fold nodes) before partners fold.
DEFAULT_FOLD = 200
#: A fold node shows at most this many of its firms when clicked.
EXPAND_LIMIT = 60
#: Folded firms written into the page (the rest are counted in their fold node only).
EMBED_LIMIT = 1500
SPACING = 42.0        # between firms in a band
COLUMN_GAP = 560.0    # between tier columns (room for the fold labels and the links)
BAND_HEAD = 46.0      # segment heading above a band
BAND_GAP = 36.0
FOLD_ROW = 100.0      # a fold node and its two-line label
MIN_COLS, MAX_COLS = 4, 8
EDGE_MAX_WIDTH = 12.0
MIN_EDGE_WIDTH = 0.6
EDGE_COLOR = {"color": "#6f6f6f", "opacity": 0.45}
LOCATION_SHAPES = {"local": "dot", "outside": "square", "foreign": "triangle"}
LOCATION_WORDS = {"local": "本地 local", "outside": "外地 outside", "foreign": "境外 foreign"}
SIDE_WORDS = {"supplier": ("供应商", "supplier"), "customer": ("客户", "customer")}
TIER_WORDS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
FOLD_ID = "fold:"


@dataclass
class FoldPlan:
    """Which partners are drawn, folded, and written into the page, one entry per partner.

    Attributes
    ----------
    group : ndarray of int
        The partner's band: groups are numbered by side (suppliers first), tier,
        then segment (template order, unknown last).
    rank : ndarray of int
        0 for the largest path amount in its band, 1 for the next …
    kept : ndarray of bool
        Drawn as its own node.
    embedded : ndarray of bool
        Folded, but written into the page: clicking its fold node shows it.
    """

    group: np.ndarray
    rank: np.ndarray
    kept: np.ndarray
    embedded: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Partner nodes drawn before any fold is opened: kept firms plus one per band with folded firms."""
        folded_groups = np.unique(self.group[~self.kept])
        return int(self.kept.sum()) + len(folded_groups)


def fold_plan(group: np.ndarray, tier: np.ndarray, amount: np.ndarray, *, budget: int | None,
              expand_limit: int = EXPAND_LIMIT, embed_limit: int = EMBED_LIMIT) -> FoldPlan:
    """Decide which partners are drawn and which fold, within ``budget`` partner nodes.

    Within each band (``group``) partners are ranked by ``amount``, largest
    first (ties in input order). A partner of rank *r* (0-based) at tier *t*
    gets the priority ``(r + 1)·t``: every band keeps its largest firms, and a
    band one tier further out keeps about half as many. Partners are kept in
    order of priority (ties: nearer tier, larger amount) while the number of
    nodes — kept partners plus one fold node per band that still has folded
    partners — stays within ``budget``. A fold that would hold a single
    partner draws that partner instead (the same number of nodes). With
    ``budget=None`` or enough room, every partner is kept.

    Of the folded partners, those of rank < ``expand_limit`` within their fold
    are written into the page, at most ``embed_limit`` in all (lowest fold rank
    first), so that a page stays small however large the ecosystem.

    Examples
    --------
    Two bands of tier 1 (four and two partners) and one of tier 2 (three),
    room for seven nodes. The priorities are 1, 2, 3, 4 | 1, 2 | 2, 4, 6;
    taking partners in that order, the sixth would make eight nodes (six
    partners and the folds of the first and third bands), so five are kept:

    >>> plan = fold_plan(np.array([0, 0, 0, 0, 1, 1, 2, 2, 2]), np.array([1, 1, 1, 1, 1, 1, 2, 2, 2]),
    ...                  np.array([9., 8., 7., 6., 5., 4., 3., 2., 1.]), budget=7)
    >>> plan.kept.astype(int).tolist(), plan.n_nodes
    ([1, 1, 0, 0, 1, 1, 1, 0, 0], 7)
    """
    n = len(group)
    order = np.lexsort((np.arange(n), -amount, group))
    starts = np.searchsorted(group[order], np.arange(group.max() + 2 if n else 1))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - starts[group[order]]
    size = np.bincount(group, minlength=group.max() + 1 if n else 0)
    kept = np.ones(n, dtype=bool)
    if budget is not None and n > budget:
        priority = (rank + 1) * tier
        step = np.lexsort((np.arange(n), -amount, tier, priority))
        completes = rank[step] == size[group[step]] - 1
        groups_left = np.count_nonzero(size) - np.cumsum(completes)
        nodes = np.arange(1, n + 1) + groups_left
        fits = int(np.count_nonzero(nodes <= budget))
        kept[:] = False
        kept[step[:fits]] = True
        folded_per_group = np.bincount(group[~kept], minlength=len(size))
        kept |= folded_per_group[group] == 1
    embedded = np.zeros(n, dtype=bool)
    folded = np.flatnonzero(~kept)
    if len(folded):
        first = np.full(len(size), n, dtype=np.int64)
        np.minimum.at(first, group[folded], rank[folded])
        fold_rank = rank[folded] - first[group[folded]]
        candidates = folded[fold_rank < expand_limit]
        fold_rank = fold_rank[fold_rank < expand_limit]
        candidates = candidates[np.lexsort((candidates, -amount[candidates], fold_rank))]
        embedded[candidates[:embed_limit]] = True
    return FoldPlan(group=group, rank=rank, kept=kept, embedded=embedded)


def aggregate_links(src_keys, dst_keys, amounts, display) -> pd.DataFrame:
    """Links between drawn nodes: each end mapped through ``display`` (firm id → the node that
    shows it: itself, or its fold node), amounts summed per pair, links inside one node dropped.

    The page's script applies the same rule when a fold node is opened.
    """
    src = [display.get(k, k) for k in src_keys]
    dst = [display.get(k, k) for k in dst_keys]
    frame = pd.DataFrame({"source": src, "target": dst, "amount": np.asarray(amounts, dtype=float)})
    frame = frame[frame["source"] != frame["target"]]
    return frame.groupby(["source", "target"], sort=False, as_index=False)["amount"].sum()


def ecosystem_view(full, firm_id, scores, *, depth, fold, color_by, size_by, highlight,
                   height) -> ChainNetwork:
    """The ecosystem view of ``firm_id`` in ``full`` (see :func:`~chaingraph.viz.to_pyvis`).

    ``scores`` is the score table computed on ``full``. The network's
    ``node_table`` has one row per node written into the page (the firm, the
    drawn partners, the folded partners the page can show, hidden until their
    fold is opened, and the fold nodes), ``edge_table`` the links drawn before
    any fold is opened; ``figures`` is the
    :class:`~chaingraph.viz.ecosystem_figures.EcosystemFigures` and ``fold``
    the :class:`FoldPlan`.
    """
    fig = ecosystem_figures(full, firm_id, depth=depth)
    scores = scores.reindex(full.firm_ids)
    lead_pos = int(full.firm_ids.get_loc(firm_id))
    members = fig.positions
    K = len(full.segment_ids)
    side_code = (fig.firms["side"] == "customer").to_numpy().astype(np.int64)
    tier = fig.firms["tier"].to_numpy(dtype=np.int64)
    seg_code = full.segment_codes[members].astype(np.int64)
    band_key = (side_code * (depth + 1) + tier) * (K + 1) + np.where(seg_code >= 0, seg_code, K)
    bands, group = np.unique(band_key, return_inverse=True)
    group = group.astype(np.int64)
    amount = fig.firms["path_amount"].to_numpy(dtype=float)
    plan = fold_plan(group, tier, amount, budget=None if fold is None else max(int(fold) - 1, 0))
    seg_names = _segment_names(full)
    layout = _Layout(bands, K, depth, plan, fig, seg_names)
    fold_ids = _fold_ids(full.firm_ids, len(bands))
    in_page = plan.kept | plan.embedded

    net = ChainNetwork(height=height)
    net.view = "ecosystem"
    nodes, table = _firm_nodes(full, fig, scores, lead_pos, plan, layout, fold_ids,
                               color_by=color_by or "size_group", size_by=size_by, highlight=highlight)
    net.legend, net.size_note = table.attrs.pop("legend"), table.attrs.pop("size_note")
    ids = _ids(full)
    fold_of = {ids[members[m]]: fold_ids[group[m]] for m in np.flatnonzero(plan.embedded)}
    folds = {}
    for g, info in layout.folds.items():
        fid = fold_ids[g]
        nodes.append({"id": fid, "label": info["label"], "x": info["x"], "y": info["y"], "size": 16.0,
                      "shape": "dot", "physics": False, "borderWidth": 2,
                      "color": {"background": "#ffffff", "border": "#444444"},
                      "shapeProperties": {"borderDashes": [5, 4]},
                      "font": {"size": 24, "color": "#222222", "strokeWidth": 6, "strokeColor": "#ffffff"}})
        folds[fid] = info
    if folds:
        table = pd.concat([table, _fold_table(folds)])

    # links: written with the node that shows each end (a firm, or the fold of a firm not in
    # the page), drawn through the folds that are closed
    s, j, w = fig.link_positions
    key = {lead_pos: ids[lead_pos]}
    key.update({int(members[m]): ids[members[m]] if in_page[m] else fold_ids[group[m]]
                for m in range(len(members))})
    page_links = aggregate_links([key[p] for p in s.tolist()], [key[p] for p in j.tolist()], w, {})
    drawn = aggregate_links(page_links["source"], page_links["target"], page_links["amount"], fold_of)
    top = float(drawn["amount"].max()) if len(drawn) else 0.0
    scale = EDGE_MAX_WIDTH / top if top > 0 else 0.0
    drawn["width"] = np.maximum(MIN_EDGE_WIDTH, drawn["amount"].to_numpy() * scale)
    net.edges = [{"from": a, "to": b, "width": float(wd), "arrows": "to", "color": dict(EDGE_COLOR),
                  "title": f"{format_value(amt)} 万元"}
                 for a, b, amt, wd in zip(drawn["source"], drawn["target"], drawn["amount"], drawn["width"])]
    net.edge_table = drawn[["source", "target", "amount", "width"]].reset_index(drop=True)

    net.nodes = nodes
    net.node_ids = [nd["id"] for nd in nodes]
    net.node_map = {nd["id"]: nd for nd in nodes}
    net.node_table = table
    net.tips = _firm_tips(full, fig, scores, lead_pos, in_page)
    net.tips.update({fid: info["tips"] for fid, info in folds.items()})
    names = _names(full)
    locs = full.location.astype(str).to_numpy()
    net.details = {fid: _fold_details(ids, locs, info, members, names, amount) for fid, info in folds.items()}
    net.annotations = layout.annotations
    net.options = vis_options(physics=False, n_edges=len(net.edges))
    net.options["nodes"]["scaling"]["label"]["drawThreshold"] = 6
    col = {ids[lead_pos]: 0}
    col.update({ids[members[m]]: layout.member_col[m] for m in np.flatnonzero(in_page)})
    col.update({fid: info["col"] for fid, info in folds.items()})
    net.eco = {
        "folds": {fid: {"members": [[ids[members[m]], dx, dy] for m, dx, dy in info["members"]],
                        "after": info["after"], "afterLabel": info["after_label"], "shift": info["shift"],
                        "afterTips": info["after_tips"], "afterDetails": _opened_details(info),
                        "col": info["col"]} for fid, info in folds.items()},
        "foldOf": fold_of, "links": page_links.values.tolist(), "widthScale": scale,
        "minWidth": MIN_EDGE_WIDTH, "edgeColor": EDGE_COLOR, "nodeCol": col}
    net.focus_depth = depth
    net.figures = fig
    net.fold = plan
    net.notes = [_headline(fig, names[lead_pos], plan, len(folds))]
    net.panel = _panel(full, fig, names[lead_pos], plan, seg_names)
    return net


def _firm_nodes(full, fig, scores, lead_pos, plan, layout, fold_ids, *, color_by, size_by, highlight):
    """The firm nodes (the firm, then its partners in the page) and their rows of the node table;
    the legend and size note ride along in the table's ``attrs``."""
    members = fig.positions
    shown = np.concatenate([[lead_pos], members[plan.kept | plan.embedded]])
    cvals = firm_values(full, color_by, scores)
    colors, legend, _ = firm_colors(full, color_by, cvals.iloc[shown])
    _, sizes, size_note = firm_sizes(full, size_by, scores, 6.0, 18.0)
    lead, choke = role_flags(scores, full.n_firms)
    marked = highlighted_firms(full, full, highlight, scores)
    names = _names(full)
    ids = _ids(full)
    locs = full.location.astype(str).to_numpy()
    sides = fig.firms["side"].astype(str).to_numpy()
    tiers = fig.firms["tier"].to_numpy(dtype=np.int64)
    amounts = fig.firms["path_amount"].to_numpy(dtype=float)
    seg_ids = list(full.segment_ids.astype(str))
    codes = full.segment_codes
    where = {int(members[m]): m for m in range(len(members))}
    nodes, rows = [], []
    for pos, color in zip(shown.tolist(), colors):
        m = where.get(pos)
        x, y = layout.firm_xy[m] if m is not None else (0.0, 0.0)
        node = {"id": ids[pos], "label": str(names[pos]) if is_present(names[pos]) else ids[pos],
                "color": color, "size": 30.0 if m is None else float(sizes[pos]),
                "shape": LOCATION_SHAPES.get(locs[pos], "dot"), "x": float(x), "y": float(y), "physics": False}
        mark_roles(node, lead=lead[pos], chokepoint=choke[pos])
        if m is None:
            if not lead[pos]:
                node["label"] += "\n生态圈 ecosystem centre"
            node["font"] = {"size": 44, "strokeWidth": 8, "strokeColor": "#ffffff", "color": "#111111"}
        if m is None or marked[pos]:
            node["borderWidth"] = 5
            node["color"] = {"background": color, "border": "#111111"}
        hidden = m is not None and not plan.kept[m]
        if hidden:
            node["hidden"] = True
        nodes.append(node)
        rows.append({
            "node_id": node["id"], "label": node["label"], "kind": "centre" if m is None else "firm",
            "side": None if m is None else sides[m],
            "tier": 0 if m is None else int(tiers[m]),
            "segment_id": seg_ids[codes[pos]] if codes[pos] >= 0 else None,
            "location": locs[pos],
            "size_group": "large" if full.is_large[pos] else "sme" if full.is_sme[pos] else "unknown",
            "x": node["x"], "y": node["y"], "size": node["size"], "color": color, "shape": node["shape"],
            "hidden": hidden, "fold": fold_ids[plan.group[m]] if hidden else None,
            "amount": float(amounts[m]) if m is not None else np.nan,
            "members": np.nan, "local_share": np.nan,
            "lead": bool(lead[pos]), "chokepoint": bool(choke[pos]), "highlighted": bool(marked[pos]),
        })
    legend = legend + [(LOCATION_WORDS[k], "#777777", shape) for k, shape in LOCATION_SHAPES.items()] \
        + role_legend(lead[shown], choke[shown]) + [("+N more: folded firms, click to show them", "#ffffff", "fold")]
    table = pd.DataFrame(rows).set_index("node_id")
    table.attrs = {"legend": legend,
                   "size_note": f"{size_note}; link width ∝ amount along the supply paths"}
    return nodes, table


def _fold_table(folds: dict) -> pd.DataFrame:
    """Node-table rows of the fold nodes: their position, firms folded, amount and local share."""
    rows = [{"node_id": fid, "label": info["label"], "kind": "fold", "side": SIDES[info["side"]],
             "tier": info["tier"], "segment_id": info["segment_id"], "location": None, "size_group": None,
             "x": info["x"], "y": info["y"], "size": 16.0, "color": "#ffffff", "shape": "dot",
             "hidden": False, "fold": None, "amount": info["amount"], "members": info["n"],
             "local_share": info["local_share"], "lead": False, "chokepoint": False, "highlighted": False}
            for fid, info in folds.items()]
    return pd.DataFrame(rows).set_index("node_id")


def _firm_tips(full, fig, scores, lead_pos, in_page) -> dict:
    """Tooltip rows of the firm nodes: where the firm sits in the ecosystem and its path amount,
    then the rows every firm view shows."""
    members = fig.positions
    positions = [lead_pos] + members[in_page].tolist()
    rows = tooltip_rows(full, scores, positions)
    ids = _ids(full)
    sides = fig.firms["side"].astype(str).to_numpy()
    tiers = fig.firms["tier"].to_numpy(dtype=np.int64)
    amounts = fig.firms["path_amount"].to_numpy(dtype=float)
    tips = {ids[lead_pos]: [("生态圈 ecosystem", f"centre, {fig.depth} tiers")] + rows[0]}
    for m, r in zip(np.flatnonzero(in_page).tolist(), rows[1:]):
        tips[ids[members[m]]] = [
            ("生态圈 ecosystem", _tier_words(sides[m], int(tiers[m]))),
            ("path amount (万元)", format_value(float(amounts[m]))),
        ] + r
    return tips


def _ids(chain) -> np.ndarray:
    """The firm ids as an object array of str (fast to index one by one)."""
    return np.asarray(chain.firm_ids.astype(str), dtype=object)


def _names(chain) -> np.ndarray:
    return (chain.firms["name"].to_numpy(dtype=object, na_value=None) if "name" in chain.firms.columns
            else np.full(chain.n_firms, None, dtype=object))


def _tier_words(side: str, tier: int, plural: bool = False) -> str:
    """``一级供应商 tier-1 supplier`` and the like."""
    zh, en = SIDE_WORDS[side]
    return f"{TIER_WORDS.get(tier, f'{tier}级')}{zh} tier-{tier} {en}{'s' if plural else ''}"


# ----------------------------------------------------------------------------------- layout


class _Layout:
    """Positions of every node — folded firms where their fold shows them — and the headings.

    Column ``col`` is ``−t`` for suppliers at tier *t*, ``+t`` for customers,
    0 for the firm at ``(0, 0)``. A column is ``width`` slots wide (its widest
    band's drawn firms, between :data:`MIN_COLS` and :data:`MAX_COLS`); its
    bands are stacked top to bottom in segment order and the column is centred
    on ``y = 0``. A band is a heading, its drawn firms row by row (from the side
    nearer the firm outwards), then its fold node. Opening a fold puts the
    fold's firms in the next slots, moves the fold node below them (when some
    of its firms are not in the page) and moves what lies below in the column
    down by ``shift``.
    """

    def __init__(self, bands, K, depth, plan: FoldPlan, fig: EcosystemFigures, seg_names):
        seg_code = bands % (K + 1)
        tier_code = (bands // (K + 1)) % (depth + 1)
        side_code = bands // ((K + 1) * (depth + 1))
        self.firm_xy: dict[int, tuple[float, float]] = {}
        self.member_col: dict[int, int] = {}
        self.folds: dict[int, dict] = {}
        self.annotations: list[dict] = []
        order = np.lexsort((plan.rank, plan.group))
        starts = np.searchsorted(plan.group[order], np.arange(len(bands) + 1))
        members_of = [order[starts[g]:starts[g + 1]] for g in range(len(bands))]
        self._fig, self._plan = fig, plan
        self._amount = fig.firms["path_amount"].to_numpy(dtype=float)
        self._locs = fig.firms["location"].astype(str).to_numpy()
        self._sizes = fig.firms["size_group"].astype(str).to_numpy()
        self._segs = fig.firms["segment_id"].to_numpy(dtype=object, na_value=None)
        for side in (0, 1):
            near = -COLUMN_GAP if side == 0 else COLUMN_GAP
            direction = -1 if side == 0 else 1
            for t in range(1, depth + 1):
                in_col = [g for g in range(len(bands)) if side_code[g] == side and tier_code[g] == t]
                if not in_col:
                    continue
                widest = max(int(plan.kept[members_of[g]].sum()) for g in in_col)
                width = min(max(widest, MIN_COLS), MAX_COLS)
                col = t if side else -t
                centre = near + direction * (width - 1) * SPACING / 2
                heights = [_band_height(int(plan.kept[members_of[g]].sum()), len(members_of[g]), width)
                           for g in in_col]
                top = -sum(heights) / 2
                n_firms = sum(len(members_of[g]) for g in in_col)
                self.annotations.append({"x": centre, "y": top - 90.0, "size": 40, "col": col,
                                         "text": f"{_tier_words(SIDES[side], t, plural=True)} · {n_firms:,}"})
                for g, height in zip(in_col, heights):
                    self._band(g, members_of[g], width, near, direction, centre, top, col,
                               seg_names[int(seg_code[g])], side, t)
                    top += height
                near += direction * ((width - 1) * SPACING + COLUMN_GAP)

    def _band(self, g, members, width, near, direction, centre, top, col, seg_name, side, tier):
        plan = self._plan
        kept = members[plan.kept[members]]
        folded = members[~plan.kept[members]]
        self.annotations.append({"x": centre, "y": top + 8.0, "size": 24, "col": col,
                                 "text": f"{seg_name} · {len(members):,}"})

        def slot(q):
            return near + direction * (q % width) * SPACING, top + BAND_HEAD + (q // width) * SPACING

        for q, m in enumerate(kept.tolist()):
            self.firm_xy[m] = slot(q)
            self.member_col[m] = col
        if not len(folded):
            return
        k = len(kept)
        fx, fy = centre, top + BAND_HEAD + math.ceil(k / width) * SPACING
        shown = folded[plan.embedded[folded]]
        rest = folded[~plan.embedded[folded]]
        rel = []
        for q, m in enumerate(shown.tolist(), start=k):
            self.firm_xy[m] = slot(q)
            self.member_col[m] = col
            rel.append((m, self.firm_xy[m][0] - fx, self.firm_xy[m][1] - fy))
        rows_after = math.ceil((k + len(shown)) / width)
        after = [0.0, top + BAND_HEAD + rows_after * SPACING - fy] if len(rest) else None
        seg_id = self._segs[int(folded[0])]
        self.folds[g] = {
            "x": fx, "y": fy, "col": col, "side": side, "tier": tier,
            "segment_id": None if seg_id is None else str(seg_id), "segment_name": seg_name,
            "members": rel, "all": folded, "n": len(folded), "after": after,
            "shift": (_band_height(k + len(shown), k + len(shown) + len(rest), width)
                      - _band_height(k, len(members), width)),
            **_fold_figures(folded, rest, self._amount, self._locs, self._sizes, seg_name, SIDES[side], tier),
        }


def _band_height(drawn: int, members: int, width: int) -> float:
    """Height of a band drawing ``drawn`` of its ``members`` (a fold row when some are not drawn)."""
    return (BAND_HEAD + math.ceil(drawn / width) * SPACING + (FOLD_ROW if members > drawn else 0.0)
            + BAND_GAP)


def _fold_figures(folded, rest, amount, locs, sizes, seg_name, side, tier) -> dict:
    """Label, tooltip rows and totals of a fold node (all its firms), and its label once opened
    (``rest``: its firms not in the page)."""

    def label(ms):
        amt = float(amount[ms].sum())
        local = float(amount[ms][locs[ms] == "local"].sum())
        share = local / amt if amt > 0 else float("nan")
        text = (f"+{len(ms):,} more in {seg_name}\n{format_value(amt)} 万元 · 本地 local "
                + ("–" if not np.isfinite(share) else f"{share:.0%}"))
        return text, amt, share

    def tips(ms, click):
        _, amt, share = label(ms)
        counts = " / ".join(f"{int((locs[ms] == k).sum()):,}" for k in ("local", "outside", "foreign"))
        by_size = " / ".join(f"{int((sizes[ms] == k).sum()):,}" for k in ("large", "sme", "unknown"))
        return [("环节 segment", seg_name), ("生态圈 ecosystem", _tier_words(side, tier, plural=True)),
                ("firms folded here", f"{len(ms):,}"), ("path amount (万元)", format_value(amt)),
                ("local share of the amount", "–" if not np.isfinite(share) else f"{share:.1%}"),
                ("local / outside / foreign", counts), ("large / SME / size unknown", by_size),
                ("click", click)]

    text, amt, share = label(folded)
    shown = len(folded) - len(rest)
    return {"label": text, "amount": amt, "local_share": share,
            "tips": tips(folded, f"shows the largest {shown:,}" if len(rest) else "shows them all"),
            "after_label": label(rest)[0] if len(rest) else f"{seg_name}: all {len(folded):,} firms shown",
            "after_tips": tips(rest, "the smallest firms, not written into this page; draw the segment "
                                     "with segment=… to see them") if len(rest) else None}


def _opened_details(info) -> dict | None:
    """What an opened fold node lists: only how many firms it still holds."""
    rest = info["n"] - len(info["members"])
    if not rest:
        return None
    return {"title": f"{info['segment_name']}: {rest:,} more firms, not in this page",
            "columns": ["firms", "amount · local share"], "rows": [[f"{rest:,}", info["after_label"].split("\n")[1]]]}


def _fold_details(ids, locs, info, members, names, amount) -> dict:
    """The firms of a fold node for the side panel, largest first."""
    rows = []
    for m in info["all"][:EXPAND_LIMIT].tolist():
        pos = members[m]
        rows.append([ids[pos], str(names[pos]) if is_present(names[pos]) else "",
                     locs[pos], format_value(float(amount[m]))])
    left = info["n"] - len(rows)
    if left > 0:
        rows.append(["…", f"and {left:,} more", "", ""])
    return {"title": f"{info['segment_name']}: {info['n']:,} folded firms, largest first",
            "columns": ["firm_id", "name", "location", "path amount (万元)"], "rows": rows}


def _fold_ids(ids, n) -> list[str]:
    """One node id per band, made so that none equals a firm id."""
    prefix = FOLD_ID
    taken = set(map(str, ids))
    while any(f"{prefix}{g}" in taken for g in range(n)):
        prefix = "_" + prefix
    return [f"{prefix}{g}" for g in range(n)]


def _segment_names(chain) -> list[str]:
    """Display name per segment code, then "(no segment)" for firms without one."""
    seg = chain.segments
    names = seg["name"].to_numpy(dtype=object) if "name" in seg.columns else np.full(len(seg), None)
    return [str(v) if is_present(v) else str(s) for v, s in zip(names, chain.segment_ids)] + ["(no segment)"]


# ------------------------------------------------------------------------------- words


def _headline(fig: EcosystemFigures, name, plan: FoldPlan, n_folds) -> str:
    f = fig.facts
    who = f"{name} ({fig.firm_id})" if is_present(name) else fig.firm_id
    drawn = int(plan.kept.sum())
    text = (f"生态圈 ecosystem of {who} within {fig.depth} tiers: {_count(f['direct_suppliers'], 'direct supplier')} "
            f"(直接供应商), {_count(f['suppliers'], 'supplier')} and {_count(f['customers'], 'customer')} in all; "
            f"drawn: {drawn:,} of them")
    if n_folds:
        text += (f" and {_count(n_folds, 'fold node')} holding the other {len(plan.kept) - drawn:,} "
                 "(click one to show its firms)")
    return text


def _count(n: int, word: str) -> str:
    """``"1 supplier"``, ``"324 suppliers"``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _pct(v) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.1%}"


def _panel(full, fig: EcosystemFigures, name, plan: FoldPlan, seg_names) -> list[dict]:
    """The ecosystem's figures for the side panel: headline rows, suppliers and customers by
    tier, direct purchases by input segment."""
    f = fig.facts
    direct = fig.firms["supplier_tier"].eq(1).fillna(False).to_numpy(dtype=bool)
    folded_direct = int((direct & ~plan.kept).sum())
    seg_label = dict(zip(full.segment_ids.astype(str), seg_names))
    single = fig.inputs[fig.inputs["single_sourced"].eq(True).fillna(False).to_numpy(dtype=bool)]
    if f["single_sourced_inputs"] is None:
        single_text = "unknown (no segments)"
    elif len(single):
        single_text = "; ".join(f"{seg_label.get(s, s)} ← {sup}" for s, sup in
                                zip(single.index, single["sole_supplier"]))
    else:
        single_text = "none"
    facts = [
        ("企业 firm", f"{name} ({fig.firm_id})" if is_present(name) else fig.firm_id),
        ("直接供应商 direct suppliers", f"{f['direct_suppliers']:,} (drawn {f['direct_suppliers'] - folded_direct:,}, "
                                    f"in fold nodes {folded_direct:,})"),
        (f"suppliers within {fig.depth} tiers", f"{f['suppliers']:,}"),
        ("直接客户 direct customers", f"{f['direct_customers']:,}"),
        (f"customers within {fig.depth} tiers", f"{f['customers']:,}"),
        ("direct purchases (万元)", format_value(f["purchases"])),
        ("本地中小企业 local SME share of purchases", _pct(f["local_sme_share"])),
        ("SME share of purchases", _pct(f["sme_share"])),
        ("bought from outside the region", _pct(f["outside_share"])),
        ("bought from abroad", _pct(f["foreign_share"])),
        ("环节 segments covered", f"{f['segments_covered']:,} of {f['segments_in_chain']:,}"),
        ("单一来源 single-sourced inputs", single_text),
    ]
    tier_rows = [[_tier_words(side, tier, plural=True), f"{r.firms:,}",
                  f"{r.local:,} / {r.outside:,} / {r.foreign:,}", f"{r.sme:,} / {r.large:,}",
                  format_value(r.amount)]
                 for (side, tier), r in zip(fig.tiers.index, fig.tiers.itertuples()) if r.firms]
    inputs = [["(no segment)" if pd.isna(s) else seg_label.get(s, s), f"{r.suppliers:,}", _pct(r.share),
               " / ".join(_pct(v / r.amount) if r.amount > 0 else "–" for v in (r.local, r.outside, r.foreign)),
               "single-sourced" if r.single_sourced is not pd.NA and bool(r.single_sourced) else ""]
              for s, r in zip(fig.inputs.index, fig.inputs.itertuples())]
    return [
        {"title": "生态圈 Ecosystem", "rows": facts},
        {"title": "by tier", "columns": ["tier", "firms", "local / outside / foreign", "SME / large",
                                         "amount (万元)"], "rows": tier_rows},
        {"title": "direct purchases by input segment",
         "columns": ["segment", "suppliers", "share", "local / outside / foreign", ""], "rows": inputs},
    ]
