"""Interactive network views: the numbers behind each figure, escaping, offline pages."""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from pyvis.network import Network

import chaingraph as cg
from chaingraph.viz import ChainNetwork, assert_offline, remote_references, to_pyvis
from chaingraph.viz.html import script_json
from chaingraph.viz.firm_view import SPACING
from chaingraph.viz.style import scale_sizes

HOSTILE = "<img src=x onerror=alert(1)>"
CLOSER = "</script><script>alert(2)</script><!--"


@pytest.fixture
def small():
    """Five firms over a four-segment template; worked numbers in the tests below.

    up1 (upstream): A local, revenue 100      gap (upstream): no firm
    mid (midstream): B local 25, C outside 0  down (downstream): D foreign 400
    E: no segment, no revenue
    links A→B 10 and 1 (summed: 11), A→C 5, B→D 7, C→D 3, E→D 2
    """
    segments = pd.DataFrame({
        "segment_id": ["up1", "gap", "mid", "down"],
        "name": ["上游一", "缺口", "中游", "下游"],
        "stage": ["upstream", "upstream", "midstream", "downstream"],
    })
    flows = pd.DataFrame({"from_segment": ["up1", "mid", "gap"], "to_segment": ["mid", "down", "mid"],
                          "essential": [True, True, True]})
    template = cg.ChainTemplate.from_frames(segments, flows, name="small")
    firms = pd.DataFrame({
        "firm_id": ["A", "B", "C", "D", "E"],
        "name": ["甲", "乙", "丙", "Delta", "戊"],
        "segment_id": ["up1", "mid", "mid", "down", None],
        "province": ["山东", "山东", "江苏", None, "山东"],
        "country": ["CN", "CN", "CN", "KR", "CN"],
        "revenue": [100.0, 25.0, 0.0, 400.0, None],
        "size_class": ["large", "small", "micro", "large", None],
    })
    links = pd.DataFrame({"supplier_id": ["A", "A", "A", "B", "C", "E"],
                          "customer_id": ["B", "B", "C", "D", "D", "D"],
                          "amount": [10.0, 1.0, 5.0, 7.0, 3.0, 2.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return cg.ChainGraph.from_frames(firms, links, template, region="山东")


# --------------------------------------------------------------------------- firm level


def test_is_a_pyvis_network(small):
    net = to_pyvis(small, scores=None)
    assert isinstance(net, Network) and isinstance(net, ChainNetwork)
    assert net.num_nodes() == 5 and net.num_edges() == 5  # A→B summed once
    assert net.get_node("D")["label"] == "Delta"
    net.add_node("extra", label="added through pyvis", title=HOSTILE)
    assert net.num_nodes() == 6


def test_sizes_follow_revenue_area(small):
    # size = 5 + 20·√(revenue / 400): A 5+20·0.5 = 15, B 5+20·0.25 = 10, D 25,
    # C (revenue 0) and E (missing) 5
    t = to_pyvis(small, scores=None).node_table
    assert t["size"].to_dict() == pytest.approx({"A": 15.0, "B": 10.0, "C": 5.0, "D": 25.0, "E": 5.0})
    assert scale_sizes(np.array([1.0, 4.0]), 0, 10).tolist() == [5.0, 10.0]


def test_layered_columns_upstream_to_downstream(small):
    t = to_pyvis(small, scores=None).node_table
    assert t.at["A", "x"] < t.at["B", "x"] < t.at["D", "x"] < t.at["E", "x"]  # E: stage unknown, last
    # within the midstream block the larger firm comes first on the same row
    assert t.at["B", "y"] == t.at["C", "y"]
    assert t.at["C", "x"] - t.at["B", "x"] == pytest.approx(SPACING)
    assert t["stage"].tolist()[:4] == ["upstream", "midstream", "midstream", "downstream"]
    assert pd.isna(t.at["E", "stage"])


def test_colour_by_location_and_legend(small):
    net = to_pyvis(small, color_by="location", scores=None)
    c = net.node_table["color"]
    assert c["A"] == c["B"] == c["E"] == "#2e9e4f"   # local
    assert c["C"] == "#3b75af" and c["D"] == "#c53a32"  # outside, foreign
    assert [label for label, _ in net.legend] == ["local", "outside", "foreign"]


def test_colour_by_numeric_column_is_a_ramp(small):
    t = to_pyvis(small, color_by="revenue", scores=None).node_table
    assert t.at["C", "color"] == "#440154"  # lowest revenue: first ramp stop
    assert t.at["D", "color"] == "#fde725"  # highest: last
    assert t.at["E", "color"] == "#c8c8c8"  # missing


def test_edges_carry_summed_amounts(small):
    e = to_pyvis(small, scores=None).edge_table
    got = {(s, t): a for s, t, a in zip(e.source, e.target, e.amount)}
    assert got == {("A", "B"): 11.0, ("A", "C"): 5.0, ("B", "D"): 7.0, ("C", "D"): 3.0, ("E", "D"): 2.0}
    assert e.loc[e.amount.idxmax(), "width"] == pytest.approx(6.0)


def test_highlight(small):
    net = to_pyvis(small, highlight=["B", "D"], scores=None)
    assert net.node_table["highlighted"].tolist() == [False, True, False, True, False]
    assert net.get_node("B")["borderWidth"] == 5
    with pytest.raises(cg.ChainDataError, match="unknown firms"):
        to_pyvis(small, highlight="nobody", scores=None)


def test_segment_map_highlight_of_a_focused_chain():
    # A (s1) sells to B (s2); C has no segment and sells to D (s3). The focus on s1 draws A
    # and B: segments s1 and s2, no "(no segment)" node. C and D are not in the focus.
    firms = pd.DataFrame({"firm_id": list("ABCD"), "segment_id": ["s1", "s2", None, "s3"]})
    links = pd.DataFrame({"supplier_id": ["A", "C"], "customer_id": ["B", "D"], "amount": [1.0, 2.0]})
    chain = cg.ChainGraph.from_frames(firms, links)

    def marked(highlight):
        net = to_pyvis(chain, segment="s1", view="segments", highlight=highlight, scores=None)
        return net.node_table.index[net.node_table["highlighted"]].tolist()

    assert marked("B") == ["s2"] and marked(["A", "s2"]) == ["s1", "s2"]
    with pytest.raises(cg.ChainDataError, match="highlight: firm 'C' has no segment and is not "
                                                "among the 2 firms of this map"):
        marked("C")
    with pytest.raises(cg.ChainDataError, match="highlight: firm 'D' is in segment s3, which is "
                                                "not on this map"):
        marked("D")
    # lead firms: their segments where the map has them, the others are not on it
    leads = cg.lead_firms(chain)
    lead_segments = set(chain.firms.loc[leads.index[leads["is_lead"].fillna(False)], "segment_id"].dropna())
    net = to_pyvis(chain, segment="s1", view="segments", highlight="leads")
    assert set(net.node_table.index[net.node_table["highlighted"]]) == lead_segments & {"s1", "s2"}


def test_unknown_column_is_a_data_error(small):
    with pytest.raises(cg.ChainDataError, match="no column 'profit'"):
        to_pyvis(small, size_by="profit", scores=None)
    for kw in ({"color_by": "profit"}, {"size_by": "profit"}):  # not drawn by the map, still checked
        with pytest.raises(cg.ChainDataError, match="no column 'profit'"):
            to_pyvis(small, view="segments", scores=None, **kw)
    with pytest.raises(ValueError):
        to_pyvis(small, layout="circle")


def test_tooltips_show_size_class_region_and_scores(small):
    extra = pd.DataFrame({"esri": [0.5, 0.1, 0.0, 0.9, 0.2]}, index=small.firm_ids)
    net = to_pyvis(small, scores=[extra])
    rows = dict(net.tips["C"])
    assert rows["规模 size class"] == "micro"
    assert rows["地区 region"] == "江苏, CN · outside"
    assert rows["环节 segment"] == "中游 (mid)"
    assert rows["suppliers / customers"] == "1 / 1"
    assert rows["系统性风险 ESRI"] == "0"
    assert dict(net.tips["D"])["系统性风险 ESRI"] == "0.9"


def test_scores_from_installed_analyses():
    chain = cg.load_dataset("shandong-nev")
    net = to_pyvis(chain.subchain(segments=["vehicle"]), highlight="leads")
    row = dict(next(iter(net.tips.values())))
    assert "链主 lead score" in row and "梯度 tier" in row
    # lead firms are marked from lead_firms(chain).is_lead, computed on the whole chain
    leads = cg.lead_firms(chain)
    marked = net.node_table.index[net.node_table.highlighted]
    assert set(marked) == set(leads.index[leads.is_lead]) & set(net.node_table.index)


def test_an_analysis_that_cannot_run_is_left_out_with_a_warning():
    # the vehicle makers of shandong-nev sell to no one in the chain, so systemic_risk's
    # default weights (sales in the chain) sum to zero and it raises ChainDataError
    vehicles = cg.load_dataset("shandong-nev").subchain(segments=["vehicle"])
    with pytest.warns(UserWarning, match="systemic_risk could not run on this chain"):
        net = to_pyvis(vehicles, scores=["systemic_risk", "tiers"])
    row = dict(next(iter(net.tips.values())))
    assert "梯度 tier" in row and "系统性风险 ESRI" not in row


def test_an_analysis_without_its_score_column_fails_loudly(small, monkeypatch):
    # a renamed score column must not vanish from the tooltips unnoticed
    from chaingraph.viz import attributes

    def renamed(chain):
        return pd.DataFrame({"tier_renamed": ["none"] * chain.n_firms}, index=chain.firm_ids)

    monkeypatch.setitem(attributes.SCORE_ANALYSES, "tiers", (renamed, ("tier",), ()))
    with pytest.raises(KeyError, match="tier"):
        to_pyvis(small, scores=["tiers"])


def test_force_layout_physics_only_for_small_views(small):
    net = to_pyvis(small, layout="force", scores=None)
    assert net.options["physics"]["enabled"] is True
    assert "x" not in net.nodes[0]
    chain = cg.load_dataset("shandong-nev")
    big = chain.subchain(firms=chain.firm_ids[:400])
    net = to_pyvis(big, layout="force", scores=None)
    assert net.options["physics"]["enabled"] is False
    assert all("x" in n and n["physics"] is False for n in net.nodes)


# --------------------------------------------------------------------------- segment map


def test_segment_map_numbers(small):
    net = to_pyvis(small, view="segments", scores=None)
    t = net.node_table
    assert list(t.index) == ["up1", "gap", "mid", "down", "(no segment)"]
    assert t["firms"].tolist() == [1, 0, 2, 1, 1]
    assert t[["local", "outside", "foreign"]].loc["mid"].tolist() == [1, 1, 0]
    # local_share: up1 1/1, gap none, mid 1/2, down 0/1 (foreign)
    assert t["local_share"].tolist()[:4] == pytest.approx([1.0, np.nan, 0.5, 0.0], nan_ok=True)
    assert t.at["gap", "color"] == "#c8c8c8" and t.at["down", "color"] == "#c8372d"
    # size 12 + 48·√(firms / 2): mid 60, up1 12 + 48·√½
    assert t.at["mid", "size"] == pytest.approx(60.0)
    assert t.at["up1", "size"] == pytest.approx(12 + 48 * 0.5 ** 0.5)
    # F[up1, mid] = 11 + 5, F[mid, down] = 7 + 3, F[none, down] = 2; gap → mid in the
    # template but without transactions: a dashed edge with amount 0
    e = net.edge_table.set_index(["source", "target"])
    assert e.loc[("up1", "mid"), "amount"] == 16.0
    assert e.loc[("mid", "down"), "amount"] == 10.0
    assert e.loc[("(no segment)", "down"), "amount"] == 2.0
    assert e.loc[("gap", "mid"), "amount"] == 0.0 and e.loc[("gap", "mid"), "in_template"]
    assert not e.loc[("(no segment)", "down"), "in_template"]
    dashed = [x for x in net.edges if x.get("dashes")]
    assert [(x["from"], x["to"]) for x in dashed] == [("gap", "mid")]
    assert t["sales"].tolist() == [16.0, 0.0, 10.0, 0.0, 2.0]
    assert t["purchases"].tolist() == [0.0, 0.0, 16.0, 12.0, 0.0]
    assert t.loc[["up1", "gap"], "x"].max() < t.at["mid", "x"] < t.at["down", "x"]


def test_segment_map_lists_largest_firms(small):
    net = to_pyvis(small, view="segments", scores=None)
    d = net.details["mid"]
    assert [r[0] for r in d["rows"]] == ["B", "C"]  # by revenue, largest first
    assert d["columns"][:4] == ["firm_id", "name", "size class", "location"]


def test_max_nodes_switches_to_segment_map(small):
    assert to_pyvis(small, max_nodes=4, scores=None).view == "segments"
    assert to_pyvis(small, max_nodes=5, scores=None).view == "firms"
    assert to_pyvis(small, max_nodes=4, view="firms", scores=None).view == "firms"


def test_segment_map_agrees_with_chain_summary():
    chain = cg.load_dataset("shandong-nev")
    t = to_pyvis(chain, view="segments").node_table
    by = chain.summary().by_segment
    assert (t["firms"].loc[by.index] == by["firms"]).all()
    assert (t["local"].loc[by.index] == by["local"]).all()
    assert t["sales"].loc[by.index].to_numpy() == pytest.approx(by["sales"].to_numpy())
    # every unit of money in the network appears once in the segment flows
    assert t["sales"].sum() == pytest.approx(chain.adjacency.sum())


# --------------------------------------------------------------------------- firm level of a large chain


def test_segment_focus_keeps_top_partners(small):
    net = to_pyvis(small, segment="mid", scores=None)
    assert set(net.node_table.index) == {"A", "B", "C", "D"}  # E trades only with D
    # room for one partner: A trades 16 with mid, D 10
    net = to_pyvis(small, segment="mid", max_nodes=3, scores=None)
    assert set(net.node_table.index) == {"A", "B", "C"}
    with pytest.raises(cg.ChainDataError, match="unknown segments"):
        to_pyvis(small, segment="nowhere")


def test_ecosystem_views(small):
    net = to_pyvis(small, ecosystem="A", depth=1, scores=None)
    assert net.view == "ecosystem" and set(net.node_table.index) == {"A", "B", "C"}
    assert net.node_table["kind"].tolist() == ["centre", "firm", "firm"]
    net = to_pyvis(small, ecosystem="A", depth=2, scores=None)
    assert set(net.node_table.index) == {"A", "B", "C", "D"}
    # every link among the ecosystem's firms, in the firm view
    net = to_pyvis(small, ecosystem="A", depth=1, ecosystem_view="all", scores=None)
    assert set(net.node_table.index) == {"A", "B", "C"}
    assert net.node_table["highlighted"].tolist() == [True, False, False]


# --------------------------------------------------------------------------- offline, escaped HTML


def _page(net, tmp_path, name="g.html"):
    path = tmp_path / name
    net.save_graph(path)
    return path.read_text(encoding="utf-8")


def _data_block(html):
    m = re.search(r'<script type="application/json" id="cg-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.fixture
def hostile():
    segments = pd.DataFrame({"segment_id": ["s1", "s2"], "name": [HOSTILE, CLOSER],
                             "stage": ["upstream", "downstream"]})
    firms = pd.DataFrame({
        "firm_id": ["F1", HOSTILE, "F3"],
        "name": [HOSTILE, CLOSER, "\u2028line\u2029sep"],
        "segment_id": ["s1", "s2", "s2"],
        "province": ["山东", HOSTILE, "山东"],
        "note": [CLOSER, HOSTILE, "<style>@import 'https://evil.example/x.css'</style>"],
        "revenue": [1.0, 2.0, 3.0],
    })
    links = pd.DataFrame({"supplier_id": ["F1", HOSTILE], "customer_id": [HOSTILE, "F3"]})
    return cg.ChainGraph.from_frames(firms, links, segments, region="山东")


@pytest.mark.parametrize("kwargs", [
    {}, {"color_by": "note"}, {"color_by": "province", "view": "segments"},
    {"ecosystem": HOSTILE}, {"segment": "s2"}, {"highlight": [HOSTILE]},
])
def test_hostile_names_are_escaped_everywhere(hostile, tmp_path, kwargs):
    note = pd.DataFrame({"comment": [HOSTILE, CLOSER, "ok"]}, index=hostile.firm_ids)
    net = to_pyvis(hostile, scores=[note], title=f"chain {HOSTILE}", **kwargs)
    html = _page(net, tmp_path)
    for raw in (HOSTILE, "</script><script>", "<!--", "<style>@import", "\u2028", "\u2029"):
        assert raw not in html, raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # title / legend / notes, as text
    data = _data_block(html)  # the JSON block parses back to the original strings
    texts = json.dumps(data, ensure_ascii=False)
    assert HOSTILE in texts
    if net.view == "firms":
        assert any(n["label"] == HOSTILE for n in data["nodes"]) or kwargs.get("segment")
        assert ["comment", CLOSER] in data["tips"][HOSTILE] or kwargs.get("ecosystem") is None
    assert_offline(html)
    # the only executable scripts are vis-network and the page script, both pinned by the CSP
    assert "innerHTML" not in (_page_script())
    csp = htmllib.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1))
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def _page_script():
    from chaingraph.viz.html import TEMPLATE_DIR

    return (TEMPLATE_DIR / "network.js").read_text(encoding="utf-8")


def test_notebook_iframe_is_escaped(hostile):
    html = to_pyvis(hostile, scores=None)._repr_html_()
    assert html.startswith("<iframe srcdoc=\"") and HOSTILE not in html and "</script" not in html


def test_csp_hashes_match_the_inline_scripts(small, tmp_path):
    html = _page(to_pyvis(small, scores=None), tmp_path)
    csp = htmllib.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1))
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_script_json_escapes_what_could_end_the_block():
    value = {"a": CLOSER, "b": "\u2028\u2029", "c": "&amp;", "d": float("nan")}
    text = script_json(value)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == {**value, "d": None}


def test_segment_map_page_is_small_and_offline(tmp_path):
    chain = cg.load_dataset("shandong-nev")
    html = _page(to_pyvis(chain, view="segments"), tmp_path)
    assert_offline(html)
    assert len(html) < 1_000_000  # vis-network (~0.7 MB) plus 28 segments


# --------------------------------------------------------------------------- assert_offline itself


def test_assert_offline_passes_a_clean_page_that_mentions_addresses():
    clean = """<!DOCTYPE html><html><head><style>p{background:url("data:image/png;base64,AAAA")}</style>
    </head><body><p>see https://example.org and http://www.w3.org/2000/svg</p><a href="#top">top</a>
    <script>/* https://github.com/visjs (licence) */ var ns = "http://www.w3.org/2000/svg";
    var u = "https://github.com/uuidjs/uuid#getrandomvalues-not-supported";</script></body></html>"""
    assert remote_references(clean) == []
    assert_offline(clean)


@pytest.mark.parametrize("dirty", [
    '<script src="https://cdn.jsdelivr.net/npm/vis-network/standalone/umd/vis-network.min.js"></script>',
    '<script src="lib/vis.js"></script>',
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.0.0/dist/css/bootstrap.min.css">',
    '<img src="//evil.example/pixel.gif">',
    '<img srcset="a.png 1x, https://e.example/b.png 2x">',
    '<iframe src="http://example.org/"></iframe>',
    "<style>@import url('theme.css');</style>",
    '<style>body { background: url( "https://e.example/bg.png" ) }</style>',
    '<div style="background-image:url(http://e.example/x.png)"></div>',
    '<script>fetch("https://api.example/data.json")</script>',
    "<script>var x = new XMLHttpRequest(); x.open('GET', 'http://api.example/');</script>",
    '<script>import("https://esm.sh/vis-network")</script>',
    "<script>img.src = 'https://e.example/beacon';</script>",
    '<script>new WebSocket("wss://e.example/socket")</script>',
    '<form action="https://e.example/post"></form>',
])
def test_assert_offline_catches_remote_resources(dirty):
    page = f"<html><body>{dirty}</body></html>"
    assert remote_references(page)
    with pytest.raises(AssertionError, match="remote resource"):
        assert_offline(page)


def test_pyvis_in_line_output_is_not_offline_but_ours_is(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plain = Network(cdn_resources="in_line", directed=True)
    plain.from_nx(small.to_networkx())
    plain.write_html("plain.html")
    found = remote_references((tmp_path / "plain.html").read_text(encoding="utf-8"))
    assert any("bootstrap" in f for f in found)
    assert_offline(_page(to_pyvis(small, scores=None), tmp_path, "ours.html"))


# --------------------------------------------------------------------------- command line


def test_cli_viz(tmp_path):
    from click.testing import CliRunner

    from chaingraph.cli import cli

    runner = CliRunner()
    out = tmp_path / "nev.html"
    r = runner.invoke(cli, ["viz", "--dataset", "shandong-nev", "-o", str(out), "--segment-map"])
    assert r.exit_code == 0, r.output
    assert "segments view, 28 nodes" in r.output
    assert_offline(out.read_text(encoding="utf-8"))
    lead = cg.lead_firms(cg.load_dataset("shandong-nev"), top=1).index[0]
    r = runner.invoke(cli, ["viz", "-d", "shandong-nev", "-o", str(out), "--ecosystem", lead,
                            "--depth", "1"])
    assert r.exit_code == 0, r.output
    data = _data_block(out.read_text(encoding="utf-8"))
    assert lead in {n["id"] for n in data["nodes"]} and "ecosystem view" in r.output
    r = runner.invoke(cli, ["viz", "-d", "shandong-nev", "-o", str(out)])
    assert r.exit_code == 0 and "segments view, 28 nodes" in r.output  # 2,000 firms: the segment map
    # at depth 2 the ecosystem folds most partners: the message counts what is drawn
    r = runner.invoke(cli, ["viz", "-d", "shandong-nev", "-o", str(out), "--ecosystem", lead])
    assert r.exit_code == 0, r.output
    nodes = _data_block(out.read_text(encoding="utf-8"))["nodes"]
    hidden = sum(1 for n in nodes if n.get("hidden"))
    assert hidden > 0
    assert f"ecosystem view, {len(nodes) - hidden:,} nodes drawn ({hidden:,} more folded)" in r.output
    r = runner.invoke(cli, ["viz", "-d", "shandong-nev", "-o", str(out), "--ecosystem", "nobody"])
    assert r.exit_code == 2 and "unknown firm" in r.output
