"""Graph kernels on the chain's CSR arrays (numpy / scipy only; no pandas, no ``ChainGraph``).

Conventions shared by every kernel here:

* a supply network is an ``n × n`` :class:`scipy.sparse.csr_array` ``W`` with
  ``W[s, j]`` = what firm ``s`` sells to firm ``j`` (so row ``s`` lists ``s``'s
  customers); its transpose lists suppliers. A kernel that walks "along
  ``adj``" follows rows to columns; pass ``W`` to go downstream and ``Wᵀ`` to
  go upstream;
* nodes are positions ``0 .. n-1``; boolean node sets are numpy bool arrays;
* only the *pattern* of ``adj`` matters to the reachability kernels: every
  stored entry is a link, including an explicit 0 (the chain's adjacency
  stores a link recorded with amount 0 as such an entry).
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
    ``R_B = A_B · (I + A)^(depth−1)`` on the 0/1 pattern ``A``; the row
    pattern of the product is exactly the union of the reachable sets, with
    no duplicate entries to merge (an addition ``A_B + R_B·A`` would force a
    sort of every row). Batches are
    cut so that the number of walks expanded per batch (:func:`path_counts`)
    stays under ``budget``, bounding memory whatever the degree distribution.

    Parameters
    ----------
    adj : sparse matrix n × n, or a list of them
        With several networks (e.g. ``[Wᵀ, W]`` for suppliers and customers)
        the set is the union of the sets reached along each one separately
        (paths do not switch network).
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
    nets = [pattern(x) for x in adj] if isinstance(adj, (list, tuple)) else [pattern(adj)]
    n = nets[0].shape[0]
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    masks = [np.asarray(m, dtype=bool) for m in masks]
    out = np.zeros((len(rows), 1 + len(masks)), dtype=np.int64)
    if len(rows) == 0 or all(a.nnz == 0 for a in nets):
        return out
    cost = sum(path_counts(a, depth) for a in nets)[rows] + 1.0
    eye = sp.eye_array(n, dtype=np.float32, format="csr")
    steps = [(a + eye).tocsr() if depth > 1 else None for a in nets]
    for b0, b1 in _batches(cost, budget):
        sel = rows[b0:b1]
        acc = None
        for a, step in zip(nets, steps):
            reach = a[sel]
            for _ in range(depth - 1):
                reach = reach @ step
            acc = reach if acc is None else acc + reach
        acc = sp.csr_array(acc)
        if len(nets) > 1:
            acc.sum_duplicates()
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

    Only the pattern of ``adj`` is followed: a stored entry of 0 (a link
    recorded with amount 0) is a link, as in :func:`reach_counts`.

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
    a = pattern(adj, np.float64)
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


# --------------------------------------------------------------------------- #
# dominator trees (weak links and chokepoints)


def immediate_dominators(adj, sources, adj_t=None) -> np.ndarray:
    """Immediate dominators of every node, seen from a virtual root over ``sources``.

    A virtual root ``r`` (numbered ``n``) gets an arc to every node in
    ``sources``. Node ``v`` *dominates* ``u`` when every path from ``r`` to
    ``u`` along ``adj`` passes through ``v``; the immediate dominator
    ``idom(u)`` is the dominator of ``u`` closest to it, and the ``idom``
    arcs form the dominator tree rooted at ``r``. In a supply network
    (``adj = W``, sources = the upstream firms), ``v`` dominates ``u`` when
    every supply path from the upstream firms to ``u`` runs through ``v``.

    The algorithm is the iterative one of Cooper, Harvey and Kennedy: nodes
    are numbered in reverse postorder of a depth-first search from ``r``; then

        idom(b) ← ⋂_{p ∈ pred(b), idom(p) known} p      (for b in that order)

    is repeated until nothing changes, where ``⋂`` walks the two candidates up
    the current tree to their nearest common ancestor (lower number = nearer
    the root). Predecessors are scanned in increasing number, so a node fed
    by the root or by a node whose idom is the root settles at once.

    Parameters
    ----------
    adj : sparse array, n × n
        Arcs row → column (only the pattern is used).
    sources : array of int or bool mask
        The nodes the virtual root points to.
    adj_t : sparse array, optional
        The transpose of ``adj`` as CSR (saves computing it).

    Returns
    -------
    idom : int64 array of length n
        ``idom[u]`` is ``u``'s immediate dominator, ``n`` when it is the
        virtual root (``u`` is dominated by no firm), and ``-1`` when ``u``
        cannot be reached from ``sources``.

    References
    ----------
    K. D. Cooper, T. J. Harvey, K. Kennedy, "A Simple, Fast Dominance
    Algorithm", Software Practice & Experience 4 (2001), 1–10.
    """
    fwd = sp.csr_array(adj)
    n = fwd.shape[0]
    src = np.asarray(sources)
    if src.dtype == bool:
        src = np.flatnonzero(src)
    src = np.unique(src.astype(np.int64))
    idom = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(src) == 0:
        return idom
    if not fwd.has_sorted_indices:
        fwd = fwd.copy()
        fwd.sort_indices()
    rev = sp.csr_array(adj_t) if adj_t is not None else fwd.T.tocsr()

    # reverse postorder of a DFS from the virtual root (iterative, on lists)
    indptr = fwd.indptr.tolist()
    indices = fwd.indices.tolist()
    seen = bytearray(n)
    post = []
    for s in src.tolist():
        if seen[s]:
            continue
        seen[s] = 1
        stack_v = [s]
        stack_e = [indptr[s]]
        while stack_v:
            v = stack_v[-1]
            e = stack_e[-1]
            end = indptr[v + 1]
            while e < end and seen[indices[e]]:
                e += 1
            if e < end:
                w = indices[e]
                stack_e[-1] = e + 1
                seen[w] = 1
                stack_v.append(w)
                stack_e.append(indptr[w])
            else:
                stack_v.pop()
                stack_e.pop()
                post.append(v)
    order = np.array(post[::-1], dtype=np.int64)  # reverse postorder, without the root
    m = len(order) + 1  # numbers 1..m-1 for reached nodes, 0 for the root
    num = np.full(n, -1, dtype=np.int64)
    num[order] = np.arange(1, m, dtype=np.int64)

    # predecessor lists in number space, sorted by predecessor number
    rev = rev.tocoo()
    rows = num[np.asarray(rev.row, dtype=np.int64)]
    cols = num[np.asarray(rev.col, dtype=np.int64)]
    keep = (rows >= 0) & (cols >= 0)
    rows = np.concatenate([rows[keep], num[src]])
    cols = np.concatenate([cols[keep], np.zeros(len(src), dtype=np.int64)])
    sort = np.lexsort((cols, rows))
    rows, cols = rows[sort], cols[sort]
    pptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m), out=pptr[1:])
    pptr = pptr.tolist()
    pind = cols.tolist()

    doms = [-1] * m
    doms[0] = 0
    changed = True
    while changed:
        changed = False
        for b in range(1, m):
            new = -1
            for k in range(pptr[b], pptr[b + 1]):
                p = pind[k]
                if doms[p] == -1:
                    continue
                if new == -1:
                    new = p
                else:
                    a = p
                    while a != new:
                        while a > new:
                            a = doms[a]
                        while new > a:
                            new = doms[new]
                if new == 0:
                    break
            if doms[b] != new:
                doms[b] = new
                changed = True

    d = np.asarray(doms, dtype=np.int64)[1:]  # idom numbers of order[0..]
    back = np.concatenate([[n], order])  # number -> node (root -> n)
    idom[order] = back[d]
    return idom


def tree_depths(parent: np.ndarray) -> np.ndarray:
    """Depth of every node in a forest given by ``parent`` (roots: parent outside 0..n-1).

    Pointer jumping: ``O(n log depth)`` vectorised steps. A root has depth 0.
    The forest must have no cycle.
    """
    parent = np.asarray(parent, dtype=np.int64)
    n = len(parent)
    idx = np.arange(n, dtype=np.int64)
    is_root = (parent < 0) | (parent >= n)
    anc = np.where(is_root, idx, parent)
    dist = (~is_root).astype(np.int64)
    while True:
        nxt = anc[anc]
        moved = nxt != anc
        if not moved.any():
            return dist
        dist = dist + np.where(moved, dist[anc], 0)
        anc = nxt


def tree_subtree_sums(parent: np.ndarray, weights: np.ndarray, depth: np.ndarray | None = None):
    """Sum of ``weights`` over each node's subtree (the node included), level by level.

    ``weights`` is an array of length n or an (n, k) array; the result has
    the same shape. Roots are nodes whose parent is outside ``0 .. n-1``.
    """
    parent = np.asarray(parent, dtype=np.int64)
    n = len(parent)
    if depth is None:
        depth = tree_depths(parent)
    acc = np.array(weights, dtype=float, copy=True)
    if n == 0:
        return acc
    order = np.argsort(-depth, kind="stable")
    levels = np.flatnonzero(np.diff(depth[order])) + 1
    for nodes in np.split(order, levels):
        nodes = nodes[(parent[nodes] >= 0) & (parent[nodes] < n)]
        if len(nodes):
            np.add.at(acc, parent[nodes], acc[nodes])
    return acc


def tree_preorder(parent: np.ndarray, size: np.ndarray, depth: np.ndarray | None = None):
    """Preorder number of every node of a forest, with subtree sizes ``size``.

    With ``pre = tree_preorder(parent, size)``, node ``v`` is an ancestor of
    ``u`` (or ``u`` itself) exactly when ``pre[v] <= pre[u] < pre[v] + size[v]``.
    Children are numbered in increasing node order.
    """
    parent = np.asarray(parent, dtype=np.int64)
    size = np.asarray(size, dtype=np.int64)
    n = len(parent)
    if depth is None:
        depth = tree_depths(parent)
    pre = np.zeros(n, dtype=np.int64)
    is_root = (parent < 0) | (parent >= n)
    roots = np.flatnonzero(is_root)
    pre[roots] = np.concatenate([[0], np.cumsum(size[roots])[:-1]]) if len(roots) else roots
    key = np.where(is_root, -1, parent)
    order = np.lexsort((np.arange(n), key, depth))
    dsorted = depth[order]
    for d in range(1, int(dsorted[-1]) + 1 if n else 0):
        lo, hi = np.searchsorted(dsorted, [d, d + 1])
        nodes = order[lo:hi]  # sorted by parent, then node
        par = parent[nodes]
        sz = size[nodes]
        csum = np.cumsum(sz) - sz  # exclusive running sum over the level
        first = np.flatnonzero(np.r_[True, par[1:] != par[:-1]])
        group_start = np.repeat(csum[first], np.diff(np.r_[first, len(nodes)]))
        pre[nodes] = pre[par] + 1 + (csum - group_start)
    return pre
