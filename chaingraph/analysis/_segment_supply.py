"""What the firms of each segment supply: the internals :mod:`~chaingraph.analysis.weak`
and :mod:`~chaingraph.analysis.gaps` share.

The conventions (a link supplies the supplier's segment; which links are on
an essential flow; local demand) are stated in :mod:`chaingraph.analysis.weak`.
Sums and counts by segment go through the chain's segment membership
(:attr:`ChainGraph.segment_membership`). Each segment's *providers* — firms
present in it or in a segment nested in it — and their shares of it from the
presence table (a chain map) are in :func:`_providers` and
:func:`_provider_sums`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from chaingraph._places import LOCATIONS
from chaingraph.errors import ChainDataError


def _check_fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def _require_segments(chain, what: str) -> None:
    """Raise unless some firm has a known segment (a template alone does not place firms)."""
    if not chain.has_presence and "segment_id" not in chain.firms.columns:
        raise ChainDataError(
            f"{what} needs each firm's segment, and the firms table has no segment_id column"
            + (" (a chain template lists the segments but does not place the firms in them)"
               if chain.template is not None else ""),
            source="firms",
            column="segment_id",
        )
    if chain.n_firms and not (chain.segment_codes >= 0).any():
        raise ChainDataError(
            f"{what} needs each firm's segment, and no firm has a segment_id",
            source="firms",
            column="segment_id",
        )


def _edges(chain):
    """Supplier, customer positions and amounts of the graph's edges (repeated pairs summed)."""
    w = chain.adjacency.tocoo()
    return (
        np.asarray(w.row, dtype=np.int64),
        np.asarray(w.col, dtype=np.int64),
        np.asarray(w.data, dtype=np.float64),
    )


def _essential_matrix(chain) -> np.ndarray | None:
    """Bool ``E[k, l]``: the flow segment k → segment l (given or inherited) is essential;
    ``None``: every flow is."""
    t = chain.template
    if t is None:
        return None
    flows = t.effective_flows  # with the flows nested segments inherit
    if len(flows) == 0:
        return None
    n_seg = len(chain.segment_ids)
    e = np.zeros((n_seg, n_seg), dtype=bool)
    flows = flows[flows["essential"].to_numpy(dtype=bool)]
    i = chain.segment_ids.get_indexer(flows["from_segment"])
    j = chain.segment_ids.get_indexer(flows["to_segment"])
    e[i, j] = True
    return e


def _essential_pairs(chain) -> np.ndarray:
    """Bool ``(n_seg + 1)²``: links from a firm of the row's segment to a firm of the column's
    are on an essential flow, the last row and column standing for firms without a segment
    (a lookup table for the kernels)."""
    n_seg = len(chain.segment_ids)
    e = _essential_matrix(chain)
    pairs = np.zeros((n_seg + 1, n_seg + 1), dtype=bool)
    if e is None:
        pairs[:n_seg, :] = True  # every link whose supplier has a segment
    else:
        pairs[:n_seg, :n_seg] = e
    return pairs


def _id_rank(chain) -> np.ndarray:
    """Each firm's position in ``firm_id`` sort order: a tie-break that ignores row order."""
    rank = np.empty(chain.n_firms, dtype=np.int64)
    rank[np.argsort(chain.firm_ids.to_numpy(dtype=object), kind="stable")] = np.arange(chain.n_firms)
    return rank


def _location_categorical(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), list(LOCATIONS))


def _segment_weights(chain, other_weight: float) -> np.ndarray:
    """1 for 五基 foundation segments, ``other_weight`` for the others."""
    seg = chain.segments
    if "foundation" not in seg.columns:
        return np.full(len(seg), other_weight)
    found = seg["foundation"].notna().to_numpy(dtype=bool)
    return np.where(found, 1.0, other_weight)


def _segment_supply(chain) -> dict:
    """Per-segment firm counts and local demand, and each firm's sales to local customers.

    Returns a dict of arrays over segments (``n``, ``local``, ``outside``,
    ``foreign`` firm counts; ``demand`` and ``demand_local``/``_outside``/
    ``_foreign``: local customers' purchases from the segment's firms by the
    firms' location; ``sumsq``: Σ of squared per-supplier sales to local
    customers; ``top_pos``, ``top_val``: the largest supplier and its sales,
    −1 and 0 when no firm sells), and over firms (``to_local``: sales to
    local customers). A firm's sales count in its segments in the parts
    :attr:`ChainGraph.segment_membership` gives.
    """
    n_seg = len(chain.segment_ids)
    by_location = chain.location_codes[:, None] == np.arange(len(LOCATIONS))
    counts = chain.segment_firm_counts(by_location)
    out = {name: counts[:, j] for j, name in enumerate(LOCATIONS)}
    out["n"] = chain.segment_firm_counts()
    to_local = np.asarray(chain.adjacency @ chain.is_local.astype(np.float64)).ravel()
    out["to_local"] = to_local
    out["demand"] = chain.segment_totals(to_local)
    demand = chain.segment_totals(to_local[:, None] * by_location)
    for j, name in enumerate(LOCATIONS):
        out[f"demand_{name}"] = demand[:, j]
    # each supplier's part x of each segment's local demand: x[i, k] = M[i, k] · to_local[i]
    part = chain.segment_membership.tocoo()
    firm, seg = part.row.astype(np.int64), part.col.astype(np.int64)
    x = part.data * to_local[firm]
    out["sumsq"] = np.bincount(seg, weights=x * x, minlength=n_seg)
    # the top supplier of each segment by sales to local customers (ties: smallest firm id)
    order = np.lexsort((_id_rank(chain)[firm], -x, seg))
    heads = order[np.flatnonzero(np.r_[True, np.diff(seg[order]) != 0])] if len(order) else order
    top_pos = np.full(n_seg, -1, dtype=np.int64)
    top_val = np.zeros(n_seg)
    top_pos[seg[heads]] = firm[heads]
    top_val[seg[heads]] = x[heads]
    out["top_pos"] = np.where(top_val > 0, top_pos, -1)
    out["top_val"] = top_val
    return out


# --------------------------------------------------------------------------- #
# providers and their shares (chain maps)
#
# A *provider* of segment k is a firm (or aggregate) with a presence row in k or in a
# segment nested in k (presence in a sub-segment counts in every ancestor). Each
# provider's supply share q of k comes from the presence table when it gives shares or
# amounts for k (the segment's *basis*, below); on a transaction chain from the links
# (``_segment_supply``).

#: How a segment's supply shares are known: from the links (sales to local customers),
#: from the presence table's shares or amounts, or not at all.
BASES = ("links", "share", "amount", "none")


class Providers(NamedTuple):
    """One entry per (segment, provider) pair, sorted by segment, and per-segment facts."""

    seg: np.ndarray         # the segment's position
    firm: np.ndarray        # the provider's position in chain.firm_ids
    negligible: np.ndarray  # bool: the map says the provider's share of the segment is negligible
    q: np.ndarray           # its supply share (0 when negligible; NaN when unknown or links basis)
    basis: np.ndarray       # per segment: code into BASES


def _presence_rows(chain):
    """Presence rows as arrays: firm position, segment position, share, amount, negligible."""
    if not chain.has_presence:
        codes = chain.segment_codes.astype(np.int64)
        firm = np.flatnonzero(codes >= 0)
        nan = np.full(len(firm), np.nan)
        return firm, codes[firm], nan, nan, np.zeros(len(firm), dtype=bool)
    p = chain.presence
    firm = chain.firm_ids.get_indexer(p["firm_id"]).astype(np.int64)
    seg = chain.segment_ids.get_indexer(p["segment_id"]).astype(np.int64)
    ok = (firm >= 0) & (seg >= 0)
    share = p["share"].to_numpy(dtype=np.float64, na_value=np.nan)
    amount = p["amount"].to_numpy(dtype=np.float64, na_value=np.nan)
    negligible = p["negligible"].to_numpy(dtype=bool, na_value=False)
    return firm[ok], seg[ok], share[ok], amount[ok], negligible[ok]


def _providers(chain) -> Providers:
    """The providers of every segment and their supply shares from the presence table.

    A provider's presence in segment *k* is its own row for *k*, if any, else its
    rows in segments nested in *k*. It is negligible in *k* when that row is
    flagged negligible (without a row of its own: when all its rows below *k*
    are). Its share ``q`` of *k*, by the segment's basis:

    ``share``
        some provider of *k* has a share given for *k*, or every provider is
        negligible: ``q`` = the given share, 0 when negligible, unknown (NaN)
        for a provider without one;
    ``amount``
        no share given, and every provider that is not negligible has an amount
        in *k* (its own row's, or without rows of *k* at all, the sum of its
        rows below *k*): ``q = amount / Σ amount``, 0 when negligible;
    ``links``
        neither, and the chain has links: the shares come from the links
        (:func:`_segment_supply`; ``q`` is NaN here);
    ``none``
        neither, and no links: ``q`` unknown (0 for negligible providers).
    """
    firm, seg, share, amount, negligible = _presence_rows(chain)
    n, n_seg = chain.n_firms, len(chain.segment_ids)
    anc = chain.segment_ancestry
    if anc.nnz > n_seg:  # nested segments: each row also counts in every ancestor
        lens = np.diff(anc.indptr)[seg]
        row = np.repeat(np.arange(len(seg)), lens)
        start = np.repeat(anc.indptr[:-1][seg] - (np.cumsum(lens) - lens), lens)
        target = anc.indices[start + np.arange(len(row))].astype(np.int64)
        key = target * max(n, 1) + firm[row]
        keys, pair = np.unique(key, return_inverse=True)
        pair = pair.ravel()
        p_seg, p_firm = keys // max(n, 1), keys % max(n, 1)
        own_row = target == seg[row]
        m = len(keys)
        own = np.zeros(m, dtype=bool)
        own[pair[own_row]] = True
        own_share = np.full(m, np.nan)
        own_share[pair[own_row]] = share[row[own_row]]
        own_amount = np.full(m, np.nan)
        own_amount[pair[own_row]] = amount[row[own_row]]
        own_negl = np.zeros(m, dtype=bool)
        own_negl[pair[own_row]] = negligible[row[own_row]]
        live = ~negligible[row]
        n_live = np.bincount(pair[live], minlength=m)
        amount_live = np.bincount(pair[live], weights=np.nan_to_num(amount[row[live]]), minlength=m)
        gaps_live = np.bincount(pair[live & np.isnan(amount[row])], minlength=m)
        below_amount = np.where(gaps_live > 0, np.nan, amount_live)
        has_own = np.bincount(p_seg[own], minlength=n_seg) > 0
        negl = np.where(own, own_negl, n_live == 0)
        amt = np.where(own, own_amount, np.where(has_own[p_seg], np.nan, below_amount))
    else:  # every row is its segment's own row, and a pair is a row (no pair is given twice)
        order = np.argsort(seg, kind="stable")
        p_seg, p_firm = seg[order], firm[order]
        own_share, amt, negl = share[order], amount[order], negligible[order]

    live = ~negl
    with_share = live & ~np.isnan(own_share)
    n_live = np.bincount(p_seg[live], minlength=n_seg)
    n_pairs = np.bincount(p_seg, minlength=n_seg)
    by_share = (np.bincount(p_seg[with_share], minlength=n_seg) > 0) | ((n_live == 0) & (n_pairs > 0))
    amount_gaps = np.bincount(p_seg[live & ~(amt > 0)], minlength=n_seg)
    amount_sum = np.bincount(p_seg[live], weights=np.where(amt > 0, amt, 0.0)[live], minlength=n_seg)
    by_amount = ~by_share & (n_live > 0) & (amount_gaps == 0) & (amount_sum > 0)
    if not chain.has_presence:
        by_share[:] = by_amount[:] = False
    basis = np.where(by_share, 1, np.where(by_amount, 2, 0 if chain.has_links else 3)).astype(np.int8)

    b = basis[p_seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(b == 1, own_share, np.where(b == 2, amt / amount_sum[p_seg], np.nan))
    q = np.where(negl & (b != 0), 0.0, q)
    return Providers(p_seg, p_firm, negl, q, basis)


def _provider_sums(chain, prov: Providers) -> dict:
    """Per segment, from the providers: counts by location and the presence shares.

    Counts (every provider, negligible and aggregates included): ``n`` and
    ``local``/``outside``/``foreign``; ``live`` and ``live_local``: providers,
    and local ones, not flagged negligible.
    Shares, where the basis is not ``links``: ``known_<location>`` (Σ of the
    known ``q``), ``unknown_<location>`` (bool: a provider there has an unknown
    ``q``), ``share_known`` (Σ known ``q``), ``sumsq`` (Σ known ``q²``),
    ``top_pos``/``top_val`` (the largest known ``q``; ties: smallest firm id;
    −1 and 0 without one) and ``top_sure`` (no provider of unknown share can
    exceed it: none is unknown, or ``top_val ≥ 1 − share_known``).
    """
    n_seg = len(chain.segment_ids)
    seg, firm, q = prov.seg, prov.firm, prov.q
    loc = chain.location_codes[firm].astype(np.int64)
    known = ~np.isnan(q)
    qk = np.where(known, q, 0.0)
    live = ~prov.negligible
    out = {"n": np.bincount(seg, minlength=n_seg), "live": np.bincount(seg[live], minlength=n_seg),
           "live_local": np.bincount(seg[live & (loc == 0)], minlength=n_seg)}
    for j, name in enumerate(LOCATIONS):
        at = loc == j
        out[name] = np.bincount(seg[at], minlength=n_seg)
        out[f"known_{name}"] = np.bincount(seg[at], weights=qk[at], minlength=n_seg)
        out[f"unknown_{name}"] = np.bincount(seg[at & ~known], minlength=n_seg) > 0
    out["share_known"] = np.bincount(seg, weights=qk, minlength=n_seg)
    out["sumsq"] = np.bincount(seg, weights=qk * qk, minlength=n_seg)
    any_unknown = np.bincount(seg[~known], minlength=n_seg) > 0
    order = np.lexsort((_id_rank(chain)[firm], -qk, ~known, seg))
    heads = order[np.flatnonzero(np.r_[True, np.diff(seg[order]) != 0])] if len(order) else order
    top_pos = np.full(n_seg, -1, dtype=np.int64)
    top_val = np.zeros(n_seg)
    head_known = known[heads]
    top_pos[seg[heads[head_known]]] = firm[heads[head_known]]
    top_val[seg[heads[head_known]]] = qk[heads[head_known]]
    out["top_pos"], out["top_val"] = top_pos, top_val
    out["top_sure"] = (top_pos >= 0) & (~any_unknown | (top_val >= 1.0 - out["share_known"]))
    out["any_unknown"] = any_unknown
    return out


def _negligible_in_primary(chain) -> np.ndarray:
    """Bool per firm: the presence table flags it negligible in its primary segment."""
    out = np.zeros(chain.n_firms, dtype=bool)
    if chain.has_presence:
        firm, seg, _, _, negligible = _presence_rows(chain)
        hit = negligible & (seg == chain.segment_codes[firm])
        out[firm[hit]] = True
    return out
