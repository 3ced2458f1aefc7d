"""Weak links, chokepoints and gaps beside the same work done through networkx.

``chaingraph``: :func:`chokepoints` (sole-flow rule + dominator tree over the
whole network from the upstream firms), :func:`weak_links` (reusing that
chokepoint table) and :func:`gaps`, together.

``networkx``: the core of the same work on an ``nx.DiGraph`` built beforehand
(building it is *not* timed): supplier HHI per segment over sales to local
customers, single sourcing per (customer, input segment) on essential flows,
and the dominators of the lead firms from a virtual root over the same
upstream firms (``nx.immediate_dominators``).

Lead firms are fixed so that lead scoring is not measured: the 30 largest
local firms (by revenue) of the template's downstream segments.

Run: ``pytest benchmarks/bench_weak.py --benchmark-only``.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import pytest

from chaingraph.analysis.gaps import gaps
from chaingraph.analysis._segment_supply import _essential_matrix
from chaingraph.analysis.weak import _default_sources, chokepoints, weak_links
from chaingraph.analysis._common import forget  # time each round from scratch


def _leads(chain, k=30):
    rev = chain.firms["revenue"].to_numpy(dtype=float)
    down = chain.segments.index[chain.segments["stage"] == "downstream"]
    cand = np.flatnonzero(chain.is_local & chain.firms["segment_id"].isin(down).to_numpy())
    return list(chain.firm_ids[cand[np.argsort(-rev[cand], kind="stable")[:k]]])


def _chaingraph_work(chain, leads):
    cp = chokepoints(chain, leads=leads)
    wl = weak_links(chain, chokepoint_table=cp)
    g = gaps(chain)
    return cp, wl, g


def _networkx_work(g, chain, leads, sources, essential):
    seg = g.nodes
    # supplier HHI per segment over sales to local customers
    sales = defaultdict(float)
    for s, c, amount in g.edges(data="amount"):
        if seg[c]["location"] == "local":
            sales[s] += amount
    by_seg = defaultdict(list)
    for s, x in sales.items():
        by_seg[seg[s].get("segment_id")].append(x)
    hhi = {k: sum(v * v for v in xs) / sum(xs) ** 2 for k, xs in by_seg.items() if sum(xs) > 0}
    # single sourcing on essential flows
    single = []
    for c in g.nodes:
        per = defaultdict(list)
        lc = seg[c].get("segment_id")
        for s in g.predecessors(c):
            ks = seg[s].get("segment_id")
            if (ks, lc) in essential:
                per[ks].append(s)
        single.extend((c, k, v[0]) for k, v in per.items() if len(v) == 1)
    # dominators of the lead firms from a virtual root over the upstream firms
    g.add_edges_from(("__root__", s) for s in sources)
    idom = nx.immediate_dominators(g, "__root__")
    g.remove_node("__root__")
    dominators = set()
    for lead in leads:
        v = idom.get(lead)
        while v is not None and v != "__root__":
            dominators.add(v)
            v = idom.get(v)
    return hhi, single, dominators


@pytest.mark.parametrize("size", ["1e3", "1e4", "1e5"])
def test_chaingraph(benchmark, request, size):
    chain = request.getfixturevalue(f"chain_{size}")
    leads = _leads(chain)
    _ = chain.adjacency_t  # cached on the chain, as in any session
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)
    cp, wl, g = benchmark.pedantic(_chaingraph_work, args=(chain, leads), rounds=3, iterations=1,
                                   setup=lambda: forget(chain))
    assert len(wl) == len(chain.segments)


@pytest.mark.parametrize("size", ["1e3", "1e4", "1e5"])
def test_networkx(benchmark, request, size):
    chain = request.getfixturevalue(f"chain_{size}")
    leads = _leads(chain)
    g = chain.to_networkx()
    ids = chain.firm_ids
    sources = list(ids[_default_sources(chain)])
    e = _essential_matrix(chain)
    seg_ids = list(chain.segment_ids)
    essential = {(seg_ids[i], seg_ids[j]) for i, j in zip(*np.nonzero(e))}
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)
    rounds = 1 if size == "1e5" else 3
    hhi, single, dominators = benchmark.pedantic(
        _networkx_work, args=(g, chain, leads, sources, essential), rounds=rounds, iterations=1
    )
    # same answers as chaingraph
    cp = chokepoints(chain, leads=leads)
    assert dominators == set(cp.index[cp["rule"].str.contains("dominator")])
    wl = weak_links(chain, chokepoint_table=cp)
    for k, v in hhi.items():
        assert wl.loc[k, "hhi"] == pytest.approx(v)
