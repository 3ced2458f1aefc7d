"""what_if → WhatIf: 招商 scenarios on the shipped panel, and added rows checked as strictly as
from_frames checks a chain's own rows."""

import warnings

import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.datasets import load_planted
from chaingraph.errors import ChainDataError


@pytest.fixture(scope="module")
def chain():
    return cg.load_dataset("shandong-nev")  # 2023, the panel's latest year


def local_firm(firm_id, segment, **more):
    return pd.DataFrame({"firm_id": [firm_id], "segment_id": [segment], "city": ["枣庄"],
                         "province": ["山东"], "country": ["CN"], "employees": [300],
                         "revenue": [40000.0], **{k: [v] for k, v in more.items()}})


def sales(supplier, customers, amount=300.0):
    return pd.DataFrame({"supplier_id": supplier, "customer_id": list(customers), "amount": amount})


def customers_of(chain, segment, n=5):
    """Local firms that buy from ``segment`` today, the largest buyers first."""
    links = chain.links.assign(seg=chain.links["supplier_id"].map(chain.firms["segment_id"]))
    bought = links[links["seg"] == segment].groupby("customer_id")["amount"].sum()
    local = bought[chain.location.reindex(bought.index) == "local"]
    return local.sort_values(ascending=False).index[:n]


@pytest.mark.parametrize("segment", load_planted("shandong-nev").missing_segments)
def test_a_local_firm_in_a_segment_without_one_closes_the_gap(chain, segment):
    what = cg.what_if(chain, add_firms=local_firm("NEW", segment),
                      add_links=sales("NEW", customers_of(chain, segment)), risk=False)
    gaps = what.gaps.set_index(["segment_id", "kind"])["status"]
    assert gaps[(segment, "no_local")] == "closed"
    assert what.segments.loc[segment, ["n_local_before", "n_local_after"]].tolist() == [0, 1]
    assert what.firms.loc["NEW", ["status", "location_after"]].tolist() == ["entered", "local"]
    assert what.gaps is what.change.gaps and what.before is chain
    assert what.after.year == chain.year == 2023  # the added links are of the chain's year


def test_a_second_local_supplier_dissolves_a_planted_chokepoint(chain):
    planted = load_planted("shandong-nev")
    firm, segment = planted.chokepoints[0], planted.chokepoint_segments[0]
    buyers = chain.links.loc[chain.links["supplier_id"] == firm, "customer_id"].unique()[:20]
    what = cg.what_if(chain, add_firms=local_firm("SECOND", segment),
                      add_links=sales("SECOND", buyers))
    assert what.chokepoints.loc[firm, "status"] == "dissolved"
    assert (what.single_sourcing.loc[what.single_sourcing["supplier_before"] == firm, "status"]
            .value_counts()["dissolved"] == 20)
    # with replaceability, a failing supplier beside a second one takes less down with it
    assert what.risk.loc[firm, "esri_after"] < what.risk.loc[firm, "esri_before"]
    assert what.risk_total["after"] < what.risk_total["before"]
    assert "replaceability=True" in what.notes["risk"]
    assert list(what.integration.columns) == ["before", "after", "change"]
    assert what.integration.index[0] == "score"


def test_removing_a_sole_supplier_opens_a_gap(chain):
    planted = load_planted("shandong-nev")
    firm, segment = planted.chokepoints[1], planted.chokepoint_segments[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        what = cg.what_if(chain, remove_firms=[firm], risk_firms=[planted.lead_firms[0]])
    assert what.firms.loc[firm, "status"] == "exited"
    gaps = what.gaps.set_index(["segment_id", "kind"])["status"]
    assert gaps[(segment, "missing")] == "opened"
    assert what.chokepoints.loc[firm, "status"] == "dissolved"
    assert what.risk.index.tolist() == [planted.lead_firms[0]]
    assert (what.link_pairs["status"] == "lost").sum() == (chain.links["supplier_id"] == firm).sum()


def test_removing_links(chain):
    pair = chain.links.iloc[[0]][["supplier_id", "customer_id"]]
    what = cg.what_if(chain, remove_links=pair, risk=False)
    assert what.link_pairs["status"].value_counts().get("lost") == 1
    assert what.after.n_links == chain.n_links - 1
    assert what.notes["risk"] == "not computed (risk=False)"
    assert what.risk.empty and what.risk_total.isna().all()



@pytest.mark.filterwarnings("ignore:integration:UserWarning")
def test_the_mean_esri_weighs_firms_by_output_so_a_final_assembler_counts():
    # A and C sell 10 and 30 to B, which sells to no one in the chain. Output (linear
    # ESRI's weight): A 10, C 30, B 40 (its purchases); total 80. If A stops B loses
    # 10/40: ESRI_A = (10 + 40·0.25)/80 = 0.25; ESRI_C = (30 + 40·0.75)/80 = 0.75;
    # ESRI_B = 1 (A and C lose their only customer). Output-weighted mean:
    # (10·0.25 + 30·0.75 + 40·1)/80 = 65/80. Without A→B: outputs A 0, C 30, B 30, so
    # ESRI_A = 0, ESRI_C = ESRI_B = 1, and the mean with the weights before is 70/80.
    # (Weighted by network sales B would not count: 25/40 before.)
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "country": "CN"})
    links = pd.DataFrame({"supplier_id": ["A", "C"], "customer_id": ["B", "B"],
                          "amount": [10.0, 30.0]})
    chain = cg.ChainGraph.from_frames(firms, links)
    what = cg.what_if(chain, remove_links=links.iloc[[0]][["supplier_id", "customer_id"]])
    assert what.risk["esri_before"].to_dict() == pytest.approx({"A": 0.25, "B": 1.0, "C": 0.75})
    assert what.risk_total.to_dict() == pytest.approx(
        {"before": 65 / 80, "after": 70 / 80, "change": 5 / 80})
    assert "output" in what.notes["risk"]


# --------------------------------------------------------------------------- added rows checked


def test_added_firms_are_checked_naming_their_rows(chain):
    bad = pd.concat([local_firm("N1", "bms"), local_firm("N2", "bms", revenue=-5.0)],
                    ignore_index=True)
    with pytest.raises(ChainDataError) as err:
        cg.what_if(chain, add_firms=bad, risk=False)
    assert str(err.value) == "add_firms: column 'revenue': negative values -5.0 (row 1)"
    with pytest.raises(ChainDataError) as err:
        cg.what_if(chain, add_firms=local_firm("N1", "no_such_segment"), risk=False)
    assert str(err.value).startswith("add_firms: column 'segment_id': segments 'no_such_segment' "
                                     "are not in the template 'nev'")
    twice = pd.concat([local_firm("N1", "bms"), local_firm("NEV00001", "bms")], ignore_index=True)
    with pytest.raises(ChainDataError) as err:
        cg.what_if(chain, add_firms=twice, risk=False)
    assert str(err.value) == "add_firms: column 'firm_id': firms already in the chain: 'NEV00001' (row 1)"


def test_added_links_are_checked_naming_their_rows(chain):
    links = pd.DataFrame({"supplier_id": ["NEV00001", "NOBODY"], "customer_id": ["NEV00002"] * 2,
                          "amount": [1.0, 2.0]}, index=[10, 11])
    with pytest.raises(ChainDataError) as err:
        cg.what_if(chain, add_links=links, risk=False)
    assert str(err.value) == ("add_links: column 'supplier_id': 1 firms neither in the chain nor "
                              "in add_firms: 'NOBODY' (row 11)")
    with pytest.raises(ChainDataError, match=r"add_links: column 'amount': negative values .*\(row 10\)"):
        cg.what_if(chain, add_links=links.iloc[:1].assign(amount=-1.0), risk=False)
    with pytest.raises(ChainDataError, match="add_links: column 'amount': the chain's links have "
                                             "amounts: give the added links an amount"):
        cg.what_if(chain, add_links=links.iloc[:1].drop(columns="amount"), risk=False)
    # a link to a firm that is removed in the same scenario
    with pytest.raises(ChainDataError, match="add_links: .*'NEV00001'"):
        cg.what_if(chain, add_links=links.iloc[:1], remove_firms=["NEV00001"], risk=False)


def test_removed_firms_and_links_must_be_in_the_chain(chain):
    with pytest.raises(ChainDataError) as err:
        cg.what_if(chain, remove_firms=["NEV00001", "NOBODY"])
    assert str(err.value) == "remove_firms: 1 firms not in the chain: 'NOBODY' (row 1)"
    gone = pd.DataFrame({"supplier_id": ["NEV00002"], "customer_id": ["NEV00001"]}, index=[7])
    with pytest.raises(ChainDataError) as err:
        cg.what_if(chain, remove_links=gone)
    assert str(err.value) == "remove_links: pairs not in the chain's links: NEV00002→NEV00001 (row 7)"
    with pytest.raises(TypeError, match="add_links must be a pandas DataFrame"):
        cg.what_if(chain, add_links=[("A", "B")])


# --------------------------------------------------------------------------- chain maps


@pytest.fixture
def chain_map():
    firms = pd.DataFrame({"firm_id": ["A", "B", "JP-rest"], "country": ["CN", "US", "JP"],
                          "kind": ["firm", "firm", "aggregate"]})
    presence = pd.DataFrame({"firm_id": ["B", "JP-rest", "B"], "segment_id": ["euv", "euv", "duv"],
                             "share": [0.9, 0.1, 0.5]})
    return cg.ChainGraph.from_frames(firms, presence=presence)


def test_a_chain_map_what_if_with_presence(chain_map):
    firm = pd.DataFrame({"firm_id": ["SMEE"], "country": ["CN"]})
    rows = pd.DataFrame({"firm_id": ["SMEE"], "segment_id": ["duv"], "share": [0.2]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        what = cg.what_if(chain_map, add_firms=firm, add_presence=rows)
    assert what.firms.loc["SMEE", "status"] == "entered"
    assert what.after.presence["firm_id"].tolist() == ["B", "JP-rest", "B", "SMEE"]
    assert what.link_pairs.empty and "needs supplier–customer links" in what.change.notes["links"]
    assert what.notes["risk"].startswith("needs supplier–customer links")
    assert what.integration.empty


def test_added_presence_is_checked_with_the_chain_s_own_rows(chain_map, chain):
    over = pd.DataFrame({"firm_id": ["A", "A"], "segment_id": ["duv", "euv"], "share": [0.2, 0.3]},
                        index=[4, 5])
    with pytest.raises(ChainDataError) as err:
        cg.what_if(chain_map, add_presence=over)
    assert str(err.value) == ("add_presence: column 'share': with the chain's own rows, the shares "
                              "of 'euv' sum to 1.3, above 1 (row 5)")
    again = pd.DataFrame({"firm_id": ["B"], "segment_id": ["duv"]}, index=[9])
    with pytest.raises(ChainDataError, match=r"add_presence: .*pairs the chain already has \(row 9\)"):
        cg.what_if(chain_map, add_presence=again)
    with pytest.raises(ChainDataError, match="add_presence: this chain has no presence table"):
        cg.what_if(chain, add_presence=again, risk=False)


@pytest.mark.filterwarnings("ignore:integration:UserWarning")  # three firms: no size classes
def test_large_chain_risk_firms_are_those_with_the_largest_output(monkeypatch, assembly):
    # above the size limit the firms compared are those with the largest
    # output: B (12), then A (7); by network sales they would be A and C
    from chaingraph.analysis import whatif

    monkeypatch.setattr(whatif, "RISK_ALL_FIRMS", 2)
    monkeypatch.setattr(whatif, "RISK_LARGEST", 2)
    what = cg.what_if(assembly, remove_links=pd.DataFrame({"supplier_id": ["C"],
                                                      "customer_id": ["B"]}))
    assert sorted(what.risk.index) == ["A", "B"]
    assert "largest output" in what.notes["risk"]
