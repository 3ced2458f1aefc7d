"""Dominator trees of the supply network, and the forest helpers that walk them.

Pure numeric kernels (numpy / scipy, and numba for the depth-first search and
the Cooper–Harvey–Kennedy iteration; no pandas, no ``ChainGraph``) following the
conventions of :mod:`._network_csr`: :func:`immediate_dominators` follows the
pattern of ``adj`` from rows to columns. The tree helpers (:func:`tree_depths`,
:func:`tree_subtree_sums`, :func:`tree_preorder`) take any forest given as one
parent per node, a root's parent outside ``0 .. n-1`` — as in the dominator
tree, whose virtual root is numbered ``n`` and whose unreached nodes have ``-1``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["immediate_dominators", "tree_depths", "tree_subtree_sums", "tree_preorder"]


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

    # reverse postorder of a DFS from the virtual root
    post = _dfs_postorder(fwd.indptr.astype(np.int64), fwd.indices, src, n)
    order = post[::-1].copy()  # reverse postorder, without the root
    m = len(order) + 1  # numbers 1..m-1 for reached nodes, 0 for the root
    num = np.full(n, -1, dtype=np.int64)
    num[order] = np.arange(1, m, dtype=np.int64)

    # predecessor lists in number space, sorted by predecessor number
    is_source = np.zeros(n, dtype=np.bool_)
    is_source[src] = True
    pptr, pind = _numbered_predecessors(rev.indptr.astype(np.int64), rev.indices, order, num,
                                        is_source)
    doms = _cooper_harvey_kennedy(pptr, pind, m)
    d = doms[1:]  # idom numbers of order[0..]
    back = np.concatenate([[n], order])  # number -> node (root -> n)
    idom[order] = back[d]
    return idom


@njit(cache=True, nogil=True)
def _dfs_postorder(indptr, indices, sources, n):  # pragma: no cover - numba
    """Postorder of an iterative depth-first search from each of ``sources`` in turn
    (arcs in stored order), over the nodes not reached by an earlier one."""
    seen = np.zeros(n, np.bool_)
    post = np.empty(n, np.int64)
    n_post = 0
    stack_v = np.empty(n, np.int64)
    stack_e = np.empty(n, np.int64)
    for s in sources:
        if seen[s]:
            continue
        seen[s] = True
        top = 0
        stack_v[0] = s
        stack_e[0] = indptr[s]
        while top >= 0:
            v = stack_v[top]
            e = stack_e[top]
            end = indptr[v + 1]
            while e < end and seen[indices[e]]:
                e += 1
            if e < end:
                w = indices[e]
                stack_e[top] = e + 1
                seen[w] = True
                top += 1
                stack_v[top] = w
                stack_e[top] = indptr[w]
            else:
                top -= 1
                post[n_post] = v
                n_post += 1
    return post[:n_post]


@njit(cache=True, nogil=True)
def _numbered_predecessors(indptr, indices, order, num, is_source):  # pragma: no cover - numba
    """CSR lists of the predecessors of nodes numbered ``1 .. len(order)`` (node
    ``order[b − 1]`` is number ``b``; 0 is the virtual root, the predecessor of every
    source), as numbers in increasing order; ``indptr``/``indices`` list each node's
    predecessors, unreached ones (``num < 0``) are left out."""
    m = len(order) + 1
    pptr = np.zeros(m + 1, np.int64)
    for b in range(1, m):
        v = order[b - 1]
        count = 1 if is_source[v] else 0
        for e in range(indptr[v], indptr[v + 1]):
            if num[np.uint64(indices[e])] >= 0:  # unsigned: no negative-index check
                count += 1
        pptr[b + 1] = pptr[b] + count
    pind = np.empty(pptr[m], np.int64)
    for b in range(1, m):
        v = order[b - 1]
        pos = pptr[b]
        if is_source[v]:
            pind[pos] = 0
            pos += 1
        for e in range(indptr[v], indptr[v + 1]):
            p = num[np.uint64(indices[e])]
            if p >= 0:
                pind[pos] = p
                pos += 1
        pind[pptr[b]:pos] = np.sort(pind[pptr[b]:pos])
    return pptr, pind


@njit(cache=True, nogil=True)
def _cooper_harvey_kennedy(pptr, pind, m):  # pragma: no cover - numba
    """Immediate dominator numbers of nodes ``0 .. m-1`` (0 the root, numbers in reverse
    postorder) from their predecessors ``pind[pptr[b]:pptr[b+1]]`` sorted by number."""
    doms = np.full(m, -1, np.int64)
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
    return doms


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
