"""Numeric kernels of :func:`chaingraph.analysis.attraction.attraction_list`.

numpy / scipy arrays only. A candidate's parts are given as *pairs*
``(cand, seg, part)``: candidate ``cand`` puts ``part`` of its capacity into
segment ``seg`` (one pair per candidate and segment it is active in, parts of
one candidate summing to 1). Every per-candidate quantity is then a sum over
its pairs, computed for all candidates at once with ``np.bincount``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def gap_segments(cand: np.ndarray, seg: np.ndarray, n_cand: int,
                 ancestry: sp.csr_array) -> sp.csr_array:
    """Bool CSR ``P`` (n_cand × n_seg): ``P[c, l]`` when candidate *c* is active in segment
    *l* or in a segment nested in *l* (presence counts in every ancestor)."""
    n_seg = ancestry.shape[0]
    direct = sp.csr_array((np.ones(len(cand)), (cand, seg)), shape=(n_cand, n_seg))
    return ((direct @ ancestry) > 0).astype(np.float64)


def capped_parts(cand: np.ndarray, seg: np.ndarray, part: np.ndarray, capacity: np.ndarray,
                 need: np.ndarray) -> np.ndarray:
    """Per pair, ``min(capacity[cand] · part, need[seg])`` (NaN where the capacity is)."""
    return np.minimum(capacity[cand] * part, need[seg])


def per_candidate(cand: np.ndarray, values: np.ndarray, n_cand: int) -> np.ndarray:
    """Pair values summed per candidate; NaN for a candidate with any NaN pair."""
    known = ~np.isnan(values)
    total = np.bincount(cand[known], weights=values[known], minlength=n_cand)
    unknown = np.bincount(cand[~known], minlength=n_cand) > 0
    return np.where(unknown, np.nan, total)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, 0 where ``den`` is 0 (nothing to serve: nothing served), NaN kept."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where(np.isnan(num), np.nan, 0.0))


def group_sums(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` (sorted) and the sum of ``values`` for each."""
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inv.ravel(), weights=values, minlength=len(uniq))


def lookup(keys: np.ndarray, sums: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``sums`` at ``query`` in the sorted ``keys``, 0 where absent."""
    if len(keys) == 0:
        return np.zeros(len(query))
    at = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
    return np.where(keys[at] == query, sums[at], 0.0)


def scaled_to_best(values: np.ndarray) -> np.ndarray:
    """Each value over the largest (0–1); all 0 when the largest is 0 or there is none."""
    best = np.nanmax(values) if len(values) and not np.isnan(values).all() else 0.0
    return values / best if best > 0 else np.where(np.isnan(values), np.nan, 0.0)


def weighted_score(components: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Rows of 0–1 ``components`` (n × m) combined with ``weights`` (m, sum 1); NaN when a
    weighted component is."""
    used = weights > 0
    return components[:, used] @ weights[used] if len(components) else np.zeros(0)


def ranks(score: np.ndarray, *tiebreaks: np.ndarray) -> np.ndarray:
    """Order of the candidates: highest ``score`` first, then each tie-break array
    ascending; NaN scores last. Returns positions (best first)."""
    key = np.where(np.isnan(score), np.inf, -score)
    return np.lexsort(tuple(reversed(tiebreaks)) + (key,))
