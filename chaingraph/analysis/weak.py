"""Weak links (薄弱环节 / 弱链), chokepoints (卡脖子 / 堵点) and single sourcing.

Three questions of 固基强基 (foundation strengthening) work, answered from the
firm-level supply network:

* :func:`weak_links` — which segments (环节) of the chain are missing in the
  region (缺链), weak (弱链: few, concentrated or outside-dependent local
  supply) or foreign-dependent (卡脖子);
* :func:`chokepoints` — which firms' loss cuts supply: sole suppliers of an
  essential segment flow, and firms every supply path to a lead firm passes
  through (dominators);
* :func:`single_sourcing` — which customers buy an essential input from one
  supplier only.

Conventions used throughout
---------------------------
*What a link supplies.* A link's input segment is the **supplier's segment**
(``firms.segment_id``): a firm sells what its segment makes. A ``segment_id``
column of the links table, if present, is not used.

*Essential flows.* With a chain template whose flows are given, a link from a
firm of segment *k* to a firm of segment *l* is on an essential flow when the
template has the flow *k → l* with ``essential`` true; links between segments
the template does not connect, and links from or to firms without a segment,
are not. Without a template (or with a template without flows) every link
whose supplier has a segment counts as essential.

*Local demand.* "Local customers" are the chain's local firms
(:attr:`ChainGraph.is_local`: in the focus region and not foreign; every
non-foreign firm when the chain has no region). The local demand for segment
*k* is what local customers buy from firms of segment *k*, in amount (万元).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chaingraph.analysis import _graph_kernels
from chaingraph.analysis._common import per_chain
from chaingraph.analysis._segment_supply import (
    _check_fraction,
    _essential_pairs,
    _location_categorical,
    _require_segments,
    _segment_supply,
    _segment_weights,
)
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

__all__ = ["weak_links", "chokepoints", "single_sourcing", "WEAKNESS_CLASSES"]

#: The weakness classes of :func:`weak_links`, most severe first.
WEAKNESS_CLASSES = ("missing", "foreign", "weak", "ok")

# --------------------------------------------------------------------------- #
# chokepoint defaults


def _firm_positions(chain, ids, source: str) -> np.ndarray:
    ids = [ids] if isinstance(ids, str) else list(ids)
    pos = chain.firm_ids.get_indexer(ids)
    bad = [i for i, p in zip(ids, pos) if p < 0]
    if bad:
        shown = ", ".join(repr(b) for b in bad[:5])
        raise ChainDataError(
            f"{len(bad)} firm ids not in the chain: {shown}",
            source=source,
            column="firm_id",
            rows=[k for k, p in enumerate(pos) if p < 0],
        )
    return np.unique(pos.astype(np.int64))


def _final_segment_firms(chain) -> np.ndarray:
    """Firms of the template's final segments; without a template, firms with no customer."""
    t = chain.template
    if t is not None and len(t.flows):
        finals = chain.segment_ids.get_indexer(t.final_segments)
        return np.flatnonzero(np.isin(chain.segment_codes, finals))
    has_customer = np.diff(chain.adjacency.indptr) > 0
    has_supplier = np.diff(chain.adjacency_t.indptr) > 0
    return np.flatnonzero(~has_customer & has_supplier)


def _default_leads(chain) -> np.ndarray:
    """Lead firms flagged by :func:`chaingraph.lead_firms` and the firms of the final segments."""
    from chaingraph.analysis.leads import lead_firms

    table = lead_firms(chain)
    flagged = table.index[table["is_lead"].fillna(False).to_numpy(dtype=bool)]
    leads = chain.firm_ids.get_indexer(flagged).astype(np.int64)
    return np.union1d(leads, _final_segment_firms(chain))


def _default_sources(chain) -> np.ndarray:
    """Firms of the template's source segments, and firms with no supplier in the data."""
    no_supplier = np.diff(chain.adjacency_t.indptr) == 0
    mask = no_supplier.copy()
    t = chain.template
    if t is not None and len(t.flows):
        src = chain.segment_ids.get_indexer(t.source_segments)
        mask |= np.isin(chain.segment_codes, src)
    return np.flatnonzero(mask)


# --------------------------------------------------------------------------- #
# single sourcing


def single_sourcing(chain: ChainGraph) -> pd.DataFrame:
    """Single sourcing (单一来源): customers that buy an essential input from one supplier only.

    For every customer *j* and input segment *k* (the supplier's segment),
    count the distinct suppliers of segment *k* that sell to *j* on an
    essential flow (see the module notes). A row is reported when that count
    is exactly one::

        S(j, k) = { s : W[s, j] > 0, seg(s) = k, flow seg(s) → seg(j) essential },
        row (j, k) when |S(j, k)| = 1.

    Such a customer loses all of input *k* if its one supplier fails — the
    firm-level form of a single point of failure. Suppliers without a segment
    are not counted.

    Parameters
    ----------
    chain : ChainGraph

    Returns
    -------
    DataFrame
        One row per single-sourced (customer, input segment), most amount
        first (ties in firm order), with a RangeIndex and columns:

        ``customer_id``
            The customer.
        ``segment_id``
            The input segment (the supplier's segment).
        ``supplier_id``
            The one supplier of that input.
        ``amount``
            What the customer buys from it (万元; repeated link rows summed).
        ``customer_segment``
            The customer's segment (missing when unknown).
        ``supplier_location``
            ``local``, ``outside`` or ``foreign`` (a foreign sole supplier is
            a 卡脖子 risk).

    Raises
    ------
    ChainDataError
        When the firms have no segment (no ``segment_id`` column, or no firm
        with one).

    References
    ----------
    Single sourcing as a supply-chain vulnerability: Y. Sheffi, *The
    Resilient Enterprise* (MIT Press, 2005), ch. 12; essential (Leontief)
    inputs as in Diem et al., Sci. Rep. 12:7719 (2022).

    Examples
    --------
    >>> import chaingraph as cg
    >>> from chaingraph.analysis.weak import single_sourcing
    >>> chain = cg.load_dataset("shandong-nev")
    >>> ss = single_sourcing(chain)
    >>> list(ss.columns)
    ['customer_id', 'segment_id', 'supplier_id', 'amount', 'customer_segment', 'supplier_location']
    >>> bool(ss["amount"].is_monotonic_decreasing)
    True
    """
    _require_segments(chain, "single_sourcing")
    return _single_sourcing(chain)


def _single_sourcing(chain) -> pd.DataFrame:
    """:func:`single_sourcing` without the segment check (empty when no firm has a segment)."""
    ss = _single_sourced(chain)
    c, ks, s, a = ss["customer"], ss["segment"], ss["supplier"], ss["amount"]
    lc = chain.segment_codes.astype(np.int64)[c]
    ids = chain.firm_ids
    seg_ids = chain.segment_ids
    cust_seg = pd.array(np.where(lc >= 0, seg_ids.to_numpy(dtype=object)[np.maximum(lc, 0)], None)
                        if len(seg_ids) else np.full(len(lc), None), dtype="string")
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids.take(c).to_numpy(dtype=object), dtype="string"),
            "segment_id": pd.array(seg_ids.to_numpy(dtype=object)[ks] if len(ks) else [],
                                   dtype="string"),
            "supplier_id": pd.array(ids.take(s).to_numpy(dtype=object), dtype="string"),
            "amount": a,
            "customer_segment": cust_seg,
            "supplier_location": _location_categorical(chain.location_codes[s]),
        }
    )


def _single_sourced(chain) -> dict:
    """The rows of :func:`single_sourcing` as positions, worked out once per chain:
    ``customer``, ``segment`` (input segment), ``supplier`` and ``amount`` arrays."""
    return per_chain(chain, "single_sourced", lambda: _find_single_sourced(chain))


def _find_single_sourced(chain) -> dict:
    c, ks, s, a = _graph_kernels.sole_sources(chain.adjacency_t, chain.segment_codes,
                                              _essential_pairs(chain))
    order = np.lexsort((ks, c, -a))
    return {"customer": c[order], "segment": ks[order], "supplier": s[order], "amount": a[order]}


# --------------------------------------------------------------------------- #
# chokepoints


def chokepoints(chain: ChainGraph, *, leads=None, sources=None) -> pd.DataFrame:
    """Chokepoint firms (堵点 / 卡脖子): firms whose loss cuts supply.

    Two rules; a firm meeting either is a chokepoint.

    ``sole_flow`` — the firm is the only supplier in the data of an
    essential segment flow *k → l* (*k* ≠ *l*): no other firm of segment
    *k* sells to any firm of segment *l*. Without a template every pair of
    distinct segments linked in the data counts as a flow.

    ``dominator`` — every supply path from the chain's upstream firms to a
    lead firm or to a firm of the final segment passes through the firm.
    With a virtual root *r* joined to
    every upstream firm, *v* dominates *u* when every path *r* → *u* in the
    supply network runs through *v*; the dominators come from the dominator
    tree (Cooper–Harvey–Kennedy iterative algorithm on the CSR arrays,
    :func:`chaingraph.analysis._graph_kernels.immediate_dominators`). A firm is a
    chokepoint when it strictly dominates at least one of these target firms.

    What is cut off when firm *v* fails:

    * ``Sole(v)``: the customers that buy an essential input only from *v*
      (the rows of :func:`single_sourcing` with supplier *v*); they lose all
      of that input, worth ``W[v, j]`` each;
    * ``Dom(v)``: the firms *v* strictly dominates; they lose every supply
      path from upstream, so all their purchases in the network, ``in(j)``,
      are at stake.

    ``cut_firms = |Sole(v) ∪ Dom(v)|`` and
    ``cut_amount = Σ_{j ∈ Dom(v)} in(j) + Σ_{j ∈ Sole(v) \\ Dom(v)} W[v, j]``.

    Parameters
    ----------
    chain : ChainGraph
    leads : iterable of firm ids, optional
        The target firms whose supply paths are checked. By default the lead
        firms (链主) flagged ``is_lead`` by :func:`chaingraph.lead_firms`
        together with the firms of the template's final segments (without a
        template: firms that have suppliers but no customer in the data).
    sources : iterable of firm ids, optional
        The upstream firms where supply paths start. By default the firms of
        the template's source segments (segments with no incoming flow) and
        every firm with no supplier in the data.

    Returns
    -------
    DataFrame
        Indexed by ``firm_id``, one row per chokepoint, sorted by
        ``dominated_leads``, ``cut_firms`` and ``cut_amount`` (descending):

        ``segment_id``
            The firm's segment.
        ``location``
            ``local``, ``outside`` or ``foreign``.
        ``rule``
            ``sole_flow``, ``dominator`` or ``sole_flow; dominator``.
        ``sole_flows``
            The essential flows it alone supplies, as ``"k→l"`` joined by
            ``"; "`` (empty when none).
        ``sole_customers``, ``sole_amount``
            ``|Sole(v)|`` and ``Σ_{j ∈ Sole(v)} W[v, j]`` (万元).
        ``dominated_firms``, ``dominated_leads``
            ``|Dom(v)|`` and how many of the target firms (``leads``) are in it.
        ``dominated_amount``
            ``Σ_{j ∈ Dom(v)} in(j)`` (万元).
        ``cut_firms``, ``cut_amount``
            As defined above.

    Raises
    ------
    ChainDataError
        When ``leads`` or ``sources`` name firms that are not in the chain.

    References
    ----------
    K. D. Cooper, T. J. Harvey, K. Kennedy, "A Simple, Fast Dominance
    Algorithm", Software Practice & Experience 4 (2001), 1–10. Dominators as
    single points of failure in supply networks: D. Sornette et al. and the
    ESRI literature (Diem et al., Sci. Rep. 12:7719, 2022) measure the same
    loss by cascades; this is the purely structural version.

    Examples
    --------
    The shipped chain has planted single-firm segments; their firms are
    found by the ``sole_flow`` rule:

    >>> import chaingraph as cg
    >>> from chaingraph.datasets import load_planted
    >>> from chaingraph.analysis.weak import chokepoints
    >>> chain = cg.load_dataset("shandong-nev")
    >>> planted = load_planted("shandong-nev")
    >>> cp = chokepoints(chain)
    >>> cp.loc[planted.chokepoints, "segment_id"].tolist() == planted.chokepoint_segments
    True
    >>> bool(cp.loc[planted.chokepoints, "rule"].str.contains("sole_flow").all())
    True
    """
    if leads is None and sources is None:  # the default table, shared within the chain
        return per_chain(chain, "chokepoints", lambda: _chokepoints(chain, None, None)).copy()
    return _chokepoints(chain, leads, sources)


def _chokepoints(chain, leads, sources) -> pd.DataFrame:
    n = chain.n_firms
    seg = chain.segment_codes.astype(np.int64)
    n_seg = len(chain.segment_ids)

    # ---- rule 1: sole supplier of an essential segment flow k → l (k ≠ l, both known):
    # its smallest and largest supplier are the same firm
    flows = _essential_pairs(chain)
    flows[:, n_seg] = False
    np.fill_diagonal(flows, False)
    lowest, highest = _graph_kernels.source_range_by_label_pair(chain.adjacency, seg, flows)
    sole_k, sole_l = np.nonzero(lowest == highest)
    sole_rows = np.column_stack([sole_k * max(n_seg, 1) + sole_l, lowest[sole_k, sole_l]])
    n_sole_flows = np.bincount(sole_rows[:, 1], minlength=n) if len(sole_rows) else np.zeros(n, int)
    sole_flow_text = {}
    if len(sole_rows):
        names = chain.segment_ids.to_numpy(dtype=object)
        for key, firm in sole_rows.tolist():
            text = f"{names[key // n_seg]}→{names[key % n_seg]}"
            sole_flow_text.setdefault(firm, []).append(text)

    # ---- single-sourced customers of each firm
    ss = _single_sourced(chain)  # the dominator rule needs no segments
    ss_sup, ss_cus, ss_amt = ss["supplier"], ss["customer"], ss["amount"]

    # ---- rule 2: dominators of lead firms
    lead_pos = _default_leads(chain) if leads is None else _firm_positions(chain, leads, "leads")
    src_pos = _default_sources(chain) if sources is None else _firm_positions(chain, sources, "sources")
    is_lead = np.zeros(n, dtype=bool)
    is_lead[lead_pos] = True
    idom = _graph_kernels.immediate_dominators(chain.adjacency, src_pos, chain.adjacency_t)
    depth = _graph_kernels.tree_depths(idom)
    in_str = chain.in_strength
    sums = _graph_kernels.tree_subtree_sums(
        idom, np.column_stack([np.ones(n), is_lead.astype(float), in_str]), depth
    )
    size = np.rint(sums[:, 0]).astype(np.int64)
    dominated_firms = size - 1
    dominated_leads = np.rint(sums[:, 1]).astype(np.int64) - is_lead
    dominated_amount = np.maximum(sums[:, 2] - in_str, 0.0)
    reached = idom >= 0
    dominated_firms = np.where(reached, dominated_firms, 0)
    dominated_leads = np.where(reached, dominated_leads, 0)
    dominated_amount = np.where(reached, dominated_amount, 0.0)
    pre = _graph_kernels.tree_preorder(idom, size, depth)

    # ---- union of Sole(v) and Dom(v)
    inside = (pre[ss_sup] < pre[ss_cus]) & (pre[ss_cus] < pre[ss_sup] + size[ss_sup])
    sole_customers = np.bincount(ss_sup, minlength=n)
    sole_amount = np.bincount(ss_sup, weights=ss_amt, minlength=n)
    overlap = np.bincount(ss_sup[inside], minlength=n)
    outside_amount = np.bincount(ss_sup[~inside], weights=ss_amt[~inside], minlength=n)
    cut_firms = dominated_firms + sole_customers - overlap
    cut_amount = dominated_amount + outside_amount

    by_sole = n_sole_flows > 0
    by_dom = dominated_leads > 0
    keep = np.flatnonzero(by_sole | by_dom)
    rule = np.where(by_sole & by_dom, "sole_flow; dominator",
                    np.where(by_sole, "sole_flow", "dominator"))
    seg_names = chain.segment_ids.to_numpy(dtype=object)
    seg_col = [seg_names[seg[i]] if seg[i] >= 0 else None for i in keep.tolist()]
    out = pd.DataFrame(
        {
            "segment_id": pd.array(seg_col, dtype="string"),
            "location": _location_categorical(chain.location_codes[keep]),
            "rule": pd.array(rule[keep], dtype="string"),
            "sole_flows": pd.array(["; ".join(sole_flow_text.get(i, [])) for i in keep.tolist()],
                                   dtype="string"),
            "sole_customers": sole_customers[keep].astype(np.int64),
            "sole_amount": sole_amount[keep],
            "dominated_firms": dominated_firms[keep].astype(np.int64),
            "dominated_leads": dominated_leads[keep].astype(np.int64),
            "dominated_amount": dominated_amount[keep],
            "cut_firms": cut_firms[keep].astype(np.int64),
            "cut_amount": cut_amount[keep],
        },
        index=pd.Index(chain.firm_ids.take(keep), name="firm_id"),
    )
    order = np.lexsort((keep, -out["cut_amount"].to_numpy(), -out["cut_firms"].to_numpy(),
                        -out["dominated_leads"].to_numpy()))
    return out.iloc[order]


# --------------------------------------------------------------------------- #
# weak links


def weak_links(
    chain: ChainGraph,
    *,
    max_hhi: float = 0.4,
    min_local_share: float = 0.5,
    max_foreign_share: float = 0.5,
    min_local_firms: int = 2,
    other_weight: float = 0.7,
    leads=None,
    chokepoint_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Weak links (薄弱环节): missing, weak and foreign-dependent segments of the chain.

    For each segment *k*, with ``x_s`` = firm *s*'s sales to local customers
    and ``D_k = Σ_{s ∈ k} x_s`` the local demand for *k* (what local
    customers buy from segment *k*):

    * supply shares by the supplier's location ``g`` (local / outside /
      foreign): ``share_g = Σ_{s ∈ k, loc(s) = g} x_s / D_k``;
    * supplier concentration ``HHI_k = Σ_{s ∈ k} (x_s / D_k)²`` and the top
      supplier's share ``max_s x_s / D_k``;

    (all missing when ``D_k = 0``). The class, first rule that applies:

    ``missing`` (缺链)
        no local firm in the segment;
    ``foreign`` (卡脖子)
        ``foreign_share > max_foreign_share``;
    ``weak`` (弱链)
        any of ``local_share < min_local_share``, ``HHI > max_hhi``, fewer
        than ``min_local_firms`` local firms, or a chokepoint firm in the
        segment;
    ``ok``
        none of these.

    Severity, in [0, 1]::

        severity_k = weight_k · risk_k
        risk_k     = 1                                       if missing
                   = max(foreign_share + ½·outside_share,
                         HHI,
                         max(0, 1 − n_local / min_local_firms))   otherwise

    (a missing share or HHI counts 0): foreign supply counts fully, supply
    from elsewhere in China half, and concentration and thin local presence
    count on their own. ``weight_k`` is 1 for a 五基 foundation segment
    (基础零部件/元器件/软件/材料/工艺, the targets of 固基强基) and
    ``other_weight`` otherwise.

    Parameters
    ----------
    chain : ChainGraph
    max_hhi : float, default 0.4
        HHI above which supply counts as concentrated (CEPII's threshold).
    min_local_share : float, default 0.5
        Local supply share below which the segment is weak.
    max_foreign_share : float, default 0.5
        Foreign supply share above which the segment is foreign-dependent.
    min_local_firms : int, default 2
        Fewer local firms than this makes the segment weak.
    other_weight : float, default 0.7
        Severity weight of segments that are not foundation segments.
    leads : iterable of firm ids, optional
        Passed to :func:`chokepoints`.
    chokepoint_table : DataFrame, optional
        A result of :func:`chokepoints` to reuse instead of computing it.

    Returns
    -------
    DataFrame
        Indexed by ``segment_id`` in the order of ``chain.segments``:

        ``name``, ``stage``, ``foundation``
            From the chain template (missing without one).
        ``n_firms``, ``n_local``, ``n_outside``, ``n_foreign``
            Firms of the segment, all and by location.
        ``local_demand``
            ``D_k`` (万元).
        ``local_share``, ``outside_share``, ``foreign_share``
            Shares of ``D_k`` by supplier location (sum to 1).
        ``hhi``, ``top_supplier_share``, ``top_supplier``
            Concentration of ``D_k`` over the segment's suppliers and the
            largest supplier's id (of tied suppliers, the smallest id).
        ``single_sourced``
            Local customers that buy the segment's output, on an essential
            flow, from one supplier only (see :func:`single_sourcing`).
        ``n_chokepoints``
            Chokepoint firms of the segment (see :func:`chokepoints`).
        ``weakness``
            ``missing``, ``foreign``, ``weak`` or ``ok``.
        ``reasons``
            The criteria met, joined by ``"; "``: ``no_local_firm``,
            ``foreign_share``, ``local_share``, ``hhi``, ``few_local_firms``,
            ``chokepoint``.
        ``severity``
            As above.

    Raises
    ------
    ChainDataError
        When the firms have no segment (no ``segment_id`` column, or no firm
        with one; a chain template alone does not place firms in segments).

    References
    ----------
    HHI > 0.4 as a dependency flag: CEPII, e.g. Jaravel & Méjean, "A
    data-driven resilience strategy in a globalized world" (Conseil
    d'analyse économique, Focus 64, 2021). 固基强基 and 缺链/弱链: 鲁工信发〔2021〕5号.

    Examples
    --------
    The shipped chain has planted segments with no local firm (缺链) and
    planted foreign-dominated segments (卡脖子):

    >>> import chaingraph as cg
    >>> from chaingraph.datasets import load_planted
    >>> from chaingraph.analysis.weak import weak_links
    >>> chain = cg.load_dataset("shandong-nev")
    >>> planted = load_planted("shandong-nev")
    >>> wl = weak_links(chain)
    >>> wl.loc[planted.missing_segments, "weakness"].unique().tolist()
    ['missing']
    >>> wl.loc[planted.foreign_segments, "weakness"].unique().tolist()
    ['foreign']
    >>> wl.columns.tolist()[:7]
    ['name', 'stage', 'foundation', 'n_firms', 'n_local', 'n_outside', 'n_foreign']
    """
    _require_segments(chain, "weak_links")
    max_hhi = _check_fraction("max_hhi", max_hhi)
    min_local_share = _check_fraction("min_local_share", min_local_share)
    max_foreign_share = _check_fraction("max_foreign_share", max_foreign_share)
    other_weight = _check_fraction("other_weight", other_weight)
    if int(min_local_firms) != min_local_firms or min_local_firms < 0:
        raise ValueError(f"min_local_firms must be a non-negative integer, got {min_local_firms}")
    min_local_firms = int(min_local_firms)

    sup = _segment_supply(chain)
    seg_ids = chain.segment_ids
    n_seg = len(seg_ids)
    d = sup["demand"]
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = d > 0
        local_share = np.where(pos, sup["demand_local"] / d, np.nan)
        outside_share = np.where(pos, sup["demand_outside"] / d, np.nan)
        foreign_share = np.where(pos, sup["demand_foreign"] / d, np.nan)
        hhi = np.where(pos, sup["sumsq"] / (d * d), np.nan)
        top_share = np.where(pos, sup["top_val"] / d, np.nan)

    ss = _single_sourced(chain)
    single = np.bincount(ss["segment"][chain.is_local[ss["customer"]]], minlength=n_seg)

    cp = chokepoints(chain, leads=leads) if chokepoint_table is None else chokepoint_table
    cp_seg = seg_ids.get_indexer(cp["segment_id"].dropna())
    n_cp = np.bincount(cp_seg[cp_seg >= 0], minlength=n_seg)

    n_local = sup["local"]
    flags = {
        "no_local_firm": n_local == 0,
        "foreign_share": np.nan_to_num(foreign_share, nan=0.0) > max_foreign_share,
        "local_share": np.nan_to_num(local_share, nan=1.0) < min_local_share,
        "hhi": np.nan_to_num(hhi, nan=0.0) > max_hhi,
        "few_local_firms": n_local < min_local_firms,
        "chokepoint": n_cp > 0,
    }
    weak_any = flags["local_share"] | flags["hhi"] | flags["few_local_firms"] | flags["chokepoint"]
    weakness = np.where(
        flags["no_local_firm"], "missing",
        np.where(flags["foreign_share"], "foreign", np.where(weak_any, "weak", "ok")),
    )
    names = list(flags)
    matrix = np.column_stack([flags[k] for k in names]) if n_seg else np.zeros((0, len(names)), bool)
    reasons = ["; ".join(nm for nm, f in zip(names, row) if f) for row in matrix.tolist()]

    dep = np.nan_to_num(foreign_share, nan=0.0) + 0.5 * np.nan_to_num(outside_share, nan=0.0)
    thin = (
        np.maximum(0.0, 1.0 - n_local / min_local_firms) if min_local_firms > 0 else np.zeros(n_seg)
    )
    risk = np.maximum.reduce([dep, np.nan_to_num(hhi, nan=0.0), thin]) if n_seg else dep
    risk = np.where(flags["no_local_firm"], 1.0, np.clip(risk, 0.0, 1.0))
    severity = _segment_weights(chain, other_weight) * risk

    ids = chain.firm_ids.to_numpy(dtype=object)
    top = [ids[p] if p >= 0 else None for p in sup["top_pos"].tolist()]
    segs = chain.segments
    out = pd.DataFrame(
        {
            "name": segs["name"].to_numpy() if "name" in segs else None,
            "stage": segs["stage"].to_numpy() if "stage" in segs else None,
            "foundation": segs["foundation"].to_numpy() if "foundation" in segs else None,
            "n_firms": sup["n"].astype(np.int64),
            "n_local": n_local.astype(np.int64),
            "n_outside": sup["outside"].astype(np.int64),
            "n_foreign": sup["foreign"].astype(np.int64),
            "local_demand": d,
            "local_share": local_share,
            "outside_share": outside_share,
            "foreign_share": foreign_share,
            "hhi": hhi,
            "top_supplier_share": top_share,
            "top_supplier": pd.array(top, dtype="string"),
            "single_sourced": single.astype(np.int64),
            "n_chokepoints": n_cp.astype(np.int64),
            "weakness": pd.array(weakness, dtype="string"),
            "reasons": pd.array(reasons, dtype="string"),
            "severity": severity,
        },
        index=pd.Index(seg_ids, name="segment_id"),
    )
    for col in ("name", "stage", "foundation"):
        out[col] = out[col].astype("string")
    return out
