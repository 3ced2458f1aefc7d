"""Random-draw kernels of the synthetic-chain generator (numpy arrays only).

Used by :mod:`chaingraph.synthetic`: distinct weighted picks, splitting firms
over segments, and drawing the suppliers of a segment flow by size and
proximity, with the rate that gives the chain its number of links.
"""

from __future__ import annotations

import math

import numpy as np

#: Preference for suppliers in the customer's city / province / elsewhere.
_CLOSENESS = (8.0, 3.0, 1.0)


def _pick(rng, items, k, weights=None):
    """``k`` distinct items, weighted; fewer when there are fewer items."""
    items = list(items)
    k = min(k, len(items))
    if k <= 0:
        return []
    p = None
    if weights is not None:
        p = np.asarray(weights, dtype=float)
        p = p / p.sum()
    idx = rng.choice(len(items), size=k, replace=False, p=p)
    return [items[i] for i in idx]


def _segment_counts(weights: np.ndarray, n: int, fixed: dict[int, int], minimum: int):
    """Split ``n`` firms over segments: ``fixed`` segments get their count,
    the others at least ``minimum`` and the rest in proportion to ``weights``."""
    m = len(weights)
    counts = np.zeros(m, dtype=np.int64)
    free = np.array([i not in fixed for i in range(m)])
    for i, c in fixed.items():
        counts[i] = c
    rest = n - counts.sum() - minimum * free.sum()
    w = np.where(free, weights, 0.0)
    share = w / w.sum() * rest
    base = np.floor(share).astype(np.int64)
    left = int(rest - base.sum())
    if left > 0:
        frac = share - base
        order = np.argsort(-frac, kind="stable")[:left]
        base[order] += 1
    counts[free] = base[free] + minimum
    return counts


def _sample_flow(rng, cust, k, sup, weight, prov, citykey, n_city):
    """Draw suppliers of one segment flow for each customer, by size and proximity.

    ``cust`` are customer positions and ``k`` how many draws each makes;
    ``sup`` the candidate supplier positions, ``weight`` their size weights.
    A draw first picks the customer's city, the rest of its province or
    elsewhere (weights of the suppliers there times ``_CLOSENESS``), then a
    supplier within that group proportional to its weight. Returns
    (supplier positions, customer positions), repeated pairs removed.
    """
    order = np.lexsort((citykey[sup], prov[sup]))
    s_sorted = sup[order]
    w_sorted = weight[s_sorted]
    cum = np.concatenate([[0.0], np.cumsum(w_sorted)])
    m = len(s_sorted)
    pkey = prov[s_sorted].astype(np.int64)
    ckey = pkey * n_city + citykey[s_sorted]

    # the supplier ranges of each customer's province [a, b) and city [c, d), found once
    # per customer and repeated for its draws
    pj = prov[cust].astype(np.int64)
    cj = pj * n_city + citykey[cust]
    a = np.repeat(np.searchsorted(pkey, pj, "left"), k)
    b = np.repeat(np.searchsorted(pkey, pj, "right"), k)
    c = np.repeat(np.searchsorted(ckey, cj, "left"), k)
    d = np.repeat(np.searchsorted(ckey, cj, "right"), k)
    c_draw = np.repeat(cust, k)
    total = cum[m]
    w_city = cum[d] - cum[c]
    w_prov = cum[b] - cum[a] - w_city
    w_else = total - (cum[b] - cum[a])
    s1 = _CLOSENESS[0] * w_city
    s2 = _CLOSENESS[1] * w_prov
    s3 = _CLOSENESS[2] * w_else
    u = rng.random(len(c_draw)) * (s1 + s2 + s3)
    cls = np.where(u < s1, 0, np.where(u < s1 + s2, 1, 2))
    # range [lo, hi) minus sub-range [xlo, xhi)
    lo = np.where(cls == 0, c, np.where(cls == 1, a, 0))
    hi = np.where(cls == 0, d, np.where(cls == 1, b, m))
    xlo = np.where(cls == 0, c, np.where(cls == 1, c, a))
    xhi = np.where(cls == 0, c, np.where(cls == 1, d, b))
    span = (cum[hi] - cum[lo]) - (cum[xhi] - cum[xlo])
    t = cum[lo] + rng.random(len(c_draw)) * span
    t = np.where(t >= cum[xlo], t + (cum[xhi] - cum[xlo]), t)
    pos = np.searchsorted(cum, t, "right") - 1
    pos = np.clip(pos, lo, hi - 1)
    # guard against landing in the excluded range through rounding
    inside = (pos >= xlo) & (pos < xhi)
    if inside.any():
        pos[inside] = np.where(xlo[inside] > lo[inside], xlo[inside] - 1, xhi[inside])
        pos = np.clip(pos, 0, m - 1)
    suppliers = s_sorted[pos]
    base = prov.size + 1
    pair = _sorted_distinct(suppliers.astype(np.int64) * base + c_draw)
    return (pair // base).astype(np.int64), (pair % base).astype(np.int64)


def _sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)`` for integer keys, by one sort (much faster than numpy's hashing
    ``unique`` on millions of keys)."""
    keys = np.sort(keys)
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def _calibrate_rate(target, members, demand, fl_from, fl_to, fl_ess) -> float:
    """The rate λ at which the expected number of links is ``target``.

    A customer *j* of flow *f* draws k ~ Poisson(λ·dⱼ·eᶠ) suppliers (at least
    one for an essential flow, at most the number of firms in the supplying
    segment); λ solves Σ E[k] ≈ target, with E[k] approximated by
    min(max(λ·dⱼ·eᶠ, 1 if essential), cap) and bisection on log λ. A
    tenth is added for the repeated draws that are dropped.
    """
    mu, cap, floor = [], [], []
    for a, b, ess in zip(fl_from, fl_to, fl_ess):
        d = demand[members[b]] * (1.0 if ess else 0.5)
        mu.append(d)
        cap.append(np.full(len(d), float(len(members[a]))))
        floor.append(np.full(len(d), 1.0 if ess else 0.0))
    mu, cap, floor = np.concatenate(mu), np.concatenate(cap), np.concatenate(floor)
    target = 1.1 * target
    lo, hi = 1e-6, 1e6
    expected = np.empty_like(mu)
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        np.multiply(mu, mid, out=expected)
        np.maximum(expected, floor, out=expected)
        if np.minimum(expected, cap, out=expected).sum() < target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)
