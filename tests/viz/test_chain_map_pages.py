"""The segment map and the report on a chain map (no links): what needs transactions says so,
the rest works on presence. The map is conftest's extended chain map,
worked by hand in tests/analysis/test_chain_map_analyses.py."""

import warnings

import pandas as pd
import pytest

import chaingraph as cg
from conftest import extended_chain_map_tables


def build():
    t = extended_chain_map_tables()
    template = cg.ChainTemplate.from_frames(t["segments"], t["flows"], name="chips")
    return cg.ChainGraph.from_frames(t["firms"], segments=template, presence=t["presence"])


def test_segment_map_of_a_chain_map():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lead_firms cannot run: its scores are left out
        net = cg.to_pyvis(build(), view="segments")
    nodes = net.node_table
    # a parent counts the providers of its sub-segments: litho has ASML, NIKON, SMEE and,
    # through euv, CYM and GIG
    assert nodes.loc["litho", ["firms", "local", "foreign"]].tolist() == [5, 1, 4]
    assert nodes.loc[["fab", "mask"], "firms"].tolist() == [0, 0]
    # no transactions: flows are the template's, amounts unknown, none drawn as 断链
    edges = net.edge_table
    assert edges["in_template"].all() and edges["amount"].isna().all()
    assert not any(e.get("dashes") for e in net.edges)
    assert not any("断链" in text for text, _ in net.legend)
    # weak_links' verdict is in the tooltips
    assert ("弱链 weakness", "missing") in net.tips["arf"]


def test_report_of_a_chain_map():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = cg.build_report(build(), lang="en")
    unavailable = {k: s.unavailable for k, s in report.sections.items()}
    for key in ("leads", "integration", "resilience"):
        assert "needs supplier–customer links" in unavailable[key], key
    for key in ("summary", "weak", "gaps", "tiers"):
        assert unavailable[key] is None, key
    segs = report.sections["summary"].chart_data["map"]
    assert segs.loc["arf", "status"] == "missing" and segs.loc["fab", "status"] == "unknown"
    weak = report.sections["weak"]
    assert set(weak.lists["chokepoints"].index) == {"JSR", "CYM", "ASML", "LND"}
    assert "<svg" in report.html and "needs supplier–customer links" in report.markdown
    assert isinstance(report.sections["gaps"].lists["candidates"], pd.DataFrame)


def test_segment_map_and_summary_count_subsegments_alike():
    chain = build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = cg.to_pyvis(chain, view="segments")
    by = chain.summary().by_segment
    cols = ["firms", "local", "outside", "foreign"]
    drawn = net.node_table.loc[list(chain.segment_ids), cols]
    assert drawn.to_numpy().tolist() == by[cols].to_numpy().tolist()
    # the side panel lists the firms the count counts: litho's own (ASML, NIKON, SMEE) and
    # euv's (CYM, GIG); KR-rest is in material and chip, not only in its primary segment
    litho = net.details["litho"]
    assert litho["title"].endswith("largest of 5 firms")
    assert sorted(r[0] for r in litho["rows"]) == ["ASML", "CYM", "GIG", "NIKON", "SMEE"]
    assert "KR-rest" in [r[0] for r in net.details["material"]["rows"]]
    assert "KR-rest" in [r[0] for r in net.details["chip"]["rows"]]


def test_segment_map_warns_when_weak_links_cannot_run():
    # a template but no firm placed in a segment: weak_links cannot run; the map is drawn
    # without its verdict, and says so as it does for the score analyses
    template = cg.ChainTemplate.from_frames(
        pd.DataFrame({"segment_id": ["up", "down"]}),
        pd.DataFrame({"from_segment": ["up"], "to_segment": ["down"]}))
    firms = pd.DataFrame({"firm_id": ["A", "B"]})
    links = pd.DataFrame({"supplier_id": ["A"], "customer_id": ["B"], "amount": [1.0]})
    chain = cg.ChainGraph.from_frames(firms, links, template)
    with pytest.warns(UserWarning, match=r"to_pyvis: weak_links could not run on this chain \(.*no "
                                         r"segment_id column.*\); its verdict is left out of the tooltips"):
        net = cg.to_pyvis(chain, view="segments", scores=[])
    assert not any(label == "弱链 weakness" for label, _ in net.tips["up"])
