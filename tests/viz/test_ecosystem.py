"""The ecosystem view and its figures: numbers worked out by hand, checked against the analyses."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.viz import assert_offline, to_pyvis
from chaingraph.viz.ecosystem_figures import ecosystem_figures
from chaingraph.viz.ecosystem_view import EXPAND_LIMIT, aggregate_links, fold_plan

from tests.viz.ecosystem_toy import toy_chain

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def toy():
    """A car maker L and its ecosystem; every figure below is worked out from its table
    (tests/viz/ecosystem_toy.py)."""
    return toy_chain()


@pytest.fixture(scope="module")
def nev():
    return cg.load_dataset("shandong-nev")


@pytest.fixture(scope="module")
def top_lead(nev):
    return cg.lead_firms(nev, top=1).index[0]


# --------------------------------------------------------------------------- figures by hand


def test_tiers_and_path_links_by_hand(toy):
    fig = ecosystem_figures(toy, "L")
    f = fig.firms
    # u: P1, P2, C1 sell to L (1); M1, M2, C2 sell to them (2); d: D1, D2 (1), E1 (2); Z is out
    assert f["supplier_tier"].dropna().to_dict() == {"P1": 1, "P2": 1, "C1": 1, "M1": 2, "M2": 2, "C2": 2}
    assert f["customer_tier"].dropna().to_dict() == {"D1": 1, "D2": 1, "E1": 2}
    assert set(f.index) == set(cg.ecosystem(toy, "L", depth=2).firm_ids) - {"L"}
    # path amounts: what a supplier sells one tier inwards, what a customer buys from one tier inwards
    assert f["path_amount"].to_dict() == {"P1": 50, "P2": 30, "C1": 20, "M1": 15, "M2": 8, "C2": 18,
                                          "D1": 40, "D2": 25, "E1": 4}
    pairs = set(zip(fig.links.supplier_id, fig.links.customer_id))
    # P1→P2 joins two direct suppliers (not a shortest path to L); Z→D2 is outside
    assert ("P1", "P2") not in pairs and ("Z", "D2") not in pairs and len(pairs) == 11
    assert fig.links["amount"].sum() == 50 + 30 + 20 + 10 + 5 + 8 + 12 + 6 + 40 + 25 + 4


def test_tier_table_by_hand(toy):
    t = ecosystem_figures(toy, "L").tiers
    cols = ["firms", "local", "outside", "foreign", "large", "sme", "local_sme", "amount"]
    assert t.loc[("supplier", 1), cols].tolist() == [3, 1, 1, 1, 1, 2, 1, 100.0]   # P1 P2 C1
    assert t.loc[("supplier", 2), cols].tolist() == [3, 3, 0, 0, 0, 3, 3, 41.0]    # 10+5+8+12+6
    assert t.loc[("customer", 1), cols].tolist() == [2, 1, 1, 0, 0, 2, 1, 65.0]    # D1 D2
    assert t.loc[("customer", 2), cols].tolist() == [1, 1, 0, 0, 0, 1, 1, 4.0]     # E1


def test_inputs_and_facts_by_hand(toy):
    fig = ecosystem_figures(toy, "L")
    i = fig.inputs
    assert list(i.index) == ["pack", "cell"]  # largest first
    assert i.loc["pack", ["suppliers", "amount", "share", "local", "outside", "foreign", "large", "sme",
                          "local_sme"]].tolist() == [2, 80, 0.8, 50, 30, 0, 30, 50, 50]
    assert i.loc["cell", ["suppliers", "amount", "foreign", "sme", "local_sme"]].tolist() == [1, 20, 20, 20, 0]
    # cell → car is essential and C1 is L's only cell supplier; pack has two
    assert i.loc["cell", "single_sourced"] and i.loc["cell", "sole_supplier"] == "C1"
    assert not i.loc["pack", "single_sourced"]
    assert fig.facts == {
        "direct_suppliers": 3, "direct_customers": 2, "suppliers": 6, "customers": 3, "purchases": 100.0,
        "sales": 65.0, "sme_share": 0.7, "local_sme_share": 0.5, "local_share": 0.5, "outside_share": 0.3,
        "foreign_share": 0.2, "local_sme_suppliers": 1, "segments_covered": 5, "segments_in_chain": 5,
        "single_sourced_inputs": 1}


def test_figures_agree_with_the_analyses(toy):
    fig = ecosystem_figures(toy, "L")
    it = cg.integration(toy).firms.loc["L"]
    assert fig.facts["direct_suppliers"] == it["n_suppliers"] == \
        cg.ecosystem(toy, "L", depth=1, direction="upstream").n_firms - 1
    assert fig.facts["purchases"] == it["purchases"]
    assert fig.facts["sme_share"] == pytest.approx(it["sme_amount_share"])
    assert fig.facts["local_sme_suppliers"] / fig.facts["direct_suppliers"] == pytest.approx(it["local_sme_share"])
    lf = cg.lead_firms(toy).loc["L"]
    assert fig.facts["suppliers"] == lf["n_suppliers_2"]
    assert fig.facts["customers"] == lf["n_customers_2"]
    assert fig.facts["segments_covered"] == lf["n_segments"]
    assert fig.tiers["local_sme"].loc["supplier"].sum() == lf["n_local_sme_suppliers_2"]


def test_figures_of_the_top_lead_agree_with_the_analyses(nev, top_lead):
    fig = ecosystem_figures(nev, top_lead)
    it = cg.integration(nev).firms.loc[top_lead]
    lf = cg.lead_firms(nev).loc[top_lead]
    up1 = cg.ecosystem(nev, top_lead, depth=1, direction="upstream")
    assert fig.facts["direct_suppliers"] == it["n_suppliers"] == up1.n_firms - 1 == 324
    assert fig.facts["sme_share"] == pytest.approx(it["sme_amount_share"])
    assert fig.facts["local_sme_suppliers"] / fig.facts["direct_suppliers"] == pytest.approx(it["local_sme_share"])
    assert fig.facts["suppliers"] == lf["n_suppliers_2"]
    assert fig.tiers["local_sme"].loc["supplier"].sum() == lf["n_local_sme_suppliers_2"]
    assert fig.facts["segments_covered"] == lf["n_segments"]
    # direct purchases by input segment, recomputed from the one-tier ecosystem's links
    links = up1.links[up1.links.customer_id == top_lead]
    by_seg = links.groupby(links.supplier_id.map(nev.firms.segment_id)).amount.sum()
    assert fig.inputs["amount"].to_dict() == pytest.approx(by_seg.to_dict())
    assert fig.inputs["amount"].sum() == pytest.approx(it["purchases"])


def test_no_links_no_ecosystem(toy):
    lonely = toy.subchain(firms=["Z", "M1"])  # Z and M1 do not trade with each other
    assert lonely.n_links == 0
    with pytest.raises(cg.ChainDataError, match="the chain has no links"):
        ecosystem_figures(lonely, "Z")
    with pytest.raises(cg.ChainDataError, match="no links"):
        to_pyvis(lonely, ecosystem="Z", scores=None)
    with pytest.raises(cg.ChainDataError, match="no links"):
        to_pyvis(lonely, ecosystem="Z", ecosystem_view="all", scores=None)
    alone = toy.subchain(firms=["L", "P1", "Z"])
    with pytest.raises(cg.ChainDataError, match="'Z' has no supplier and no customer"):
        to_pyvis(alone, ecosystem="Z", scores=None)
    with pytest.raises(cg.ChainDataError, match="unknown firm"):
        to_pyvis(toy, ecosystem="nobody", scores=None)


def test_other_views_draw_a_chain_without_links(toy, tmp_path):
    lonely = toy.subchain(firms=["Z", "M1", "L"])
    assert lonely.n_links == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # analyses that need links say so and are left out
        for kw in ({}, {"view": "segments"}, {"layout": "force"}):
            net = to_pyvis(lonely, **kw)
            # no money moves; the segment map still dashes the template's flows (断链)
            assert (net.edge_table["amount"] == 0).all()
            assert all(e.get("dashes") for e in net.edges)
            net.save_graph(tmp_path / "lonely.html")
    assert to_pyvis(lonely, view="segments", scores=None).node_table["firms"].sum() == 3


# --------------------------------------------------------------------------- folding


def test_fold_plan_keeps_every_partner_when_there_is_room():
    plan = fold_plan(np.array([0, 0, 1]), np.array([1, 1, 2]), np.array([1.0, 2.0, 3.0]), budget=3)
    assert plan.kept.all() and not plan.embedded.any() and plan.rank.tolist() == [1, 0, 0]


def test_fold_plan_embeds_at_most_the_limits():
    group = np.repeat([0, 1], [500, 100])
    amount = np.arange(600, 0, -1, dtype=float)
    plan = fold_plan(group, np.ones(600, int), amount, budget=20, expand_limit=30, embed_limit=40)
    folded = ~plan.kept
    # equal priorities in both bands: 9 kept in each, plus the two folds
    assert plan.kept[group == 0].sum() == plan.kept[group == 1].sum() == 9 and plan.n_nodes == 20
    # 30 of each fold may be shown, 40 in all: the lowest fold ranks first, 20 from each
    assert plan.embedded[group == 0].sum() == plan.embedded[group == 1].sum() == 20
    assert not (plan.embedded & plan.kept).any()
    for g in (0, 1):  # a band keeps its largest firms, and shows the next largest when opened
        kept, shown, rest = (amount[(group == g) & m] for m in (plan.kept, plan.embedded, folded & ~plan.embedded))
        assert kept.min() > shown.max() and shown.min() > rest.max()


def test_ecosystem_view_by_hand(toy):
    # fold=8: the centre and 7 partner nodes. Bands (side, tier, segment) and priorities
    # (rank + 1)·tier: pack¹ P1 1, P2 2 · cell¹ C1 1 · mat² M1 2, M2 4 · cell² C2 2 · sales¹ D1 1,
    # D2 2 · sales² E1 2. Taking them in order, the second (D1) already makes 2 + 6 folds = 8
    # nodes, so only P1 is kept by priority; folds of one firm draw the firm (P2, C1, C2, E1):
    # kept P1 P2 C1 C2 E1 and two folds, mat² (M1, M2) and sales¹ (D1, D2): 7 nodes.
    net = to_pyvis(toy, ecosystem="L", fold=8, scores=None)
    t = net.node_table
    assert net.view == "ecosystem"
    shown = t[~t.hidden]
    assert len(shown) == 8 and net.fold.n_nodes == 7
    assert set(shown.index[shown.kind == "firm"]) == {"P1", "P2", "C1", "C2", "E1"}
    folds = t[t.kind == "fold"].set_index("segment_id")
    assert folds.loc["mat", "members"] == 2 and folds.loc["mat", "amount"] == 23.0  # 15 + 8
    assert folds.loc["sales", "members"] == 2 and folds.loc["sales", "amount"] == 65.0  # 40 + 25
    assert folds.loc["mat", "local_share"] == 1.0
    assert folds.loc["sales", "local_share"] == pytest.approx(40 / 65)  # D1 local, D2 outside
    assert folds.loc["sales", "label"].startswith("+2 more in 销售\n65 万元 · 本地 local 62%")
    fmat = t.index[(t.kind == "fold") & (t.segment_id == "mat")][0]
    fsales = t.index[(t.kind == "fold") & (t.segment_id == "sales")][0]
    assert set(t.index[t.hidden]) == {"M1", "M2", "D1", "D2"}
    assert t.loc[["M1", "M2", "D1", "D2"], "fold"].tolist() == [fmat, fmat, fsales, fsales]
    # edges through the closed folds: M1→P1, M1→C1, M2→P2 leave the mat² fold; L→D1 + L→D2 = 65
    e = {(s, d): a for s, d, a in zip(net.edge_table.source, net.edge_table.target, net.edge_table.amount)}
    assert e == {("L", fsales): 65, ("P1", "L"): 50, ("P2", "L"): 30, ("C1", "L"): 20, (fmat, "P1"): 10,
                 (fmat, "C1"): 5, (fmat, "P2"): 8, ("C2", "P1"): 12, ("C2", "P2"): 6, (fsales, "E1"): 4}
    # width = 12·amount / 65
    w = dict(zip(zip(net.edge_table.source, net.edge_table.target), net.edge_table.width))
    assert w[("L", fsales)] == pytest.approx(12.0) and w[("P1", "L")] == pytest.approx(12 * 50 / 65)
    # suppliers left of L (tier 2 further out), customers right
    assert t.at["L", "x"] == 0 and t.at["L", "y"] == 0
    assert t.at["M1", "x"] < t.at["P1", "x"] < 0 < t.at["D1", "x"] < t.at["E1", "x"]
    # shapes by location, colours by size group
    assert t.loc[["P1", "P2", "C1"], "shape"].tolist() == ["dot", "square", "triangle"]
    assert t.at["P2", "color"] == "#6a3d9a" and t.at["P1", "color"] == "#2a9d8f"


def test_opening_a_fold_draws_its_firms(toy):
    net = to_pyvis(toy, ecosystem="L", fold=8, scores=None)
    t = net.node_table
    fsales = t.index[(t.kind == "fold") & (t.segment_id == "sales")][0]
    fold = net.eco["folds"][fsales]
    assert [m[0] for m in fold["members"]] == ["D1", "D2"] and fold["after"] is None
    # what the page's script computes when the fold opens: L→D1 40, L→D2 25, D1→E1 4
    still = {k: v for k, v in net.eco["foldOf"].items() if v != fsales}
    links = pd.DataFrame(net.eco["links"], columns=["source", "target", "amount"])
    opened = aggregate_links(links.source, links.target, links.amount, still)
    got = {(s, d): a for s, d, a in zip(opened.source, opened.target, opened.amount)}
    assert got[("L", "D1")] == 40 and got[("L", "D2")] == 25 and got[("D1", "E1")] == 4
    assert len(opened) == len(net.edges) + 1
    # the band drew only its fold (a 100-unit row); open, it draws one row of two firms (42):
    # what lies below in the column moves up by 58
    assert fold["shift"] == pytest.approx(42 - 100)


def test_centre_and_roles_are_labelled(toy):
    net = to_pyvis(toy, ecosystem="L", fold=None)
    t = net.node_table
    assert not t.hidden.any() and (t.kind != "fold").all()
    lead = cg.lead_firms(toy)
    choke = cg.chokepoints(toy)
    assert t.at["L", "lead"] and lead.at["L", "is_lead"]
    assert set(t.index[t.chokepoint]) == set(choke.index) & set(t.index)
    assert "链主 lead" in net.get_node("L")["label"]
    assert all("堵点 chokepoint" in net.get_node(f)["label"] for f in t.index[t.chokepoint])


def test_panel_figures(toy):
    net = to_pyvis(toy, ecosystem="L", fold=8, scores=None)
    facts = dict(net.panel[0]["rows"])
    assert facts["直接供应商 direct suppliers"] == "3 (drawn 3, in fold nodes 0)"
    assert facts["本地中小企业 local SME share of purchases"] == "50.0%"
    assert facts["bought from outside the region"] == "30.0%"
    assert facts["bought from abroad"] == "20.0%"
    assert facts["环节 segments covered"] == "5 of 5"
    assert facts["单一来源 single-sourced inputs"] == "电芯 ← C1"
    assert net.panel[1]["rows"][0][:2] == ["一级供应商 tier-1 suppliers", "3"]
    assert [r[0] for r in net.panel[2]["rows"]] == ["电池包", "电芯"] and net.panel[2]["rows"][1][4] == "single-sourced"
    assert "3 direct suppliers" in net.notes[0]


def test_old_view_with_every_link_stays(toy):
    net = to_pyvis(toy, ecosystem="L", ecosystem_view="all", scores=None)
    assert net.view == "firms"
    assert set(net.node_table.index) == set(cg.ecosystem(toy, "L").firm_ids)
    pairs = set(zip(net.edge_table.source, net.edge_table.target))
    assert ("P1", "P2") in pairs  # every link among the ecosystem's firms
    assert net.node_table.at["L", "highlighted"]


def test_bad_options(toy):
    with pytest.raises(ValueError, match="ecosystem_view"):
        to_pyvis(toy, ecosystem="L", ecosystem_view="rings")
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="fold"):
            to_pyvis(toy, ecosystem="L", fold=bad)


# --------------------------------------------------------------------------- the top lead of shandong-nev


def test_top_lead_page_is_readable(nev, top_lead, tmp_path):
    net = to_pyvis(nev, ecosystem=top_lead)
    t = net.node_table
    drawn = t[~t.hidden]
    assert len(drawn) <= 250 and len(drawn) == net.fold.n_nodes + 1
    # every direct supplier is drawn or counted in a fold node of the direct suppliers
    direct = net.figures.firms.index[net.figures.firms.supplier_tier == 1]
    firm_rows = t[t.kind == "firm"]
    drawn_direct = firm_rows[(~firm_rows.hidden) & firm_rows.index.isin(direct)]
    folds = t[(t.kind == "fold") & (t.side == "supplier") & (t.tier == 1)]
    assert len(drawn_direct) + folds["members"].sum() == len(direct) == 324
    # each fold's figures are the sums over its firms
    figs = net.figures.firms
    for fid, row in t[t.kind == "fold"].iterrows():
        band = figs[(figs.side == row.side) & (figs.tier == row.tier) & (figs.segment_id == row.segment_id)]
        members = band[~band.index.isin(firm_rows.index[~firm_rows.hidden])]
        assert row["members"] == len(members)
        assert row["amount"] == pytest.approx(members.path_amount.sum())
        local = members.path_amount[members.location == "local"].sum()
        assert row["local_share"] == pytest.approx(local / members.path_amount.sum())
        assert len(net.eco["folds"][fid]["members"]) == min(len(members), EXPAND_LIMIT)
    page = tmp_path / "eco.html"
    net.save_graph(page)
    html = page.read_text(encoding="utf-8")
    assert "324 direct suppliers" in html
    assert_offline(html)
    assert page.stat().st_size < 2_500_000


def test_hostile_names_in_the_ecosystem_page(tmp_path):
    segments = pd.DataFrame({"segment_id": ["s1", "s2"], "name": [HOSTILE, "</script><!--"],
                             "stage": ["upstream", "downstream"]})
    firms = pd.DataFrame({"firm_id": ["F1", HOSTILE, "F3", "F4"],
                          "name": [HOSTILE, "</script><script>alert(2)</script>", "ok", "<b>x</b>"],
                          "segment_id": ["s1", "s1", "s2", "s1"], "province": ["山东"] * 4})
    links = pd.DataFrame({"supplier_id": ["F1", HOSTILE, "F4"], "customer_id": ["F3", "F3", "F3"],
                          "amount": [1.0, 2.0, 3.0]})
    chain = cg.ChainGraph.from_frames(firms, links, segments, region="山东")
    net = to_pyvis(chain, ecosystem="F3", fold=2, scores=None)
    assert (net.node_table.kind == "fold").any()  # the hostile segment name is in a fold label
    page = tmp_path / "h.html"
    net.save_graph(page)
    html = page.read_text(encoding="utf-8")
    for raw in (HOSTILE, "</script><script>", "<!--", "<b>x"):
        assert raw not in html
    data = json.loads(re.search(r'id="cg-data">(.*?)</script>', html, re.S).group(1))
    assert any(HOSTILE in n["label"] for n in data["nodes"])
    assert_offline(html)


def test_unknown_sizes_give_unknown_sme_shares():
    # no size class, no employees, no revenue: nobody's size is known
    firms = pd.DataFrame({"firm_id": list("ABCDE")})
    links = pd.DataFrame({"supplier_id": list("ABCA"), "customer_id": list("BCDE")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = cg.ChainGraph.from_frames(firms, links)
    fig = ecosystem_figures(chain, "B")
    assert np.isnan(fig.facts["sme_share"]) and np.isnan(fig.facts["local_sme_share"])
    assert fig.facts["local_share"] == 1.0  # no region: every domestic firm is local
    assert fig.inputs["size_unknown"].sum() == fig.facts["purchases"] == 1.0
    assert fig.facts["single_sourced_inputs"] is None  # no segments: cannot be known
    net = to_pyvis(chain, ecosystem="B", scores=None)
    facts = dict(net.panel[0]["rows"])
    assert facts["SME share of purchases"] == "–"
    assert facts["单一来源 single-sourced inputs"] == "unknown (no segments)"
    assert "1 direct supplier (" in net.notes[0]
