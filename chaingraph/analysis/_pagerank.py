"""Weighted PageRank by power iteration, its sparse products split between threads.

A pure numeric kernel (numpy / scipy, and numba for the row products; no
pandas, no ``ChainGraph``) following the conventions of
:mod:`._network_csr`: ``adj[s, j]`` is what ``s`` sells to ``j``, and the
walker moves along rows, from a firm to its customers.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["pagerank"]


def pagerank(
    adj,
    *,
    alpha: float = 0.85,
    personalization: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
    adj_t=None,
) -> tuple[np.ndarray, int]:
    """Weighted PageRank by power iteration with an absolute L1 stopping rule.

    The walker at node ``s`` moves to ``j`` with probability
    ``adj[s, j] / Σ_k adj[s, k]``; with probability ``1 − alpha`` (and always
    from a node with no out-links, a *dangling* node) it jumps to a node drawn
    from ``personalization`` (uniform by default)::

        x ← alpha · (Pᵀ x + (Σ_{dangling d} x_d) · v) + (1 − alpha) · v

    Iteration stops when ``‖x_new − x‖₁ < tol``. This is an *absolute*
    tolerance: networkx stops at ``‖·‖₁ < n · tol``, which for ``n = 10^5`` and
    its default ``tol = 1e-6`` accepts an error of 0.1 in a vector summing to
    1 — larger than most firms' scores. ``adj_t``, the transpose of ``adj`` as
    CSR, saves computing it.

    Returns
    -------
    x : ndarray
        The stationary distribution (sums to 1).
    n_iter : int
        Iterations used. A ``RuntimeWarning`` is issued if ``max_iter`` is
        reached without convergence.
    """
    a = sp.csr_array(adj)
    n = a.shape[0]
    if n == 0:
        return np.zeros(0), 0
    out = np.asarray(a.sum(axis=1)).ravel()
    dangling = out <= 0
    inv_out = np.zeros(n)
    inv_out[~dangling] = 1.0 / out[~dangling]
    if personalization is None:
        v = np.full(n, 1.0 / n)
    else:
        v = np.asarray(personalization, dtype=float)
        if v.shape != (n,) or (v < 0).any() or v.sum() <= 0:
            raise ValueError("personalization must be n non-negative numbers with a positive sum")
        v = v / v.sum()
    at = sp.csr_array(adj_t) if adj_t is not None else a.T.tocsr()
    with _RowProduct(at) as product:
        x = v.copy()
        for it in range(1, max_iter + 1):
            y = product(inv_out * x)
            y *= alpha
            y += (alpha * x[dangling].sum() + (1.0 - alpha)) * v
            err = np.abs(y - x).sum()
            x = y
            if err < tol:
                return x / x.sum(), it
    warnings.warn(
        f"PageRank did not reach tol={tol:g} in {max_iter} iterations (last L1 change {err:.2e})",
        RuntimeWarning,
        stacklevel=2,
    )
    return x / x.sum(), max_iter


class _RowProduct:
    """``a @ x`` for a CSR matrix, its rows split in blocks of equal entries between
    ``os.cpu_count()`` threads (each row summed in stored order, as scipy does, so the
    result is the same to the last bit). A context manager: the threads live as long
    as it does."""

    def __init__(self, a):
        # unsigned positions: numba then skips the check for negative indices
        self.indptr = a.indptr.astype(np.uint64)
        self.indices = a.indices.view(np.uint32 if a.indices.dtype == np.int32 else np.uint64)
        self.data = np.asarray(a.data, dtype=np.float64)
        n = a.shape[0]
        workers = min(os.cpu_count() or 1, max(1, a.nnz // 1_000_000))
        cuts = np.searchsorted(self.indptr, np.linspace(0, a.nnz, workers + 1)[1:-1])
        self.blocks = list(zip(np.r_[0, cuts], np.r_[cuts, n]))
        self.pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None

    def __call__(self, x):
        y = np.empty(len(self.indptr) - 1)
        args = (self.indptr, self.indices, self.data, np.ascontiguousarray(x, dtype=np.float64),
                y)
        if self.pool is None:
            _rows_times(*args, 0, len(y))
        else:
            for f in [self.pool.submit(_rows_times, *args, lo, hi) for lo, hi in self.blocks]:
                f.result()
        return y

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown()


@njit(cache=True, nogil=True)
def _rows_times(indptr, indices, data, x, y, lo, hi):  # pragma: no cover - numba
    for i in range(lo, hi):
        total = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            total += data[e] * x[indices[e]]
        y[i] = total
