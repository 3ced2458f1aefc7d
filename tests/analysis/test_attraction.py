"""Tests for the attraction list (补链招商清单).

The hand-worked chain (region 山东, amounts in 万元); template ore → part →
car, both flows essential; ore (材料) and part (零部件) are 五基 foundation
segments, car is not::

    O1 (ore, 江苏) ─30─> L2 (part, 山东) ─40─> L1 (car, 山东)
    O1             ─20─> O2 (part, 江苏) ─20─> L1
    F1 (ore, JP)   ─10─> L3 (part, 山东) ─ 5─> L1

plus JP-rest (an aggregate in ore, country JP, no links) and U1 (江苏, no
segment). Revenues: L1 100, L2 50, L3 10 (the region's output weights).

By segment (x = sales to local customers L1, L2, L3):

* ore: no local provider → a gap. D = 30 + 10 = 40, all of it from outside
  (N = 40). L2 buys ore from O1 only, L3 from F1 only: S = 30 + 10 = 40,
  of which O1 is the one source of 30 and F1 of 10. (O2 also buys ore from
  O1 only, but O2 is not local.)
* part: L2 is local. D = 40 + 20 + 5 = 65, N = 20 (from O2). L1 buys part
  from three firms: S = 0.
* car: L1 is local, nobody buys cars: D = N = S = 0, no need.

Default candidates: the non-local firms of ore and part — O1, F1, O2 (not
JP-rest, an aggregate; not U1, no segment). Capacity = sales in the network:
O1 50, F1 10, O2 20.

* gaps_closed: O1 1, F1 1 (ore), O2 0.
* local_demand_served = min(cap, N): O1 min(50, 40) = 40; F1 min(10, 40) =
  10; O2 min(20, 20) = 20. share_served = that / D: 1, 0.25, 20/65.
* second_source_amount = min(cap, S − S_own): O1 min(50, 40 − 30) = 10;
  F1 min(10, 40 − 10) = 10; O2 min(20, 0) = 0.
* ℓ_ore (O1 and F1 stop): L2 and L3 lose their only ore (essential), so all
  their part output; L1 then loses all 65 of its part purchases → every
  local firm loses everything: ℓ_ore = 1. ℓ_part (O2 stops): L1 keeps
  45/65 = 9/13 of its part input, loses 4/13; L2, L3 lose nothing (the
  upstream shock runs from O2 to O1, not local): ℓ_part = 100 · 4/13 / 160
  = 5/26. risk_reduction = ℓ · served / N: O1 1 · 40/40 = 1, F1 1 · 10/40
  = 0.25, O2 5/26 · 20/20 = 5/26.
* score (weights 0.4, 0.3, 0.1, 0.2; each component over the best):
  O1 = 0.4 + 0.3 + 0.1 + 0.2 = 1; F1 = 0.4 + 0.3 · 0.25 + 0.1 · 1 + 0.2 · 0.25
  = 0.625; O2 = 0.3 · 0.5 + 0.2 · (5/26) = 0.15 + 1/26.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.analysis.attraction import attraction_list
from chaingraph.datasets import load_planted, load_prospects

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def hand_template():
    segments = pd.DataFrame({"segment_id": ["ore", "part", "car"], "name": ["矿", "零件", "整车"],
                             "stage": ["upstream", "midstream", "downstream"],
                             "foundation": ["材料", "零部件", None]})
    flows = pd.DataFrame({"from_segment": ["ore", "part"], "to_segment": ["part", "car"],
                          "essential": [True, True]})
    return cg.ChainTemplate.from_frames(segments, flows, name="hand")


HAND_FIRMS = pd.DataFrame({
    "firm_id": ["L1", "L2", "L3", "O1", "O2", "F1", "JP-rest", "U1"],
    "segment_id": ["car", "part", "part", "ore", "part", "ore", "ore", None],
    "province": ["山东", "山东", "山东", "江苏", "江苏", None, None, "江苏"],
    "country": ["CN", "CN", "CN", "CN", "CN", "JP", "JP", "CN"],
    "kind": ["firm"] * 6 + ["aggregate", "firm"],
    "revenue": [100.0, 50.0, 10.0, None, None, None, None, None],
})
HAND_LINKS = pd.DataFrame({
    "supplier_id": ["O1", "O1", "F1", "L2", "O2", "L3"],
    "customer_id": ["L2", "O2", "L3", "L1", "L1", "L1"],
    "amount": [30.0, 20.0, 10.0, 40.0, 20.0, 5.0],
})


def hand_chain(links=HAND_LINKS, firms=HAND_FIRMS):
    return cg.ChainGraph.from_frames(firms, links, hand_template(), region="山东")


def test_known_answer_default_candidates():
    a = attraction_list(hand_chain(), top=None)
    assert a.index.tolist() == ["O1", "F1", "O2"]  # never JP-rest (aggregate) or U1 (no segment)
    assert a["rank"].tolist() == [1, 2, 3]
    assert a["location"].astype(str).tolist() == ["outside", "foreign", "outside"]
    np.testing.assert_allclose(a["capacity"], [50, 10, 20])
    assert a["gaps_closed"].tolist() == [1, 1, 0]
    np.testing.assert_allclose(a["local_demand_served"], [40, 10, 20])
    np.testing.assert_allclose(a["share_served"], [1, 0.25, 20 / 65])
    np.testing.assert_allclose(a["second_source_amount"], [10, 10, 0])
    np.testing.assert_allclose(a["risk_reduction"], [1, 0.25, 5 / 26], rtol=1e-9)
    np.testing.assert_allclose(a["score"], [1, 0.625, 0.15 + 1 / 26], rtol=1e-9)
    assert a.loc["O1", "reasons"] == ("gaps_closed; local_demand_served; risk_reduction; "
                                      "second_source_amount")
    # F1: gaps 0.4, second source 0.1, local demand 0.075, risk 0.05
    assert a.loc["F1", "reasons"] == ("gaps_closed; second_source_amount; local_demand_served; "
                                      "risk_reduction")
    assert a.loc["O2", "reasons"] == "local_demand_served; risk_reduction"
    assert a.attrs["weights"] == {"gaps_closed": 0.4, "local_demand_served": 0.3,
                                  "second_source_amount": 0.1, "risk_reduction": 0.2}
    # U1 has no segment, so the cascade takes every input as non-essential ("linear"); here
    # that is the same as the template's essential flows: each firm buys one input segment
    assert a.attrs["risk"]["essentiality"] == "linear" and a.attrs["basis"] == "links"
    assert a.attrs["region"] == "山东" and a.attrs["n_candidates"] == 3


def test_known_answer_prospects():
    # P1 (ore, 江苏, revenue 100): closes the ore gap, serves min(100, 40) = 40, second
    # source for all S = 40 (it is no one's source yet), risk 1 · 40/40 = 1.
    # P2 (car, amount 10 beside revenue 500: amount is the capacity): nothing to serve.
    # P3 (part, revenue 10): serves min(10, 20) = 10 = 10/65 of D; risk 5/26 · 10/20.
    # P4 is in Shandong and P5 an aggregate: left out with a warning.
    prospects = pd.DataFrame({
        "firm_id": ["P1", "P2", "P3", "P4", "P5"], "name": ["甲", "乙", "丙", "丁", "戊"],
        "segment_id": ["ore", "car", "part", "ore", "ore"],
        "province": ["江苏", "江苏", "浙江", "山东", None],
        "country": ["CN", "CN", "CN", "CN", "KR"],
        "revenue": [100.0, 500.0, 10.0, 80.0, None], "amount": [None, 10.0, None, None, None],
        "kind": [None, None, None, None, "汇总"],
    })
    with pytest.warns(UserWarning, match=r"2 of 5 candidates left out.*P4 \(already in the "
                                         r"focus region\); P5 \(an aggregate"):
        a = attraction_list(hand_chain(), prospects)
    assert a.index.tolist() == ["P1", "P3", "P2"]
    assert a.attrs["rejected"] == {"P4": "already in the focus region",
                                   "P5": "an aggregate (kind 'aggregate'), not a firm"}
    np.testing.assert_allclose(a["capacity"], [100, 10, 10])
    assert a["gaps_closed"].tolist() == [1, 0, 0]
    np.testing.assert_allclose(a["local_demand_served"], [40, 10, 0])
    np.testing.assert_allclose(a["share_served"], [1, 10 / 65, 0])
    np.testing.assert_allclose(a["second_source_amount"], [40, 0, 0])
    np.testing.assert_allclose(a["risk_reduction"], [1, 5 / 52, 0], rtol=1e-9)
    # P3: 0.3 · 10/40 + 0.2 · (5/52) / 1
    np.testing.assert_allclose(a["score"], [1, 0.075 + 0.2 * 5 / 52, 0], rtol=1e-9)
    assert a.loc["P2", "reasons"] == ""


def test_a_prospect_already_in_the_chain_is_not_its_own_second_source():
    # O1 as a prospect: the 30 of S it is the one source of does not count (as by default)
    prospects = pd.DataFrame({"firm_id": ["O1"], "segment_id": ["ore"], "province": ["江苏"],
                              "revenue": [1000.0]})
    a = attraction_list(hand_chain(), prospects)
    assert a.loc["O1", "second_source_amount"] == 10
    assert a.loc["O1", "local_demand_served"] == 40


def test_unknown_capacity_gives_an_unknown_score_not_a_zero():
    prospects = pd.DataFrame({"firm_id": ["P1", "P2"], "segment_id": ["ore", "part"],
                              "province": ["江苏", "江苏"], "revenue": [None, 5.0]})
    a = attraction_list(hand_chain(), prospects)
    assert a.index.tolist() == ["P2", "P1"]
    assert a.loc["P1", "gaps_closed"] == 1  # known without the capacity
    assert np.isnan(a.loc["P1", "local_demand_served"]) and np.isnan(a.loc["P1", "score"])
    assert a["rank"].isna().tolist() == [False, True]
    assert a.loc["P1", "reasons"] == "gaps_closed; capacity_unknown"


def test_weights_top_and_risk_switch():
    chain = hand_chain()
    a = attraction_list(chain, top=2, weights={"risk_reduction": 0, "second_source_amount": 0},
                        risk=False)
    assert len(a) == 2 and a.attrs["n_candidates"] == 3
    assert a["risk_reduction"].isna().all()
    assert a.attrs["notes"] == {"risk_reduction": "not computed (risk=False)"}
    # gaps 0.4 and local demand 0.3, rescaled: 4/7 and 3/7
    np.testing.assert_allclose(a["score"], [1, 4 / 7 + 3 / 7 * 0.25])
    a = attraction_list(chain, risk=False)  # risk's default weight goes to the others
    assert a.attrs["weights"]["risk_reduction"] == 0
    np.testing.assert_allclose(sum(a.attrs["weights"].values()), 1)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"top": 0}, ValueError, "top must be a positive integer"),
    ({"weights": {"size": 1}}, ValueError, "unknown attraction score components"),
    ({"weights": {"gaps_closed": -1}}, ValueError, "non-negative"),
    ({"candidates": ["O1"]}, TypeError, "candidates must be a DataFrame"),
    ({"risk": "yes"}, TypeError, "risk must be True or False"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        attraction_list(hand_chain(), **kwargs)


@pytest.mark.parametrize("table, match", [
    (pd.DataFrame({"firm_id": ["P1"], "revenue": [1.0]}), "missing required column 'segment_id'"),
    (pd.DataFrame({"segment_id": ["ore"]}), "missing required column 'firm_id'"),
    (pd.DataFrame({"firm_id": ["P1", "P1"], "segment_id": ["ore", "car"], "province": ["江苏"] * 2}),
     "duplicate firm_id 'P1'"),
    (pd.DataFrame({"firm_id": ["P1", "P2"], "segment_id": ["ore", "steel"], "province": ["江苏"] * 2}),
     r"candidates: column 'segment_id': segments 'steel' are not segments of the chain.*\(row 1\)"),
    (pd.DataFrame({"firm_id": ["P1", "P2"], "segment_id": ["ore", None], "province": ["江苏"] * 2}),
     r"missing segment_id.*\(row 1\)"),
    (pd.DataFrame({"firm_id": ["P1", "P2"], "segment_id": ["ore", "ore"], "country": ["CN", "JP"]}),
     r"no province for domestic candidates.*\(row 0\)"),
    (pd.DataFrame({"firm_id": ["P1"], "segment_id": ["ore"], "province": ["江苏"],
                   "share": [12.0]}), "give shares as fractions"),
])
def test_bad_candidates_tables_name_the_column_and_rows(table, match):
    with pytest.raises(cg.ChainDataError, match=match):
        attraction_list(hand_chain(), table)


def test_needs_segments():
    firms = pd.DataFrame({"firm_id": ["A", "B"], "province": ["山东", "江苏"]})
    links = pd.DataFrame({"supplier_id": ["B"], "customer_id": ["A"], "amount": [1.0]})
    chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    with pytest.raises(cg.ChainDataError, match="needs each firm's segment"):
        attraction_list(chain)


# --------------------------------------------------------------------------- #
# the vectorised components against the slow truth: rebuild the chain with the
# candidate brought in, re-run gaps / weak_links / single_sourcing


SEGS = ["s0", "s1", "s2", "s3"]
PLACES = [("山东", "CN"), ("江苏", "CN"), (None, "JP")]


def random_chain(seed: int):
    """A random chain on s0 → s1 → s2 → s3 (and s0 → s2), flows essential or not, links
    only along the flows (so no firm buys from its own segment)."""
    rng = np.random.default_rng(seed)
    flows = pd.DataFrame({"from_segment": ["s0", "s1", "s2", "s0"],
                          "to_segment": ["s1", "s2", "s3", "s2"],
                          "essential": rng.random(4) < 0.7})
    segments = pd.DataFrame({"segment_id": SEGS, "foundation": ["材料", None, "零部件", None]})
    template = cg.ChainTemplate.from_frames(segments, flows, name="random")
    rows = []
    while not rows:  # draw again until the chain has a link
        firms, rows = _random_firms_and_links(rng, flows)
    links = pd.DataFrame(rows, columns=["supplier_id", "customer_id", "amount"])
    return firms, links, template


def _random_firms_and_links(rng, flows):
    n = int(rng.integers(8, 16))
    seg = rng.choice(SEGS, n)
    place = rng.choice(len(PLACES), n, p=[0.4, 0.35, 0.25])
    firms = pd.DataFrame({
        "firm_id": [f"F{i:02d}" for i in range(n)], "segment_id": seg,
        "province": [PLACES[p][0] for p in place], "country": [PLACES[p][1] for p in place],
        "revenue": np.round(rng.uniform(10, 200, n), 1),
    })
    rows = []
    for a, b in zip(flows["from_segment"], flows["to_segment"]):
        for s in np.flatnonzero(seg == a):
            for c in np.flatnonzero(seg == b):
                if rng.random() < 0.45:
                    rows.append((firms["firm_id"][s], firms["firm_id"][c], float(rng.integers(1, 50))))
    return firms, rows


def build(firms, links, template):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cg.ChainGraph.from_frames(firms, links, template, region="山东")


def brought_in(firms, firm_id):
    """The firms table with one firm moved into the region."""
    moved = firms.copy()
    at = moved["firm_id"] == firm_id
    moved.loc[at, "province"] = "山东"
    moved.loc[at, "country"] = "CN"
    return moved


def no_local_gaps(chain):
    g = cg.gaps(chain)
    return set(g.loc[g["kind"].isin(["missing", "no_local"]), "segment_id"])


def local_supply(wl):
    """Per segment: local demand met by local firms, and bought from elsewhere."""
    d = wl["local_demand"]
    return (d * wl["local_share"].fillna(0)), d * (1 - wl["local_share"].fillna(1))


def local_single_sourced(chain, segment):
    ss = cg.single_sourcing(chain)
    local = chain.location.reindex(ss["customer_id"]).to_numpy() == "local"
    return ss.loc[local & (ss["segment_id"] == segment).to_numpy()]


@pytest.mark.parametrize("seed", range(25))
def test_vectorised_components_match_rebuilding_the_chain(seed):
    firms, links, template = random_chain(seed)
    chain = build(firms, links, template)
    a = attraction_list(chain, top=None)
    wl = weak_links(chain)
    before_gaps = no_local_gaps(chain)
    _, from_outside = local_supply(wl)
    out_strength = pd.Series(chain.out_strength, index=chain.firm_ids)
    # every non-local firm of a segment in need is a candidate; no other firm is
    need = set(before_gaps) | set(wl.index[(from_outside > 0).to_numpy()]) | \
        set(wl.index[wl["single_sourced"] > 0])
    expected = [f for f in chain.firm_ids if chain.location[f] != "local"
                and chain.firms.loc[f, "segment_id"] in need]
    assert sorted(a.index) == sorted(expected)
    for f in a.index:
        k = chain.firms.loc[f, "segment_id"]
        cap = out_strength[f]
        # gaps: rebuild with f local, re-run gaps
        moved = build(brought_in(firms, f), links, template)
        assert a.loc[f, "gaps_closed"] == len(before_gaps - no_local_gaps(moved))
        # local demand: f local and taking over the outside suppliers' local sales of k,
        # up to its own sales; re-run weak_links: the local supply of k grows by exactly
        # local_demand_served (f buys nothing from its own segment, so D_k is unchanged)
        takeover = taken_over(chain, links, f, k, cap)
        after = build(brought_in(firms, f), takeover, template)
        met_before, _ = local_supply(wl)
        met_after, _ = local_supply(weak_links(after))
        assert a.loc[f, "local_demand_served"] == pytest.approx(met_after[k] - met_before[k],
                                                                abs=1e-9)
        d = wl.loc[k, "local_demand"]
        assert a.loc[f, "share_served"] == pytest.approx(
            (met_after[k] - met_before[k]) / d if d > 0 else 0.0, abs=1e-12)
        # second source: f local and selling to every local customer that buys k from one
        # supplier; re-run single_sourcing: what is no longer single-sourced, up to its sales
        ss = local_single_sourced(chain, k)
        new = pd.DataFrame({"supplier_id": f, "customer_id": ss["customer_id"], "amount": 1.0})
        after = build(brought_in(firms, f), pd.concat([links, new], ignore_index=True), template)
        left = local_single_sourced(after, k)
        dissolved = ss["amount"].sum() - ss.loc[ss["customer_id"].isin(left["customer_id"]),
                                               "amount"].sum()
        assert a.loc[f, "second_source_amount"] == pytest.approx(min(cap, dissolved), abs=1e-9)
        # risk: the scenario's loss, run directly, times the part of the outside supply served
        outside = from_outside[k]
        expected = 0.0 if outside == 0 else region_loss_without_outside_supply(chain, k) * \
            (met_after[k] - met_before[k]) / outside
        assert a.loc[f, "risk_reduction"] == pytest.approx(expected, abs=1e-12)
    assert a.attrs["risk"]["essentiality"] == "template"


def region_loss_without_outside_supply(chain, segment):
    """ℓ_k, directly: the non-local firms selling ``segment`` to local customers stop; the
    share of the local firms' output (revenue) lost."""
    links = chain.links
    local = chain.location
    sellers = links.loc[links["supplier_id"].map(chain.firms["segment_id"]).eq(segment)
                        & links["supplier_id"].map(local).ne("local")
                        & links["customer_id"].map(local).eq("local"), "supplier_id"].unique()
    res = cg.simulate_disruption(chain, list(sellers), essentiality="template", tol=1e-4)
    loss = res.firm_impacts["loss"]
    w = chain.firms["revenue"].astype(float)
    is_local = local == "local"
    return float((w * loss)[is_local].sum() / w[is_local].sum())


def taken_over(chain, links, firm, segment, capacity):
    """The links after ``firm`` takes over the other non-local suppliers' sales of ``segment``
    to local customers, each in the same proportion, up to ``capacity`` in all."""
    local = chain.location
    seg = chain.firms["segment_id"]
    out = links.copy()
    own = out.loc[(out["supplier_id"] == firm) & out["customer_id"].map(local).eq("local"),
                  "amount"].sum()
    others = (out["supplier_id"] != firm) & out["supplier_id"].map(seg).eq(segment) & \
        out["supplier_id"].map(local).ne("local") & out["customer_id"].map(local).eq("local")
    pool = out.loc[others, "amount"].sum()
    if pool == 0:
        return out
    f = min(1.0, max(capacity - own, 0.0) / pool)
    moved = out.loc[others].assign(supplier_id=firm, amount=out.loc[others, "amount"] * f)
    out.loc[others, "amount"] = out.loc[others, "amount"] * (1 - f)
    return pd.concat([out, moved], ignore_index=True)


def weak_links(chain):
    return cg.weak_links(chain)


def test_risk_reduction_is_the_first_order_change_of_the_cascade():
    # P (part, capacity 10) takes over half of O2's 20 of part sold to L1. Scenario: O2
    # stops. Before, L1 loses 20/65 of its part input; after, 10/65 — the loss of the
    # region's (original) output halves, as risk_reduction = ℓ_part · 10/20 says.
    chain = hand_chain()
    prospects = pd.DataFrame({"firm_id": ["P"], "segment_id": ["part"], "province": ["江苏"],
                              "revenue": [10.0]})
    predicted = attraction_list(chain, prospects).loc["P", "risk_reduction"]
    firms = pd.concat([HAND_FIRMS, pd.DataFrame({"firm_id": ["P"], "segment_id": ["part"],
                                                  "province": ["山东"], "country": ["CN"],
                                                  "kind": ["firm"], "revenue": [10.0]})],
                      ignore_index=True)
    links = HAND_LINKS.copy()
    links.loc[(links["supplier_id"] == "O2") & (links["customer_id"] == "L1"), "amount"] = 10.0
    links = pd.concat([links, pd.DataFrame({"supplier_id": ["P"], "customer_id": ["L1"],
                                            "amount": [10.0]})], ignore_index=True)
    after = hand_chain(links, firms)

    def region_loss(c):
        res = cg.simulate_disruption(c, ["O2"], essentiality="linear", tol=1e-4)
        loss = res.firm_impacts["loss"].reindex(["L1", "L2", "L3"]).to_numpy()
        return float(loss @ np.array([100.0, 50.0, 10.0]) / 160)

    assert region_loss(chain) == pytest.approx(5 / 26)
    assert region_loss(chain) - region_loss(after) == pytest.approx(predicted, rel=1e-9)
    assert predicted == pytest.approx(5 / 52)


def test_links_with_presence_but_no_primary_segments():
    # C is in part and ore (amounts 2 and 2: half of its 7 of sales each); single sourcing
    # needs firms.segment_id, so second_source_amount is unknown and weighs nothing
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "province": ["山东", "江苏", "江苏"]})
    presence = pd.DataFrame({"firm_id": ["A", "B", "C", "C"], "segment_id": ["car", "part", "part", "ore"],
                             "amount": [1.0, 1.0, 2.0, 2.0]})
    links = pd.DataFrame({"supplier_id": ["B", "C"], "customer_id": ["A", "A"], "amount": [5.0, 7.0]})
    chain = cg.ChainGraph.from_frames(firms, links, presence=presence, region="山东")
    a = attraction_list(chain)
    assert a["second_source_amount"].isna().all() and "second_source_amount" in a.attrs["notes"]
    assert a.attrs["weights"]["second_source_amount"] == 0
    # part: D = N = 5 + 3.5; ore: D = N = 3.5. C: min(3.5, 8.5) + min(3.5, 3.5) = 7, closes the
    # ore and part gaps; B: min(5, 8.5) = 5, closes part's
    np.testing.assert_allclose(a.loc[["C", "B"], "local_demand_served"], [7, 5])
    assert a.loc[["C", "B"], "gaps_closed"].tolist() == [2, 1]
    np.testing.assert_allclose(a.loc["C", "share_served"], 3.5 / 8.5 + 1)


# --------------------------------------------------------------------------- #
# chain maps


def chain_map():
    """Segments a and b (a: 材料); no links.

    a: X (JP, share 0.7) and JP-rest (aggregate, 0.3) — no local provider: a gap.
    b: H (山东, 0.5), Y (江苏, 0.2), Z (DE, negligible), W (江苏, share unknown).
    Candidates: X (gap, share 0.7), Y (0.2), Z (0, negligible), W (unknown); never JP-rest.
    Score over gaps (0.4) and the share proxy (0.3), rescaled to 4/7 and 3/7:
    X = 4/7 + 3/7 = 1; Y = 3/7 · 0.2/0.7; Z = 0; W unknown.
    """
    firms = pd.DataFrame({"firm_id": ["X", "JP-rest", "H", "Y", "Z", "W"],
                          "country": ["JP", "JP", "CN", "CN", "DE", "CN"],
                          "province": [None, None, "山东", "江苏", None, "江苏"],
                          "kind": ["firm", "aggregate", "firm", "firm", "firm", "firm"]})
    presence = pd.DataFrame({"firm_id": ["X", "JP-rest", "H", "Y", "Z", "W"],
                             "segment_id": ["a", "a", "b", "b", "b", "b"],
                             "share": [0.7, 0.3, 0.5, 0.2, None, None],
                             "negligible": [False, False, False, False, True, False]})
    segments = pd.DataFrame({"segment_id": ["a", "b"], "foundation": ["材料", None]})
    return cg.ChainGraph.from_frames(firms, presence=presence, segments=segments, region="山东")


def test_chain_map_uses_presence_shares_and_says_what_needs_links():
    a = attraction_list(chain_map(), top=None)
    assert a.index.tolist() == ["X", "Y", "Z", "W"]
    assert a["gaps_closed"].tolist() == [1, 0, 0, 0]
    np.testing.assert_allclose(a["share_served"], [0.7, 0.2, 0.0, np.nan])
    for col in ("local_demand_served", "second_source_amount", "risk_reduction", "capacity"):
        assert a[col].isna().all()
    assert set(a.attrs["notes"]) == {"local_demand_served", "second_source_amount",
                                     "risk_reduction"}
    assert "chain map" in a.attrs["notes"]["risk_reduction"]
    assert a.attrs["basis"] == "presence" and a.attrs["risk"] is None
    np.testing.assert_allclose(a.attrs["weights"]["gaps_closed"], 4 / 7)
    np.testing.assert_allclose(a["score"], [1, 3 / 7 * 0.2 / 0.7, 0, np.nan])
    assert a.loc["X", "reasons"] == "gaps_closed; share_served"
    assert a.loc["W", "reasons"] == "share_unknown"


def test_chain_map_shares_from_amounts_and_prospects():
    # segment b gives amounts, no shares: Y's share is 30 / (50 + 30 + 20) = 0.3
    firms = pd.DataFrame({"firm_id": ["H", "Y", "V"], "province": ["山东", "江苏", "江苏"]})
    presence = pd.DataFrame({"firm_id": ["H", "Y", "V"], "segment_id": ["b", "b", "b"],
                             "amount": [50.0, 30.0, 20.0]})
    chain = cg.ChainGraph.from_frames(firms, presence=presence, region="山东")
    a = attraction_list(chain)
    np.testing.assert_allclose(a.loc[["Y", "V"], "share_served"], [0.3, 0.2])
    prospects = pd.DataFrame({"firm_id": ["P"], "segment_id": ["b"], "country": ["US"],
                              "share": [0.4]})
    a = attraction_list(chain, prospects)
    assert a.loc["P", "share_served"] == 0.4 and a.loc["P", "location"] == "foreign"


# --------------------------------------------------------------------------- #
# the shipped data


@pytest.fixture(scope="module")
def nev():
    return cg.load_dataset("shandong-nev")


def test_default_first_is_the_biggest_seller_of_a_planted_missing_segment(nev):
    planted = load_planted("shandong-nev")
    a = attraction_list(nev, top=10)
    seg = nev.firms["segment_id"]
    in_missing = seg.isin(planted.missing_segments).to_numpy() & ~nev.is_local
    # every outside firm of those segments sells less than the segment's local demand, all
    # of which is bought from outside: local_demand_served is its sales
    wl = cg.weak_links(nev).loc[planted.missing_segments]
    assert (wl["local_share"] == 0).all()
    sales = pd.Series(nev.out_strength[in_missing], index=nev.firm_ids[in_missing])
    assert (sales.to_numpy() < wl["local_demand"].reindex(seg[sales.index]).to_numpy()).all()
    assert a.index[0] == sales.idxmax() == "NEV01772"
    assert a["segment_id"].isin(planted.missing_segments).all()
    assert (a["gaps_closed"] == 1).all()


def test_planted_best_prospect_ranks_first(nev):
    planted = json.loads((DATASETS / "shandong-nev" / "planted.json").read_text(encoding="utf-8"))
    facts = planted["attraction"]
    with pytest.warns(UserWarning, match="2 of 9 candidates left out"):
        a = attraction_list(nev, load_prospects("shandong-nev"), top=None)
    assert a.index[0] == facts["best_prospect"]
    assert sorted(a.attrs["rejected"]) == sorted(facts["rejected"])
    assert set(a.index) | set(facts["rejected"]) == set(load_prospects("shandong-nev")["firm_id"])
    best = a.iloc[0]
    # planted: a missing foundation segment, and enough sales for all of its local demand
    assert best["segment_id"] in load_planted("shandong-nev").missing_segments
    assert best["local_demand_served"] == pytest.approx(
        cg.weak_links(nev).loc[best["segment_id"], "local_demand"])
    # every decoy ranks below, the one of unknown capacity without a rank
    for firm in facts["decoys"]:
        assert a.loc[firm, "score"] < best["score"] or pd.isna(a.loc[firm, "score"])
    assert pd.isna(a.loc[facts["unknown_capacity"], "rank"])


@pytest.mark.parametrize("lang, words", [
    ("zh", ["填补缺链（锂资源及锂盐）", "可就近供应本地现从外地采购的需求 47,738 万元"]),
    ("en", ["fills the gap in Lithium resources and lithium salts",
            "could supply 47,738 万元 of local demand now bought from elsewhere (84% of local demand)"]),
])
def test_the_reports_fill_section_lists_the_top_with_its_reasons(nev, lang, words):
    report = cg.build_report(nev, sections=["gaps"], lang=lang, top=5)
    sec = report.sections["gaps"]
    table = sec.tables["attraction"]
    expected = attraction_list(nev, top=5)
    assert table.index.tolist() == expected.index.tolist()
    np.testing.assert_allclose(table["score"], expected["score"])
    for text in words:
        assert text in table["reasons"].iloc[0]
    assert len(sec.lists["attraction"]) == attraction_list(nev, top=None).attrs["n_candidates"]
    best = "宁德中润锂业股份有限公司"
    assert sec.facts["attraction_best"].startswith(best) and best in report.html


@pytest.mark.parametrize("lang, text", [
    ("zh", "填补 3 处缺链（EUV光刻机等）；带来其所在环节的市场份额，合计 124%"),
    ("en", "fills 3 gaps (EUV scanners and 2 more); brings its market shares into the region "
           "(124%, summed over its segments)"),
])
def test_reasons_of_a_candidate_in_several_segments(lang, text):
    # the world map from the US: NL-001 holds EUV scanners 1.00, ArF immersion 0.10, ArF dry
    # 0.12 and i-line steppers 0.02 (Σ 1.24), and the US has no firm in the first three:
    # it closes 3 gaps, named by its own segment; its shares are summed over its segments,
    # never one segment's 124%
    world = cg.load_dataset("world-semiconductor-map").with_region("US")
    table = cg.build_report(world, sections=["gaps"], lang=lang, top=3).sections["gaps"].tables["attraction"]
    assert table.index[0] == "NL-001" and table["reasons"].iloc[0] == text
