"""The labelled-arc kernels (sole sources, source ranges by label pair) against brute force."""

import numpy as np
import scipy.sparse as sp

from chaingraph.analysis import _labelled_arc_kernels


def test_sole_sources_and_source_ranges_by_brute_force():
    rng = np.random.default_rng(12)
    n, n_labels = 200, 6
    s, t = rng.integers(0, n, 1500), rng.integers(0, n, 1500)
    w = rng.random(1500)
    adj = sp.csr_array((w, (s, t)), shape=(n, n))  # repeated pairs summed
    # a copy with the first entry stored twice (halves of its amount), out of order
    at = adj.T.tocsr()
    row0 = slice(at.indptr[0], at.indptr[1])
    idx = np.r_[at.indices[row0][::-1], at.indices[row0][-1], at.indices[at.indptr[1]:]]
    half = at.data[row0][::-1].copy()
    half[0] /= 2
    dat = np.r_[half, half[0], at.data[at.indptr[1]:]]
    ptr = np.r_[0, at.indptr[1:] + 1]
    raw = sp.csr_array((dat, idx, ptr), shape=(n, n))
    assert not raw.has_canonical_format
    labels = rng.integers(-1, n_labels, n)
    allowed = rng.random((n_labels + 1, n_labels + 1)) < 0.6
    code = np.where(labels < 0, n_labels, labels)
    dense = adj.toarray()
    arcs = [(i, j) for i, j in zip(*np.nonzero(dense)) if allowed[code[i], code[j]]]
    by_pair = {}
    for i, j in arcs:
        by_pair.setdefault((j, code[i]), set()).add(i)
    expected = sorted((j, k, next(iter(v))) for (j, k), v in by_pair.items() if len(v) == 1)
    node, label, source, weight = _labelled_arc_kernels.sole_sources(adj.T.tocsr(), labels, allowed)
    assert sorted(zip(node.tolist(), label.tolist(), source.tolist())) == expected
    np.testing.assert_array_equal(weight, dense[source, node])
    node2, label2, source2, weight2 = _labelled_arc_kernels.sole_sources(raw, labels, allowed)
    assert sorted(zip(node2.tolist(), label2.tolist(), source2.tolist())) == expected
    np.testing.assert_allclose(weight2, dense[source2, node2], rtol=1e-15)
    # with nodes that do not count as an alternative source (``live`` false): a pair is
    # single-sourced when exactly one of its sources is live, or none is and it has one
    live = rng.random(n) < 0.7
    expected_live = []
    for (j, k), v in by_pair.items():
        alive = [i for i in v if live[i]]
        if len(alive) == 1 or (not alive and len(v) == 1):
            expected_live.append((j, k, alive[0] if alive else next(iter(v))))
    node3, label3, source3, weight3 = _labelled_arc_kernels.sole_sources(adj.T.tocsr(), labels,
                                                                         allowed, live=live)
    assert sorted(zip(node3.tolist(), label3.tolist(), source3.tolist())) == sorted(expected_live)
    assert len(expected_live) > len(expected)  # the mask mattered
    np.testing.assert_array_equal(weight3, dense[source3, node3])
    lowest, highest = _labelled_arc_kernels.source_range_by_label_pair(adj, labels, allowed)
    for k in range(n_labels + 1):
        for m in range(n_labels + 1):
            src = [i for i, j in arcs if code[i] == k and code[j] == m]
            assert lowest[k, m] == (min(src) if src else n)
            assert highest[k, m] == (max(src) if src else -1)
