"""Integration of small and large firms (大中小企业融通): hand-worked chain, networkx check, planted SME share."""

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.analysis.integration import DEFAULT_INTEGRATION_WEIGHTS, integration


# The hand-worked chain (region 山东), amounts in 万元:
#
#   H ─3─> D ─10─> B ─40─> A ─50─> F          G ─40─> A
#              E ─5─> B    C ─20─> A
#              E ─5─> C
#
# firm  size    province  designations
#  A    large   山东
#  B    medium  山东      高新技术企业
#  C    small   山东      专精特新
#  D    small   江苏      小巨人
#  E    micro   山东
#  F    medium  山东
#  G    large   山东      单项冠军
#  H    small   山东
#
# (the ``hand_chain`` fixture in tests/conftest.py; its segments and revenues are not used here)


def test_large_firm_table(hand_chain):
    firms = integration(hand_chain).firms
    assert firms.index.tolist() == ["A", "G"]
    a = firms.loc["A"]
    # A buys from B (medium, local), C (small, local, 专精特新) and G (large): 40 + 20 + 40
    assert a["n_suppliers"] == 3
    assert a["purchases"] == 100
    assert a["sme_supplier_share"] == pytest.approx(2 / 3)
    assert a["sme_amount_share"] == pytest.approx(60 / 100)
    assert a["local_sme_share"] == pytest.approx(2 / 3)
    assert a["specialised_sme_share"] == pytest.approx(1 / 3)
    # within two tiers of A: up B, C, G | D, E; down F → SMEs B, C, D, E, F (H is three tiers up)
    assert a["smes_reached"] == 5
    g = firms.loc["G"]
    # G has no suppliers: its shares are undefined; it reaches A (large) and F (SME) downstream
    assert g["n_suppliers"] == 0
    assert math.isnan(g["sme_supplier_share"]) and math.isnan(g["sme_amount_share"])
    assert g["smes_reached"] == 1


def test_mixing_and_assortativity_by_hand(hand_chain):
    res = integration(hand_chain)
    # 8 links, supplier class → customer class:
    #   G→A L→L, A→F L→M, B→A M→L, C→A S→L, D→B S→M, H→D S→S, E→B µ→M, E→C µ→S
    expected = np.array(
        [[1, 1, 0, 0],
         [1, 0, 0, 0],
         [1, 1, 1, 0],
         [0, 1, 1, 0]]
    ) / 8
    assert res.mixing.to_numpy() == pytest.approx(expected)
    assert res.mixing.index.tolist() == ["large", "medium", "small", "micro"]
    # rows a = (2, 1, 3, 2)/8, columns b = (3, 3, 2, 0)/8; trace 2/8; Σ a·b = 15/64
    # r = (1/4 − 15/64) / (1 − 15/64) = (1/64) / (49/64) = 1/49
    assert res.assortativity == pytest.approx(1 / 49)


def test_index_by_hand(hand_chain):
    res = integration(hand_chain)
    comp = res.components["value"]
    # SME share of large firms' purchases: (60 + 0) / (100 + 0)
    assert comp["sme_purchase_share"] == pytest.approx(0.6)
    # large firms with a supplier: A only, and it has local SME suppliers
    assert comp["large_with_local_sme"] == 1.0
    # SMEs B, C, D, E, F, H; all but H are within two tiers of A or G
    assert comp["sme_reach"] == pytest.approx(5 / 6)
    # (1 − 1/49) / 2 = 24/49
    assert comp["mixing"] == pytest.approx(24 / 49)
    # 100 · (0.4·0.6 + 0.2·1 + 0.2·5/6 + 0.2·24/49) = 70.4626…
    assert res.score == pytest.approx(100 * (0.24 + 0.2 + 1 / 6 + 4.8 / 49))
    assert res.components["points"].sum() == pytest.approx(res.score)
    assert res.components["weight"].to_dict() == pytest.approx(DEFAULT_INTEGRATION_WEIGHTS)


def test_weights_override(hand_chain):
    res = integration(hand_chain, weights={"sme_purchase_share": 1, "large_with_local_sme": 0,
                                           "sme_reach": 0, "mixing": 0})
    assert res.score == pytest.approx(60.0)
    with pytest.raises(ValueError, match="unknown integration components"):
        integration(hand_chain, weights={"reach": 1})


def test_assortativity_matches_networkx():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = cg.synthetic_chain("nev", 1500, region="山东", seed=4)
    res = integration(sc.chain)
    ref = nx.attribute_assortativity_coefficient(sc.chain.to_networkx(), "size_class")
    assert res.assortativity == pytest.approx(ref, abs=1e-12)


def test_undefined_without_large_firms():
    firms = pd.DataFrame({"firm_id": ["A", "B"], "size_class": ["small", "micro"]})
    links = pd.DataFrame({"supplier_id": ["B"], "customer_id": ["A"]})
    chain = cg.ChainGraph.from_frames(firms, links)
    with pytest.warns(UserWarning, match="undefined"):
        res = integration(chain)
    assert math.isnan(res.score)
    assert len(res.firms) == 0


def test_repr_html_escapes(hand_chain):
    res = integration(hand_chain)
    text = res._repr_html_()
    assert "融通 index: 70.5 / 100" in text
    assert "<table" in text
    assert "70.5/100" in repr(res)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_rises_with_planted_sme_share(seed):
    scores, measured, planted = [], [], []
    for share in (0.2, 0.5, 0.8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc = cg.synthetic_chain("nev", 2000, region="山东", seed=seed, sme_share=share)
        res = integration(sc.chain)
        scores.append(res.score)
        measured.append(res.components.loc["sme_purchase_share", "value"])
        planted.append(sc.planted.sme_share)
    # the component is the planted quantity itself (SMEs' share of large customers' purchases)
    assert measured == pytest.approx(planted, abs=1e-9)
    assert scores[0] < scores[1] < scores[2]


def test_cli_integration(hand_chain, tmp_path):
    from click.testing import CliRunner

    from chaingraph.cli import cli

    hand_chain.firms.reset_index().to_csv(tmp_path / "firms.csv", index=False)
    hand_chain.links.to_csv(tmp_path / "links.csv", index=False)
    out = tmp_path / "firms_out.csv"
    result = CliRunner().invoke(cli, ["integration", str(tmp_path), "--region", "山东",
                                      "--part", "firms", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "note: 融通 index 70.5/100" in result.stderr  # the CSV holds the table only
    table = pd.read_csv(out, index_col="firm_id")
    assert table.loc["A", "smes_reached"] == 5


def test_zero_amount_link_counts_for_sme_reach_as_for_smes_reached():
    # SMEs A, B, D; C is large. B → C has amount 0 but is a supply relation: the per-firm
    # count (A, B upstream, D downstream = 3) and the chain-level share (3 of 3) must agree.
    firms = pd.DataFrame({"firm_id": list("ABCD"), "size_class": ["small", "small", "large", "medium"]})
    links = pd.DataFrame({"supplier_id": ["A", "B", "C"], "customer_id": ["C", "C", "D"],
                          "amount": [5.0, 0.0, 7.0]})
    res = integration(cg.ChainGraph.from_frames(firms, links))
    assert res.firms.loc["C", "smes_reached"] == 3
    assert res.components.loc["sme_reach", "value"] == pytest.approx(1.0)
