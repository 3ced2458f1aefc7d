"""The lead firms' ecosystem cards in the report: the numbers behind each bar, by hand and
against ecosystem() and integration()."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.report import build_report
from chaingraph.report.ecosystem_cards import PLOT_W, ecosystem_cards
from chaingraph.viz import assert_offline

from tests.viz.ecosystem_toy import toy_chain

HOSTILE = "<img src=x onerror=alert(1)>"


def _cards(html: str) -> dict:
    """firm_id → (card attributes, {segment: attributes and part widths of its row})."""
    root = ET.fromstring(html)  # one <svg>: the chart is well-formed XML
    assert root.tag == "svg"
    out = {}
    for card in root.iter("g"):
        if card.get("class") != "ecosystem-card":
            continue
        rows = {}
        for g in card.iter("g"):
            if g.get("class") == "input":
                parts = {r.get("data-part"): float(r.get("width")) for r in g.iter("rect") if r.get("data-part")}
                rows[g.get("data-segment")] = {**g.attrib, "widths": parts}
        out[card.get("data-firm")] = (card.attrib, rows)
    return out


@pytest.fixture(scope="module")
def toy():
    return toy_chain()


@pytest.fixture(scope="module")
def nev():
    return cg.load_dataset("shandong-nev")


def test_cards_by_hand(toy):
    # L buys pack 80 (P1 local small 50, P2 outside large 30) and cell 20 (C1, foreign
    # medium, its only cell supplier on the essential flow cell→car); P2 buys mat 8 (M2),
    # cell 6 (C2) and pack 3 (P1): 17 in all
    cards = ecosystem_cards(toy, ["L", "P2"], lang="en")
    got = _cards(cards.html)
    assert list(got) == ["L", "P2"]
    attrs, rows = got["L"]
    assert attrs["data-direct-suppliers"] == "3" and float(attrs["data-purchases"]) == 100.0
    assert float(attrs["data-local-sme-share"]) == 0.5 and float(attrs["data-foreign-share"]) == 0.2
    # rows in the chain's segment order, the same on every card; L buys no materials
    assert list(rows) == ["mat", "cell", "pack"] == list(got["P2"][1])
    assert rows["mat"]["data-amount"] == "0" and "data-share" not in rows["mat"]
    pack, cell = rows["pack"], rows["cell"]
    assert [float(pack[f"data-{k}"]) for k in ("amount", "share", "local", "outside", "foreign", "sme", "large")] \
        == [80, 0.8, 50, 30, 0, 50, 30]
    assert pack["data-single"] == "0" and cell["data-single"] == "1" and float(cell["data-foreign"]) == 20
    # one scale for all cards: the longest bar is the largest share of any card (L's pack, 0.8)
    assert sum(pack["widths"][k] for k in ("local", "outside", "foreign")) == pytest.approx(PLOT_W, abs=0.2)
    assert pack["widths"]["local"] == pytest.approx(PLOT_W * 50 / 80, abs=0.1)
    assert cell["widths"]["foreign"] == pytest.approx(PLOT_W * 0.2 / 0.8, abs=0.1)
    assert pack["widths"]["sme"] == pytest.approx(PLOT_W * 50 / 80, abs=0.1)
    p2 = got["P2"][1]
    assert float(p2["mat"]["data-share"]) == pytest.approx(8 / 17)
    assert p2["mat"]["widths"]["local"] == pytest.approx(PLOT_W * (8 / 17) / 0.8, abs=0.1)
    assert "single source" in cards.html  # the marker is drawn for L's cell
    # the numbers as a table too
    f = cards.figures
    assert f.loc[("L", "pack"), "amount"] == 80 and bool(f.loc[("L", "cell"), "single_sourced"])
    t = cards.table
    assert t.loc["L", "direct suppliers"] == 3 and t.loc["L", "local SME share"] == 0.5
    assert t.loc["L", "single-sourced inputs"] == "cells: Cellco (C1)"
    # P2 has one supplier of each input, but pack → pack is within a segment, not an essential flow
    assert t.loc["P2", "single-sourced inputs"] == "materials: 材料戊 (M2); cells: 电芯己 (C2)"


def test_cards_agree_with_ecosystem_and_integration(nev):
    report = build_report(nev, sections=["leads"])
    sec = report.sections["leads"]
    leads = cg.lead_firms(nev)
    leads = leads.index[leads.is_lead]
    got = _cards(sec.charts["ecosystem_cards"])
    assert list(got) == list(leads)  # one card per lead firm
    it = cg.integration(nev).firms
    seg = nev.firms["segment_id"]
    loc = nev.location
    for lead in leads:
        attrs, rows = got[lead]
        up = cg.ecosystem(nev, lead, depth=1, direction="upstream")
        links = up.links[up.links.customer_id == lead]
        assert int(attrs["data-direct-suppliers"]) == up.n_firms - 1 == it.at[lead, "n_suppliers"]
        assert float(attrs["data-purchases"]) == pytest.approx(it.at[lead, "purchases"])
        assert float(attrs["data-sme-share"]) == pytest.approx(it.at[lead, "sme_amount_share"])
        assert int(attrs["data-suppliers"]) == cg.ecosystem(nev, lead, depth=2, direction="upstream").n_firms - 1
        by_seg = links.groupby(links.supplier_id.map(seg)).amount.sum()
        drawn = {s: r for s, r in rows.items() if r["data-amount"] != "0"}
        assert set(drawn) == set(by_seg.index)
        for s, r in drawn.items():
            part = links[links.supplier_id.map(seg) == s]
            assert float(r["data-amount"]) == pytest.approx(by_seg[s])
            assert int(r["data-suppliers"]) == part.supplier_id.nunique()
            for where in ("local", "outside", "foreign"):
                assert float(r[f"data-{where}"]) == pytest.approx(
                    part.amount[part.supplier_id.map(loc) == where].sum())
    # the Markdown report has the cards as a table, one row per lead
    md = report.markdown
    table = sec.tables["ecosystems"]
    assert list(table.index) == list(leads)
    assert "链主生态" in md and all(lead in md for lead in leads)
    assert "<svg" not in md


def test_cards_are_static_and_escaped(tmp_path):
    segments = pd.DataFrame({"segment_id": ["s1", "s2"], "name": [HOSTILE, "电芯"],
                             "stage": ["upstream", "downstream"]})
    firms = pd.DataFrame({"firm_id": ["F1", HOSTILE, "F3"], "name": [HOSTILE, "</svg><script>alert(1)</script>", "ok"],
                          "segment_id": ["s1", "s1", "s2"], "province": ["山东"] * 3,
                          "size_class": ["large", "small", "large"]})
    links = pd.DataFrame({"supplier_id": ["F1", HOSTILE], "customer_id": ["F3", "F3"], "amount": [1.0, 2.0]})
    chain = cg.ChainGraph.from_frames(firms, links, segments, region="山东")
    cards = ecosystem_cards(chain, ["F3", HOSTILE], lang="zh")
    assert HOSTILE not in cards.html and "<script" not in cards.html
    got = _cards(cards.html)  # well-formed: the hostile strings are text
    assert list(got) == ["F3", HOSTILE]
    assert list(got["F3"][1]) == ["s1"]
    assert got[HOSTILE][0]["data-direct-suppliers"] == "0"  # a pure supplier: no purchases
    assert_offline(cards.html)


def test_a_lead_without_links_gets_a_card_that_says_so(toy):
    cards = ecosystem_cards(toy.subchain(firms=["L", "P1", "Z"]), ["L", "Z"], lang="zh")
    got = _cards(cards.html)
    assert "数据中没有该企业的供需关系" in cards.html
    assert "data-direct-suppliers" not in got["Z"][0]
    assert cards.table.loc["Z"].drop("名称").isna().all()
