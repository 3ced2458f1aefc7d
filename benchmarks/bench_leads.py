"""Benchmarks: lead firms (链主) and integration (融通), against the same computation in networkx.

``lead_firms`` and ``integration`` run on the shared synthetic chains at 10^3,
10^4 and 10^5 firms (about 10 links per firm). The networkx reference
computes the same raw lead components (weighted PageRank to the same absolute
accuracy, two-tier supplier and customer sets by breadth-first search with
``cutoff=2``, local SMEs among them, segments spanned, attributed tier-2
amount, supplier dependence) on a ``DiGraph`` built from the same chain, and
the same normalisation; graph construction is timed separately.

Run with ``pytest benchmarks/bench_leads.py --benchmark-only``.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

import chaingraph as cg
from chaingraph.analysis.leads import log_scale
from chaingraph.analysis._common import forget  # time each round from scratch


def _attributes(chain):
    ids = chain.firm_ids.to_numpy()
    local_sme = dict(zip(ids, (chain.is_local & chain.is_sme).tolist()))
    codes = chain.segment_codes
    seg = dict(zip(ids, codes.tolist()))
    return local_sme, seg, int(len(np.unique(codes[codes >= 0])))


def leads_networkx(g: nx.DiGraph, local_sme: dict, seg: dict, n_seg: int, nodes=None) -> dict:
    """The raw lead components the plain networkx way; ``nodes`` limits the per-firm part."""
    n = g.number_of_nodes()
    # networkx stops at ‖Δ‖₁ < n·tol: tol = 1e-10 / n gives chaingraph's absolute 1e-10
    pr = nx.pagerank(g, alpha=0.85, weight="amount", tol=1e-10 / n, max_iter=1000)
    rev = g.reverse(copy=False)
    sales = dict(g.out_degree(weight="amount"))
    purchases = dict(g.in_degree(weight="amount"))
    out = {}
    for v in g if nodes is None else nodes:
        up = nx.single_source_shortest_path_length(rev, v, cutoff=2)
        down = nx.single_source_shortest_path_length(g, v, cutoff=2)
        up.pop(v)
        down.pop(v)
        n_local = sum(1 for u in up if local_sme[u])
        segs = {seg[u] for u in itertools.chain(up, down, (v,)) if seg[u] >= 0}
        sup = list(g.predecessors(v))
        amount2 = purchases[v] + sum(
            g[s][v]["amount"] * purchases[s] / sales[s] for s in sup if sales[s] > 0
        )
        sup_sales = sum(sales[s] for s in sup)
        dep = purchases[v] / sup_sales if sup_sales > 0 else 0.0
        out[v] = (len(up), amount2, n_local, dep, len(down), len(segs) / max(n_seg, 1))
    if nodes is None:
        cols = np.array(list(out.values()))
        for j in (0, 1, 2, 4):
            cols[:, j] = log_scale(cols[:, j])
    return {"pagerank": pr, "components": out}


# --------------------------------------------------------------------------- chaingraph


def test_lead_firms(benchmark, chain_by_size, size):
    benchmark.group = f"leads-{size}"
    benchmark.extra_info["firms"] = chain_by_size.n_firms
    benchmark.extra_info["links"] = chain_by_size.n_links
    df = benchmark.pedantic(cg.lead_firms, args=(chain_by_size,), rounds=3, iterations=1,
                            setup=lambda: forget(chain_by_size),
                            warmup_rounds=1 if size != "1e5" else 0)
    assert len(df) == chain_by_size.n_firms


def test_integration(benchmark, chain_by_size, size):
    benchmark.group = f"integration-{size}"
    res = benchmark.pedantic(cg.integration, args=(chain_by_size,), rounds=3, iterations=1,
                             setup=lambda: forget(chain_by_size))
    assert 0 <= res.score <= 100


# --------------------------------------------------------------------------- networkx


@pytest.fixture(scope="module")
def nx_graph_1e4(chain_1e4):
    return chain_1e4.to_networkx()


@pytest.fixture(scope="module")
def nx_graph_1e5(chain_1e5):
    return chain_1e5.to_networkx()


def test_networkx_build_graph_1e5(benchmark, chain_1e5):
    benchmark.group = "leads-1e5"
    g = benchmark.pedantic(chain_1e5.to_networkx, rounds=1, iterations=1)
    assert g.number_of_edges() == chain_1e5.n_links


def test_networkx_leads_1e3(benchmark, chain_1e3):
    benchmark.group = "leads-1e3"
    g = chain_1e3.to_networkx()
    res = benchmark.pedantic(leads_networkx, args=(g, *_attributes(chain_1e3)), rounds=3, iterations=1)
    # same numbers as chaingraph
    ours = cg.lead_firms(chain_1e3).loc[chain_1e3.firm_ids]
    got = np.array([res["components"][f] for f in chain_1e3.firm_ids])
    assert np.array_equal(got[:, 0], ours["n_suppliers_2"].to_numpy())
    assert np.array_equal(got[:, 4], ours["n_customers_2"].to_numpy())
    assert np.allclose([res["pagerank"][f] for f in chain_1e3.firm_ids], ours["pagerank"], atol=1e-9)


def test_networkx_leads_1e4(benchmark, chain_1e4, nx_graph_1e4):
    benchmark.group = "leads-1e4"
    res = benchmark.pedantic(leads_networkx, args=(nx_graph_1e4, *_attributes(chain_1e4)),
                             rounds=1, iterations=1)
    assert len(res["components"]) == chain_1e4.n_firms


def test_networkx_leads_1e5(benchmark, chain_1e5, nx_graph_1e5):
    benchmark.group = "leads-1e5"
    res = benchmark.pedantic(leads_networkx, args=(nx_graph_1e5, *_attributes(chain_1e5)),
                             rounds=1, iterations=1)
    assert len(res["components"]) == chain_1e5.n_firms
