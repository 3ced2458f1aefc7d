"""Bounded searches along the supply network: reach counts, reached labels, distances, row arcs.

Pure numeric kernels (numpy / scipy, and numba for the searches, which release
the GIL and run in threads; no pandas, no ``ChainGraph``) following the
conventions of :mod:`._network_csr`: a search walks along ``adj`` from rows to
columns (``W`` downstream, ``Wᵀ`` upstream), and only the pattern counts —
every stored entry is a link, an explicit 0 included.

:func:`reach_summary` is the search behind :func:`reach_counts` and
:func:`reach_label_counts` (one breadth-first search per node and network, cut
at a depth, on bit sets, in threads); :func:`reach_distance` searches level by
level from a set of sources, and :func:`row_arcs` lists the stored entries of
some rows.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["reach_counts", "reach_distance", "reach_label_counts", "reach_summary", "row_arcs"]


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
