"""The numbers behind a lead firm's ecosystem (生态圈) picture: tiers, supply paths and figures.

One computation serves both pictures of an ecosystem: the interactive page
(:mod:`chaingraph.viz.ecosystem_view`) and the report's static cards
(:mod:`chaingraph.report.ecosystem_cards`). Nothing here draws; nothing here
imports pyvis.

Notation: ``W[s, j]`` what firm *s* sells to firm *j*; *i* the firm whose
ecosystem it is. ``u(v)`` is the number of supply links on the shortest path
from *v* to *i* (*v* is a tier-``u(v)`` supplier of *i*) and ``d(v)`` the
number on the shortest path from *i* to *v* (*v* is a tier-``d(v)``
customer), both up to ``depth``. The firms of the ecosystem are those with
``1 ≤ u(v) ≤ depth`` or ``1 ≤ d(v) ≤ depth``: the firm set of
:func:`chaingraph.ecosystem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._places import LOCATIONS
from ..analysis import _reach_kernels
from ..analysis.weak import single_sourcing
from ..errors import ChainDataError

__all__ = ["EcosystemFigures", "ecosystem_figures", "SIDES", "SIZE_GROUPS"]

#: The two sides of an ecosystem: the firm's suppliers (upstream) and its customers (downstream).
SIDES = ("supplier", "customer")
#: Size groups drawn and counted: large firms, SMEs (medium, small, micro), size unknown.
SIZE_GROUPS = ("large", "sme", "unknown")


@dataclass
class EcosystemFigures:
    """A firm's ecosystem in numbers (see :func:`ecosystem_figures`).

    Attributes
    ----------
    firm_id : str
    depth : int
    firms : DataFrame
        One row per firm of the ecosystem except ``firm_id``, indexed by
        ``firm_id``, in the chain's firm order:

        ``supplier_tier``, ``customer_tier``
            ``u(v)`` and ``d(v)`` (Int64; missing when *v* is not a supplier,
            or not a customer, within ``depth`` tiers).
        ``side``, ``tier``
            Where the firm is drawn: on the side of its shorter path to the
            firm (``"supplier"`` on a tie) at that tier.
        ``segment_id``
            Its segment (missing when unknown).
        ``location``
            ``local``, ``outside`` or ``foreign``.
        ``size_group``
            ``large``, ``sme`` or ``unknown``.
        ``path_amount``
            What it trades along the drawn supply paths (万元): a supplier-side
            firm at tier *t*, its sales to the suppliers at tier *t* − 1 (the
            firm itself at tier 0); a customer-side firm, its purchases from
            the customers at tier *t* − 1.
    links : DataFrame
        The links along shortest supply paths to and from the firm:
        ``supplier_id``, ``customer_id``, ``amount`` (万元, repeated rows
        summed) and ``direction`` (``upstream``: ``u(s) = u(j) + 1``;
        ``downstream``: ``d(j) = d(s) + 1``; ``both`` when the two hold).
    tiers : DataFrame
        One row per side and tier (MultiIndex ``side``, ``tier``) with the
        columns ``firms``, ``local``, ``outside``, ``foreign``, ``large``,
        ``sme``, ``size_unknown``, ``local_sme`` (numbers of firms with
        ``u(v) = t``, or ``d(v) = t`` on the customer side) and ``amount``:
        the money on the upstream links out of tier *t* (what tier *t* sells
        to tier *t* − 1), or on the downstream links into it.
    inputs : DataFrame
        The firm's direct purchases by input segment (the supplier's segment),
        indexed by ``segment_id`` (missing for suppliers with no segment),
        largest first: ``suppliers`` (number of direct suppliers),
        ``amount`` (``Σ W[s, i]``), ``share`` (of all direct purchases),
        ``local``, ``outside``, ``foreign`` and ``large``, ``sme``,
        ``size_unknown`` (the amount by the supplier's location and size
        group), ``local_sme`` (the amount from local SMEs), ``single_sourced``
        (the input is bought from one supplier only on an essential flow, the
        rows of :func:`chaingraph.single_sourcing` with this customer; missing
        when that cannot be known, e.g. no firm has a segment) and
        ``sole_supplier`` (its id, when single-sourced).
    facts : dict
        ``direct_suppliers``, ``direct_customers``, ``suppliers`` and
        ``customers`` (within ``depth`` tiers), ``purchases`` (``Σ_s W[s, i]``),
        ``sales``, ``sme_share``, ``local_sme_share``, ``local_share``,
        ``outside_share``, ``foreign_share`` (shares of the direct purchases
        by amount; NaN without purchases, and the SME shares NaN when no
        supplier's size is known), ``local_sme_suppliers`` (direct
        suppliers that are local SMEs), ``segments_covered`` (distinct
        segments among the firm and its ecosystem), ``segments_in_chain``
        (segments with at least one firm), ``single_sourced_inputs`` (number
        of single-sourced input segments, ``None`` when unknown).
    positions : ndarray
        Positions in ``chain.firm_ids`` of the rows of ``firms``.
    """

    firm_id: str
    depth: int
    firms: pd.DataFrame
    links: pd.DataFrame
    tiers: pd.DataFrame
    inputs: pd.DataFrame
    facts: dict
    positions: np.ndarray = field(repr=False)
    link_positions: tuple = field(repr=False, default=())


def ecosystem_figures(chain, firm_id, *, depth: int = 2, sole: pd.DataFrame | None = None) -> EcosystemFigures:
    """The ecosystem of ``firm_id`` within ``depth`` tiers, in numbers.

    Parameters
    ----------
    chain : ChainGraph
    firm_id : str
    depth : int
        Tiers to follow up- and downstream (≥ 1).
    sole : DataFrame, optional
        :func:`chaingraph.single_sourcing` of ``chain``, when already computed
        (several firms' figures from one chain).

    Returns
    -------
    EcosystemFigures

    Raises
    ------
    ChainDataError
        When ``firm_id`` is not a firm of the chain, when the chain has no
        links, or when the firm has no supplier and no customer: an ecosystem
        is made of links.

    Examples
    --------
    >>> import chaingraph as cg
    >>> chain = cg.load_dataset("shandong-nev")
    >>> fig = ecosystem_figures(chain, "NEV01407")
    >>> fig.facts["direct_suppliers"], fig.facts["suppliers"]
    (324, 909)
    >>> int(fig.tiers.loc[("supplier", 1), "firms"])
    324
    """
    if isinstance(depth, (bool, np.bool_)) or int(depth) != depth or depth < 1:
        raise ValueError("depth must be a positive integer")
    depth = int(depth)
    pos = chain.firm_ids.get_indexer([firm_id])[0]
    if pos < 0:
        raise ChainDataError(f"unknown firm {firm_id!r}", source="firms", column="firm_id")
    if chain.n_links == 0:
        raise ChainDataError(f"the ecosystem of {firm_id!r} cannot be drawn: the chain has no links, "
                             "so no firm has suppliers or customers", source="links",
                             column="supplier_id, customer_id")
    adj, adj_t = chain.adjacency, chain.adjacency_t
    if adj.indptr[pos] == adj.indptr[pos + 1] and adj_t.indptr[pos] == adj_t.indptr[pos + 1]:
        raise ChainDataError(f"firm {firm_id!r} has no supplier and no customer in the links, "
                             "so it has no ecosystem", source="links", column="supplier_id, customer_id")
    up = _reach_kernels.reach_distance(adj_t, [pos], depth)
    down = _reach_kernels.reach_distance(adj, [pos], depth)
    members = np.flatnonzero(((up >= 1) | (down >= 1)))
    members = members[members != pos]

    # links along shortest supply paths ------------------------------------------
    # a link on such a path leaves a reached firm: only their rows are read
    s, j, w = _reach_kernels.row_arcs(adj, np.flatnonzero((up >= 1) | (down >= 0)))
    w = w.astype(float)
    on_up = (up[j] >= 0) & (up[s] == up[j] + 1)
    on_down = (down[s] >= 0) & (down[j] == down[s] + 1)
    keep = on_up | on_down
    s, j, w, on_up, on_down = s[keep], j[keep], w[keep], on_up[keep], on_down[keep]
    direction = np.where(on_up & on_down, "both", np.where(on_up, "upstream", "downstream"))
    ids = chain.firm_ids
    links = pd.DataFrame({"supplier_id": ids[s], "customer_id": ids[j], "amount": w,
                          "direction": direction})

    # where each firm is drawn, and what it trades along the drawn paths ----------
    u, d = up[members], down[members]
    is_sup = (u >= 1) & ((d < 1) | (u <= d))
    n = chain.n_firms
    sold_in = np.bincount(s[on_up], weights=w[on_up], minlength=n)     # to the tier nearer the firm
    bought_out = np.bincount(j[on_down], weights=w[on_down], minlength=n)
    codes = chain.segment_codes
    loc = chain.location_codes.astype(np.int64)
    size = np.where(chain.is_large, 0, np.where(chain.is_sme, 1, 2))
    seg_ids = chain.segment_ids
    seg = pd.array([seg_ids[c] if c >= 0 else pd.NA for c in codes[members]], dtype="string") \
        if len(seg_ids) else pd.array([pd.NA] * len(members), dtype="string")
    firms = pd.DataFrame({
        "supplier_tier": pd.arrays.IntegerArray(u.astype(np.int64), u < 1),
        "customer_tier": pd.arrays.IntegerArray(d.astype(np.int64), d < 1),
        "side": pd.Categorical(np.where(is_sup, "supplier", "customer"), categories=list(SIDES)),
        "tier": np.where(is_sup, u, d).astype(np.int64),
        "segment_id": seg,
        "location": pd.Categorical.from_codes(loc[members], list(LOCATIONS)),
        "size_group": pd.Categorical.from_codes(size[members], list(SIZE_GROUPS)),
        "path_amount": np.where(is_sup, sold_in[members], bought_out[members]),
    }, index=ids[members])

    tiers = _tier_table(up, down, depth, loc, size, chain.is_local & chain.is_sme,
                        s, j, w, on_up, on_down)
    sole_rows = _sole_rows(chain, firm_id, sole)
    inputs = _input_table(chain, pos, loc, size, sole_rows)
    facts = _facts(chain, pos, up, down, inputs, tiers, sole_rows)
    return EcosystemFigures(firm_id=str(firm_id), depth=depth, firms=firms, links=links, tiers=tiers,
                            inputs=inputs, facts=facts, positions=members,
                            link_positions=(s, j, w))


def _tier_table(up, down, depth, loc, size, local_sme, s, j, w, on_up, on_down) -> pd.DataFrame:
    """Firms and money per side and tier (see :class:`EcosystemFigures`.tiers)."""
    rows, index = [], []
    for side, dist, on, end in (("supplier", up, on_up, s), ("customer", down, on_down, j)):
        for t in range(1, depth + 1):
            at = dist == t
            rows.append({
                "firms": int(at.sum()),
                **{name: int((at & (loc == k)).sum()) for k, name in enumerate(LOCATIONS)},
                "large": int((at & (size == 0)).sum()), "sme": int((at & (size == 1)).sum()),
                "size_unknown": int((at & (size == 2)).sum()),
                "local_sme": int((at & local_sme).sum()),
                "amount": float(w[on & (dist[end] == t)].sum()),
            })
            index.append((side, t))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["side", "tier"]))


def _sole_rows(chain, firm_id, sole) -> pd.DataFrame | None:
    """The rows of :func:`single_sourcing` with this customer; ``None`` when it cannot run."""
    if sole is None:
        try:
            sole = single_sourcing(chain)
        except ChainDataError:
            return None
    return sole[sole["customer_id"] == firm_id]


def _input_table(chain, pos, loc, size, sole_rows) -> pd.DataFrame:
    """The firm's direct purchases by the supplier's segment (see :class:`EcosystemFigures`.inputs)."""
    adj_t = chain.adjacency_t
    lo, hi = adj_t.indptr[pos], adj_t.indptr[pos + 1]
    sup = adj_t.indices[lo:hi].astype(np.int64)
    amt = adj_t.data[lo:hi].astype(float)
    keep = sup != pos
    sup, amt = sup[keep], amt[keep]
    codes = chain.segment_codes[sup]
    K = len(chain.segment_ids)
    key = np.where(codes >= 0, codes, K)
    m = K + 1
    total = amt.sum()
    frame = pd.DataFrame({
        "suppliers": np.bincount(key, minlength=m),
        "amount": np.bincount(key, weights=amt, minlength=m),
        **{name: np.bincount(key, weights=amt * (loc[sup] == k), minlength=m)
           for k, name in enumerate(LOCATIONS)},
        "large": np.bincount(key, weights=amt * (size[sup] == 0), minlength=m),
        "sme": np.bincount(key, weights=amt * (size[sup] == 1), minlength=m),
        "size_unknown": np.bincount(key, weights=amt * (size[sup] == 2), minlength=m),
        "local_sme": np.bincount(key, weights=amt * (chain.is_local & chain.is_sme)[sup], minlength=m),
    })
    frame.insert(2, "share", frame["amount"] / total if total > 0 else np.nan)
    frame.index = pd.Index(list(chain.segment_ids.astype(str)) + [pd.NA], dtype="string", name="segment_id")
    frame = frame[frame["suppliers"] > 0]
    if sole_rows is None:
        frame["single_sourced"] = pd.array([pd.NA] * len(frame), dtype="boolean")
        frame["sole_supplier"] = pd.array([pd.NA] * len(frame), dtype="string")
    else:
        by_seg = dict(zip(sole_rows["segment_id"].astype(str), sole_rows["supplier_id"].astype(str)))
        frame["single_sourced"] = pd.array([pd.NA if pd.isna(s) else s in by_seg for s in frame.index],
                                           dtype="boolean")
        frame["sole_supplier"] = pd.array([by_seg.get(s) if not pd.isna(s) else None for s in frame.index],
                                          dtype="string")
    order = np.lexsort((np.arange(len(frame)), -frame["amount"].to_numpy()))
    return frame.iloc[order]


def _facts(chain, pos, up, down, inputs, tiers, sole_rows) -> dict:
    purchases = float(inputs["amount"].sum())
    sized = purchases - float(inputs["size_unknown"].sum())

    def share(col):
        if purchases <= 0 or (col in ("sme", "local_sme") and sized <= 0):
            return float("nan")  # nothing bought, or from suppliers of unknown size only
        return float(inputs[col].sum() / purchases)

    within = (up >= 0) | (down >= 0)
    codes = chain.segment_codes
    covered = np.unique(codes[within & (codes >= 0)])
    adj = chain.adjacency
    sales_lo, sales_hi = adj.indptr[pos], adj.indptr[pos + 1]
    customers = adj.indices[sales_lo:sales_hi]
    return {
        "direct_suppliers": int(((up == 1)).sum()),
        "direct_customers": int((down == 1).sum()),
        "suppliers": int((up >= 1).sum()),
        "customers": int((down >= 1).sum()),
        "purchases": purchases,
        "sales": float(adj.data[sales_lo:sales_hi][customers != pos].sum()),
        "sme_share": share("sme"),
        "local_sme_share": share("local_sme"),
        "local_share": share("local"),
        "outside_share": share("outside"),
        "foreign_share": share("foreign"),
        "local_sme_suppliers": int(((up == 1) & chain.is_local & chain.is_sme).sum()),
        "segments_covered": int(len(covered)),
        "segments_in_chain": int(len(np.unique(codes[codes >= 0]))),
        "single_sourced_inputs": None if sole_rows is None else int(inputs["single_sourced"].sum()),
    }
