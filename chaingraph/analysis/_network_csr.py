"""The supply network as CSR arrays: the conventions the graph kernels share, and its pattern.

The graph kernels are pure numeric kernels (numpy / scipy, and numba for the
searches that walk the network node by node; no pandas, no ``ChainGraph``), one
module per family: PageRank (:mod:`._pagerank`), bounded searches and
distances (:mod:`._reach_kernels`), sole sources and source ranges by label
(:mod:`._labelled_arc_kernels`), mixing between classes
(:mod:`._mixing_kernels`), and dominator trees (:mod:`._dominator_kernels`).

Conventions shared by every graph kernel:

* a supply network is an ``n × n`` :class:`scipy.sparse.csr_array` ``W`` with
  ``W[s, j]`` = what firm ``s`` sells to firm ``j`` (so row ``s`` lists ``s``'s
  customers); its transpose lists suppliers. A kernel that walks "along
  ``adj``" follows rows to columns; pass ``W`` to go downstream and ``Wᵀ`` to
  go upstream;
* nodes are positions ``0 .. n-1``; boolean node sets are numpy bool arrays;
* only the *pattern* of ``adj`` matters to the reachability kernels: every
  stored entry is a link, including an explicit 0 (the chain's adjacency
  stores a link recorded with amount 0 as such an entry).

This module holds that pattern as a matrix (:func:`pattern`), for the analyses
that count links rather than amounts.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["pattern"]


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
