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
(its primary segment, :attr:`ChainGraph.segment_codes`): a firm sells what its
segment makes. A ``segment_id`` column of the links table, if present, is not
used.

*Essential flows.* With a chain template whose flows are given, a link from a
firm of segment *k* to a firm of segment *l* is on an essential flow when the
template has the flow *k → l*, given or inherited by a nested segment
(:attr:`ChainTemplate.effective_flows`), with ``essential`` true; links between segments
the template does not connect, and links from or to firms without a segment,
are not. Without a template (or with a template without flows) every link
whose supplier has a segment counts as essential.

*Local demand.* "Local customers" are the chain's local firms
(:attr:`ChainGraph.is_local`: in the focus region and not foreign; every
non-foreign firm when the chain has no region). The local demand for segment
*k* is what local customers buy from firms of segment *k*, in amount (万元).

*Chain maps.* A chain with a presence table but no links (a chain map) has no
transactions: its segments are judged by the market shares the presence table
gives (:func:`weak_links`; the provider shares are computed in
:mod:`chaingraph.analysis._segment_supply`), its chokepoints by the
``dominant_share`` rule alone, and :func:`single_sourcing` needs links.

Why this module is long: three public analyses that share their segment-supply tables
(:func:`weak_links`, :func:`chokepoints`, :func:`single_sourcing`), each with its formula, every
output column and doctested examples: about 445 of its lines are those docstrings. What each
segment's firms supply lives in ``_segment_supply``, the searches in ``_labelled_arc_kernels`` and
``_dominator_kernels``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chaingraph._places import LOCATIONS
from chaingraph.analysis import _dominator_kernels, _labelled_arc_kernels
from chaingraph.analysis._common import per_chain, require_links, with_place
from chaingraph.analysis._segment_supply import (
    BASES,
    _check_fraction,
    _essential_pairs,
    _location_categorical,
    _negligible_in_primary,
    _provider_sums,
    _providers,
    _require_segments,
    _segment_supply,
    _segment_weights,
)
from chaingraph.core import ChainGraph
from chaingraph.errors import ChainDataError

__all__ = ["weak_links", "chokepoints", "single_sourcing", "WEAKNESS_CLASSES"]

#: The weakness classes of :func:`weak_links`, most severe first.
WEAKNESS_CLASSES = ("missing", "foreign", "weak", "ok")

#: Shares within this of ``min_share`` count as reaching it (published shares are rounded
#: and stored as floats).
_SHARE_TOLERANCE = 1e-9

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
    are not counted. A supplier the presence table flags negligible in its
    segment is no second source: a customer buying *k* from one supplier and
    from negligible ones is single-sourced from the first (and from a
    negligible one when it is all it has). A country aggregate ("the rest of
    country X", ``firms.kind``) is never named as the one supplier: many
    firms stand behind it.

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
    require_links(chain, "single_sourcing")
    _require_segments(chain, "single_sourcing")
    return with_place(_single_sourcing(chain), chain)


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
    """A customer's one source of an input: the only supplier of the input segment on an
    essential flow, or its only supplier not flagged negligible in its segment; never an
    aggregate (many firms stand behind it)."""
    c, ks, s, a = _labelled_arc_kernels.sole_sources(chain.adjacency_t, chain.segment_codes,
                                                     _essential_pairs(chain),
                                                     live=~_negligible_in_primary(chain))
    named = ~chain.is_aggregate[s]
    c, ks, s, a = c[named], ks[named], s[named], a[named]
    order = np.lexsort((ks, c, -a))
    return {"customer": c[order], "segment": ks[order], "supplier": s[order], "amount": a[order]}


# --------------------------------------------------------------------------- #
# chokepoints


def chokepoints(chain: ChainGraph, *, leads=None, sources=None, min_share: float = 0.9) -> pd.DataFrame:
    """Chokepoint firms (堵点 / 卡脖子): firms whose loss cuts supply.

    Three rules; a firm meeting any of them is a chokepoint.

    ``sole_flow`` — the firm is the only supplier in the data of an
    essential segment flow *k → l* (*k* ≠ *l*): no other firm of segment
    *k* sells to any firm of segment *l*. Without a template every pair of
    distinct segments linked in the data counts as a flow. Flows a nested
    segment inherits from its parent count (:attr:`ChainTemplate.effective_flows`).

    ``dominator`` — every supply path from the chain's upstream firms to a
    lead firm or to a firm of the final segment passes through the firm.
    With a virtual root *r* joined to
    every upstream firm, *v* dominates *u* when every path *r* → *u* in the
    supply network runs through *v*; the dominators come from the dominator
    tree (Cooper–Harvey–Kennedy iterative algorithm on the CSR arrays,
    :func:`chaingraph.analysis._dominator_kernels.immediate_dominators`). A firm is a
    chokepoint when it strictly dominates at least one of these target firms.

    ``dominant_share`` — in a segment whose supply shares come from the
    presence table (a chain map: shares or amounts given; see
    :func:`weak_links`), the firm holds ``q ≥ min_share`` of the segment, or
    is its only provider not flagged negligible and its share is not known to
    be below ``min_share``. Presence in a sub-segment counts in its parent.
    Structural rules need transactions: on a chain without links only this
    rule applies (``attrs["note"]`` says so); on a transaction chain no
    segment has presence shares and only the structural rules apply.

    A country aggregate ("the rest of country X", ``firms.kind``) is never
    listed: it stands for many firms. Its weight shows in
    :func:`weak_links` (foreign share, concentration of its segment).

    What is cut off when firm *v* fails (structural rules):

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
        Only with links.
    sources : iterable of firm ids, optional
        The upstream firms where supply paths start. By default the firms of
        the template's source segments (segments with no incoming flow) and
        every firm with no supplier in the data. Only with links.
    min_share : float, default 0.9
        The share of a segment from which one provider dominates it.

    Returns
    -------
    DataFrame
        Indexed by ``firm_id``, one row per chokepoint, sorted by
        ``dominated_leads``, ``cut_firms``, ``cut_amount`` and
        ``dominant_share`` (descending; missing values last):

        ``segment_id``
            The firm's (primary) segment.
        ``location``
            ``local``, ``outside`` or ``foreign``.
        ``rule``
            The rules met, ``"; "``-joined: ``sole_flow``, ``dominator``,
            ``dominant_share``.
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
        ``dominant_in``
            The segments the firm dominates by share, ``"; "``-joined in
            template order (empty when none).
        ``dominant_share``
            Its largest share among them (missing when none, or when it is
            the only provider and its share is unknown).

        Without links the structural columns (``sole_flows`` to
        ``cut_amount``) are missing: they are unknown, not zero.
        ``attrs["rules"]`` lists the rules applied.

    Raises
    ------
    ChainDataError
        When ``leads`` or ``sources`` name firms that are not in the chain, or
        are given for a chain without links.

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
    min_share = _check_fraction("min_share", min_share)
    if leads is None and sources is None:  # the default table, shared within the chain
        return per_chain(chain, ("chokepoints", min_share),
                         lambda: _chokepoints(chain, None, None, min_share)).copy()
    return _chokepoints(chain, leads, sources, min_share)


def _chokepoints(chain, leads, sources, min_share: float) -> pd.DataFrame:
    """:func:`chokepoints` after checking ``min_share``."""
    prov = _providers(chain)
    dominant = _dominant_providers(chain, prov, min_share)
    also = np.zeros(chain.n_firms, dtype=bool)
    also[dominant.index] = True
    if chain.has_links:
        out = _structural_chokepoints(chain, leads, sources, also)
        rules = ["sole_flow", "dominator", "dominant_share"]
    else:
        if leads is not None or sources is not None:
            require_links(chain, "chokepoints with leads or sources (the dominator rule)")
        out = _chain_map_chokepoints(chain, np.flatnonzero(also))
        rules = ["dominant_share"]
        out.attrs["note"] = ("sole_flow and dominator need supplier–customer links; this chain "
                             "has none, so only dominant_share was applied")
    pos = chain.firm_ids.get_indexer(out.index)
    dom = dominant.reindex(pos)
    out["rule"] = pd.array(
        ["; ".join(p for p in (r, "dominant_share" if d else "") if p)
         for r, d in zip(out["rule"].fillna("").tolist(), also[pos].tolist())], dtype="string")
    out["dominant_in"] = pd.array([t if isinstance(t, str) else "" for t in dom["segments"].tolist()],
                                  dtype="string")
    out["dominant_share"] = dom["share"].to_numpy(dtype=float)
    keep = ~chain.is_aggregate[pos]
    out, pos = out[keep], pos[keep]

    def desc(col):
        return -out[col].astype("float64").fillna(-np.inf).to_numpy()

    order = np.lexsort((pos, desc("dominant_share"), desc("cut_amount"), desc("cut_firms"),
                        desc("dominated_leads")))
    out = out.iloc[order]
    out.attrs["rules"] = rules
    return with_place(out, chain)


def _dominant_providers(chain, prov, min_share: float) -> pd.DataFrame:
    """The firms the ``dominant_share`` rule names, indexed by firm position: ``segments``
    (the segments they dominate, ``"; "``-joined) and ``share`` (their largest share there)."""
    presence_based = prov.basis[prov.seg] != BASES.index("links")
    live = np.bincount(prov.seg[~prov.negligible], minlength=len(chain.segment_ids))
    sole = (live[prov.seg] == 1) & ~prov.negligible & np.isnan(prov.q)
    hit = presence_based & ~chain.is_aggregate[prov.firm] & (
        (prov.q >= min_share - _SHARE_TOLERANCE) | sole)
    names = chain.segment_ids.to_numpy(dtype=object)
    pairs = pd.DataFrame({"firm": prov.firm[hit], "seg": prov.seg[hit], "q": prov.q[hit]})
    pairs = pairs.sort_values(["firm", "seg"], kind="stable")
    grouped = pairs.groupby("firm", sort=True)
    return pd.DataFrame({
        "segments": grouped["seg"].agg(lambda k: "; ".join(names[k.to_numpy()])),
        "share": grouped["q"].max(),
    })


def _chain_map_chokepoints(chain, keep: np.ndarray) -> pd.DataFrame:
    """The table of :func:`chokepoints` for the firms ``keep`` of a chain without links: the
    structural measures unknown."""
    seg = chain.segment_codes.astype(np.int64)[keep]
    names = chain.segment_ids.to_numpy(dtype=object)
    n = len(keep)
    unknown_count = pd.array([pd.NA] * n, dtype="Int64")
    return pd.DataFrame(
        {
            "segment_id": pd.array([names[k] if k >= 0 else None for k in seg.tolist()],
                                   dtype="string"),
            "location": _location_categorical(chain.location_codes[keep]),
            "rule": pd.array([""] * n, dtype="string"),
            "sole_flows": pd.array([pd.NA] * n, dtype="string"),
            "sole_customers": unknown_count,
            "sole_amount": np.full(n, np.nan),
            "dominated_firms": unknown_count.copy(),
            "dominated_leads": unknown_count.copy(),
            "dominated_amount": np.full(n, np.nan),
            "cut_firms": unknown_count.copy(),
            "cut_amount": np.full(n, np.nan),
        },
        index=pd.Index(chain.firm_ids.take(keep), name="firm_id"),
    )


def _structural_chokepoints(chain, leads, sources, also: np.ndarray) -> pd.DataFrame:
    """The ``sole_flow`` and ``dominator`` rules of :func:`chokepoints` (a chain with links):
    one row per firm meeting one of them or marked in ``also`` (then ``rule`` is empty),
    unsorted."""
    n = chain.n_firms
    seg = chain.segment_codes.astype(np.int64)
    n_seg = len(chain.segment_ids)

    # ---- rule 1: sole supplier of an essential segment flow k → l (k ≠ l, both known):
    # its smallest and largest supplier are the same firm
    flows = _essential_pairs(chain)
    flows[:, n_seg] = False
    np.fill_diagonal(flows, False)
    lowest, highest = _labelled_arc_kernels.source_range_by_label_pair(chain.adjacency, seg, flows)
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
    idom = _dominator_kernels.immediate_dominators(chain.adjacency, src_pos, chain.adjacency_t)
    depth = _dominator_kernels.tree_depths(idom)
    in_str = chain.in_strength
    sums = _dominator_kernels.tree_subtree_sums(
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
    pre = _dominator_kernels.tree_preorder(idom, size, depth)

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
    keep = np.flatnonzero(by_sole | by_dom | also)
    rule = np.where(by_sole & by_dom, "sole_flow; dominator",
                    np.where(by_sole, "sole_flow", np.where(by_dom, "dominator", "")))
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
    return out


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
    min_share: float = 0.9,
    leads=None,
    chokepoint_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Weak links (薄弱环节): missing, weak and foreign-dependent segments of the chain.

    Judged from the focus region's position (the home country without a
    region): for each segment *k*, each provider *s* of *k* — a firm or
    aggregate active in *k* or in a segment nested in *k* — has a supply
    share ``q_s``, known in one of two ways (column ``basis``):

    ``links`` (a transaction chain)
        ``q_s = x_s / D_k`` with ``x_s`` firm *s*'s sales to local customers
        and ``D_k = Σ_{s ∈ k} x_s`` the local demand for *k* (what local
        customers buy from segment *k*); all shares missing when ``D_k = 0``.
    ``share`` or ``amount`` (a chain map: the presence table)
        ``q_s`` = the share of the segment's market the presence table gives
        (0 for a provider flagged negligible); without shares, the amounts:
        ``q_s = amount_s / Σ amount`` (see below for the exact rule). A
        segment's shares are those given for it: a grouping's shares are not
        added up from its sub-segments' (different markets), but without
        rows of its own it takes its sub-segments' amounts.
    ``none``
        A chain map that gives neither for the segment: every provider's share
        is unknown (0 for negligible ones).

    From them, by the provider's location ``g`` (local / outside / foreign):
    ``share_g = Σ_{s ∈ k, loc(s) = g} q_s``, concentration
    ``HHI_k = Σ_s q_s²`` and the top provider's share ``max_s q_s``. On a
    chain map the shares are of the segment's whole market: the part no
    provider is listed for (``1 − share_known``) counts for no location, and
    a share that depends on a provider of unknown share is missing. A
    criterion on such a share is then evaluated on its bounds (the unknown
    providers hold at most ``1 − share_known`` together): met, not met, or
    unknown.

    The class, first rule that applies:

    ``missing`` (缺链)
        no local provider in the segment (a negligible one or an aggregate
        counts; presence in a sub-segment counts for the parent). A
        *process* segment (``kind == "process"``) without any provider is a
        step of the chain, not a gap: its class is missing (``<NA>``) with
        the reason ``process_without_providers``;
    ``foreign`` (卡脖子)
        ``foreign_share > max_foreign_share``;
    ``weak`` (弱链)
        any of ``local_share < min_local_share``, concentration, fewer than
        ``min_local_firms`` local providers, or a chokepoint firm in the
        segment (:func:`chokepoints`). On a chain map the segment is judged
        from the region's position: concentration (``HHI > max_hhi``), few
        local providers and chokepoints count only when the top provider, or
        the chokepoint firm, is not local — a home oligopoly or a home
        champion (one local firm with the largest share) is a strength, not a
        weakness. On a transaction chain any chokepoint firm, few local firms
        and ``HHI > max_hhi`` count (as before);
    ``ok``
        none of these;
    ``<NA>``
        the class depends on a criterion that is unknown (reason
        ``unknown_shares``).

    Severity, in [0, 1], orders the classes by construction
    (``missing ≥ foreign ≥ weak ≥ ok``) and the segments within a class by
    risk::

        severity_k = (band_k + weight_k · risk_k) / 4,   band = 3, 2, 1, 0
                                                          for missing, foreign, weak, ok
        risk_k     = 1                                       if missing
                   = max(foreign_share + ½·outside_share,
                         concentration,
                         max(0, 1 − n_local / min_local_firms))   otherwise

    (a share or HHI not known counts its known part; concentration is HHI
    and thin presence ``max(0, 1 − n_local / min_local_firms)``, on a chain
    map both only when the top provider is not local), missing when
    the class is: foreign supply counts fully, supply from elsewhere in the
    home country half, and concentration and thin local presence on their
    own. ``weight_k`` is 1 for a 五基 foundation segment
    (基础零部件/元器件/软件/材料/工艺, the targets of 固基强基) and
    ``other_weight`` otherwise.

    The exact share rule on a chain map: a provider's presence in *k* is its
    own row for *k*, else its rows below *k*. The basis is ``share`` when a
    provider of *k* not flagged negligible has a share given for *k* (or
    every provider is negligible); else ``amount`` when every provider not
    flagged negligible has an amount in *k* (its own row's; for a provider
    only below *k*, when *k* has no rows of its own, the sum of its rows
    below); else ``links`` on a chain with links, else ``none``.

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
        Fewer local providers than this makes the segment weak.
    other_weight : float, default 0.7
        Severity weight of segments that are not foundation segments.
    min_share : float, default 0.9
        Passed to :func:`chokepoints` (its ``dominant_share`` rule).
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
            Providers of the segment (firms and aggregates, negligible ones
            included, presence in sub-segments counted), all and by location.
        ``local_demand``
            ``D_k`` (万元); missing without links.
        ``local_share``, ``outside_share``, ``foreign_share``
            Supply shares by provider location (they sum to 1 on the
            ``links`` basis, to ``share_known`` on a chain map); missing when
            a provider there has an unknown share.
        ``share_known``
            ``Σ q_s`` over the providers whose share is known: 1 on the
            ``links`` basis (missing when ``D_k = 0``), the part of the market
            the presence table attributes on a chain map.
        ``hhi``, ``top_supplier_share``, ``top_supplier``
            Concentration over the segment's providers and the largest
            provider's share and id (of tied providers, the smallest id);
            missing when a provider of unknown share could change them.
        ``top_supplier_kind``
            ``firm`` or ``aggregate``: an aggregate may be the top provider.
        ``single_sourced``
            Local customers that buy the segment's output, on an essential
            flow, from one supplier only (see :func:`single_sourcing`);
            missing without links.
        ``n_chokepoints``
            Chokepoint firms of the segment (see :func:`chokepoints`: by their
            segment for the structural rules, by the segments they dominate
            for ``dominant_share``).
        ``weakness``
            ``missing``, ``foreign``, ``weak``, ``ok``, or missing when
            unknown (see above).
        ``reasons``
            The criteria met, joined by ``"; "``: ``no_local_firm``,
            ``foreign_share``, ``local_share``, ``hhi``, ``few_local_firms``,
            ``chokepoint``; and ``unknown_shares`` or
            ``process_without_providers`` when the class is unknown.
        ``severity``
            As above.
        ``basis``
            ``links``, ``share``, ``amount`` or ``none``: where the shares
            come from.

    Raises
    ------
    ChainDataError
        When the firms have no segment (no ``segment_id`` column and no
        presence table, or no firm with one; a chain template alone does not
        place firms in segments).

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

    seg_ids = chain.segment_ids
    n_seg = len(seg_ids)
    prov = _providers(chain)
    counts = _provider_sums(chain, prov)
    sh = _segment_shares(chain, prov, counts)

    if chain.has_links:
        ss = _single_sourced(chain)
        single = pd.array(np.bincount(ss["segment"][chain.is_local[ss["customer"]]],
                                      minlength=n_seg), dtype="int64")
    else:
        single = pd.array([pd.NA] * n_seg, dtype="Int64")

    cp = (chokepoints(chain, leads=leads, min_share=min_share) if chokepoint_table is None
          else chokepoint_table)
    n_cp, n_cp_away = _chokepoints_by_segment(chain, cp)

    n_local = counts["local"]
    by_links = sh["basis"] == BASES.index("links")
    process = (chain.segments["kind"] == "process").to_numpy(dtype=bool, na_value=False)
    step = process & (counts["n"] == 0)
    missing = (n_local == 0) & ~step
    # on a chain map, the home region's own position decides: concentration in home hands and
    # a home champion holding the top share are strengths, not weak links
    away_top = np.where(by_links, _YES, sh["top_not_local"])
    flags = {
        "no_local_firm": _known(missing),
        "foreign_share": _exceeds(sh["foreign_lo"], sh["foreign_hi"], max_foreign_share),
        "local_share": _below(sh["local_lo"], sh["local_hi"], min_local_share),
        "hhi": np.minimum(_exceeds(sh["hhi_lo"], sh["hhi_hi"], max_hhi), away_top).astype(np.int8),
        "few_local_firms": np.minimum(_known(n_local < min_local_firms), away_top).astype(np.int8),
        "chokepoint": _known(np.where(by_links, n_cp, n_cp_away) > 0),
    }
    weak_any = np.maximum.reduce([flags[k] for k in ("local_share", "hhi", "few_local_firms",
                                                     "chokepoint")])
    band = np.select(
        [missing, flags["foreign_share"] == _YES, flags["foreign_share"] == _MAYBE,
         weak_any == _YES, weak_any == _MAYBE],
        [3, 2, -1, 1, -1], default=0)
    band = np.where(step, -1, band)
    weakness = np.array(WEAKNESS_CLASSES[::-1], dtype=object)[np.maximum(band, 0)]
    weakness[band < 0] = None

    names = list(flags)
    matrix = np.column_stack([flags[k] == _YES for k in names]) if n_seg else np.zeros((0, len(names)), bool)
    reasons = ["; ".join(nm for nm, f in zip(names, row) if f) for row in matrix.tolist()]
    for k in np.flatnonzero(band < 0).tolist():
        reasons[k] = ("process_without_providers" if step[k]
                      else "; ".join(filter(None, [reasons[k], "unknown_shares"])))

    dep = sh["foreign_lo"] + 0.5 * sh["outside_lo"]
    concentration = np.where(by_links | (sh["top_not_local"] == _YES), sh["hhi_lo"], 0.0)
    thin = (
        np.maximum(0.0, 1.0 - n_local / min_local_firms) if min_local_firms > 0 else np.zeros(n_seg)
    )
    thin = np.where(by_links | (sh["top_not_local"] == _YES), thin, 0.0)
    risk = np.maximum.reduce([dep, concentration, thin]) if n_seg else dep
    risk = np.where(missing, 1.0, np.clip(risk, 0.0, 1.0))
    severity = (band + _segment_weights(chain, other_weight) * risk) / 4.0
    severity = np.where(band < 0, np.nan, severity)

    ids = chain.firm_ids.to_numpy(dtype=object)
    top = sh["top_pos"]
    segs = chain.segments
    out = pd.DataFrame(
        {
            "name": segs["name"].to_numpy() if "name" in segs else None,
            "stage": segs["stage"].to_numpy() if "stage" in segs else None,
            "foundation": segs["foundation"].to_numpy() if "foundation" in segs else None,
            "n_firms": counts["n"].astype(np.int64),
            "n_local": n_local.astype(np.int64),
            "n_outside": counts["outside"].astype(np.int64),
            "n_foreign": counts["foreign"].astype(np.int64),
            "local_demand": sh["local_demand"],
            "local_share": sh["local_share"],
            "outside_share": sh["outside_share"],
            "foreign_share": sh["foreign_share"],
            "share_known": sh["share_known"],
            "hhi": sh["hhi"],
            "top_supplier_share": sh["top_share"],
            "top_supplier": pd.array([ids[p] if p >= 0 else None for p in top.tolist()],
                                     dtype="string"),
            "top_supplier_kind": pd.array(
                [("aggregate" if chain.is_aggregate[p] else "firm") if p >= 0 else None
                 for p in top.tolist()], dtype="string"),
            "single_sourced": single,
            "n_chokepoints": n_cp.astype(np.int64),
            "weakness": pd.array(weakness, dtype="string"),
            "reasons": pd.array(reasons, dtype="string"),
            "severity": severity,
            "basis": pd.array(np.array(BASES, dtype=object)[sh["basis"]], dtype="string"),
        },
        index=pd.Index(seg_ids, name="segment_id"),
    )
    for col in ("name", "stage", "foundation"):
        out[col] = out[col].astype("string")
    return with_place(out, chain)


# three-valued outcomes of a criterion: not met, unknown, met (or: and = min, or = max)
_NO, _MAYBE, _YES = 0, 1, 2


def _known(met: np.ndarray) -> np.ndarray:
    return np.where(met, _YES, _NO).astype(np.int8)


def _exceeds(lo: np.ndarray, hi: np.ndarray, limit: float) -> np.ndarray:
    """``value > limit`` for a value known to lie in ``[lo, hi]``: met, not met or unknown."""
    return np.where(lo > limit, _YES, np.where(hi <= limit, _NO, _MAYBE)).astype(np.int8)


def _below(lo: np.ndarray, hi: np.ndarray, limit: float) -> np.ndarray:
    """``value < limit`` for a value known to lie in ``[lo, hi]``: met, not met or unknown."""
    return np.where(hi < limit, _YES, np.where(lo >= limit, _NO, _MAYBE)).astype(np.int8)


def _segment_shares(chain, prov, counts: dict) -> dict:
    """Per segment: the supply shares of :func:`weak_links` and the bounds its criteria use.

    ``<g>_share``, ``hhi``, ``top_share`` are the reported values (missing where
    unknown); ``<g>_lo``/``<g>_hi`` and ``hhi_lo``/``hhi_hi`` the bounds (on the
    ``links`` basis both are the value, with today's stand-ins for a missing one:
    local 1, foreign, outside and HHI 0); ``top_not_local`` a three-valued outcome.
    """
    n_seg = len(chain.segment_ids)
    basis = prov.basis
    by_links = basis == BASES.index("links")
    out = {"basis": basis}
    # chain map: the known parts, and what providers of unknown share could add
    known = counts["share_known"]
    room = np.clip(1.0 - known, 0.0, None)
    for g in LOCATIONS:
        lo = counts[f"known_{g}"]
        unknown = counts[f"unknown_{g}"]
        out[f"{g}_share"] = np.where(unknown, np.nan, lo)
        out[f"{g}_lo"], out[f"{g}_hi"] = lo, lo + room * unknown
    any_unknown = counts["any_unknown"]
    top_val = counts["top_val"]
    out["hhi"] = np.where(any_unknown, np.nan, counts["sumsq"])
    out["hhi_lo"] = counts["sumsq"]
    out["hhi_hi"] = counts["sumsq"] + any_unknown * (2.0 * room * top_val + room * room)
    sure = counts["top_sure"] & (top_val > 0)
    out["top_pos"] = np.where(sure, counts["top_pos"], -1)
    out["top_share"] = np.where(sure, top_val, np.nan)
    out["share_known"] = known
    none = counts["n"] == 0  # no provider at all: no share to speak of
    for col in ("local_share", "outside_share", "foreign_share", "hhi", "share_known"):
        out[col] = np.where(none, np.nan, out[col])
    top_loc = chain.location_codes[np.maximum(counts["top_pos"], 0)] if chain.n_firms else np.zeros(n_seg)
    out["top_not_local"] = np.where(
        sure, np.where(top_loc != 0, _YES, _NO),
        np.where(counts["live_local"] == 0, _YES,
                 np.where(counts["live_local"] == counts["live"], _NO, _MAYBE))).astype(np.int8)
    out["local_demand"] = np.full(n_seg, np.nan)
    if not chain.has_links:
        return out
    # transaction chain: shares of the local demand D_k
    sup = _segment_supply(chain)
    d = sup["demand"]
    out["local_demand"] = d
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = d > 0
        links = {g: np.where(pos, sup[f"demand_{g}"] / d, np.nan) for g in LOCATIONS}
        links_hhi = np.where(pos, sup["sumsq"] / (d * d), np.nan)
        links_top = np.where(pos, sup["top_val"] / d, np.nan)
    stand_in = {"local": 1.0, "outside": 0.0, "foreign": 0.0}
    for g in LOCATIONS:
        out[f"{g}_share"] = np.where(by_links, links[g], out[f"{g}_share"])
        value = np.nan_to_num(links[g], nan=stand_in[g])
        out[f"{g}_lo"] = np.where(by_links, value, out[f"{g}_lo"])
        out[f"{g}_hi"] = np.where(by_links, value, out[f"{g}_hi"])
    out["hhi"] = np.where(by_links, links_hhi, out["hhi"])
    out["hhi_lo"] = np.where(by_links, np.nan_to_num(links_hhi, nan=0.0), out["hhi_lo"])
    out["hhi_hi"] = np.where(by_links, out["hhi_lo"], out["hhi_hi"])
    out["top_pos"] = np.where(by_links, sup["top_pos"], out["top_pos"])
    out["top_share"] = np.where(by_links, links_top, out["top_share"])
    out["share_known"] = np.where(by_links, np.where(pos, 1.0, np.nan), known)
    return out


def _chokepoints_by_segment(chain, cp: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Chokepoint firms per segment, all and those not local: structural chokepoints in
    their ``segment_id``, ``dominant_share`` ones in the segments they dominate."""
    n_seg = len(chain.segment_ids)
    structural = (cp["rule"].str.contains("sole_flow|dominator").fillna(True).to_numpy(dtype=bool)
                  if "rule" in cp.columns else np.ones(len(cp), dtype=bool))
    firm = [cp.index[structural].to_numpy(dtype=object)]
    seg = [cp["segment_id"][structural].to_numpy(dtype=object)]
    if "dominant_in" in cp.columns:
        dom = cp["dominant_in"].dropna()
        dom = dom[dom != ""].str.split("; ").explode()
        firm.append(dom.index.to_numpy(dtype=object))
        seg.append(dom.to_numpy(dtype=object))
    pairs = pd.DataFrame({"firm": np.concatenate(firm), "seg": np.concatenate(seg)}).drop_duplicates()
    k = chain.segment_ids.get_indexer(pairs["seg"])
    f = chain.firm_ids.get_indexer(pairs["firm"])
    ok = k >= 0
    away = ok & (f >= 0) & (chain.location_codes[np.maximum(f, 0)] != 0)
    return np.bincount(k[ok], minlength=n_seg), np.bincount(k[away], minlength=n_seg)
