"""National scale, 10^6 firms and 1.1·10^7 links: the generator, every analysis and the report.

Opt in with ``pytest benchmarks/bench_national.py -m national --benchmark-only``; without
``-m national`` every test here is skipped (CI runs ``tests`` and ``chaingraph`` only).
The chain comes from the generator and seed of the other sizes (``conftest.py``) and is
cached in ``benchmarks/.cache`` the first time.

Budgets: ``synthetic_frames`` ≤ 20 s; each analysis ≤ 10 s and the six (``lead_firms``,
``integration``, ``weak_links``, ``chokepoints``, ``gaps``, ``tiers``) together ≤ 60 s;
the HTML report ≤ 120 s with a peak resident memory ≤ 8 GB (measured in a fresh process).

Each analysis is timed from scratch: what analyses keep for a chain (lead-score measures,
single sourcing, the default chokepoints, the gap tables) is dropped before each round,
so ``chokepoints`` and ``weak_links`` pay for the lead scores that pick their default leads.

Beside them, in the same run, the plain way where there is one:

* igraph (``pip install ".[bench]"``): the graph built from the links table, weighted
  PageRank and the two-tier neighbourhood sizes both ways (the part of ``lead_firms``
  igraph has), and the dominator tree from a virtual root (the dominator rule of
  ``chokepoints``); each checked against chaingraph's numbers;
* pandas: supplier HHI by segment and single sourcing by ``groupby`` (the core of
  ``weak_links``), checked likewise.

There is no plain way of ``gaps`` or of the report; the row-wise tier rules take 3 minutes
at 10^5 firms already (``bench_tiers.py``).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.analysis import _dominator_kernels
from chaingraph.analysis._common import forget
from chaingraph.analysis.weak import _default_sources
from chaingraph.report import build_report
from chaingraph.report.build import SECTIONS
from chaingraph.synthetic import synthetic_frames

from conftest import CACHE, LINKS_PER_FIRM, SEED, build_chain, cached_frames

N_FIRMS = 1_000_000
ANALYSES = {
    "lead_firms": cg.lead_firms,
    "integration": cg.integration,
    "weak_links": cg.weak_links,
    "chokepoints": cg.chokepoints,
    "gaps": cg.gaps,
    "tiers": cg.tiers,
}

pytestmark = pytest.mark.national


@pytest.fixture(scope="module", autouse=True)
def _opted_in(request):  # module scope: runs before the chain is made
    if "national" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("10^6 firms: opt in with -m national")


@pytest.fixture(scope="module")
def frames():
    return cached_frames(N_FIRMS)


@pytest.fixture(scope="module")
def chain(frames):
    return build_chain(*frames)


def _record(benchmark, chain):
    benchmark.extra_info.update(firms=chain.n_firms, links=chain.n_links)


# ------------------------------------------------------------------------ building


def test_synthetic_frames(benchmark, frames):
    benchmark.group = "national: build"
    firms, links, _ = benchmark.pedantic(
        synthetic_frames, args=("nev", N_FIRMS),
        kwargs={"region": "山东", "seed": SEED, "links_per_firm": LINKS_PER_FIRM},
        rounds=1, iterations=1)
    benchmark.extra_info["links"] = len(links)
    # the same seed gives the cached chain again
    assert len(links) == len(frames[1])
    assert links["amount"].sum() == pytest.approx(frames[1]["amount"].sum(), rel=1e-12)


def test_from_frames(benchmark, frames):
    benchmark.group = "national: build"
    chain = benchmark.pedantic(build_chain, args=frames, rounds=1, iterations=1)
    _record(benchmark, chain)


_IGRAPH = {}


def _igraph_from_links(firms, links):
    """The plain igraph way: firm ids to vertex numbers with pandas, then ``ig.Graph``."""
    import igraph as ig

    ids = pd.Index(firms["firm_id"].astype(object))
    s = ids.get_indexer(links["supplier_id"].astype(object))
    c = ids.get_indexer(links["customer_id"].astype(object))
    g = ig.Graph(n=len(ids), edges=list(zip(s.tolist(), c.tolist())), directed=True)
    g.es["amount"] = links["amount"].to_numpy()
    return g


def test_igraph_build(benchmark, frames):
    pytest.importorskip("igraph")
    benchmark.group = "national: build"
    _IGRAPH["g"] = benchmark.pedantic(_igraph_from_links, args=frames, rounds=1, iterations=1)


@pytest.fixture(scope="module")
def igraph_graph(frames):
    pytest.importorskip("igraph")
    if "g" not in _IGRAPH:
        _IGRAPH["g"] = _igraph_from_links(*frames)
    return _IGRAPH["g"]


# ------------------------------------------------------------------------ analyses


@pytest.mark.parametrize("name", list(ANALYSES))
def test_analysis(benchmark, chain, name):
    benchmark.group = "national: analyses"
    _record(benchmark, chain)
    benchmark.pedantic(ANALYSES[name], args=(chain,), setup=lambda: forget(chain), rounds=1,
                       iterations=1)


def _all_six(chain):
    return [fn(chain) for fn in ANALYSES.values()]


def test_six_together(benchmark, chain):
    benchmark.group = "national: analyses"
    _record(benchmark, chain)
    benchmark.pedantic(_all_six, args=(chain,), setup=lambda: forget(chain), rounds=1,
                       iterations=1)


def _igraph_lead_core(g):
    pr = g.pagerank(weights="amount", damping=0.85)
    up = np.asarray(g.neighborhood_size(order=2, mode="in")) - 1
    down = np.asarray(g.neighborhood_size(order=2, mode="out")) - 1
    return np.asarray(pr), up, down


def test_igraph_lead_core(benchmark, chain, igraph_graph):
    """PageRank and two-tier neighbourhood sizes in igraph (graph built beforehand)."""
    benchmark.group = "national: analyses"
    pr, up, down = benchmark.pedantic(_igraph_lead_core, args=(igraph_graph,), rounds=1,
                                      iterations=1)
    lf = cg.lead_firms(chain).reindex(chain.firm_ids)
    np.testing.assert_array_equal(up, lf["n_suppliers_2"].to_numpy())
    np.testing.assert_array_equal(down, lf["n_customers_2"].to_numpy())
    np.testing.assert_allclose(pr, lf["pagerank"].to_numpy(), atol=1e-9)


def _igraph_dominators(g, sources):
    root = g.vcount()
    g.add_vertices(1)
    g.add_edges([(root, s) for s in sources])
    try:
        return np.asarray(g.dominator(root, mode="out"))[:root]
    finally:
        g.delete_vertices(root)


def test_igraph_dominators(benchmark, chain, igraph_graph):
    """The dominator tree from a virtual root over the default upstream firms."""
    benchmark.group = "national: analyses"
    sources = _default_sources(chain).tolist()
    dom = benchmark.pedantic(_igraph_dominators, args=(igraph_graph, sources), rounds=1,
                             iterations=1)
    idom = _dominator_kernels.immediate_dominators(chain.adjacency, sources, chain.adjacency_t)
    # both number the virtual root n and an unreached firm -1
    np.testing.assert_array_equal(idom, dom)


def _pandas_weak_core(firms, links, essential):
    """Supplier HHI over sales to local customers by segment, and single sourcing."""
    f = firms.set_index("firm_id")
    local = f["province"].eq("山东").fillna(False) & f["country"].eq("CN")
    df = links[["supplier_id", "customer_id", "amount"]].assign(
        supplier_segment=f["segment_id"].reindex(links["supplier_id"]).to_numpy(),
        customer_segment=f["segment_id"].reindex(links["customer_id"]).to_numpy(),
        to_local=local.reindex(links["customer_id"]).to_numpy())
    sales = df[df["to_local"]].groupby(["supplier_segment", "supplier_id"])["amount"].sum()
    share = sales / sales.groupby(level=0).transform("sum")
    hhi = (share ** 2).groupby(level=0).sum()
    pair = df["supplier_segment"].astype(object) + ">" + df["customer_segment"].astype(object)
    on_flow = df[pair.isin(essential)]
    n_sup = on_flow.groupby(["customer_id", "supplier_segment"])["supplier_id"].nunique()
    return hhi, int((n_sup == 1).sum())


def test_pandas_weak_core(benchmark, frames, chain):
    benchmark.group = "national: analyses"
    flows = chain.template.flows
    essential = set((flows["from_segment"] + ">" + flows["to_segment"])[flows["essential"]])
    hhi, n_single = benchmark.pedantic(_pandas_weak_core, args=(*frames, essential), rounds=1,
                                       iterations=1)
    wl = cg.weak_links(chain)
    np.testing.assert_allclose(hhi.reindex(wl.index).to_numpy(), wl["hhi"].to_numpy(),
                               rtol=1e-9)
    assert n_single == len(cg.single_sourcing(chain))


# ------------------------------------------------------------------------ report


def _report(chain, folder, sections=None):
    build_report(chain, sections=sections).save(folder / "report.html")


@pytest.mark.parametrize("risk", [True, False], ids=["with_risk", "without_risk"])
def test_report_html(benchmark, chain, tmp_path, risk):
    """The whole report, and the report without its resilience section (ESRI of the
    largest sellers and a country what-if), the one part of it that is not the six
    analyses."""
    benchmark.group = "national: report"
    _record(benchmark, chain)
    sections = None if risk else [s for s in SECTIONS if s != "resilience"]
    benchmark.pedantic(_report, args=(chain, tmp_path, sections), setup=lambda: forget(chain),
                       rounds=1, iterations=1)
    benchmark.extra_info["html_bytes"] = (tmp_path / "report.html").stat().st_size


REPORT_SCRIPT = textwrap.dedent("""
    import sys, time, warnings
    import pandas as pd
    import chaingraph as cg
    warnings.simplefilter("ignore")
    firms, links, out = pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2]), sys.argv[3]
    chain = cg.ChainGraph.from_frames(firms, links, "nev", region="山东")
    start = time.perf_counter()
    cg.build_report(chain).save(out)
    print(time.perf_counter() - start)
""")


def test_report_fresh_process_memory(benchmark, frames, tmp_path):
    """The whole job in a fresh process (read the tables, build the chain, write the HTML),
    for its peak resident memory."""
    benchmark.group = "national: report"
    args = [sys.executable, "-c", REPORT_SCRIPT,
            str(CACHE / f"firms_{N_FIRMS}_{SEED}.parquet"),
            str(CACHE / f"links_{N_FIRMS}_{SEED}.parquet"), str(tmp_path / "report.html")]
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}

    def run():
        done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
        return float(done.stdout.strip().splitlines()[-1])

    before = time.perf_counter()
    report_seconds = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(
        report_seconds=report_seconds, process_seconds=time.perf_counter() - before,
        peak_rss_gb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20)
