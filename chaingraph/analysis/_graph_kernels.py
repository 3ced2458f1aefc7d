"""Graph kernels on the chain's CSR arrays (numpy / scipy, and numba for the searches that
walk the network node by node; no pandas, no ``ChainGraph``).

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

Why this module is long: it gathers the graph kernels the analyses share (PageRank, reach counts
and distances, sole sources, mixing, dominators), each a few dozen lines documented with its
definition (about 275 lines of docstrings). They share the CSR conventions and helpers at the
top; a family that grows further gets its own module.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = [
    "pagerank",
    "pattern",
    "reach_counts",
    "reach_distance",
    "reach_label_counts",
    "reach_summary",
    "row_arcs",
    "sole_sources",
    "source_range_by_label_pair",
    "class_mixing",
    "newman_assortativity",
]


def pattern(adj, dtype=np.float32) -> sp.csr_array:
    """The 0/1 pattern of ``adj`` as CSR with sorted indices."""
    a = sp.csr_array(adj)
    if a.has_canonical_format:  # sorted, no repeated entries: only the values change
        return sp.csr_array((np.ones(a.nnz, dtype=dtype), a.indices.copy(), a.indptr.copy()),
                            shape=a.shape)
    a = a.copy()
    a.sum_duplicates()
    a.data = np.ones(a.nnz, dtype=dtype)
    return a


# --------------------------------------------------------------------------- PageRank


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


# --------------------------------------------------------------------------- reachability


def reach_counts(
    adj,
    depth: int = 2,
    *,
    masks: tuple[np.ndarray, ...] | list[np.ndarray] = (),
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Distinct nodes within ``depth`` steps of each node along ``adj``, the node itself excluded.

    For node ``i`` the set is ``R(i) = (N¹(i) ∪ … ∪ N^depth(i)) \\ {i}`` with
    ``N¹(i)`` the columns of row ``i`` and ``N^k(i)`` the columns reachable
    in exactly ``k`` steps. A node reached by several paths or at several
    depths counts once. See :func:`reach_summary` for how it is computed.

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

    Returns
    -------
    ndarray of int64, shape ``(len(rows), 1 + len(masks))``
        Column 0: ``|R(i)|``; column ``k``: ``|R(i) ∩ masks[k-1]|``.
    """
    nets = list(adj) if isinstance(adj, (list, tuple)) else [adj]
    counts, _ = reach_summary(nets, depth, masks=masks, rows=rows, union=True)
    return counts[:, 0, :]


def reach_label_counts(
    adjs,
    labels,
    n_labels: int,
    depth: int = 2,
    *,
    include_self: bool = True,
) -> np.ndarray:
    """Distinct labels among the nodes within ``depth`` steps, over one or more networks.

    For node ``i``, the number of distinct labels over the nodes ``j``
    reachable from ``i`` in 1..``depth`` steps along any of ``adjs`` (and
    ``i`` itself when ``include_self``). ``labels`` is an array of one label
    per node (``labels[j] ≥ 0``; negative: none) or an ``n × n_labels``
    sparse matrix whose row ``j`` holds node ``j``'s labels (its pattern is
    used). See :func:`reach_summary`.

    Returns
    -------
    ndarray of int64, length n
    """
    _, out = reach_summary(list(adjs), depth, labels=labels, n_labels=n_labels,
                           include_self=include_self)
    return out


def reach_summary(
    adjs,
    depth: int = 2,
    *,
    masks=(),
    labels=None,
    n_labels: int = 0,
    include_self: bool = True,
    rows: np.ndarray | None = None,
    union: bool = False,
):
    """Reached-node counts and reached-label counts of bounded searches from each node.

    For each node ``i`` of ``rows`` and each network ``A`` of ``adjs``, the
    nodes ``R_A(i)`` within ``depth`` steps along ``A``, ``i`` excluded (see
    :func:`reach_counts`), are counted — all, and those inside each of
    ``masks`` — either per network or, with ``union=True``, over
    ``⋃_A R_A(i)``. With ``labels``, also the distinct labels over
    ``⋃_A R_A(i)`` plus ``i`` itself when ``include_self`` (see
    :func:`reach_label_counts`).

    One breadth-first search per node and network, cut at ``depth``, marks
    the nodes it reaches in a bit set of n bits (small enough to stay in the
    processor's cache) and clears them afterwards from its queue: the work is
    the number of arcs leaving the nodes within ``depth − 1`` steps, summed
    over the nodes — for ``depth = 2`` the number of two-step walks — and the
    memory two arrays of length n per thread, whatever the degrees. With one
    label per node the nodes are first renumbered label by label, so that
    the lookups of a search stay close together in memory. The searches run
    in ``os.cpu_count()`` threads (the kernel, compiled by numba, releases
    the GIL).

    Returns
    -------
    counts : ndarray of int64, shape ``(len(rows), n_nets, 1 + len(masks))``
        (``n_nets`` is 1 with ``union=True``.)
    label_counts : ndarray of int64, length ``len(rows)`` (zeros without labels)
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    indptr, indices, n = _stacked_csr(adjs)
    rows = np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    masks = [np.asarray(m, dtype=bool) for m in masks]
    node_label, label_ptr, label_idx = _label_lists(labels, n, n_labels)
    search = rows  # the rows in the numbering the searches use
    if len(node_label) and 4 * len(rows) >= n:
        # number the nodes label by label: a search's bit and label lookups then fall in
        # few places of memory (about twice as fast on a 10^6-firm chain, by segment)
        order = np.argsort(node_label, kind="stable")
        inv = np.empty(n, dtype=np.int64)
        inv[order] = np.arange(n)
        indptr, indices = _renumbered(indptr, indices, len(adjs), n, order, inv)
        masks = [m[order] for m in masks]
        node_label, search = node_label[order], inv[rows]
    mask_bits = np.zeros((len(masks), (n + 63) // 64), dtype=np.uint64)
    for k, m in enumerate(masks):
        mask_bits[k] = _bit_set(m)
    counts = np.zeros((len(rows), 1 if union else len(adjs), 1 + len(masks)), dtype=np.int64)
    label_counts = np.zeros(len(rows), dtype=np.int64)

    def run(part):  # the rows `part` (positions in `rows`), in increasing node number
        part = part[np.argsort(search[part], kind="stable")]
        found = np.zeros((len(part), *counts.shape[1:]), dtype=np.int64)
        found_labels = np.zeros(len(part), dtype=np.int64)
        _reach_rows(indptr, indices, len(adjs), n, int(depth), search[part], bool(union),
                    mask_bits, node_label, label_ptr, label_idx, int(n_labels),
                    bool(include_self), found, found_labels)
        counts[part], label_counts[part] = found, found_labels

    _in_threads(run, len(rows))
    return counts, label_counts


def _stacked_csr(nets):
    """One CSR structure for several n × n networks: row pointers (n_nets · (n + 1),
    int64, into the concatenated column indices) and column indices, and n."""
    nets = [sp.csr_array(a) for a in nets]
    n = nets[0].shape[0]
    if len(nets) == 1:
        return nets[0].indptr.astype(np.int64), nets[0].indices, n
    offsets = np.cumsum([0] + [a.nnz for a in nets[:-1]])
    indptr = np.concatenate([a.indptr.astype(np.int64) + o for a, o in zip(nets, offsets)])
    indices = np.concatenate([a.indices for a in nets])
    return indptr, indices, n


@njit(cache=True, nogil=True)
def _renumbered(indptr, indices, n_nets, n, order, inv):  # pragma: no cover - numba
    """Stacked CSR networks (see :func:`_stacked_csr`) with node ``order[p]`` renamed ``p``:
    row ``p`` is old row ``order[p]``, every column ``v`` becomes ``inv[v]``."""
    new_ptr = np.empty(n_nets * (n + 1), np.int64)
    new_idx = np.empty(len(indices), indices.dtype)
    pos = 0
    for net in range(n_nets):
        base = net * (n + 1)
        for p in range(n):
            new_ptr[base + p] = pos
            u = order[p]
            for e in range(indptr[base + u], indptr[base + u + 1]):
                new_idx[pos] = inv[np.uint64(indices[e])]  # unsigned: no negative-index check
                pos += 1
        new_ptr[base + n] = pos
    return new_ptr, new_idx


def _bit_set(mask: np.ndarray) -> np.ndarray:
    """A bool array as 64-bit words: node ``v`` is bit ``v % 64`` of word ``v // 64``."""
    padded = np.zeros(-(-len(mask) // 64) * 64, dtype=bool)
    padded[: len(mask)] = mask
    return np.packbits(padded, bitorder="little").view("<u8").astype(np.uint64)


def _label_lists(labels, n: int, n_labels: int):
    """Each node's labels for :func:`_reach_rows`: ``(node_label, label_ptr, label_idx)``.

    One label per node (an array, −1 for none) comes as ``node_label`` in the smallest
    integer type that holds it (the searches look it up for every node they reach, so
    a small array that stays in cache matters); several (a sparse matrix) as CSR lists
    ``label_ptr``, ``label_idx``, with an empty ``node_label``.
    """
    none = np.zeros(0, dtype=np.int64)
    if labels is None or n_labels <= 0:
        return np.zeros(0, dtype=np.int8), none, none
    if sp.issparse(labels):
        m = sp.csr_array(labels)
        return np.zeros(0, dtype=np.int8), m.indptr.astype(np.int64), m.indices.astype(np.int64)
    small = np.min_scalar_type(-max(int(n_labels), 1))
    return np.asarray(labels).astype(small), none, none


def _in_threads(run, n_rows: int) -> None:
    """``run(part)`` for interleaved parts ``arange(t, n_rows, workers)`` of the rows, in
    ``os.cpu_count()`` threads (one when there are few rows). Interleaving spreads the
    heavy rows of a heavy-tailed network evenly."""
    workers = min(os.cpu_count() or 1, max(1, n_rows // 10_000))
    parts = [np.arange(t, n_rows, workers) for t in range(workers)]
    if workers == 1:
        run(parts[0])
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(run, part) for part in parts]:
            f.result()


@njit(cache=True, nogil=True)
def _reach_rows(indptr, indices, n_nets, n, depth, rows, union, mask_bits, node_label, label_ptr,
                label_idx, n_labels, include_self, counts, label_counts):  # pragma: no cover
    """The searches of :func:`reach_summary` from ``rows``, written to ``counts[r]`` and
    ``label_counts[r]``.

    A task is one row searched along one network. Without ``union`` the tasks run
    network by network (one network's arrays at a time stay in cache better than
    two); with ``union`` row by row, ``counted`` (a bit set, its nodes listed in
    ``seen``) marking what the row has already counted. ``visited`` is the bit set of
    the current search, its nodes listed in ``queue``; each row's labels are a bit
    set, a row of ``label_bits``, counted at the end.
    """
    one, six, low = np.uint64(1), np.uint64(6), np.uint64(63)
    n_rows = len(rows)
    n_masks = mask_bits.shape[0]
    single = len(node_label) > 0
    visited = np.zeros((n + 63) >> 6, np.uint64)
    counted = np.zeros((n + 63) >> 6 if union else 1, np.uint64)
    queue = np.empty(n, np.int64)
    seen = np.empty(n if union else 1, np.int64)
    label_bits = np.zeros((n_rows if n_labels > 0 else 1, (max(n_labels, 1) + 63) >> 6),
                          np.uint64)
    acc = np.zeros(counts.shape[2], np.int64)
    n_seen = 0
    for task in range(n_nets * n_rows):
        if union:
            r, net = task // n_nets, task % n_nets
        else:
            r, net = task % n_rows, task // n_rows
        i = rows[r]
        first, last = net == 0 or not union, net == n_nets - 1 or not union
        if first:
            acc[:] = 0
        if union and net == 0:
            counted[i >> 6] |= one << np.uint64(i & 63)
            seen[0] = i
            n_seen = 1
        with_self = n_labels > 0 and include_self and net == 0
        self_ = np.uint64(i)
        # breadth-first search from i along network `net`, cut at `depth`
        base = net * (n + 1)
        visited[i >> 6] |= one << np.uint64(i & 63)
        queue[0] = i
        head, tail = 0, 1
        for level in range(depth):
            end = tail
            while head < end:
                u = queue[head]
                head += 1
                for e in range(indptr[base + u], indptr[base + u + 1]):
                    # unsigned positions: numba skips the check for negative indices
                    v = np.uint64(indices[e])
                    word = v >> six
                    bit = one << (v & low)
                    if visited[word] & bit:
                        if v == self_:  # back to itself: its labels count
                            with_self = n_labels > 0
                        continue
                    visited[word] |= bit
                    queue[tail] = v
                    tail += 1
                    if single:
                        k = node_label[v]
                        if k >= 0:
                            label_bits[r, k >> 6] |= one << np.uint64(k & 63)
                    elif n_labels > 0:
                        for q in range(label_ptr[v], label_ptr[v + 1]):
                            k = label_idx[q]
                            label_bits[r, k >> 6] |= one << np.uint64(k & 63)
                    if union:
                        if counted[word] & bit:
                            continue
                        counted[word] |= bit
                        seen[n_seen] = v
                        n_seen += 1
                    acc[0] += 1
                    for k in range(n_masks):
                        if mask_bits[k, word] & bit:
                            acc[1 + k] += 1
        for q in range(tail):
            v = queue[q]
            visited[v >> 6] &= ~(one << np.uint64(v & 63))
        if with_self:
            lo, hi = (i, i + 1) if single else (label_ptr[i], label_ptr[i + 1])
            for q in range(lo, hi):
                k = node_label[i] if single else label_idx[q]
                if k >= 0:
                    label_bits[r, k >> 6] |= one << np.uint64(k & 63)
        if last:
            counts[r, 0 if union else net] = acc
        if union and last:
            for q in range(n_seen):
                v = seen[q]
                counted[v >> 6] &= ~(one << np.uint64(v & 63))
    if n_labels > 0:
        for r in range(n_rows):
            found = 0
            for w in range(label_bits.shape[1]):
                x = label_bits[r, w]
                while x:
                    x &= x - one
                    found += 1
            label_counts[r] = found


def _row_arcs(ptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions in a CSR matrix's ``indices``/``data`` of the stored entries of ``rows``,
    row after row in the order given."""
    starts = ptr[rows].astype(np.int64)
    counts = ptr[rows + 1].astype(np.int64) - starts
    first = np.cumsum(counts) - counts  # where each row's entries start in the result
    return np.repeat(starts - first, counts) + np.arange(int(counts.sum()), dtype=np.int64)


def row_arcs(adj, rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored entries of some rows of a CSR matrix, as ``(row, column, value)``
    arrays in the order of :meth:`tocoo` restricted to those rows (``rows`` ascending)."""
    rows = np.asarray(rows, dtype=np.int64)
    at = _row_arcs(adj.indptr, rows)
    return (np.repeat(rows, np.diff(adj.indptr)[rows]), adj.indices[at].astype(np.int64),
            adj.data[at])


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
    a = adj if isinstance(adj, (sp.csr_array, sp.csr_matrix)) else sp.csr_array(adj)
    ptr, idx = a.indptr.astype(np.int64, copy=False), a.indices
    n = a.shape[0]
    src = np.asarray(sources)
    if src.dtype == bool:
        frontier = np.flatnonzero(src)
    else:
        frontier = np.unique(src.astype(np.int64))
    dist = np.full(n, -1, dtype=np.int32)
    dist[frontier] = 0
    step = 0
    # level by level over the stored arcs of the frontier's rows only: the cost is the
    # arcs of the reached firms, not a pass over the whole matrix per level
    while frontier.size and (depth is None or step < depth):
        step += 1
        reached = idx[_row_arcs(ptr, frontier)]
        reached = np.unique(reached[dist[reached] < 0])
        dist[reached] = step
        frontier = reached
    return dist


# --------------------------------------------------------------------------- labelled arcs


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
