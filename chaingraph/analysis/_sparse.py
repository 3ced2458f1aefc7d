"""Graph kernels on the chain's CSR arrays (numpy / scipy only; no pandas, no ``ChainGraph``).

Conventions shared by every kernel here:

* a supply network is an ``n × n`` :class:`scipy.sparse.csr_array` ``W`` with
  ``W[s, j]`` = what firm ``s`` sells to firm ``j`` (so row ``s`` lists ``s``'s
  customers); its transpose lists suppliers. A kernel that walks "along
  ``adj``" follows rows to columns; pass ``W`` to go downstream and ``Wᵀ`` to
  go upstream;
* nodes are positions ``0 .. n-1``; boolean node sets are numpy bool arrays;
* only the *pattern* of ``adj`` matters to the reachability kernels (stored
  entries are assumed positive, as the chain's adjacency always is).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

__all__ = [
    "pagerank",
    "pattern",
    "path_counts",
    "reach_counts",
    "reach_distance",
    "reach_label_counts",
    "class_mixing",
    "newman_assortativity",
]


def pattern(adj, dtype=np.float32) -> sp.csr_array:
    """The 0/1 pattern of ``adj`` as CSR with sorted indices."""
    a = sp.csr_array(adj, copy=True)
    a.sum_duplicates()
    a.data = np.ones(a.nnz, dtype=dtype)
    a.sort_indices()
    return a


# --------------------------------------------------------------------------- PageRank


def pagerank(
    adj,
    *,
    alpha: float = 0.85,
    personalization: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
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
    1 — larger than most firms' scores.

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
    at = a.T.tocsr()
    x = v.copy()
    for it in range(1, max_iter + 1):
        y = at @ (inv_out * x)
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


# --------------------------------------------------------------------------- reachability


def path_counts(adj, depth: int) -> np.ndarray:
    """Number of walks of length 1..``depth`` starting at each node (float).

    An upper bound on the work and memory needed to expand each row of
    :func:`reach_counts`; used to cut the rows into batches.
    """
    a = pattern(adj, np.float64)
    walks = np.ones(a.shape[0])
    total = np.zeros(a.shape[0])
    for _ in range(depth):
        walks = a @ walks
        total += walks
    return total


def _batches(cost: np.ndarray, budget: float):
    """Consecutive ranges of positions whose summed cost stays under ``budget`` (≥1 row each)."""
    n = len(cost)
    start = 0
    csum = np.cumsum(cost)
    while start < n:
        base = csum[start - 1] if start else 0.0
        stop = int(np.searchsorted(csum, base + budget, side="right"))
        stop = max(stop, start + 1)
        yield start, min(stop, n)
        start = stop


def reach_counts(
    adj,
    depth: int = 2,
    *,
    masks: tuple[np.ndarray, ...] | list[np.ndarray] = (),
    rows: np.ndarray | None = None,
    budget: float = 2e7,
) -> np.ndarray:
    """Distinct nodes within ``depth`` steps of each node along ``adj``, the node itself excluded.

    For node ``i`` the set is ``R(i) = (N¹(i) ∪ … ∪ N^depth(i)) \\ {i}`` with
    ``N¹(i)`` the columns of row ``i`` and ``N^k(i)`` the columns reachable
    in exactly ``k`` steps. A node reached by several paths or at several
    depths counts once.

    Computed by sparse products of row batches: for a batch ``B`` of rows,
    ``R_B ← A_B + R_B · A`` (``depth − 1`` times) on the 0/1 pattern ``A``;
    the product's row pattern is the union of the reachable sets. Batches are
    cut so that the number of walks expanded per batch (:func:`path_counts`)
    stays under ``budget``, bounding memory whatever the degree distribution.

    Parameters
    ----------
    adj : sparse matrix, n × n
    depth : int
    masks : sequence of bool arrays of length n
        For each mask, a further count of the reached nodes inside the mask.
    rows : int array, optional
        Only these nodes (default: all).
    budget : float
        Walks expanded per batch.

    Returns
    -------
    ndarray of int64, shape ``(len(rows), 1 + len(masks))``
        Column 0: ``|R(i)|``; column ``k``: ``|R(i) ∩ masks[k-1]|``.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    a = pattern(adj)
    n = a.shape[0]
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    masks = [np.asarray(m, dtype=bool) for m in masks]
    out = np.zeros((len(rows), 1 + len(masks)), dtype=np.int64)
    if len(rows) == 0 or a.nnz == 0:
        return out
    cost = path_counts(a, depth)[rows] + 1.0
    for b0, b1 in _batches(cost, budget):
        sel = rows[b0:b1]
        base = a[sel]
        acc = base
        for _ in range(depth - 1):
            acc = base + acc @ a
        acc = sp.csr_array(acc)
        ind = acc.indices
        local = np.repeat(np.arange(b1 - b0), np.diff(acc.indptr))
        keep = ind != sel[local]
        nb = b1 - b0
        out[b0:b1, 0] = np.bincount(local[keep], minlength=nb)
        for k, m in enumerate(masks, start=1):
            hit = keep & m[ind]
            out[b0:b1, k] = np.bincount(local[hit], minlength=nb)
    return out


def reach_distance(adj, sources, depth: int | None = None) -> np.ndarray:
    """Breadth-first distance from a set of sources along ``adj``.

    Parameters
    ----------
    adj : sparse matrix, n × n
    sources : int array or bool mask
    depth : int, optional
        Stop after this many steps (default: until nothing new is reached).

    Returns
    -------
    ndarray of int32
        0 for the sources, ``k`` for a node first reached in ``k`` steps,
        −1 for nodes not reached.
    """
    a = sp.csr_array(adj)
    n = a.shape[0]
    src = np.asarray(sources)
    frontier = src.copy() if src.dtype == bool else np.zeros(n, dtype=bool)
    if src.dtype != bool:
        frontier[src.astype(np.int64)] = True
    dist = np.full(n, -1, dtype=np.int32)
    dist[frontier] = 0
    at = a.T.tocsr()
    step = 0
    while frontier.any() and (depth is None or step < depth):
        step += 1
        nxt = (at @ frontier.astype(np.float64)) > 0
        nxt &= dist < 0
        dist[nxt] = step
        frontier = nxt
    return dist


def reach_label_counts(
    adjs,
    labels: np.ndarray,
    n_labels: int,
    depth: int = 2,
    *,
    include_self: bool = True,
) -> np.ndarray:
    """Distinct labels among the nodes within ``depth`` steps, over one or more networks.

    For node ``i``, the number of distinct ``labels[j] ≥ 0`` over the nodes
    ``j`` reachable from ``i`` in 1..``depth`` steps along any of ``adjs``
    (and ``i`` itself when ``include_self``). With ``M`` the ``n × n_labels``
    one-hot matrix of labels, the reachable label pattern along ``A`` is that
    of ``A·M + A·(A·M) + …``, which costs ``O(nnz(A) · n_labels)`` at most —
    far less than expanding the reachable node sets.

    Returns
    -------
    ndarray of int64, length n
    """
    labels = np.asarray(labels)
    n = len(labels)
    has = labels >= 0
    m = sp.csr_array(
        (np.ones(int(has.sum()), dtype=np.float32), (np.flatnonzero(has), labels[has])),
        shape=(n, max(int(n_labels), 1)),
    )
    total = m.copy() if include_self else sp.csr_array((n, m.shape[1]), dtype=np.float32)
    for adj in adjs:
        a = pattern(adj)
        step = m
        for _ in range(depth):
            step = a @ step
            step.data[:] = 1.0
            total = total + step
    total = sp.csr_array(total)
    total.sum_duplicates()
    return np.diff(total.indptr).astype(np.int64)


# --------------------------------------------------------------------------- mixing


def class_mixing(adj, codes: np.ndarray, n_classes: int, *, weighted: bool = False) -> np.ndarray:
    """Link counts (or amounts) between node classes: ``E[a, b]`` over links ``s → j``.

    ``E[a, b] = Σ_{s→j: codes[s]=a, codes[j]=b} w(s, j)`` with ``w = 1`` (each
    distinct pair once) or the stored amount when ``weighted``. Links with an
    end of code ``< 0`` (unknown class) are left out.
    """
    a = sp.csr_array(adj)
    codes = np.asarray(codes)
    src = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
    cs, cj = codes[src], codes[a.indices]
    ok = (cs >= 0) & (cj >= 0)
    w = a.data[ok] if weighted else None
    flat = cs[ok].astype(np.int64) * n_classes + cj[ok]
    return np.bincount(flat, weights=w, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    ).astype(float)


def newman_assortativity(e: np.ndarray) -> float:
    """Newman's (2003) assortativity coefficient of a mixing matrix.

    With ``e`` normalised to sum 1, ``a = e·1`` (row sums) and ``b = 1ᵀ·e``
    (column sums)::

        r = (Σ_a e_aa − Σ_a a_a b_a) / (1 − Σ_a a_a b_a)

    ``r = 1`` when every link joins nodes of the same class, ``0`` for random
    mixing, negative when links prefer other classes. NaN for an empty matrix
    or when every link falls in one class (``Σ a b = 1``).

    References
    ----------
    M. E. J. Newman, "Mixing patterns in networks", Phys. Rev. E 67, 026126 (2003), eq. (2).
    """
    e = np.asarray(e, dtype=float)
    total = e.sum()
    if total <= 0:
        return float("nan")
    e = e / total
    ab = float(e.sum(axis=1) @ e.sum(axis=0))
    if np.isclose(ab, 1.0):
        return float("nan")
    return (float(np.trace(e)) - ab) / (1.0 - ab)
