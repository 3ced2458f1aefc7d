"""ESRI for every firm, beside the plain ways of computing the same cascade.

* ``chaingraph``: :func:`chaingraph.systemic_risk` (exact fixed points; linear
  cascades of firms on no supply loop in one pass for all firms, other scenarios
  one by one in two threads), every firm of the 10^3, 10^4 and 10^5-firm
  synthetic chains; beside it the same with every scenario solved on its own;
  the same two with the template's essential inputs (10^4, 10^5).
* ``plain scipy``: per scenario, full Jacobi sweeps over the whole network
  with sparse matrix–vector products (the straightforward numpy/scipy
  implementation of the same linear cascade, stopped at tol 10⁻²). Too slow to
  run for every firm, so it is timed on a fixed sample of scenarios and
  extrapolated to all firms; its results are checked against chaingraph's
  plain iteration at the same tolerance on that sample.
* ``networkx``: the same full sweeps over an ``nx.DiGraph`` (dict of dicts),
  on a small sample of the 10^3-firm chain, extrapolated likewise.
* scale-free networks of 500 and 2,000 firms (the networks of
  ``tests/data/esri/scale_free.py``; GLcascade's recorded times are on networks
  of this kind): every firm, exact, beside chaingraph's plain iteration at
  tol 10⁻⁸, linear and Leontief, with edge updates per second and a measured
  memory-bandwidth limit.
* memory: peak resident memory of a fresh process computing ESRI for every
  firm of the 10^5-firm chain.
* ``-m national`` only: every firm of ``synthetic_chain("nev", 10**6,
  links_per_firm=10)``, linear, beside the scenario-by-scenario solver on 2,000
  random firms (extrapolated); and with the template's essential inputs: the
  single-firm pass, and 2,000 of the failures it leaves, extrapolated to all of
  them.

Run with ``pytest benchmarks/bench_resilience.py --benchmark-only -s``.
"""
from __future__ import annotations

import subprocess
import sys
import time
import warnings
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
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)


@pytest.mark.parametrize("label", ["1e4", "1e5"])
def test_esri_chaingraph_scenario_by_scenario(benchmark, request, label):
    """The same, every firm solved on its own (the linear single-firm pass switched off)."""
    chain = request.getfixturevalue(f"chain_{label}")
    scenario_by_scenario(chain, firms=chain.firm_ids[:10])
    benchmark.group = f"ESRI, every firm, {label}"
    result = benchmark.pedantic(scenario_by_scenario, args=(chain,), rounds=1, iterations=1)
    np.testing.assert_allclose(result.to_numpy(), esri_all(chain).to_numpy(), rtol=1e-12,
                               atol=1e-15)
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)


@pytest.mark.parametrize("label", ["1e4", "1e5"])
@pytest.mark.parametrize("way", ["pass", "scenario_by_scenario"])
def test_esri_chaingraph_template(benchmark, request, label, way):
    """The template's essential flows as Leontief inputs, without replaceability: the
    single-firm pass for the failures that reach one input group of each firm, the others
    scenario by scenario; beside it every failure scenario by scenario."""
    chain = request.getfixturevalue(f"chain_{label}")
    run = esri_all if way == "pass" else scenario_by_scenario
    run(chain, firms=chain.firm_ids[:10], essentiality="template")
    benchmark.group = f"ESRI, every firm, {label}"
    result = benchmark.pedantic(run, args=(chain,), kwargs={"essentiality": "template"},
                                rounds=1, iterations=1)
    assert len(result) == chain.n_firms
    if way == "scenario_by_scenario":
        np.testing.assert_allclose(result.to_numpy(),
                                   esri_all(chain, essentiality="template").to_numpy(),
                                   rtol=1e-12, atol=1e-15)
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)


@pytest.mark.parametrize("label", ["1e4", "1e5"])
def test_esri_chaingraph_essential_replaceable(benchmark, request, label):
    """The template's essential flows as Leontief inputs, with replaceability."""
    chain = request.getfixturevalue(f"chain_{label}")
    benchmark.group = f"ESRI, every firm, {label}"
    result = benchmark.pedantic(
        esri_all, args=(chain,), kwargs={"essentiality": "template", "replaceability": True},
        rounds=1, iterations=1,
    )
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)
    assert len(result) == chain.n_firms


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
#: What the plain ways compute: the paper's weights, stopped at their tolerance.
PLAIN = {"tol": 1e-2, "weight": "network_sales"}


@pytest.mark.parametrize("label", ["1e3", "1e4", "1e5"])
def test_esri_plain_scipy(benchmark, request, label):
    chain = request.getfixturevalue(f"chain_{label}")
    rng = np.random.default_rng(0)
    positions = np.sort(rng.choice(chain.n_firms, SAMPLE[label], replace=False))
    benchmark.group = f"ESRI, every firm, {label}"
    plain = benchmark.pedantic(plain_scipy_esri, args=(chain, positions), rounds=1, iterations=1)
    ours = esri_all(chain, firms=chain.firm_ids[positions], **PLAIN)["esri"].to_numpy()
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
    ours = esri_all(chain_1e3, firms=scenarios, **PLAIN)["esri"].to_numpy()
    np.testing.assert_allclose(plain, ours, atol=1e-9)
    per = benchmark.stats.stats.mean / len(scenarios)
    benchmark.extra_info.update(scenarios_timed=len(scenarios), seconds_per_scenario=per,
                                extrapolated_all_firms_s=per * chain_1e3.n_firms)
    print(f"\nnetworkx 1e3: {per * 1e3:.1f} ms/scenario -> "
          f"{per * chain_1e3.n_firms:.0f} s for all firms (extrapolated)")


# --------------------------------------------------------------------------
# exact against the plain iteration at tight tolerance, scale-free networks

sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "data" / "esri"))
from scale_free import scale_free_frames  # noqa: E402

#: GLcascade (R/C++, one thread, tol 10⁻⁸), every firm, as recorded on networks
#: of this kind (seconds).
GLCASCADE = {("500", "linear"): 72, ("500", "leontief"): 66,
             ("2000", "linear"): 396, ("2000", "leontief"): 2190}
TIGHT = 1e-8
SEED_NATIONAL = 20261130


@pytest.fixture(scope="module", params=["500", "2000"])
def scale_free(request):
    firms, links = scale_free_frames(int(request.param), seed=12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return request.param, cg.ChainGraph.from_frames(firms, links)


def memory_bandwidth():
    """Bytes per second of one thread streaming ``c = a + b`` over 3 × 64 MB arrays."""
    a, b = np.ones(8 << 20), np.ones(8 << 20)
    c = np.empty_like(a)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        np.add(a, b, out=c)
        best = min(best, time.perf_counter() - t)
    return 3 * a.nbytes / best


#: Bytes an edge update reads at the least: the source's index (4), the
#: coefficient (8) and the source's loss (8).
EDGE_BYTES = 20


@pytest.mark.parametrize("essentiality", ["linear", "leontief"])
def test_esri_scale_free_exact_and_tight(benchmark, scale_free, essentiality):
    size, chain = scale_free
    kw = dict(essentiality=essentiality, sector="sector", weight="network_sales")
    esri_all(chain, firms=chain.firm_ids[:5], **kw)  # compile outside the timing
    benchmark.group = f"ESRI every firm, scale-free {size}, {essentiality}"
    exact = benchmark.pedantic(esri_all, args=(chain,), kwargs=kw, rounds=1, iterations=1)
    t_exact = benchmark.stats.stats.mean
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = esri_all(chain, tol=TIGHT, **kw)
    t_plain = time.perf_counter() - t
    # edge updates: the steps of the plain iteration times the links (each step
    # of a linear cascade recomputes about the whole reached network)
    updates = float(plain["iterations"].sum()) * chain.n_links
    limit = memory_bandwidth() / EDGE_BYTES
    diff = float((exact["esri"] - plain["esri"]).abs().max())
    gl = GLCASCADE[(size, essentiality)]
    benchmark.extra_info.update(
        firms=chain.n_firms, links=chain.n_links, exact_s=t_exact, plain_tol_1e8_s=t_plain,
        glcascade_recorded_s=gl, speedup_vs_glcascade=gl / t_exact,
        plain_steps_total=int(plain["iterations"].sum()),
        plain_steps_max=int(plain["iterations"].max()),
        plain_edge_updates_per_s=updates / t_plain,
        exact_equivalent_edge_updates_per_s=updates / t_exact,
        bandwidth_limit_edge_updates_per_s=limit, max_abs_diff_exact_vs_plain=diff)
    print(f"\nscale-free {size} {essentiality}: exact {t_exact:.2f} s, plain tol 1e-8 "
          f"{t_plain:.1f} s (steps max {plain['iterations'].max()}), GLcascade recorded {gl} s "
          f"({gl / t_exact:.0f}x); plain {updates / t_plain / 1e6:.0f} M edge updates/s, exact "
          f"{updates / t_exact / 1e6:.0f} M/s equivalent, bandwidth limit {limit / 1e6:.0f} M/s; "
          f"max |exact - plain| {diff:.1e}")


# --------------------------------------------------------------------------
# national scale (opt in: -m national)


def scenario_by_scenario(chain, **kw):
    """ESRI with the linear single-firm pass switched off: every scenario solved on its own."""
    from chaingraph.analysis import resilience

    original = resilience._single_firm_pass
    resilience._single_firm_pass = lambda net, w, positions, outs: np.arange(len(positions))
    try:
        return esri_all(chain, **kw)
    finally:
        resilience._single_firm_pass = original


def national_chain(request):
    if "national" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("national size: run with -m national")
    from chaingraph.synthetic import synthetic_chain

    t = time.perf_counter()
    chain = synthetic_chain("nev", 1_000_000, links_per_firm=10, seed=SEED_NATIONAL).chain
    return chain, time.perf_counter() - t


@pytest.mark.national
def test_esri_national_every_firm(benchmark, request):
    """Every firm of a 10^6-firm, ~10^7-link synthetic chain, exact and linear, on the local
    cores, beside the scenario-by-scenario solver on 2,000 random firms (extrapolated)."""
    chain, built = national_chain(request)
    t = time.perf_counter()
    esri_all(chain, firms=chain.firm_ids[:10])  # compile, and build the cascade network (kept)
    network = time.perf_counter() - t
    sample = chain.firm_ids[np.random.default_rng(5).choice(chain.n_firms, 2_000, replace=False)]
    t = time.perf_counter()
    one_by_one = scenario_by_scenario(chain, firms=sample)
    per = (time.perf_counter() - t) / len(sample)
    benchmark.group = "ESRI every firm, 10^6 firms"
    result = benchmark.pedantic(esri_all, args=(chain,), rounds=1, iterations=1)
    assert len(result) == chain.n_firms
    diff = float(np.abs(result.loc[one_by_one.index].to_numpy() - one_by_one.to_numpy()).max())
    assert diff < 1e-12
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links, chain_build_s=built,
                                cascade_network_s=network, scenario_by_scenario_ms=per * 1e3,
                                scenario_by_scenario_all_s=per * chain.n_firms,
                                max_abs_diff=diff)
    print(f"\nESRI every firm, linear, {chain.n_firms:,} firms / {chain.n_links:,} links: "
          f"{benchmark.stats.stats.mean:.1f} s with the cascade network kept (building it and "
          f"compiling: {network:.1f} s; chain generated in {built:.0f} s); scenario by scenario "
          f"{per * 1e3:.2f} ms each, ≈ {per * chain.n_firms / 60:.0f} min for every firm; "
          f"max |diff| {diff:.1e}")


@pytest.mark.national
def test_esri_national_template_sample(benchmark, request):
    """The template's essential inputs (Leontief where the template says so) on the same
    chain. The single-firm pass gives most failures; the ones that may reach two input
    groups of one firm are timed on 2,000 of them and extrapolated to all of them."""
    from chaingraph.analysis import _cascade_single, _esri_inputs

    chain, _ = national_chain(request)
    kw = {"essentiality": "template"}
    t = time.perf_counter()
    esri_all(chain, firms=chain.firm_ids[:10], **kw)
    network = time.perf_counter() - t
    net = _esri_inputs._kept_network(chain, sector="segment_id", replaceability=False,
                                     revenue=None, costs=None, **kw)
    w = _esri_inputs.output_weight(chain)
    t = time.perf_counter()
    known = (np.isfinite(_cascade_single.single_firm_losses(net.down, w))
             & np.isfinite(_cascade_single.single_firm_losses(net.up, w)))
    passed = time.perf_counter() - t
    left = np.flatnonzero(~known)
    sample = chain.firm_ids[np.random.default_rng(5).choice(left, 2_000, replace=False)]
    benchmark.group = "ESRI every firm, 10^6 firms"
    benchmark.pedantic(scenario_by_scenario, args=(chain,), kwargs={"firms": sample, **kw},
                       rounds=1, iterations=1)
    per = benchmark.stats.stats.mean / len(sample)
    total = passed + per * len(left)
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links,
                                cascade_network_s=network, pass_s=passed,
                                left_to_scenarios=len(left), per_scenario_ms=per * 1e3,
                                every_firm_extrapolated_s=total)
    print(f"\nESRI template, {chain.n_firms:,} firms: the pass {passed:.1f} s gives "
          f"{known.mean():.1%} of the failures; the other {len(left):,} take {per * 1e3:.2f} ms "
          f"each (2,000 timed): ≈ {total / 60:.0f} min for every firm (network {network:.1f} s)")


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
