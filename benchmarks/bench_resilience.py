"""ESRI for every firm, beside the plain ways of computing the same cascade.

* ``chaingraph``: :func:`chaingraph.systemic_risk` (compiled frontier kernel,
  scenarios in two threads), every firm of the 10^3, 10^4 and 10^5-firm
  synthetic chains.
* ``plain scipy``: per scenario, full Jacobi sweeps over the whole network
  with sparse matrix–vector products (the straightforward numpy/scipy
  implementation of the same linear cascade). Too slow to run for every firm,
  so it is timed on a fixed sample of scenarios and extrapolated to all
  firms; its results are checked against chaingraph's on that sample.
* ``networkx``: the same full sweeps over an ``nx.DiGraph`` (dict of dicts),
  on a small sample of the 10^3-firm chain, extrapolated likewise.
* memory: peak resident memory of a fresh process computing ESRI for every
  firm of the 10^5-firm chain.

Run with ``pytest benchmarks/bench_resilience.py --benchmark-only -s``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import chaingraph as cg

ROUNDS = {"1e3": 3, "1e4": 3, "1e5": 1}


def esri_all(chain, **kw):
    return cg.systemic_risk(chain, progress=False, **kw)


@pytest.mark.parametrize("label", ["1e3", "1e4", "1e5"])
def test_esri_chaingraph(benchmark, request, label):
    chain = request.getfixturevalue(f"chain_{label}")
    esri_all(chain, firms=chain.firm_ids[:10])  # compile / load the kernel outside the timing
    benchmark.group = f"ESRI, every firm, {label}"
    result = benchmark.pedantic(esri_all, args=(chain,), rounds=ROUNDS[label], iterations=1)
    assert len(result) == chain.n_firms
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links,
                                mean_iterations=float(result["iterations"].mean()))


@pytest.mark.parametrize("label", ["1e4", "1e5"])
def test_esri_chaingraph_essential_replaceable(benchmark, request, label):
    """The template's essential flows as Leontief inputs, with replaceability."""
    chain = request.getfixturevalue(f"chain_{label}")
    benchmark.group = f"ESRI, every firm, {label}"
    result = benchmark.pedantic(
        esri_all, args=(chain,), kwargs={"essentiality": "template", "replaceability": True},
        rounds=1, iterations=1,
    )
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links,
                                mean_iterations=float(result["iterations"].mean()))


# --------------------------------------------------------------------------
# the plain ways


def plain_scipy_esri(chain, positions, tol=1e-2):
    """Linear cascade by full sparse sweeps, one scenario at a time."""
    W = chain.adjacency
    s_in, s_out = chain.in_strength, chain.out_strength
    Ld = W @ sp.diags_array(np.divide(1.0, s_in, out=np.zeros_like(s_in), where=s_in > 0))
    LdT = Ld.T.tocsr()
    Lu = sp.diags_array(np.divide(1.0, s_out, out=np.zeros_like(s_out), where=s_out > 0)) @ W
    Lu = sp.csr_array(Lu)
    w = s_out
    out = []
    for i in positions:
        psi = np.ones(chain.n_firms)
        psi[i] = 0.0
        hd, hu = psi.copy(), psi.copy()
        while True:
            nd = np.maximum(0, np.minimum(psi, 1 - LdT @ (1 - hd)))
            nu = np.maximum(0, np.minimum(psi, 1 - Lu @ (1 - hu)))
            fall = max((hd - nd).max(), (hu - nu).max())
            hd, hu = nd, nu
            if fall <= tol:
                break
        out.append((w * (1 - np.minimum(hd, hu))).sum() / w.sum())
    return np.array(out)


def networkx_esri(g, weight, scenarios, tol=1e-2):
    """Linear cascade by full sweeps over a networkx DiGraph, one scenario at a time."""
    s_out = {v: sum(d["amount"] for d in g.succ[v].values()) for v in g}
    s_in = {v: sum(d["amount"] for d in g.pred[v].values()) for v in g}
    total = sum(weight.values())
    out = []
    for f in scenarios:
        psi = dict.fromkeys(g, 1.0)
        psi[f] = 0.0
        hd, hu = dict(psi), dict(psi)
        while True:
            nd = {j: max(0.0, min(psi[j], 1 - sum(d["amount"] / s_in[j] * (1 - hd[s])
                                                 for s, d in g.pred[j].items())))
                  for j in g}
            nu = {j: max(0.0, min(psi[j], 1 - sum(d["amount"] / s_out[j] * (1 - hu[c])
                                                 for c, d in g.succ[j].items())))
                  for j in g}
            fall = max(max(hd[v] - nd[v], hu[v] - nu[v]) for v in g)
            hd, hu = nd, nu
            if fall <= tol:
                break
        out.append(sum(weight[v] * (1 - min(hd[v], hu[v])) for v in g) / total)
    return np.array(out)


SAMPLE = {"1e3": 100, "1e4": 40, "1e5": 8}


@pytest.mark.parametrize("label", ["1e3", "1e4", "1e5"])
def test_esri_plain_scipy(benchmark, request, label):
    chain = request.getfixturevalue(f"chain_{label}")
    rng = np.random.default_rng(0)
    positions = np.sort(rng.choice(chain.n_firms, SAMPLE[label], replace=False))
    benchmark.group = f"ESRI, every firm, {label}"
    plain = benchmark.pedantic(plain_scipy_esri, args=(chain, positions), rounds=1, iterations=1)
    ours = esri_all(chain, firms=chain.firm_ids[positions])["esri"].to_numpy()
    np.testing.assert_allclose(plain, ours, atol=1e-9)
    per = benchmark.stats.stats.mean / len(positions)
    benchmark.extra_info.update(scenarios_timed=len(positions), seconds_per_scenario=per,
                                extrapolated_all_firms_s=per * chain.n_firms)
    print(f"\nplain scipy {label}: {per * 1e3:.2f} ms/scenario -> "
          f"{per * chain.n_firms:.0f} s for all {chain.n_firms} firms (extrapolated)")


def test_esri_networkx(benchmark, chain_1e3):
    g = chain_1e3.to_networkx()
    weight = dict(zip(chain_1e3.firm_ids, chain_1e3.out_strength))
    scenarios = list(chain_1e3.firm_ids[::100])
    benchmark.group = "ESRI, every firm, 1e3"
    plain = benchmark.pedantic(networkx_esri, args=(g, weight, scenarios), rounds=1, iterations=1)
    ours = esri_all(chain_1e3, firms=scenarios)["esri"].to_numpy()
    np.testing.assert_allclose(plain, ours, atol=1e-9)
    per = benchmark.stats.stats.mean / len(scenarios)
    benchmark.extra_info.update(scenarios_timed=len(scenarios), seconds_per_scenario=per,
                                extrapolated_all_firms_s=per * chain_1e3.n_firms)
    print(f"\nnetworkx 1e3: {per * 1e3:.1f} ms/scenario -> "
          f"{per * chain_1e3.n_firms:.0f} s for all firms (extrapolated)")


# --------------------------------------------------------------------------
# memory


def test_esri_memory_1e5(benchmark, chain_1e5):
    """Peak resident memory of a fresh process: load the 10^5 chain, ESRI for every firm."""
    here = Path(__file__).parent
    script = f"""
import resource, sys, time
sys.path.insert(0, {str(here)!r})
from conftest import cached_frames, build_chain
import chaingraph as cg
chain = build_chain(*cached_frames(100_000))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
cg.systemic_risk(chain, progress=False)
took = time.perf_counter() - t
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, after, took)
"""

    def run():
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True)
        return [float(x) for x in out.stdout.split()]

    start = time.perf_counter()
    before, after, took = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.group = "ESRI memory"
    benchmark.extra_info.update(peak_rss_mb=after / 1024, rss_before_esri_mb=before / 1024,
                                esri_seconds=took, wall_s=time.perf_counter() - start)
    print(f"\nESRI 1e5: peak RSS {after / 1024:.0f} MB (chain loaded: {before / 1024:.0f} MB), "
          f"{took:.1f} s")
    assert after / 1024 < 4096
