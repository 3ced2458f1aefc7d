"""Interactive network views of a chain: :func:`to_pyvis`, which picks and focuses the view.

The views themselves are in :mod:`~chaingraph.viz.firm_view` and
:mod:`~chaingraph.viz.segment_map`, the page in :mod:`~chaingraph.viz.page`,
colours and sizes in :mod:`~chaingraph.viz.style`.
"""

from __future__ import annotations

import numpy as np

from ..analysis import leads
from ..core import ChainGraph
from ..errors import ChainDataError
from .attributes import SCORE_COLUMNS, firm_values, score_table
from .ecosystem_view import DEFAULT_FOLD, ecosystem_view as draw_ecosystem
from .firm_view import PHYSICS_LIMIT, firm_view
from .page import ChainNetwork
from .segment_map import segment_map
from .style import is_present

__all__ = ["ChainNetwork", "to_pyvis", "DEFAULT_MAX_NODES", "DEFAULT_FOLD", "PHYSICS_LIMIT"]

#: Above this many firms :func:`to_pyvis` draws the segment map instead of firms.
DEFAULT_MAX_NODES = 500


def to_pyvis(
    chain: ChainGraph,
    *,
    color_by: str | None = None,
    size_by: str | None = "revenue",
    highlight=None,
    layout: str = "layered",
    max_nodes: int = DEFAULT_MAX_NODES,
    view: str = "auto",
    segment=None,
    ecosystem: str | None = None,
    depth: int = 2,
    ecosystem_view: str = "tiers",
    fold: int | None = DEFAULT_FOLD,
    scores="auto",
    title: str | None = None,
    height: str = "800px",
) -> ChainNetwork:
    """Interactive network of a chain (产业链图谱) as a pyvis network with an offline page.

    Three views:

    *Segment map* (when the chain, or the focus, has more than ``max_nodes``
    firms, or ``view="segments"``): one node per segment, area ∝ number of
    firms (size ``12 + 48·√(firms / max firms)``), coloured by local coverage
    ``local_share = local firms / firms`` on a red (0) → amber → green (1)
    ramp (grey: no firm at all, 缺链 shows red), edges the money flowing
    between segments, ``F[k, l] = Σ W[s, j]`` over suppliers *s* in *k* and
    customers *j* in *l* (*k* ≠ *l*), width ∝ ``F``; template flows with no
    transaction are dashed. Clicking a segment lists its largest firms. The
    firm level of a large chain is reached per segment (``segment=``) or per
    firm's ecosystem (``ecosystem=``).

    *Firm view*: one node per firm, one edge per supplier → customer pair
    (repeated links summed), width ∝ amount. With ``layout="layered"`` firms
    sit in columns upstream (上游) → midstream (中游) → downstream (下游), in
    one block per segment (环节), on precomputed positions (see
    :func:`~chaingraph.viz.firm_view.layered_positions`); physics is off.
    With ``layout="force"`` the browser runs vis-network's Barnes–Hut
    simulation up to :data:`~chaingraph.viz.firm_view.PHYSICS_LIMIT` nodes;
    above it positions are precomputed (networkx spring layout, ``seed=0``)
    and physics is off. Node size is ``5 + 20·√(v / max v)`` for the
    ``size_by`` value *v* (area ∝ value; missing or ≤ 0 → 5).

    *Ecosystem view* (``ecosystem=firm_id``, see
    :mod:`chaingraph.viz.ecosystem_view`): the firm in the middle, its
    suppliers at tier ``depth`` … 1 in columns to the left and its customers at
    tier 1 … ``depth`` to the right, one band per segment in each column;
    only the links along shortest supply paths to and from the firm
    (*s* → *j* with ``u(s) = u(j) + 1`` upstream, ``d(j) = d(s) + 1``
    downstream, ``u``/``d`` the number of links to/from the firm), width ∝
    amount (``12 · a / max a``, at least 0.6). Nodes are coloured by size
    group (large / SME) unless ``color_by`` says otherwise, shaped by location
    (local ●, outside ■, foreign ▲), sized ``6 + 12·√(v / max v)``. When more
    than ``fold`` nodes would be drawn, each band keeps its largest firms (by
    what they trade along the drawn paths) and folds the others into one node
    "+N more in 环节 X (amount, local share)" that shows them when clicked
    (:func:`~chaingraph.viz.ecosystem_view.fold_plan`). The side panel gives
    the ecosystem's figures (:mod:`chaingraph.viz.ecosystem_figures`): direct
    suppliers, suppliers and customers by tier, local SME share of purchases,
    segments covered, inputs from outside and abroad, single-sourced inputs.
    ``ecosystem_view="all"`` draws instead every link among the ecosystem's
    firms in the firm view (segment map above ``max_nodes`` firms).

    Every page has a search box (firm or segment name or id, e.g. a Chinese
    name), shows a clicked node's details beside the graph, and fades all
    but the clicked firm's suppliers and customers within two tiers (within
    one link in the segment map); lead firms (``is_lead``) and chokepoints
    (:func:`chaingraph.chokepoints`) carry their role in a large label.
    Tooltips show the firm's name, id, segment, stage, size class, tier,
    city / province / country and location (local / outside / foreign),
    revenue, sales and purchases in the network, numbers of suppliers and
    customers, and the scores in ``scores``.

    Parameters
    ----------
    chain : ChainGraph
    color_by : str, optional
        ``"segment"`` (the firm view's default), ``"size_group"`` (large /
        SME, the ecosystem view's default), ``"stage"``, ``"location"``,
        ``"size_class"``, any firms column or score column (``"tier"``,
        ``"lead_score"``, ``"esri"``). Text columns get one colour per value,
        numeric ones a low → high ramp. The segment map is always coloured by
        local coverage.
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
        Largest number of firms drawn one by one (default 500); a larger
        chain opens on the segment map.
    view : {"auto", "firms", "segments"}
    segment : str or list of str, optional
        Firm level of these segments: their firms plus their direct
        suppliers and customers (the partners trading most with the segment
        first, up to ``max_nodes`` firms in all).
    ecosystem : str, optional
        Draw this firm's ecosystem (生态圈) within ``depth`` tiers
        (the firm set of :func:`chaingraph.ecosystem`).
    depth : int
        Tiers for ``ecosystem``.
    ecosystem_view : {"tiers", "all"}
        The ecosystem view described above, or every link among the
        ecosystem's firms in the firm view.
    fold : int or None
        Nodes drawn in all in the ecosystem view before the smallest firms
        of each band fold (default 200); ``None`` never folds.
    scores : "auto", None, str, DataFrame or list of them
        Scores for tooltips (and for ``color_by``/``size_by``): analysis
        names ``"lead_firms"`` (lead_score, rank, is_lead), ``"tiers"`` (tier),
        ``"chokepoints"`` (chokepoint: why the firm is one),
        ``"systemic_risk"`` (esri), or DataFrames indexed by ``firm_id`` whose
        columns are shown as they are. ``"auto"`` is lead_firms, tiers and
        chokepoints; an analysis that cannot run on the chain's data is left
        out with a warning. Scores are computed on the whole chain, before
        focusing on a segment or ecosystem. In a segment map, ``"auto"`` is
        lead_firms (for the firm lists) plus the weakness and severity of
        :func:`chaingraph.weak_links` in the segment tooltips; ``None``
        computes no analysis at all (fastest).
    title : str, optional
        Page title (default from the chain and view).
    height : str
        CSS height of the canvas.

    Returns
    -------
    ChainNetwork
        A :class:`pyvis.network.Network`; ``.save_graph("chain.html")`` writes
        the offline page. ``view`` is ``"firms"``, ``"segments"`` or
        ``"ecosystem"``. ``node_table`` holds, per node, ``x``, ``y``,
        ``size``, ``color``, ``label`` and: at firm level ``segment_id``,
        ``stage``, ``location``, ``color_value``, ``size_value``,
        ``highlighted``, ``lead``, ``chokepoint``; in a segment map ``name``,
        ``stage``, ``firms``, ``local``, ``outside``, ``foreign``,
        ``local_share``, ``sales``, ``purchases``, ``internal_flow`` (万元
        within the segment), ``highlighted``; in the ecosystem view ``kind``
        (``centre``, ``firm`` or ``fold``), ``side``, ``tier``,
        ``segment_id``, ``location``, ``size_group``, ``shape``, ``hidden``
        (a folded firm, shown when its fold opens), ``fold`` (its fold node),
        ``amount`` (along the drawn paths; a fold's total), ``members`` (firms
        in a fold), ``local_share`` (of a fold's amount), ``lead``,
        ``chokepoint``, ``highlighted``. ``edge_table`` holds ``source``,
        ``target``, ``amount`` (万元), ``width`` and (segment map)
        ``in_template``. In the ecosystem view, ``figures`` holds the
        ecosystem's numbers and ``fold`` the fold plan.

    Raises
    ------
    ChainDataError
        For an unknown ``color_by``/``size_by`` column, firm or segment; for
        an ecosystem of a chain without links or of a firm without any.

    References
    ----------
    vis-network 9.1.2 (https://visjs.github.io/vis-network/docs/network/), as
    bundled with pyvis 0.3.2; 工业和信息化部/山东省 链长制 chain maps
    (产业链图谱) for the upstream → downstream reading order.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> cg.to_pyvis(chain).view       # 2,000 firms: the segment map
    'segments'
    >>> net = cg.to_pyvis(chain, view="firms", color_by="location", highlight="leads")
    >>> net.num_nodes() == chain.n_firms
    True
    >>> bool((net.node_table.groupby("stage").x.max()["upstream"]
    ...       < net.node_table.groupby("stage").x.min()["midstream"]))
    True
    >>> eco = cg.to_pyvis(chain, ecosystem="NEV01407")
    >>> eco.view, eco.figures.facts["direct_suppliers"], len(eco.nodes) - int(eco.node_table.hidden.sum()) <= 200
    ('ecosystem', 324, True)
    >>> net.save_graph("chain.html")  # doctest: +SKIP
    """
    if layout not in ("layered", "force"):
        raise ValueError("layout must be 'layered' or 'force'")
    if view not in ("auto", "firms", "segments"):
        raise ValueError("view must be 'auto', 'firms' or 'segments'")
    if ecosystem_view not in ("tiers", "all"):
        raise ValueError("ecosystem_view must be 'tiers' or 'all'")
    if isinstance(max_nodes, (bool, np.bool_)) or int(max_nodes) != max_nodes or max_nodes < 1:
        raise ValueError("max_nodes must be a positive integer")
    if fold is not None and (isinstance(fold, (bool, np.bool_)) or int(fold) != fold or fold < 1):
        raise ValueError("fold must be a positive integer or None")
    full = chain
    notes = []
    focus_ids = []
    if ecosystem is not None and segment is not None:
        raise ValueError("give either segment= or ecosystem=, not both")
    needed = [c for c in (color_by, size_by) if c]
    if ecosystem is not None and ecosystem_view == "tiers" and view != "segments":
        score_frame = score_table(full, scores, [c for c in needed if c in SCORE_COLUMNS
                                                 and c not in full.firms.columns])
        net = draw_ecosystem(full, ecosystem, score_frame, depth=depth, fold=fold, color_by=color_by,
                             size_by=size_by, highlight=highlight, height=height)
        net.heading = title or _heading(full, f"生态圈 ecosystem of {_firm_name(full, ecosystem)}")
        return net
    if ecosystem is not None:
        chain = leads.ecosystem(full, ecosystem, depth=depth)
        if chain.n_links == 0:
            raise ChainDataError(f"the ecosystem of {ecosystem!r} cannot be drawn: "
                                 + ("the chain has no links" if full.n_links == 0
                                    else "the firm has no supplier and no customer in the links"),
                                 source="links", column="supplier_id, customer_id")
        focus_ids = [ecosystem]
        notes.append(f"生态圈 ecosystem of {ecosystem} within {depth} tiers: {chain.n_firms:,} firms, "
                     "every link among them")
    elif segment is not None:
        chain = _segment_focus(full, segment, max_nodes)
        notes.append(f"segment {', '.join([segment] if isinstance(segment, str) else list(segment))}: "
                     f"its firms and their direct suppliers and customers, {chain.n_firms:,} firms")

    kind = view
    if view == "auto":
        kind = "segments" if chain.n_firms > max_nodes else "firms"
        if kind == "segments":
            notes.append(f"segment map: {chain.n_firms:,} firms are more than max_nodes={max_nodes:,}; "
                         "click a segment for its largest firms, or draw one segment's firms with "
                         "segment=… and a lead firm's ecosystem with ecosystem=…")
    if kind == "segments":
        score_frame = score_table(full, "lead_firms" if scores == "auto" else scores,
                                  [c for c in needed if c in SCORE_COLUMNS])
        for name in (color_by, None if size_by == "revenue" else size_by):
            if name:  # the map does not draw by them, but a name the data lacks is still an error
                firm_values(full, name, score_frame)
        net = segment_map(chain, full, score_frame, size_by=size_by, highlight=highlight,
                          height=height, weak=scores is not None)
    else:
        score_frame = score_table(full, scores, [c for c in needed if c in SCORE_COLUMNS
                                                 and c not in full.firms.columns])
        net = firm_view(chain, full, score_frame, color_by=color_by or "segment", size_by=size_by,
                        highlight=list(focus_ids) if highlight is None and focus_ids else highlight,
                        layout=layout, height=height)
    net.notes = notes + net.notes
    net.heading = title or _heading(chain, f"{chain.n_firms:,} firms, {chain.n_links:,} links"
                                    + (" (segment map)" if kind == "segments" else ""))
    return net


def _heading(chain, what: str) -> str:
    """The page title: the chain's template and region, then what the view shows."""
    region = f" · {chain.region}" if chain.region else ""
    tname = f"{chain.template.name} " if chain.template is not None else ""
    return f"产业链 {tname}chain{region}: {what}"


def _firm_name(chain, firm_id) -> str:
    """``name (id)``, or the id when the firm has no name."""
    if "name" in chain.firms.columns and firm_id in chain.firm_ids:
        name = chain.firms["name"].iat[chain.firm_ids.get_loc(firm_id)]
        if is_present(name):
            return f"{name} ({firm_id})"
    return str(firm_id)


def _segment_focus(chain, segment, max_nodes):
    """The subchain of the firms of ``segment`` (one id or several) and their direct partners,
    those trading most with the segment first, ``max_nodes`` firms in all at most (the
    segment's own firms are always kept)."""
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
