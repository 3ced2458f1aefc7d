"""What the firms of each segment supply: the internals :mod:`~chaingraph.analysis.weak`
and :mod:`~chaingraph.analysis.gaps` share.

The conventions (a link supplies the supplier's segment; which links are on
an essential flow; local demand) are stated in :mod:`chaingraph.analysis.weak`.
Sums and counts by segment go through the chain's segment membership
(:attr:`ChainGraph.segment_membership`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chaingraph.errors import ChainDataError

_LOCATIONS = ("local", "outside", "foreign")


def _check_fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def _require_segments(chain, what: str) -> None:
    """Raise unless some firm has a known segment (a template alone does not place firms)."""
    if "segment_id" not in chain.firms.columns:
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
    """Bool ``E[k, l]``: the flow segment k → segment l is essential; ``None``: every flow is."""
    t = chain.template
    if t is None:
        return None
    flows = t.flows
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
    (the lookup table of :func:`_essential_edges`, for the kernels)."""
    n_seg = len(chain.segment_ids)
    e = _essential_matrix(chain)
    pairs = np.zeros((n_seg + 1, n_seg + 1), dtype=bool)
    if e is None:
        pairs[:n_seg, :] = True  # every link whose supplier has a segment
    else:
        pairs[:n_seg, :n_seg] = e
    return pairs


def _essential_edges(chain, ks: np.ndarray, lc: np.ndarray) -> np.ndarray:
    """Which edges (supplier segment ``ks``, customer segment ``lc``) are on an essential flow."""
    n_seg = len(chain.segment_ids)
    return _essential_pairs(chain)[np.where(ks < 0, n_seg, ks), np.where(lc < 0, n_seg, lc)]


def _id_rank(chain) -> np.ndarray:
    """Each firm's position in ``firm_id`` sort order: a tie-break that ignores row order."""
    rank = np.empty(chain.n_firms, dtype=np.int64)
    rank[np.argsort(chain.firm_ids.to_numpy(dtype=object), kind="stable")] = np.arange(chain.n_firms)
    return rank


def _location_categorical(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), list(_LOCATIONS))


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
    by_location = chain.location_codes[:, None] == np.arange(len(_LOCATIONS))
    counts = chain.segment_firm_counts(by_location)
    out = {name: counts[:, j] for j, name in enumerate(_LOCATIONS)}
    out["n"] = chain.segment_firm_counts()
    to_local = np.asarray(chain.adjacency @ chain.is_local.astype(np.float64)).ravel()
    out["to_local"] = to_local
    out["demand"] = chain.segment_totals(to_local)
    demand = chain.segment_totals(to_local[:, None] * by_location)
    for j, name in enumerate(_LOCATIONS):
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
