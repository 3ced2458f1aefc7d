"""Segment membership and the segment-level sums taken through it (ChainGraph)."""

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg

# A five-firm chain worked by hand. Segments (template order): up, mid, down; mid has no firm.
#
#   firm  segment  location        links out (万元)
#    A    up       local (山东)    A→C 10, A→D 7
#    B    up       local (山东)    B→C 5,  B→A 2
#    C    down     foreign (JP)    C→E 20
#    D    unknown  local (山东)    D→E 4
#    E    down     local (山东)    E→A 1
#
# M (rows A..E, columns up, mid, down): A, B = [1 0 0]; C, E = [0 0 1]; D = [] (empty row).
# S = Mᵀ W M sums the links by (supplier segment, customer segment):
#   up→up   B→A 2             up→down   A→C 10 + B→C 5 = 15
#   down→up E→A 1             down→down C→E 20
# and with a column/row for the unknown segment: up→? A→D 7, ?→down D→E 4.
# Total 2 + 15 + 1 + 20 + 7 + 4 = 49 = every link.


@pytest.fixture
def hand():
    firms = pd.DataFrame(
        {
            "firm_id": ["A", "B", "C", "D", "E"],
            "segment_id": ["up", "up", "down", None, "down"],
            "province": ["山东", "山东", None, "山东", "山东"],
            "country": ["CN", "CN", "JP", "CN", "CN"],
        }
    )
    links = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "A", "D", "C", "E", "B"],
            "customer_id": ["C", "C", "D", "E", "E", "A", "A"],
            "amount": [10.0, 5.0, 7.0, 4.0, 20.0, 1.0, 2.0],
        }
    )
    segments = pd.DataFrame(
        {"segment_id": ["up", "mid", "down"], "stage": ["upstream", "midstream", "downstream"]}
    )
    return cg.ChainGraph.from_frames(firms, links, segments, region="山东")


def test_membership_is_one_hot_with_an_empty_row_for_the_unknown_segment(hand):
    m = hand.segment_membership
    assert m.shape == (5, 3) and m.dtype == np.float64
    np.testing.assert_array_equal(
        m.toarray(),
        [[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 1]],
    )
    assert np.diff(m.indptr).tolist() == [1, 1, 1, 0, 1]  # D stores nothing


def test_flow_matrix_by_hand(hand):
    np.testing.assert_array_equal(
        hand.segment_flow_matrix().toarray(),
        [[2, 0, 15], [0, 0, 0], [1, 0, 20]],
    )
    with_unknown = hand.segment_flow_matrix(unknown=True).toarray()
    np.testing.assert_array_equal(
        with_unknown,
        [[2, 0, 15, 7], [0, 0, 0, 0], [1, 0, 20, 0], [0, 0, 4, 0]],
    )
    assert with_unknown.sum() == 49.0 == hand.adjacency.sum()


def test_flow_matrix_among_some_firms(hand):
    # local firms A, B, D, E: the links among them are B→A 2, E→A 1, A→D 7, D→E 4 (C is foreign)
    local = hand.segment_flow_matrix(firms=hand.is_local, unknown=True).toarray()
    np.testing.assert_array_equal(
        local,
        [[2, 0, 0, 7], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 4, 0]],
    )


def test_totals_by_hand(hand):
    # sales: A 10 + 7 = 17, B 5 + 2 = 7, C 20, D 4, E 1 → up 24, mid 0, down 21, unknown 4
    np.testing.assert_array_equal(hand.out_strength, [17, 7, 20, 4, 1])
    np.testing.assert_array_equal(hand.segment_totals(hand.out_strength), [24, 0, 21])
    np.testing.assert_array_equal(hand.segment_totals(hand.out_strength, unknown=True), [24, 0, 21, 4])
    # two columns at once: sales and purchases (A buys 1 + 2, C 15, D 7, E 24)
    both = hand.segment_totals(np.column_stack([hand.out_strength, hand.in_strength]), unknown=True)
    np.testing.assert_array_equal(both, [[24, 3], [0, 0], [21, 39], [4, 7]])


def test_firm_counts_by_hand(hand):
    assert hand.segment_firm_counts().tolist() == [2, 0, 2]
    assert hand.segment_firm_counts(unknown=True).tolist() == [2, 0, 2, 1]
    # local firms: A, B (up), E (down), D (unknown)
    assert hand.segment_firm_counts(hand.is_local, unknown=True).tolist() == [2, 0, 1, 1]
    by_location = hand.location_codes[:, None] == np.arange(3)  # local, outside, foreign
    counts = hand.segment_firm_counts(by_location)
    assert counts.dtype == np.int64
    assert counts.tolist() == [[2, 0, 0], [0, 0, 0], [1, 0, 1]]


def test_summary_reads_the_same_sums(hand):
    s = hand.summary()
    assert s.by_segment["firms"].tolist() == [2, 0, 2]
    assert s.by_segment["sales"].tolist() == [24.0, 0.0, 21.0]
    assert s.by_segment["purchases"].tolist() == [3.0, 0.0, 39.0]
    assert s.totals["firms without segment"] == 1
    assert s.totals["segments with no firm"] == 1


def test_shapes_are_checked(hand):
    with pytest.raises(ValueError, match=r"values must have shape \(5,\)"):
        hand.segment_totals([1.0, 2.0])
    with pytest.raises(ValueError, match=r"firms must have shape \(5,\)"):
        hand.segment_firm_counts(np.ones((4, 2), bool))
    with pytest.raises(ValueError, match=r"firms must have shape \(5,\)"):
        hand.segment_flow_matrix(firms=np.ones((5, 2), bool))


def test_chain_without_segments():
    firms = pd.DataFrame({"firm_id": ["A", "B"]})
    links = pd.DataFrame({"supplier_id": ["A"], "customer_id": ["B"], "amount": [3.0]})
    chain = cg.ChainGraph.from_frames(firms, links)
    assert chain.segment_membership.shape == (2, 0)
    assert chain.segment_totals([1.0, 1.0]).shape == (0,)
    assert chain.segment_firm_counts(unknown=True).tolist() == [2]
    np.testing.assert_array_equal(chain.segment_flow_matrix(unknown=True).toarray(), [[3.0]])


@pytest.mark.parametrize("name", ["shandong-nev", "shandong-cnc"])
def test_flow_matrix_agrees_with_pandas_groupby(name):
    chain = cg.load_dataset(name)
    seg = chain.firms["segment_id"]
    plain = (
        chain.links.assign(k=seg.reindex(chain.links["supplier_id"]).to_numpy(),
                           l=seg.reindex(chain.links["customer_id"]).to_numpy())
        .groupby(["k", "l"])["amount"].sum()
        .unstack(fill_value=0.0)
        .reindex(index=chain.segment_ids, columns=chain.segment_ids, fill_value=0.0)
    )
    np.testing.assert_allclose(chain.segment_flow_matrix().toarray(), plain.to_numpy(), rtol=1e-12)
    counts = seg.value_counts().reindex(chain.segment_ids, fill_value=0)
    assert chain.segment_firm_counts().tolist() == counts.tolist()


# Nested segments: "cells" has two sub-segments, "anode" and "cathode" (a kind of cells).
#
#   A (cells)   ─10─> X (packs)        firm  segment   country
#   B (anode)   ─ 5─> X                 A    cells     CN
#   C (cathode) ─ 2─> X                 B    anode     CN
#   C (cathode) ─ 1─> B                 C    cathode   JP
#                                       X    packs     CN
@pytest.fixture
def nested():
    segments = pd.DataFrame({"segment_id": ["cells", "anode", "cathode", "packs"],
                             "stage": ["midstream", "midstream", "midstream", "downstream"],
                             "parent": [None, "cells", "cells", None]})
    flows = pd.DataFrame({"from_segment": ["cells"], "to_segment": ["packs"]})
    template = cg.ChainTemplate.from_frames(segments, flows, name="batteries")
    firms = pd.DataFrame({"firm_id": list("ABCX"), "segment_id": ["cells", "anode", "cathode", "packs"],
                          "country": ["CN", "CN", "JP", "CN"]})
    links = pd.DataFrame({"supplier_id": list("ABCC"), "customer_id": list("XXXB"),
                          "amount": [10.0, 5.0, 2.0, 1.0]})
    return cg.ChainGraph.from_frames(firms, links, template)


def test_nested_counts_and_totals_count_a_subsegment_in_its_parent(nested):
    # own segment only: one firm each; with sub-segments cells has A, B, C
    assert nested.segment_firm_counts().tolist() == [1, 1, 1, 1]
    assert nested.segment_firm_counts(nested=True).tolist() == [3, 1, 1, 1]
    assert nested.segment_firm_counts(nested.is_foreign, nested=True).tolist() == [1, 0, 1, 0]
    # sales: A 10, B 5, C 2 + 1 → cells 18, anode 5, cathode 3, packs 0
    np.testing.assert_array_equal(nested.segment_totals(nested.out_strength, nested=True), [18, 5, 3, 0])
    np.testing.assert_array_equal(nested.segment_totals(nested.out_strength), [10, 5, 3, 0])
    # the unknown column is the same either way
    assert nested.segment_firm_counts(unknown=True, nested=True).tolist() == [3, 1, 1, 1, 0]


def test_summary_parent_rows_include_their_subsegments(nested):
    s = nested.summary()
    by = s.by_segment
    assert by["firms"].tolist() == [3, 1, 1, 1]
    assert by.loc["cells", ["local", "foreign"]].tolist() == [2, 1]
    # sales: cells 10 + 5 + 3 = 18; purchases: anode buys 1 from C, packs 17
    assert by["sales"].tolist() == [18.0, 5.0, 3.0, 0.0]
    assert by["purchases"].tolist() == [1.0, 1.0, 0.0, 17.0]
    # by stage a firm counts once: midstream has A, B, C (not 3 + 1 + 1)
    assert s.by_stage.loc["midstream", "firms"] == 3
    assert s.by_stage.loc["downstream", "firms"] == 1


def test_by_stage_a_sub_segment_takes_its_ancestors_stage(small_chain_map_frames):
    # litho given the stage upstream; its kind arf has none of its own. By segment and
    # ancestors: material (upstream) JP-rest, KR-rest, NSIG; litho (upstream) ASML,
    # NIKON, SMEE; arf (no stage, ancestor litho upstream) ASML, NIKON; fab (midstream)
    # nobody; chip (downstream) INTEL, KR-rest, SMIC. Upstream 6 firms, midstream 0,
    # downstream 3, and unknown 0: ASML and NIKON have a stage through litho.
    t = small_chain_map_frames
    t["segments"].loc[t["segments"]["segment_id"] == "litho", "stage"] = "upstream"
    template = cg.ChainTemplate.from_frames(t["segments"], t["flows"], name="chips")
    chain = cg.ChainGraph.from_frames(t["firms"], segments=template, presence=t["presence"])
    by_stage = chain.summary().by_stage
    assert by_stage["firms"].to_dict() == {"upstream": 6, "midstream": 0, "downstream": 3,
                                           "unknown": 0}
    # as given, litho and arf have no stage anywhere: ASML, NIKON and SMEE are unknown
    template = cg.ChainTemplate.from_frames(small_chain_map_frames["segments"].assign(
        stage=["upstream", None, None, "midstream", "downstream"]), t["flows"], name="chips")
    chain = cg.ChainGraph.from_frames(t["firms"], segments=template, presence=t["presence"])
    assert chain.summary().by_stage.loc["unknown", "firms"] == 3


def test_summary_of_a_chain_map_knows_no_money(small_chain_map):
    # no transactions: the total amount and each segment's sales and purchases are unknown,
    # not 0
    s = small_chain_map.summary()
    assert s.totals["total amount (万元)"] is None
    assert s.by_segment[["sales", "purchases"]].isna().all().all()
    # links without amounts count 1 each in the graph, which is no amount of money either
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "segment_id": ["s", "s", "t"]})
    links = pd.DataFrame({"supplier_id": ["A", "B"], "customer_id": ["C", "C"]})
    s = cg.ChainGraph.from_frames(firms, links).summary()
    assert s.totals["total amount (万元)"] is None and s.by_segment["sales"].isna().all()
    # with amounts: A 2 + B 3 = 5 sold by s, bought by t
    s = cg.ChainGraph.from_frames(firms, links.assign(amount=[2.0, 3.0])).summary()
    assert s.totals["total amount (万元)"] == 5.0
    assert s.by_segment["sales"].tolist() == [5.0, 0.0] and s.by_segment["purchases"].tolist() == [0.0, 5.0]
