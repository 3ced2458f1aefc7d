"""Arcs between labelled nodes: sole sources by label, and each pair of labels' source range.

Pure numeric kernels (numpy / scipy, and numba for the passes over the arcs; no
pandas, no ``ChainGraph``) following the conventions of :mod:`._network_csr`.
Every node has one label (in a supply network its segment; negative: none),
and ``allowed``, of shape ``(n_labels + 1)²``, says which pairs of labels count
(the essential flows), "none" looked up as its last row and column. Each kernel
is one pass over the stored arcs, whatever the number of labels.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["sole_sources", "source_range_by_label_pair"]


def _label_codes(labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Labels with "none" (negative) as ``n_labels``, the last row and column of ``allowed``."""
    labels = np.asarray(labels, dtype=np.int64)
    return np.where(labels < 0, n_labels, labels)


def sole_sources(adj_t, labels: np.ndarray, allowed: np.ndarray, live: np.ndarray | None = None):
    """The (node, label) pairs with exactly one in-neighbour of that label.

    For node ``j`` and label ``k``, the set ``S(j, k)`` holds the distinct
    nodes ``i`` with an arc ``i → j`` (a stored entry ``adj_t[j, i]``),
    ``labels[i] = k`` and ``allowed[k, labels[j]]``; a negative label means
    none, looked up as ``n_labels`` (``allowed`` is ``(n_labels + 1)²``).
    In a supply network (``adj_t = Wᵀ``, labels = segments, ``allowed`` the
    essential flows) these are the single-sourced (customer, input) pairs.
    With ``live`` (bool per node), a pair whose set holds live nodes counts
    only those: it is reported when exactly one of them is live (a supplier
    flagged negligible is no alternative source), and when none is, when the
    set has one node. One pass over the arcs, whatever the number of labels
    (repeated entries of an arc are summed first).

    Returns
    -------
    node, label, source : int64 arrays
        One entry per pair with ``|S(j, k)| = 1``, by node and label.
    weight : float array
        ``adj_t[j, i]`` of that one arc.
    """
    a = sp.csr_array(adj_t)
    if not a.has_canonical_format:
        a = a.copy()
        a.sum_duplicates()
    n_labels = len(allowed) - 1
    live = np.ones(a.shape[1], dtype=np.bool_) if live is None else np.asarray(live, dtype=np.bool_)
    return _sole_sources(a.indptr.astype(np.int64), a.indices, a.data.astype(np.float64),
                         _label_codes(labels, n_labels), np.asarray(allowed, dtype=np.bool_), live)


@njit(cache=True, nogil=True)
def _sole_sources(indptr, indices, data, labels, allowed, live):  # pragma: no cover - numba
    n = len(indptr) - 1
    n_codes = len(allowed)
    count = np.zeros(n_codes, np.int64)
    count_live = np.zeros(n_codes, np.int64)
    last = np.full(n_codes, -1, np.int64)  # the entry of the last source by label
    last_live = np.full(n_codes, -1, np.int64)  # the entry of the last live source by label
    touched = np.empty(n_codes, np.int64)
    node, label, source = np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    weight = np.empty(0, np.float64)
    for fill in range(2):  # count, then fill
        n_out = 0
        for j in range(n):
            lj = labels[j]
            n_touched = 0
            for e in range(indptr[j], indptr[j + 1]):
                k = labels[np.uint64(indices[e])]  # unsigned: no negative-index check
                if not allowed[k, lj]:
                    continue
                if count[k] == 0:
                    touched[n_touched] = k
                    n_touched += 1
                count[k] += 1
                last[k] = e
                if live[np.uint64(indices[e])]:
                    count_live[k] += 1
                    last_live[k] = e
            for t in range(n_touched):
                k = touched[t]
                one = -1
                if count_live[k] > 0:
                    if count_live[k] == 1:
                        one = last_live[k]
                elif count[k] == 1:
                    one = last[k]
                if one >= 0:
                    if fill:
                        node[n_out] = j
                        label[n_out] = k
                        source[n_out] = indices[one]
                        weight[n_out] = data[one]
                    n_out += 1
                count[k] = 0
                count_live[k] = 0
        if not fill:
            node = np.empty(n_out, np.int64)
            label = np.empty(n_out, np.int64)
            source = np.empty(n_out, np.int64)
            weight = np.empty(n_out, np.float64)
    return node, label, source, weight


def source_range_by_label_pair(adj, labels: np.ndarray, allowed: np.ndarray):
    """Smallest and largest source node of the arcs between each pair of labels.

    Over the arcs ``i → j`` (stored entries ``adj[i, j]``) with
    ``allowed[labels[i], labels[j]]`` (negative labels looked up as
    ``n_labels``, as in :func:`sole_sources`), for each pair ``(k, l)`` the
    smallest and the largest ``i`` with ``labels[i] = k``, ``labels[j] = l``.
    The pair has a single source exactly when both are the same node.

    Returns
    -------
    lowest, highest : int64 arrays of shape ``(n_labels + 1, n_labels + 1)``
        ``n`` and ``−1`` for a pair without arcs.
    """
    a = sp.csr_array(adj)
    n_labels = len(allowed) - 1
    return _source_range(a.indptr.astype(np.int64), a.indices, _label_codes(labels, n_labels),
                         np.asarray(allowed, dtype=np.bool_))


@njit(cache=True, nogil=True)
def _source_range(indptr, indices, labels, allowed):  # pragma: no cover - numba
    n = len(indptr) - 1
    n_codes = len(allowed)
    lowest = np.full((n_codes, n_codes), n, np.int64)
    highest = np.full((n_codes, n_codes), -1, np.int64)
    for i in range(n):
        k = labels[i]
        for e in range(indptr[i], indptr[i + 1]):
            l = labels[np.uint64(indices[e])]  # unsigned: no negative-index check
            if allowed[k, l]:
                lowest[k, l] = min(lowest[k, l], i)
                highest[k, l] = max(highest[k, l], i)
    return lowest, highest
