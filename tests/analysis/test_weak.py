"""Known-answer tests for weak links, chokepoints and single sourcing.

The hand-built chain (region 山东) used throughout, amounts in 万元::

    segments  ore(材料, up) part(零部件, up) chip(元器件, up) soft(软件, up)
              paint(no 五基, up) asm(mid) car(down)
    flows     ore→part E, part→asm E, chip→asm E, asm→car E, soft→asm E,
              soft→car (optional), paint→car (optional)
    firms     O1 O2 ore (江苏); P1 P2 part (山东), P3 part (江苏);
              C1 chip (JP), C2 chip (DE), C3 chip (山东); A1 A2 asm (山东);
              V1 car (山东); S1 soft (山东), S2 soft (浙江); no paint firm
    links     O1→P1 10, O2→P2 12, P1→A1 30, P2→A2 30, P3→A1 20,
              C1→A1 50, C2→A2 30, C3→A1 20, A1→V1 100, A2→V1 60,
              S1→V1 5, S2→A2 8
"""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import chaingraph as cg
from chaingraph.analysis import _dominator_kernels
from chaingraph.analysis.weak import chokepoints, single_sourcing, weak_links


def toy_template():
    segments = pd.DataFrame({
        "segment_id": ["ore", "part", "chip", "soft", "paint", "asm", "car"],
        "stage": ["up", "up", "up", "up", "up", "mid", "down"],
        "foundation": ["材料", "零部件", "元器件", "软件", None, None, None],
    })
    flows = pd.DataFrame({
        "from_segment": ["ore", "part", "chip", "asm", "soft", "soft", "paint"],
        "to_segment": ["part", "asm", "asm", "car", "asm", "car", "car"],
        "essential": [True, True, True, True, True, False, False],
    })
    return cg.ChainTemplate.from_frames(segments, flows, name="toy")


def toy_chain():
    firms = pd.DataFrame({
        "firm_id": ["O1", "O2", "P1", "P2", "P3", "C1", "C2", "C3", "A1", "A2", "V1", "S1", "S2"],
        "segment_id": ["ore", "ore", "part", "part", "part", "chip", "chip", "chip",
                       "asm", "asm", "car", "soft", "soft"],
        "province": ["江苏", "江苏", "山东", "山东", "江苏", None, None, "山东",
                     "山东", "山东", "山东", "山东", "浙江"],
        "country": ["CN", "CN", "CN", "CN", "CN", "JP", "DE", "CN", "CN", "CN", "CN", "CN", "CN"],
    })
    rows = [("O1", "P1", 10), ("O2", "P2", 12), ("P1", "A1", 30), ("P2", "A2", 30),
            ("P3", "A1", 20), ("C1", "A1", 50), ("C2", "A2", 30), ("C3", "A1", 20),
            ("A1", "V1", 100), ("A2", "V1", 60), ("S1", "V1", 5), ("S2", "A2", 8)]
    links = pd.DataFrame(rows, columns=["supplier_id", "customer_id", "amount"])
    return cg.ChainGraph.from_frames(firms, links, toy_template(), region="山东")


# --------------------------------------------------------------------------- single sourcing


def test_single_sourcing_known_answer():
    # Essential flows only. P1 buys ore only from O1, P2 only from O2; A2 buys part only
    # from P2, chip only from C2 and soft only from S2 (soft→asm is essential). A1 has two
    # part and two chip suppliers, V1 two asm suppliers; V1's soft input (S1) is optional.
    ss = single_sourcing(toy_chain())
    got = list(ss[["customer_id", "segment_id", "supplier_id", "amount"]].itertuples(index=False, name=None))
    # sorted by amount, ties by customer then template order of the input segment
    assert got == [("A2", "part", "P2", 30.0), ("A2", "chip", "C2", 30.0),
                   ("P2", "ore", "O2", 12.0), ("P1", "ore", "O1", 10.0),
                   ("A2", "soft", "S2", 8.0)]
    assert ss["supplier_location"].astype(str).tolist() == ["local", "foreign", "outside", "outside", "outside"]
    assert ss["customer_segment"].tolist() == ["asm", "asm", "part", "part", "asm"]


def test_single_sourcing_without_template_counts_every_flow():
    chain = toy_chain()
    bare = cg.ChainGraph.from_frames(chain.firms.reset_index(), chain.links, region="山东")
    ss = single_sourcing(bare)
    pairs = set(zip(ss["customer_id"], ss["segment_id"]))
    # V1 now single-sources soft from S1 as well
    assert pairs == {("A2", "part"), ("A2", "chip"), ("P2", "ore"), ("P1", "ore"),
                     ("A2", "soft"), ("V1", "soft")}


def test_single_sourcing_sums_repeated_pairs():
    firms = pd.DataFrame({"firm_id": ["a", "b"], "segment_id": ["x", "y"]})
    links = pd.DataFrame({"supplier_id": ["a", "a"], "customer_id": ["b", "b"], "amount": [2.0, 3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        chain = cg.ChainGraph.from_frames(firms, links)
    ss = single_sourcing(chain)
    assert ss["amount"].tolist() == [5.0]


# --------------------------------------------------------------------------- weak links


def test_weak_links_known_answer():
    wl = weak_links(toy_chain(), leads=["V1"])
    assert wl.index.tolist() == ["ore", "part", "chip", "soft", "paint", "asm", "car"]
    assert wl["weakness"].tolist() == ["missing", "ok", "foreign", "weak", "missing", "weak", "weak"]
    assert wl["n_firms"].tolist() == [2, 3, 3, 2, 0, 2, 1]
    assert wl["n_local"].tolist() == [0, 2, 1, 1, 0, 2, 1]
    assert wl["n_outside"].tolist() == [2, 1, 0, 1, 0, 0, 0]
    assert wl["n_foreign"].tolist() == [0, 0, 2, 0, 0, 0, 0]
    # local demand: ore 10+12; part 30+30+20; chip 50+30+20; soft 5+8; asm 100+60; car none
    np.testing.assert_allclose(wl["local_demand"], [22, 80, 100, 13, 0, 160, 0])
    part, chip, soft, asm = (wl.loc[k] for k in ("part", "chip", "soft", "asm"))
    assert part["local_share"] == pytest.approx(60 / 80)
    assert part["outside_share"] == pytest.approx(20 / 80)
    assert part["hhi"] == pytest.approx((30**2 + 30**2 + 20**2) / 80**2)  # 0.34375
    assert part["top_supplier_share"] == pytest.approx(30 / 80)
    assert chip["foreign_share"] == pytest.approx(0.8)
    assert chip["hhi"] == pytest.approx((50**2 + 30**2 + 20**2) / 100**2)  # 0.38
    assert chip["top_supplier"] == "C1"
    assert soft["hhi"] == pytest.approx((5**2 + 8**2) / 13**2)
    assert asm["hhi"] == pytest.approx((100**2 + 60**2) / 160**2)  # 0.53125
    assert np.isnan(wl.loc["car", "local_share"]) and np.isnan(wl.loc["car", "hhi"])
    assert wl["single_sourced"].tolist() == [2, 1, 1, 1, 0, 0, 0]
    # S2 is the only supplier of the essential flow soft→asm
    assert wl["n_chokepoints"].tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert wl["reasons"].tolist() == [
        # ore: HHI (10² + 12²)/22² = 0.504
        "no_local_firm; local_share; hhi; few_local_firms", "",
        "foreign_share; local_share; few_local_firms",  # chip: only C3 is local
        "local_share; hhi; few_local_firms; chokepoint", "no_local_firm; few_local_firms",
        "hhi", "few_local_firms",
    ]
    # severity = (band + weight · risk) / 4, band 3 missing, 2 foreign, 1 weak, 0 ok;
    # weight 1 for 五基 segments, 0.7 otherwise
    expected = [
        (3 + 1.0) / 4,              # ore: missing, risk 1
        0.34375 / 4,                # part: ok, risk max(0.5·0.25, 0.34375, 0)
        (2 + 0.8) / 4,              # chip: foreign, risk max(0.8, 0.38, 0)
        (1 + 89 / 169) / 4,         # soft: weak, risk max(0.5·8/13, 89/169, 1 − 1/2)
        (3 + 0.7) / 4,              # paint: missing, not a 五基 segment
        (1 + 0.7 * 0.53125) / 4,    # asm: weak, risk HHI
        (1 + 0.7 * 0.5) / 4,        # car: weak, risk thin, 1 − 1/2
    ]
    np.testing.assert_allclose(wl["severity"], expected)
    shares = wl[["local_share", "outside_share", "foreign_share"]].dropna().sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)


def test_weak_links_thresholds_are_parameters():
    chain = toy_chain()
    wl = weak_links(chain, leads=["V1"], max_hhi=0.3, max_foreign_share=0.9, min_local_firms=1)
    # part's HHI 0.34 is now concentrated; chip's 0.8 foreign share no longer counts as 卡脖子
    # (but its 0.2 local share is still weak); car's one firm is now enough
    assert wl.loc[["part", "chip", "car"], "weakness"].tolist() == ["weak", "weak", "ok"]


def test_weak_links_without_region_every_domestic_firm_is_local():
    chain = toy_chain()
    bare = cg.ChainGraph.from_frames(chain.firms.reset_index(), chain.links, toy_template())
    wl = weak_links(bare, leads=["V1"])
    # ore's two firms are now local: local share 1, but HHI (10² + 12²)/22² = 0.504 > 0.4
    assert wl.loc["ore", "n_local"] == 2
    assert wl.loc["ore", "local_share"] == 1.0
    assert wl.loc["ore", "weakness"] == "weak" and wl.loc["ore", "reasons"] == "hhi"
    assert wl["n_outside"].sum() == 0
    assert wl.loc["paint", "weakness"] == "missing"


def test_weak_links_bad_input():
    chain = toy_chain()
    with pytest.raises(ValueError, match="max_hhi"):
        weak_links(chain, max_hhi=1.5)
    firms = pd.DataFrame({"firm_id": ["a", "b"]})
    links = pd.DataFrame({"supplier_id": ["a"], "customer_id": ["b"]})
    bare = cg.ChainGraph.from_frames(firms, links)
    with pytest.raises(cg.ChainDataError, match="segment_id"):
        weak_links(bare)


# --------------------------------------------------------------------------- chokepoints


def test_chokepoints_sole_flow_known_answer():
    cp = chokepoints(toy_chain(), leads=["V1"])
    # the only sole supplier of an essential segment flow: S2 for soft→asm. Flows with
    # two or more suppliers (ore→part, part→asm, chip→asm, asm→car) give none, and
    # soft→car (S1 alone) is optional.
    assert cp.index.tolist() == ["S2"]
    row = cp.loc["S2"]
    assert row["rule"] == "sole_flow" and row["sole_flows"] == "soft→asm"
    assert row["location"] == "outside"
    assert (row["sole_customers"], row["sole_amount"]) == (1, 8.0)
    # S2 dominates nothing: A2 also gets supply through P2 and C2
    assert (row["dominated_firms"], row["dominated_leads"], row["cut_firms"], row["cut_amount"]) == (0, 0, 1, 8.0)


def dominator_chain(with_segments=False):
    # U1→M 10, U2→M 5, M→X 7, X→L1 6, M→L1 4, U2→L2 3, X→L2 2
    firms = pd.DataFrame({"firm_id": ["U1", "U2", "M", "X", "L1", "L2"]})
    rows = [("U1", "M", 10), ("U2", "M", 5), ("M", "X", 7), ("X", "L1", 6), ("M", "L1", 4),
            ("U2", "L2", 3), ("X", "L2", 2)]
    links = pd.DataFrame(rows, columns=["supplier_id", "customer_id", "amount"])
    return cg.ChainGraph.from_frames(firms, links)


def test_chokepoints_dominator_known_answer():
    chain = dominator_chain()
    cp = chokepoints(chain, leads=["L1", "L2"])
    # sources: U1, U2 (no supplier). Every path to L1 (U1→M→L1, U2→M→X→L1, …) runs
    # through M; L2 is fed by U2 directly. M dominates X and L1.
    assert cp.index.tolist() == ["M"]
    m = cp.loc["M"]
    assert m["rule"] == "dominator"
    assert (m["dominated_firms"], m["dominated_leads"]) == (2, 1)
    # purchases of X (7) and L1 (6 + 4)
    assert m["dominated_amount"] == pytest.approx(17.0)
    assert (m["cut_firms"], m["cut_amount"]) == (2, pytest.approx(17.0))
    assert chokepoints(chain, leads=["L2"]).empty


def test_chokepoints_dominator_with_given_sources():
    chain = dominator_chain()
    cp = chokepoints(chain, leads=["L2"], sources=["U1"])
    # from U1 alone, L2 is reached only by U1→M→X→L2: U1, M and X all dominate it
    assert set(cp.index) == {"U1", "M", "X"}
    assert cp.loc["U1", "dominated_firms"] == 4  # M, X, L1, L2 (U2 is unreachable)
    assert cp.loc["M", "dominated_firms"] == 3  # X, L1, L2
    assert cp.loc["X", "dominated_firms"] == 1  # L2 (L1 is also fed by M)
    assert cp.loc["X", "cut_amount"] == pytest.approx(5.0)  # L2's purchases 3 + 2
    assert cp.index[0] in {"U1", "M", "X"} and cp["dominated_leads"].eq(1).all()


def test_chokepoints_union_of_sole_customers_and_dominated():
    # segments a: A1; z: A2; b: B1, B2; c: C1 (no template: every flow essential)
    # A1→B1 1, A1→B2 2, A2→B1 4, B1→C1 3, B2→C1 4
    firms = pd.DataFrame({"firm_id": ["A1", "A2", "B1", "B2", "C1"],
                          "segment_id": ["a", "z", "b", "b", "c"]})
    rows = [("A1", "B1", 1), ("A1", "B2", 2), ("A2", "B1", 4), ("B1", "C1", 3), ("B2", "C1", 4)]
    links = pd.DataFrame(rows, columns=["supplier_id", "customer_id", "amount"])
    chain = cg.ChainGraph.from_frames(firms, links)
    cp = chokepoints(chain, leads=["C1"])
    # A1 is the sole a→b supplier; A2 the sole z→b supplier. Sole(A1) = {B1, B2} (each buys
    # segment a only from A1); Dom(A1) = {B2} (B1 is also fed by A2, and C1 through B1).
    a1 = cp.loc["A1"]
    assert a1["rule"] == "sole_flow" and a1["sole_flows"] == "a→b"
    assert (a1["sole_customers"], a1["sole_amount"]) == (2, 3.0)
    assert (a1["dominated_firms"], a1["dominated_leads"]) == (1, 0)
    # |{B1, B2} ∪ {B2}| = 2; amount: in(B2) = 2, plus W[A1, B1] = 1 for B1 outside Dom
    assert (a1["cut_firms"], a1["cut_amount"]) == (2, 3.0)
    assert set(cp.index) == {"A1", "A2"}


def test_chokepoints_unknown_lead_is_a_data_error():
    with pytest.raises(cg.ChainDataError, match="leads.*'nope'"):
        chokepoints(dominator_chain(), leads=["nope"])


def _brute_force_dominators(adj, sources, leads):
    """Firms whose removal disconnects a lead from every source (by BFS)."""
    n = adj.shape[0]
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(*adj.nonzero()))
    found = set()
    for v in range(n):
        h = g.copy()
        h.remove_node(v)
        reach = set()
        for s in sources:
            if s != v:
                reach |= nx.descendants(h, s) | {s}
        before = set()
        for s in sources:
            before |= nx.descendants(g, s) | {s}
        if any(l != v and l in before and l not in reach for l in leads):
            found.add(v)
    return found


def test_dominator_rule_matches_brute_force_on_random_graphs():
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(4, 25))
        m = int(rng.integers(n, 3 * n))
        r, c = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = r != c
        ids = [f"f{i}" for i in range(n)]
        links = pd.DataFrame({"supplier_id": np.array(ids)[r[keep]], "customer_id": np.array(ids)[c[keep]]})
        links = links.drop_duplicates()
        chain = cg.ChainGraph.from_frames(pd.DataFrame({"firm_id": ids}), links)
        sources = sorted(set(rng.choice(n, 2, replace=False).tolist()))
        leads = sorted(set(rng.choice(n, 2, replace=False).tolist()))
        cp = chokepoints(chain, leads=[ids[i] for i in leads], sources=[ids[i] for i in sources])
        expected = _brute_force_dominators(chain.adjacency, sources, leads)
        assert set(cp.index) == {ids[i] for i in expected}


def test_immediate_dominators_match_networkx():
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(2, 40))
        m = int(rng.integers(1, 3 * n))
        r, c = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = r != c
        adj = sp.csr_array((np.ones(keep.sum()), (r[keep], c[keep])), shape=(n, n))
        src = rng.choice(n, int(rng.integers(1, min(4, n) + 1)), replace=False)
        idom = _dominator_kernels.immediate_dominators(adj, src)
        g = nx.DiGraph()
        g.add_nodes_from(range(n + 1))
        g.add_edges_from(zip(*adj.nonzero()))
        g.add_edges_from((n, int(s)) for s in src)
        expected = np.full(n, -1)
        for v, d in nx.immediate_dominators(g, n).items():
            if v != n:
                expected[v] = d
        np.testing.assert_array_equal(idom, expected)
        depth = _dominator_kernels.tree_depths(idom)
        size = np.rint(_dominator_kernels.tree_subtree_sums(idom, np.ones(n))).astype(int)
        pre = _dominator_kernels.tree_preorder(idom, size, depth)
        assert sorted(pre.tolist()) == list(range(n))
        for u in range(n):
            ancestors, v = set(), u
            while 0 <= v < n:
                ancestors.add(v)
                v = idom[v]
            assert depth[u] == len(ancestors) - 1
            inside = {v for v in range(n) if pre[v] <= pre[u] < pre[v] + size[v]}
            assert inside == ancestors


# --------------------------------------------------------------------------- planted structure


@pytest.mark.parametrize("template,seed", [("nev", 1), ("nev", 2), ("cnc", 3), ("ic", 4), ("ic", 5)])
def test_recovers_planted_structure(template, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        chain, planted = cg.synthetic_chain(template, 1500, region="山东", seed=seed)
    cp = chokepoints(chain, leads=planted.lead_firms)
    sole = cp.index[cp["rule"].str.contains("sole_flow")]
    assert set(planted.chokepoints) <= set(sole)
    assert cp.loc[planted.chokepoints, "segment_id"].tolist() == planted.chokepoint_segments
    wl = weak_links(chain, chokepoint_table=cp)
    assert set(wl.index[wl["weakness"] == "missing"]) == set(planted.missing_segments)
    assert (wl.loc[planted.chokepoint_segments, "n_local"] == 1).all()
    assert (wl.loc[planted.chokepoint_segments, "weakness"] == "weak").all()
    # planted foreign-dominated segments that local customers buy from are 卡脖子 and
    # among the three most foreign-dependent segments
    seen = [s for s in planted.foreign_segments if wl.loc[s, "local_demand"] > 0]
    assert seen
    assert (wl.loc[seen, "weakness"] == "foreign").all()
    rank = wl["foreign_share"].rank(ascending=False)
    assert (rank[seen] <= 3).all()


# --------------------------------------------------------------------------- review: bad input, firm order


def test_template_without_firm_segments_is_a_data_error():
    # A template says what the chain needs, not which segment each firm is in: without
    # the firms' segment_id every segment would look empty (all 缺链), which is wrong.
    chain = toy_chain()
    firms = chain.firms.reset_index().drop(columns="segment_id")
    with_template = cg.ChainGraph.from_frames(firms, chain.links, toy_template(), region="山东")
    with pytest.raises(cg.ChainDataError, match="segment_id"):
        weak_links(with_template, leads=["V1"])
    with pytest.raises(cg.ChainDataError, match="segment_id"):
        single_sourcing(with_template)
    bare = cg.ChainGraph.from_frames(firms, chain.links, region="山东")
    with pytest.raises(cg.ChainDataError, match="segment_id"):
        single_sourcing(bare)
    # the dominator rule needs no segments and still works
    assert chokepoints(dominator_chain(), leads=["L1"]).index.tolist() == ["M"]


def test_top_supplier_tie_does_not_depend_on_firm_order():
    # part: P1 and P2 both sell 30 to local customers (P3 20): a tie, broken by firm id
    chain = toy_chain()
    assert weak_links(chain, leads=["V1"]).loc["part", "top_supplier"] == "P1"
    firms = chain.firms.reset_index()
    reordered = firms.iloc[::-1].reset_index(drop=True)
    flipped = cg.ChainGraph.from_frames(reordered, chain.links, toy_template(), region="山东")
    wl = weak_links(flipped, leads=["V1"])
    assert wl.loc["part", "top_supplier"] == "P1"
    assert wl.loc["part", "top_supplier_share"] == pytest.approx(30 / 80)


def test_dominators_of_final_segment_firms_count_beside_lead_firms():
    """Paths to a lead firm *or* to the final segment: both are checked by default.

    L is a large midstream lead firm with two upstream suppliers (no
    dominator). D1, a small firm of the final segment, is reached only
    through U1 → M1, so M1 (and U1) dominate it. Before, with a lead firm
    flagged, final-segment firms were not checked and M1's dominance of D1
    went unreported.
    """
    segments = pd.DataFrame({"segment_id": ["up", "mid", "down"],
                             "stage": ["upstream", "midstream", "downstream"]})
    flows = pd.DataFrame({"from_segment": ["up", "mid"], "to_segment": ["mid", "down"]})
    template = cg.ChainTemplate.from_frames(segments, flows)
    firms = pd.DataFrame({
        "firm_id": ["U1", "U2", "U3", "M1", "L", "D1"],
        "segment_id": ["up", "up", "up", "mid", "mid", "down"],
        "size_class": ["small", "small", "small", "small", "large", "small"],
        "revenue": [10.0, 10.0, 10.0, 10.0, 90000.0, 5.0],
    })
    links = pd.DataFrame({"supplier_id": ["U1", "U2", "U3", "M1"],
                          "customer_id": ["M1", "L", "L", "D1"],
                          "amount": [5.0, 40.0, 40.0, 4.0]})
    chain = cg.ChainGraph.from_frames(firms, links, template)
    assert cg.lead_firms(chain).loc["L", "is_lead"]
    cp = cg.chokepoints(chain)
    assert "dominator" in cp.loc["M1", "rule"]
    assert cp.loc["M1", "dominated_firms"] == 1 and cp.loc["M1", "dominated_leads"] == 1
    assert cp.loc["U1", "rule"] == "dominator" and cp.loc["U1", "dominated_firms"] == 2
    assert "L" not in cp.index and "U2" not in cp.index
