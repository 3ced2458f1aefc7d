"""Lead firms (链主) and ecosystems: hand-worked chain, kernels, and recovery on synthetic chains."""

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.analysis import _pagerank, _reach_kernels
from chaingraph.analysis.leads import DEFAULT_LEAD_WEIGHTS, ecosystem, lead_firms, log_scale


# The hand-worked chain is the ``hand_chain`` fixture in tests/conftest.py (drawn there).


def test_hand_chain_raw_columns(hand_chain):
    df = lead_firms(hand_chain).loc[list("ABCDEFGH")]
    # size = revenue; total 160400
    assert df["sales_share"]["A"] == pytest.approx(100000 / 160400)
    # suppliers within two tiers: A {B,C,G | D,E}; B {D,E | H}; C {E}; D {H}; F {A | B,C,G}
    assert df["n_suppliers_2"].tolist() == [5, 3, 1, 1, 0, 4, 0, 0]
    # local SMEs among them (D is in 江苏, A and G are large): A {B,C,E}; B {E,H}; C {E}; D {H}; F {B,C}
    assert df["n_local_sme_suppliers_2"].tolist() == [3, 2, 1, 1, 0, 2, 0, 0]
    # in + Σ W[s,i]·in_s/out_s:
    # A: 100 + 40·15/40 + 20·5/20 + 40·0/40 = 120;  B: 15 + 10·3/10 + 5·0/10 = 18
    # C: 5 + 5·0 = 5;  D: 3 + 3·0 = 3;  F: 50 + 50·100/50 = 150
    assert df["supplier_amount_2"].tolist() == pytest.approx([120, 18, 5, 3, 0, 150, 0, 0])
    # in / Σ suppliers' sales: A 100/(40+20+40) = 1; B 15/(10+10) = 0.75; C 5/10; D 3/3; F 50/50
    assert df["supplier_dependence"].tolist() == pytest.approx([1, 0.75, 0.5, 1, 0, 1, 0, 0])
    # customers within two tiers: A {F}; B {A,F}; C {A,F}; D {B,A}; E {B,C,A}; G {A,F}; H {D,B}
    assert df["n_customers_2"].tolist() == [1, 2, 2, 2, 3, 0, 2, 2]
    # segments covered (4 in the chain): A, B, C reach all four; D: material, parts, oem;
    # E: material, parts, oem; F: sales, oem, parts; G: parts, oem, sales; H: material, parts
    assert df["n_segments"].tolist() == [4, 4, 4, 3, 3, 3, 3, 2]
    assert df["span"].tolist() == pytest.approx([1, 1, 1, 0.75, 0.75, 0.75, 0.75, 0.5])


def test_hand_chain_components(hand_chain):
    df = lead_firms(hand_chain).loc[list("ABCDEFGH")]
    # upstream_firms: positive counts 5,3,1,1,4 → median 3, max 5
    lg = lambda x, m, top: math.log1p(x / m) / math.log1p(top / m)  # noqa: E731
    expected = [lg(x, 3, 5) for x in [5, 3, 1, 1, 0, 4, 0, 0]]
    assert df["upstream_firms"].tolist() == pytest.approx(expected)
    # upstream_local_smes: positives 3,2,1,1,2 → median 2, max 3
    expected = [lg(x, 2, 3) for x in [3, 2, 1, 1, 0, 2, 0, 0]]
    assert df["upstream_local_smes"].tolist() == pytest.approx(expected)
    # dependence is used as it is
    assert df["dependence"].tolist() == pytest.approx([1, 0.75, 0.5, 1, 0, 1, 0, 0])
    # every component lies in 0–1 and the score is their weighted sum
    comps = list(DEFAULT_LEAD_WEIGHTS)
    assert ((df[comps] >= 0) & (df[comps] <= 1 + 1e-12)).all().all()
    w = pd.Series(DEFAULT_LEAD_WEIGHTS)
    assert np.allclose(df[comps].to_numpy() @ w[comps].to_numpy(), df["lead_score"])


def test_pagerank_matches_networkx(hand_chain):
    df = lead_firms(hand_chain)
    ref = nx.pagerank(hand_chain.to_networkx(), weight="amount", tol=1e-14)
    assert df["pagerank"].to_dict() == pytest.approx(ref, abs=1e-9)


def test_pagerank_two_nodes_by_hand():
    # A → B only, alpha 0.85: B dangles, its mass is spread uniformly.
    # x_A = 0.075 + 0.425·x_B and x_A + x_B = 1  →  x_A = 0.5 / 1.425 = 20/57
    import scipy.sparse as sp

    w = sp.csr_array(np.array([[0.0, 1.0], [0.0, 0.0]]))
    x, it = _pagerank.pagerank(w, alpha=0.85, tol=1e-13)
    assert x == pytest.approx([20 / 57, 37 / 57], abs=1e-12)
    assert it > 1


def test_ranking_and_default_rule(hand_chain):
    df = lead_firms(hand_chain)
    assert df.index[0] == "A"
    assert df["rank"].tolist() == sorted(df["rank"].tolist())
    assert df["rank"].iloc[0] == 1
    # default rule: large and ≥ 0.75 × top score, or score ≥ 0.70
    large = hand_chain.firms["size_class"].eq("large").reindex(df.index)
    expected = (large & (df["lead_score"] >= 0.75 * df["lead_score"].max())) | (df["lead_score"] >= 0.70)
    assert (df["is_lead"] == expected).all()
    assert df.loc["A", "is_lead"]
    assert not df.loc["H", "is_lead"]
    assert df.attrs["weights"] == pytest.approx(DEFAULT_LEAD_WEIGHTS)
    assert df.attrs["rule"].startswith("default")


def test_top(hand_chain):
    df = lead_firms(hand_chain, top=3)
    assert len(df) == 3
    assert df["rank"].tolist() == sorted(df["rank"])


def test_revenue_rules(hand_chain):
    # Guangdong: 10 亿元 = 100 000 万元 (emerging), 50 亿元 = 500 000 万元 (pillar)
    emerging = lead_firms(hand_chain, rule="guangdong-emerging")
    assert set(emerging.index[emerging["is_lead"]]) == {"A"}
    pillar = lead_firms(hand_chain, rule="guangdong-pillar")
    assert not pillar["is_lead"].any()
    custom = lead_firms(hand_chain, rule=lambda scores, chain: scores["n_suppliers_2"] >= 4)
    assert set(custom.index[custom["is_lead"]]) == {"A", "F"}
    assert custom.attrs["rule"].startswith("custom")


def test_revenue_rule_needs_revenue(hand_chain):
    firms = hand_chain.firms.drop(columns="revenue").reset_index()
    chain = cg.ChainGraph.from_frames(firms, hand_chain.links, region="山东")
    with pytest.raises(cg.ChainDataError, match="revenue"):
        lead_firms(chain, rule="guangdong-pillar")
    with pytest.raises(ValueError, match="unknown lead rule"):
        lead_firms(chain, rule="zhejiang")


def test_weights_override(hand_chain):
    # only scale counts: the ranking is by revenue
    df = lead_firms(hand_chain, weights={k: 0 for k in DEFAULT_LEAD_WEIGHTS} | {"scale": 2})
    assert df.index.tolist()[:3] == ["A", "G", "B"]
    assert df["lead_score"].tolist() == pytest.approx(df["scale"].tolist())
    assert df.attrs["weights"]["scale"] == 1.0
    # partial override keeps the other defaults, rescaled to sum 1
    df = lead_firms(hand_chain, weights={"span": 0.25})
    assert sum(df.attrs["weights"].values()) == pytest.approx(1.0)
    assert df.attrs["weights"]["span"] == pytest.approx(0.25 / 1.2)
    with pytest.raises(ValueError, match="unknown lead-score components"):
        lead_firms(hand_chain, weights={"size": 1})
    with pytest.raises(ValueError):
        lead_firms(hand_chain, weights={"span": -1})


def test_log_scale():
    assert log_scale(np.zeros(3)).tolist() == [0, 0, 0]
    y = log_scale(np.array([0.0, 1, 10, 100]))
    assert y[0] == 0 and y[-1] == pytest.approx(1)
    assert np.all(np.diff(y) > 0)
    # unit-free: 万元 and 元 give the same result
    assert log_scale(np.array([0.0, 1, 10, 100]) * 1e4) == pytest.approx(y)


def test_ecosystem(hand_chain):
    up1 = ecosystem(hand_chain, "A", depth=1, direction="upstream")
    assert set(up1.firm_ids) == {"A", "B", "C", "G"}
    both = ecosystem(hand_chain, "A")
    assert set(both.firm_ids) == set("ABCDEFG")  # H is three tiers up
    down = ecosystem(hand_chain, "E", direction="downstream")
    assert set(down.firm_ids) == {"E", "B", "C", "A"}
    assert down.n_links == 4  # E→B, E→C, B→A, C→A
    assert ecosystem(hand_chain, "H", depth=3, direction="downstream").n_firms == 4
    with pytest.raises(cg.ChainDataError, match="unknown firm"):
        ecosystem(hand_chain, "Z")
    with pytest.raises(ValueError):
        ecosystem(hand_chain, "A", direction="sideways")
    with pytest.raises(ValueError):
        ecosystem(hand_chain, "A", depth=0)


def test_does_not_modify_chain(hand_chain):
    before = hand_chain.adjacency.copy()
    firms = hand_chain.firms.copy()
    lead_firms(hand_chain)
    assert (hand_chain.adjacency != before).nnz == 0
    pd.testing.assert_frame_equal(hand_chain.firms, firms)


def test_isolated_firm_without_revenue_is_unknown_not_zero():
    firms = pd.DataFrame({"firm_id": ["A", "B", "Z"], "size_class": ["large", "small", "small"]})
    links = pd.DataFrame({"supplier_id": ["B"], "customer_id": ["A"]})
    chain = cg.ChainGraph.from_frames(firms, links)
    df = lead_firms(chain)
    # no revenue: size is network throughput (1 for A and B); Z has neither revenue nor
    # links, so its size, scale and hence score, rank and verdict are unknown, not 0
    assert df.loc[["A", "B"], "size"].tolist() == [1.0, 1.0]
    for col in ("size", "sales_share", "scale", "lead_score"):
        assert np.isnan(df.loc["Z", col]), col
    assert df.loc["Z", "rank"] is pd.NA and df.loc["Z", "is_lead"] is pd.NA
    assert df.index[-1] == "Z" and df.loc[["A", "B"], "rank"].notna().all()
    # what the network says is known: no suppliers, no customers
    assert df.loc["Z", ["n_suppliers_2", "n_customers_2", "supplier_dependence"]].tolist() == [0, 0, 0]
    # A → dependence 1/1, without segments the span is 0
    assert df.loc["A", "supplier_dependence"] == 1.0
    assert (df["span"] == 0).all()
    # with the scale component dropped the score no longer depends on the size
    unscaled = lead_firms(chain, weights={"scale": 0})
    assert unscaled["lead_score"].notna().all() and unscaled["rank"].dtype == "int64"
    # with revenue Z is known again
    known = lead_firms(cg.ChainGraph.from_frames(firms.assign(revenue=[5.0, 2.0, 1.0]), links))
    assert known.loc["Z", "size"] == 1.0 and known["rank"].dtype == "int64"


def test_reach_counts_against_networkx():
    rng = np.random.default_rng(7)
    n, m = 400, 2000
    s, t = rng.integers(0, n, m), rng.integers(0, n, m)
    ok = s != t
    import scipy.sparse as sp

    w = sp.csr_array((np.ones(ok.sum()), (s[ok], t[ok])), shape=(n, n))
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(s[ok].tolist(), t[ok].tolist()))
    mask = rng.random(n) < 0.3
    got = _reach_kernels.reach_counts(w, 2, masks=[mask])
    for i in range(n):
        d = nx.single_source_shortest_path_length(g, i, cutoff=2)
        d.pop(i)
        assert got[i, 0] == len(d)
        assert got[i, 1] == sum(mask[j] for j in d)


# --------------------------------------------------------------------- recovery on synthetic chains


@pytest.mark.parametrize(
    "n_firms,seed", [(500, 1), (500, 5), (1500, 2), (1500, 3), (3000, 4), (3000, 6), (6000, 1), (6000, 5)]
)
def test_planted_leads_recovered(n_firms, seed):
    from chaingraph.synthetic import synthetic_chain

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = synthetic_chain("nev", n_firms, region="山东", seed=seed)
    planted = sc.planted.lead_firms
    assert planted
    df = lead_firms(sc.chain)
    # every planted lead firm is among the top 2k, k = the number planted
    k = 2 * len(planted)
    assert set(planted) <= set(df.index[:k]), df.loc[planted, ["rank", "lead_score"]]
    # and the top-ranked firm is a planted one
    assert df.index[0] in planted
    # the default rule flags at least three quarters of them
    assert df.loc[planted, "is_lead"].mean() >= 0.75


def test_cli_leads(hand_chain, tmp_path):
    import json

    from click.testing import CliRunner

    from chaingraph.cli import cli

    hand_chain.firms.reset_index().to_csv(tmp_path / "firms.csv", index=False)
    hand_chain.links.to_csv(tmp_path / "links.csv", index=False)
    result = CliRunner().invoke(cli, ["leads", str(tmp_path), "--region", "山东", "--top", "2",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [r["firm_id"] for r in payload["data"]] == ["A", lead_firms(hand_chain).index[1]]
    assert "weights: scale=0.25" in payload["note"]
    bad = CliRunner().invoke(cli, ["leads", str(tmp_path), "--rule", "guangdong-pillar"])
    assert bad.exit_code == 0  # the chain has revenue
    assert CliRunner().invoke(cli, ["leads"]).exit_code == 2


def test_zero_amount_link_is_a_link_for_ecosystem_as_for_the_counts():
    # B → C is recorded with amount 0: a supply relation all the same. lead_firms counts
    # B among C's suppliers, so the ecosystem view must keep B too.
    firms = pd.DataFrame({"firm_id": list("ABCD"), "size_class": ["small", "small", "large", "medium"]})
    links = pd.DataFrame({"supplier_id": ["A", "B", "C"], "customer_id": ["C", "C", "D"],
                          "amount": [5.0, 0.0, 7.0]})
    chain = cg.ChainGraph.from_frames(firms, links)
    assert lead_firms(chain).loc["C", "n_suppliers_2"] == 2
    assert set(ecosystem(chain, "C", depth=1, direction="upstream").firm_ids) == {"A", "B", "C"}
    assert set(ecosystem(chain, "D", depth=2, direction="upstream").firm_ids) == {"A", "B", "C", "D"}
    assert set(ecosystem(chain, "B", depth=2, direction="downstream").firm_ids) == {"B", "C", "D"}


def test_top_must_be_a_non_negative_integer(hand_chain):
    # 2.5 used to be cut to 2 without a word
    for bad in (2.5, -1, "3"):
        with pytest.raises(ValueError, match="top"):
            lead_firms(hand_chain, top=bad)
    assert len(lead_firms(hand_chain, top=0)) == 0
    assert len(lead_firms(hand_chain, top=np.int64(2))) == 2
    assert len(lead_firms(hand_chain, top=100)) == hand_chain.n_firms
