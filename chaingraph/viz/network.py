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
from .attributes import SCORE_COLUMNS, score_table
from .firm_view import PHYSICS_LIMIT, firm_view
from .page import ChainNetwork
from .segment_map import segment_map

__all__ = ["ChainNetwork", "to_pyvis", "DEFAULT_MAX_NODES", "PHYSICS_LIMIT"]

#: Above this many firms :func:`to_pyvis` draws the segment map instead of firms.
DEFAULT_MAX_NODES = 2500


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
    :func:`~chaingraph.viz.firm_view.layered_positions`); physics is off.
    With ``layout="force"`` the browser runs vis-network's Barnes–Hut
    simulation up to :data:`~chaingraph.viz.firm_view.PHYSICS_LIMIT` nodes;
    above it positions are precomputed (networkx spring layout, ``seed=0``)
    and physics is off.

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

    Node size at firm level is ``5 + 20·√(v / max v)`` for the ``size_by``
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
        (both linear in the chain's size); an analysis that cannot run on
        the chain's data is left out with a warning. Scores are computed on
        the whole chain, before focusing on a segment or ecosystem. In a
        segment map, ``"auto"`` is lead_firms (for the firm lists) plus the
        weakness and severity of :func:`chaingraph.weak_links` in the segment
        tooltips; ``None`` computes no analysis at all (fastest).
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
        chain = leads.ecosystem(full, ecosystem, depth=depth)
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
        score_frame = score_table(full, "lead_firms" if scores == "auto" else scores,
                                  [c for c in needed if c in SCORE_COLUMNS])
        net = segment_map(chain, full, score_frame, size_by=size_by, highlight=highlight,
                          height=height, weak=scores is not None)
    else:
        score_frame = score_table(full, scores, [c for c in needed if c in SCORE_COLUMNS
                                                 and c not in full.firms.columns])
        net = firm_view(chain, full, score_frame, color_by=color_by, size_by=size_by,
                        highlight=list(focus_ids) if highlight is None and focus_ids else highlight,
                        layout=layout, height=height)
    net.notes = notes + net.notes
    region = f" · {chain.region}" if chain.region else ""
    tname = f"{chain.template.name} " if chain.template is not None else ""
    net.heading = title or (f"产业链 {tname}chain{region}: {chain.n_firms:,} firms, "
                            f"{chain.n_links:,} links" + (" (segment map)" if kind == "segments" else ""))
    return net


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
