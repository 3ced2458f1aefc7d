"""The reachability kernels against independent references (sparse matrix products).

The references follow the definitions: the nodes reachable in 1..depth steps along
``A`` are the pattern of ``A + A² + … + A^depth``; their labels the pattern of that
times the one-hot label matrix.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from chaingraph.analysis import _reach_kernels


def _random_network(rng, n, m, zeros=False):
    s, t = rng.integers(0, n, m), rng.integers(0, n, m)
    data = np.ones(m)
    if zeros:
        data[rng.random(m) < 0.2] = 0.0  # a stored 0 is a link
    a = sp.csr_array((data, (s, t)), shape=(n, n))  # repeated pairs summed, self-loops kept
    return a


def _reached(adj, depth):
    """Bool n × n: j reachable from i in 1..depth steps (dense; small n only)."""
    a = sp.csr_array(adj, copy=True)
    a.data[:] = 1.0
    a = a.toarray() > 0
    step, total = np.eye(len(a), dtype=bool), np.zeros_like(a)
    for _ in range(depth):
        step = (step.astype(np.int64) @ a.astype(np.int64)) > 0
        total |= step
    return total


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("zeros", [False, True])
def test_reach_counts_one_and_several_networks(depth, zeros):
    rng = np.random.default_rng(depth + 10 * zeros)
    n = 300
    a = _random_network(rng, n, 900, zeros)
    b = _random_network(rng, n, 500, zeros)
    masks = [rng.random(n) < 0.3, rng.random(n) < 0.6]
    off_diag = ~np.eye(n, dtype=bool)
    ra, rb = _reached(a, depth) & off_diag, _reached(b, depth) & off_diag
    got = _reach_kernels.reach_counts(a, depth, masks=masks)
    np.testing.assert_array_equal(got[:, 0], ra.sum(axis=1))
    for k, m in enumerate(masks, start=1):
        np.testing.assert_array_equal(got[:, k], (ra & m).sum(axis=1))
    # several networks: the union, paths do not switch network
    both = _reach_kernels.reach_counts([a, b], depth, masks=masks)
    np.testing.assert_array_equal(both[:, 0], (ra | rb).sum(axis=1))
    np.testing.assert_array_equal(both[:, 2], ((ra | rb) & masks[1]).sum(axis=1))
    # per network, in one call
    each, _ = _reach_kernels.reach_summary([a, b], depth, masks=masks)
    np.testing.assert_array_equal(each[:, 0, :], got)
    np.testing.assert_array_equal(each[:, 1, 0], rb.sum(axis=1))
    # a subset of rows, in any order
    rows = np.array([5, 0, 299, 5])
    np.testing.assert_array_equal(_reach_kernels.reach_counts(a, depth, masks=masks, rows=rows),
                                  got[rows])


@pytest.mark.parametrize("include_self", [True, False])
def test_reach_label_counts(include_self):
    rng = np.random.default_rng(4)
    n, n_labels = 250, 7
    a, b = _random_network(rng, n, 600), _random_network(rng, n, 300)
    codes = rng.integers(-1, n_labels, n)  # -1: no label
    onehot = np.zeros((n, n_labels), dtype=bool)
    onehot[np.flatnonzero(codes >= 0), codes[codes >= 0]] = True
    reach = _reached(a, 2) | _reached(b, 2)  # i itself only through a cycle
    if include_self:
        reach |= np.eye(n, dtype=bool)
    expected = ((reach.astype(np.int64) @ onehot.astype(np.int64)) > 0).sum(axis=1)
    got = _reach_kernels.reach_label_counts([a, b], codes, n_labels, 2, include_self=include_self)
    np.testing.assert_array_equal(got, expected)
    # labels as a membership matrix, several labels per node
    member = onehot | (rng.random((n, n_labels)) < 0.1)
    expected = ((reach.astype(np.int64) @ member.astype(np.int64)) > 0).sum(axis=1)
    got = _reach_kernels.reach_label_counts([a, b], sp.csr_array(member), n_labels, 2,
                                            include_self=include_self)
    np.testing.assert_array_equal(got, expected)


def test_reach_counts_in_threads_equal_one_thread(monkeypatch):
    """Enough rows to be split over threads (with several cores) give the same counts."""
    rng = np.random.default_rng(9)
    n = 40_000
    a = _random_network(rng, n, 6 * n)
    mask = rng.random(n) < 0.5
    split = _reach_kernels.reach_counts([a, a.T], 2, masks=[mask])
    monkeypatch.setattr(_reach_kernels.os, "cpu_count", lambda: 1)
    one = _reach_kernels.reach_counts([a, a.T], 2, masks=[mask])
    np.testing.assert_array_equal(split, one)
    # spot check against the definition on a few rows
    at = sp.csr_array(a.T)
    for i in rng.integers(0, n, 20).tolist():
        near = set()
        for net in (a, at):
            first = set(net.indices[net.indptr[i]:net.indptr[i + 1]].tolist())
            second = {int(v) for u in first for v in net.indices[net.indptr[u]:net.indptr[u + 1]]}
            near |= first | second
        near.discard(i)
        assert one[i, 0] == len(near)
        assert one[i, 1] == sum(bool(mask[v]) for v in near)


def test_reach_empty_and_bad_depth():
    a = sp.csr_array((3, 3))
    np.testing.assert_array_equal(_reach_kernels.reach_counts(a, 2), np.zeros((3, 1)))
    np.testing.assert_array_equal(_reach_kernels.reach_label_counts([a], [0, 1, -1], 2), [1, 1, 0])
    with pytest.raises(ValueError, match="depth"):
        _reach_kernels.reach_counts(a, 0)


@pytest.mark.parametrize("n_rows", [300, 120, 10])
def test_reach_summary_with_labels_masks_and_rows(n_rows):
    """With one label per node the nodes are renumbered by label inside; the counts come
    back in the order of ``rows`` all the same."""
    rng = np.random.default_rng(n_rows)
    n, n_labels = 300, 5
    a, b = _random_network(rng, n, 900), _random_network(rng, n, 700)
    codes = rng.integers(-1, n_labels, n)
    mask = rng.random(n) < 0.4
    rows = rng.permutation(n)[:n_rows]
    off_diag = ~np.eye(n, dtype=bool)
    ra, rb = _reached(a, 2), _reached(b, 2)
    counts, labels = _reach_kernels.reach_summary([a, b], 2, masks=[mask], labels=codes,
                                                  n_labels=n_labels, rows=rows)
    for net, r in enumerate((ra & off_diag, rb & off_diag)):
        np.testing.assert_array_equal(counts[:, net, 0], r.sum(axis=1)[rows])
        np.testing.assert_array_equal(counts[:, net, 1], (r & mask).sum(axis=1)[rows])
    onehot = np.zeros((n, n_labels), dtype=np.int64)
    onehot[np.flatnonzero(codes >= 0), codes[codes >= 0]] = 1
    near = (ra | rb | np.eye(n, dtype=bool)).astype(np.int64)
    np.testing.assert_array_equal(labels, ((near @ onehot) > 0).sum(axis=1)[rows])


def _distance_by_powers(adj, sources, depth):
    """Breadth-first distance from the definition: the smallest k with a k-step walk from a
    source (dense boolean matrix powers; small n only)."""
    a = sp.csr_array(adj, copy=True)
    a.data[:] = 1.0
    a = a.toarray() > 0
    n = len(a)
    dist = np.full(n, -1)
    at = np.zeros(n, dtype=bool)
    at[sources] = True
    dist[at] = 0
    for k in range(1, (n if depth is None else depth) + 1):
        at = (at.astype(int) @ a.astype(int)) > 0
        dist[at & (dist < 0)] = k
    return dist


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("depth", [None, 1, 2, 3])
def test_reach_distance_against_matrix_powers(seed, depth):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    adj = _random_network(rng, n, int(rng.integers(0, 3 * n)), zeros=True)
    sources = rng.choice(n, size=int(rng.integers(1, 4)), replace=False)
    expected = _distance_by_powers(adj, sources, depth)
    got = _reach_kernels.reach_distance(adj, sources, depth)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, expected)
    mask = np.zeros(n, dtype=bool)
    mask[sources] = True
    np.testing.assert_array_equal(_reach_kernels.reach_distance(adj, mask, depth), expected)
    # the other sparse formats give the same distances
    np.testing.assert_array_equal(_reach_kernels.reach_distance(adj.tocsc(), sources, depth),
                                  expected)


def test_reach_distance_hand_worked():
    # 0 → 1 → 2 → 3, 1 → 3 (amount 0: still a link), 4 isolated; from 0:
    # 1 at 1 step, 2 and 3 at 2 steps (3 through the 0-amount link), 4 never
    adj = sp.csr_array((np.array([5.0, 1.0, 2.0, 0.0]),
                        (np.array([0, 1, 2, 1]), np.array([1, 2, 3, 3]))), shape=(5, 5))
    assert _reach_kernels.reach_distance(adj, [0]).tolist() == [0, 1, 2, 2, -1]
    assert _reach_kernels.reach_distance(adj, [0], 1).tolist() == [0, 1, -1, -1, -1]
    assert _reach_kernels.reach_distance(adj, np.array([], dtype=int)).tolist() == [-1] * 5


@pytest.mark.parametrize("seed", range(4))
def test_row_arcs_are_the_coo_entries_of_those_rows(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 30))
    adj = _random_network(rng, n, int(rng.integers(0, 4 * n)), zeros=True)
    rows = np.flatnonzero(rng.random(n) < 0.5)
    coo = adj.tocoo()
    keep = np.isin(coo.row, rows)
    s, j, w = _reach_kernels.row_arcs(adj, rows)
    np.testing.assert_array_equal(s, coo.row[keep])
    np.testing.assert_array_equal(j, coo.col[keep])
    np.testing.assert_array_equal(w, coo.data[keep])
