"""Interactive network pages: ``to_pyvis(...).save_graph`` beside plain pyvis.

The plain way is ``pyvis.network.Network(cdn_resources="in_line")``,
``from_nx(chain.to_networkx())`` and ``save_graph``: every firm becomes a vis
node (pyvis's ``add_node`` checks membership in a list, so building is
quadratic) and the page still loads Bootstrap from a CDN. It is run at 10^3
and 10^4 firms; at 10^5 it does not finish in reasonable time. chaingraph
draws up to 500 firms one by one and a segment map above that.

The ecosystem page of the top lead firm (``to_pyvis(chain, ecosystem=lead)``:
tiers, folds beyond 200 nodes, the side panel's figures) is timed beside the
plain way to draw the same ecosystem: networkx breadth-first search two tiers
up and down from the lead (``single_source_shortest_path_length`` on the graph
and its reverse, ``cutoff=2``), the induced subgraph, pyvis ``from_nx`` and
``save_graph`` — every firm and every link among them, a hairball. The plain
way's time does not count building the networkx graph.

``test_browser_*`` opens the written page in headless Chromium and records
the page's own time from script start to the first drawn frame
(``data-draw-ms``) in ``benchmark.extra_info``.

Run with ``pytest benchmarks/bench_viz.py --benchmark-only``.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from chaingraph.analysis.leads import lead_firms
from chaingraph.viz import to_pyvis
from chaingraph.analysis._common import forget  # time each round from scratch


def _ours(chain, path, **kwargs):
    net = to_pyvis(chain, **kwargs)
    net.save_graph(path)
    return net


def test_to_pyvis_save_graph(benchmark, chain_by_size, size, tmp_path):
    path = tmp_path / f"ours_{size}.html"
    net = benchmark.pedantic(_ours, args=(chain_by_size, path), rounds=3, iterations=1,
                             setup=lambda: forget(chain_by_size))
    benchmark.extra_info.update(view=net.view, nodes=len(net.nodes), edges=len(net.edges),
                                bytes=path.stat().st_size)


def _plain(chain, path):
    from pyvis.network import Network

    net = Network(cdn_resources="in_line", directed=True)
    net.from_nx(chain.to_networkx())
    net.save_graph(str(path))
    return net


@pytest.mark.parametrize("label", ["1e3", "1e4"])
def test_plain_pyvis_from_nx_save_graph(benchmark, request, label, tmp_path):
    chain = request.getfixturevalue(f"chain_{label}")
    path = tmp_path / f"plain_{label}.html"
    rounds = 3 if label == "1e3" else 1
    net = benchmark.pedantic(_plain, args=(chain, path), rounds=rounds, iterations=1)
    benchmark.extra_info.update(nodes=len(net.nodes), edges=len(net.edges), bytes=path.stat().st_size)


# --------------------------------------------------------------------------- a lead firm's ecosystem


@pytest.fixture(scope="session")
def top_lead_by_size(chain_by_size):
    return lead_firms(chain_by_size, top=1).index[0]


@pytest.mark.parametrize("scores", ["auto", None], ids=["scores-auto", "scores-none"])
def test_ecosystem_page(benchmark, chain_by_size, size, top_lead_by_size, scores, tmp_path):
    path = tmp_path / f"eco_{size}.html"
    net = benchmark.pedantic(_ours, args=(chain_by_size, path),
                             kwargs={"ecosystem": top_lead_by_size, "scores": scores}, rounds=3, iterations=1)
    shown = int((~net.node_table["hidden"]).sum())
    benchmark.extra_info.update(ecosystem_firms=len(net.figures.firms) + 1, drawn_nodes=shown,
                                page_nodes=len(net.nodes), edges=len(net.edges), bytes=path.stat().st_size)


def _plain_ecosystem(graph, lead, path):
    import networkx as nx
    from pyvis.network import Network

    near = set(nx.single_source_shortest_path_length(graph, lead, cutoff=2))
    near |= set(nx.single_source_shortest_path_length(graph.reverse(copy=False), lead, cutoff=2))
    net = Network(cdn_resources="in_line", directed=True)
    net.from_nx(graph.subgraph(near))
    net.save_graph(str(path))
    return net


@pytest.mark.parametrize("label", ["1e3", "1e4"])
def test_plain_ecosystem_networkx_pyvis(benchmark, request, label, tmp_path):
    chain = request.getfixturevalue(f"chain_{label}")
    lead = lead_firms(chain, top=1).index[0]
    graph = chain.to_networkx()
    path = tmp_path / f"plain_eco_{label}.html"
    net = benchmark.pedantic(_plain_ecosystem, args=(graph, lead, path), rounds=1 if label == "1e4" else 3,
                             iterations=1)
    benchmark.extra_info.update(nodes=len(net.nodes), edges=len(net.edges), bytes=path.stat().st_size)


# --------------------------------------------------------------------------- in the browser

CHROMIUM = shutil.which("chromium")


def _draw(path, tmp_path):
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,900",
         "--virtual-time-budget=20000", "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    body = re.search(r"<body([^>]*)>", out).group(1)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_browser_open_and_draw(benchmark, chain_by_size, size, tmp_path):
    path = tmp_path / f"page_{size}.html"
    _ours(chain_by_size, path)
    attrs = benchmark.pedantic(_draw, args=(path, tmp_path), rounds=2, iterations=1)
    assert attrs.get("data-drawn") == "1"
    benchmark.extra_info.update(draw_ms=int(attrs["data-draw-ms"]), nodes=int(attrs["data-nodes"]))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_browser_open_and_draw_ecosystem(benchmark, chain_by_size, size, top_lead_by_size, tmp_path):
    path = tmp_path / f"eco_page_{size}.html"
    _ours(chain_by_size, path, ecosystem=top_lead_by_size, scores=None)
    attrs = benchmark.pedantic(_draw, args=(path, tmp_path), rounds=2, iterations=1)
    assert attrs.get("data-drawn") == "1"
    benchmark.extra_info.update(draw_ms=int(attrs["data-draw-ms"]), visible=int(attrs["data-visible"]),
                                page_nodes=int(attrs["data-nodes"]))
