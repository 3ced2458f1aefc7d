"""Known-answer tests for chain gaps and their candidates.

Uses the hand-built chain of ``test_weak.py`` (see its module docstring for
the firms, links and template). Gaps worked out by hand, leakage threshold 0.5:

* ore: firms O1, O2, none local → ``no_local``, severity 1 (材料) · 0.9 = 0.9;
* paint: no firm at all → ``missing``, severity 0.7 (no 五基) · 1 = 0.7;
* soft→asm (essential): S1 (local soft) and A1/A2 (local asm) exist, but no local
  soft firm sells to a local asm firm → ``broken_link``, 1 (软件) · 0.6 = 0.6;
* chip: 80 of the 100 of local demand from C1/C2 (foreign) → ``leakage``,
  1 (元器件) · 0.6 · 0.8 = 0.48;
* soft: 8 of 13 from S2 (浙江) → ``leakage``, 1 · 0.6 · 8/13 = 0.3692;
* part (20 of 80 from outside), asm, car: no gap. Flows ore→part (no local ore),
  paint→car (no paint firm) are not broken links; the rest have local links.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.analysis.gaps import gap_candidates, gaps

from test_weak import toy_chain, toy_template  # same directory (pytest puts it on sys.path)


def test_gaps_known_answer():
    g = gaps(toy_chain())
    assert list(zip(g["segment_id"], g["to_segment"].fillna(""), g["kind"])) == [
        ("ore", "", "no_local"),
        ("paint", "", "missing"),
        ("soft", "asm", "broken_link"),
        ("chip", "", "leakage"),
        ("soft", "", "leakage"),
    ]
    np.testing.assert_allclose(g["severity"], [0.9, 0.7, 0.6, 0.48, 0.6 * 8 / 13])
    np.testing.assert_allclose(g["local_demand"], [22, 0, 13, 100, 13])
    np.testing.assert_allclose(g["outside_share"].to_numpy(dtype=float),
                               [1.0, np.nan, 8 / 13, 0.8, 8 / 13])
    assert g["foundation"].fillna("").tolist() == ["材料", "", "软件", "元器件", "软件"]


def test_gap_candidates_known_answer():
    g = gaps(toy_chain())
    # ore: fill = outside ore firms selling to local customers, O2 (12) before O1 (10);
    # extend = local firms of the template neighbour part, by trade with ore: P2 12, P1 10
    assert g.loc[0, "candidates"] == "O2; O1"
    assert g.loc[0, "extend_candidates"] == "P2; P1"
    # paint: nobody sells it; the only neighbour segment is car, whose local firm is V1
    assert g.loc[1, "candidates"] == "" and g.loc[1, "extend_candidates"] == "V1"
    # soft→asm: S2 sells soft to local A2 (8); S1 is the local soft firm to connect
    assert g.loc[2, "candidates"] == "S2" and g.loc[2, "extend_candidates"] == "S1"
    # chip: C1 (50) and C2 (30) are the outside sources; neighbour asm: A1 buys 70, A2 30
    assert g.loc[3, "candidates"] == "C1; C2" and g.loc[3, "extend_candidates"] == "A1; A2"
    # soft leakage: neighbours asm and car; A2 buys 8 of soft, V1 5, A1 none
    assert g.loc[4, "candidates"] == "S2" and g.loc[4, "extend_candidates"] == "A2; V1; A1"

    long = gap_candidates(toy_chain())
    chip = long[(long["segment_id"] == "chip")]
    assert list(zip(chip["firm_id"], chip["role"], chip["amount"], chip["rank"])) == [
        ("C1", "fill", 50.0, 1), ("C2", "fill", 30.0, 2),
        ("A1", "extend", 70.0, 1), ("A2", "extend", 30.0, 2),
    ]
    assert chip["location"].astype(str).tolist() == ["foreign", "foreign", "local", "local"]
    assert chip["firm_segment"].tolist() == ["chip", "chip", "asm", "asm"]
    broken = long[long["kind"] == "broken_link"]
    assert list(zip(broken["firm_id"], broken["role"], broken["amount"])) == [
        ("S2", "fill", 8.0), ("S1", "extend", 0.0)]
    assert (broken["to_segment"] == "asm").all()


def test_gap_candidates_top_limits_each_role():
    long = gap_candidates(toy_chain(), top=1)
    counts = long.groupby(["segment_id", "kind", "role"]).size()
    assert (counts == 1).all()
    g = gaps(toy_chain(), top=1)
    assert g.loc[4, "extend_candidates"] == "A2"


def test_gaps_threshold_and_weight_are_parameters():
    g = gaps(toy_chain(), leakage_threshold=0.85, other_weight=0.5)
    # chip's 0.8 and soft's 0.615 no longer count as leakage; paint weighs 0.5
    assert g["kind"].tolist() == ["no_local", "broken_link", "missing"]
    np.testing.assert_allclose(g["severity"], [0.9, 0.6, 0.5])


def test_gaps_without_template_has_no_missing_or_broken_kinds():
    chain = toy_chain()
    bare = cg.ChainGraph.from_frames(chain.firms.reset_index(), chain.links, region="山东")
    g = gaps(bare)
    assert set(g["kind"]) == {"no_local", "leakage"}
    # non-foundation weight for every segment: no 五基 categories without a template
    np.testing.assert_allclose(g.loc[g["segment_id"] == "ore", "severity"], [0.7 * 0.9])
    # neighbours of ore in the data: part (O1→P1, O2→P2)
    assert g.loc[g["segment_id"] == "ore", "extend_candidates"].item() == "P2; P1"


def test_gaps_bad_input():
    with pytest.raises(ValueError, match="leakage_threshold"):
        gaps(toy_chain(), leakage_threshold=-0.1)
    with pytest.raises(ValueError, match="top"):
        gaps(toy_chain(), top=0)
    firms = pd.DataFrame({"firm_id": ["a", "b"]})
    links = pd.DataFrame({"supplier_id": ["a"], "customer_id": ["b"]})
    with pytest.raises(cg.ChainDataError, match="segment_id"):
        gaps(cg.ChainGraph.from_frames(firms, links))


def test_gaps_empty_when_the_region_has_everything():
    tpl = toy_template()
    firms = pd.DataFrame({"firm_id": ["o", "p"], "segment_id": ["ore", "part"],
                          "province": ["山东", "山东"]})
    links = pd.DataFrame({"supplier_id": ["o"], "customer_id": ["p"], "amount": [1.0]})
    seg = tpl.segments.loc[["ore", "part"]].reset_index()
    small = cg.ChainTemplate.from_frames(seg, pd.DataFrame({"from_segment": ["ore"], "to_segment": ["part"]}))
    g = gaps(cg.ChainGraph.from_frames(firms, links, small, region="山东"))
    assert g.empty
    assert list(g.columns) == ["segment_id", "to_segment", "kind", "name", "foundation", "local_demand",
                               "outside_share", "severity", "candidates", "extend_candidates"]
    assert gap_candidates(cg.ChainGraph.from_frames(firms, links, small, region="山东")).empty


@pytest.mark.parametrize("template,seed", [("nev", 11), ("cnc", 12), ("ic", 13)])
def test_recovers_planted_missing_segments(template, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        chain, planted = cg.synthetic_chain(template, 1500, region="山东", seed=seed)
    g = gaps(chain)
    no_local = g[g["kind"].isin(["missing", "no_local"])]
    assert set(no_local["segment_id"]) == set(planted.missing_segments)
    # a planted missing segment is a 缺链 of at least 0.9 · weight; nothing is above it
    # except other 缺链
    assert set(g["kind"].iloc[: len(no_local)]) <= {"missing", "no_local"}
    long = gap_candidates(chain, top=3)
    demand = no_local.set_index("segment_id")["local_demand"]
    for seg in planted.missing_segments:
        fill = long[(long["segment_id"] == seg) & (long["role"] == "fill")]
        # a missing segment that only feeds another missing segment has no local buyer
        assert (len(fill) > 0) == (demand[seg] > 0)
        assert fill["location"].isin(["outside", "foreign"]).all()
        assert fill["amount"].is_monotonic_decreasing
        assert (fill["firm_segment"] == seg).all()


def test_gaps_template_without_firm_segments_is_a_data_error():
    chain = toy_chain()
    firms = chain.firms.reset_index().drop(columns="segment_id")
    with_template = cg.ChainGraph.from_frames(firms, chain.links, toy_template(), region="山东")
    with pytest.raises(cg.ChainDataError, match="segment_id"):
        gaps(with_template)
    with pytest.raises(cg.ChainDataError, match="segment_id"):
        gap_candidates(with_template)


def test_candidate_ties_do_not_depend_on_firm_order():
    # X1 and X2 (江苏, segment x) each sell 5 to the local firm L and nothing else: equal
    # amount and equal total sales, so the tie is broken by firm id, whatever the row order.
    firms = pd.DataFrame({"firm_id": ["X1", "X2", "L"], "segment_id": ["x", "x", "y"],
                          "province": ["江苏", "江苏", "山东"]})
    links = pd.DataFrame({"supplier_id": ["X1", "X2"], "customer_id": ["L", "L"], "amount": [5.0, 5.0]})
    for order in ([0, 1, 2], [1, 0, 2], [2, 1, 0]):
        chain = cg.ChainGraph.from_frames(firms.iloc[order].reset_index(drop=True), links, region="山东")
        g = gaps(chain)
        assert g.loc[g["segment_id"] == "x", "candidates"].item() == "X1; X2"
        long = gap_candidates(chain)
        fill = long[(long["segment_id"] == "x") & (long["role"] == "fill")]
        assert list(zip(fill["firm_id"], fill["rank"])) == [("X1", 1), ("X2", 2)]


def test_gap_without_any_candidate_gives_empty_strings_without_warning():
    # paint is in the template, has no firm and no neighbour segment: a 缺链 with no
    # fill and no extend candidate at all. Filling the empty joins must not fall back
    # on a float column (pandas warns that this will raise).
    tpl = toy_template()
    seg = tpl.segments.loc[["ore", "part", "paint"]].reset_index()
    small = cg.ChainTemplate.from_frames(seg, pd.DataFrame({"from_segment": ["ore"], "to_segment": ["part"]}))
    firms = pd.DataFrame({"firm_id": ["o", "p"], "segment_id": ["ore", "part"], "province": ["山东", "山东"]})
    links = pd.DataFrame({"supplier_id": ["o"], "customer_id": ["p"], "amount": [1.0]})
    chain = cg.ChainGraph.from_frames(firms, links, small, region="山东")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = gaps(chain)
    assert g["kind"].tolist() == ["missing"]
    assert g.loc[0, "candidates"] == "" and g.loc[0, "extend_candidates"] == ""
    assert str(g["candidates"].dtype) == "string"
