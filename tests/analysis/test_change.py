"""compare → ChainChange: known answers on a hand-worked chain of two years, the matching rules
of each status on hand-made analysis tables, the shipped panel's planted changes, errors."""

import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.analysis.change import STATUSES, _lead_changes, _segment_changes, _tier_changes
from chaingraph.datasets import load_planted_changes
from chaingraph.errors import ChainDataError

# --------------------------------------------------------------------------- the hand-worked chain
#
# Template: ore (材料), chip (元器件), paint (材料) → part (零部件) → car; flows ore→part,
# chip→part, part→car, paint→car, all essential. Region 山东; amounts in 万元.
#
#            2021                              2022
#   O1 (江苏) ─10→ P1, ─5→ P2          O1 ─10→ P1, ─6→ P2 (changed)
#   F1 (JP)   ─7→ P1, ─1→ C1           F1 ─7→ P1, ─1→ C1, ─1→ P2 (gained)
#   X1 (山东, paint) ─3→ C2, ─1→ P1    X1 exits: both links lost
#   Q1 (江苏, paint) ─2→ C1            Q1 ─2→ C1
#   P1 ─20→ C1, ─4→ C2; P2 ─8→ C1      the same, and P2 ─3→ C2 (gained)
#                                      O2 (山东, ore) enters: ─2→ P2, ─1→ C1 (gained)
#   P2: 50 employees, revenue 1000 (small) → 400 and 3000 in 2022 (medium)

SEGMENTS = pd.DataFrame({
    "segment_id": ["ore", "chip", "paint", "part", "car"],
    "name": ["矿", "芯片", "涂料", "零件", "整车"],
    "stage": ["upstream", "upstream", "upstream", "midstream", "downstream"],
    "foundation": ["材料", "元器件", "材料", "零部件", None],
})
FLOWS = pd.DataFrame({"from_segment": ["ore", "chip", "part", "paint"],
                      "to_segment": ["part", "part", "car", "car"], "essential": True})
TEMPLATE = cg.ChainTemplate.from_frames(SEGMENTS, FLOWS, name="hand")


def _firms(rows):
    return pd.DataFrame(rows, columns=["firm_id", "segment_id", "province", "country",
                                       "employees", "revenue"])


BEFORE_FIRMS = _firms([
    ("O1", "ore", "江苏", "CN", 400, 5000.0), ("F1", "chip", None, "JP", 50, 800.0),
    ("X1", "paint", "山东", "CN", 30, 500.0), ("Q1", "paint", "江苏", "CN", 30, 500.0),
    ("P1", "part", "山东", "CN", 60, 1500.0), ("P2", "part", "山东", "CN", 50, 1000.0),
    ("C1", "car", "山东", "CN", 2000, 90000.0), ("C2", "car", "山东", "CN", 1500, 60000.0),
])
AFTER_FIRMS = pd.concat([
    BEFORE_FIRMS[BEFORE_FIRMS["firm_id"] != "X1"].replace({"employees": {50: 400}}),
    _firms([("O2", "ore", "山东", "CN", 40, 600.0)])], ignore_index=True)
AFTER_FIRMS.loc[AFTER_FIRMS["firm_id"] == "P2", "revenue"] = 3000.0
BEFORE_LINKS = pd.DataFrame(
    [("O1", "P1", 10.0), ("O1", "P2", 5.0), ("F1", "P1", 7.0), ("F1", "C1", 1.0),
     ("X1", "C2", 3.0), ("X1", "P1", 1.0), ("Q1", "C1", 2.0), ("P1", "C1", 20.0),
     ("P1", "C2", 4.0), ("P2", "C1", 8.0)], columns=["supplier_id", "customer_id", "amount"])
AFTER_LINKS = pd.DataFrame(
    [("O1", "P1", 10.0), ("O1", "P2", 6.0), ("F1", "P1", 7.0), ("F1", "C1", 1.0),
     ("F1", "P2", 1.0), ("Q1", "C1", 2.0), ("P1", "C1", 20.0), ("P1", "C2", 4.0),
     ("P2", "C1", 8.0), ("P2", "C2", 3.0), ("O2", "P2", 2.0), ("O2", "C1", 1.0)],
    columns=["supplier_id", "customer_id", "amount"])


def hand_chain(firms, links, year):
    return cg.ChainGraph.from_frames(firms, links.assign(year=year), TEMPLATE, region="山东")


@pytest.fixture(scope="module")
def change():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny chain's integration and tier notices
        return cg.compare(hand_chain(BEFORE_FIRMS, BEFORE_LINKS, 2021),
                          hand_chain(AFTER_FIRMS, AFTER_LINKS, 2022))


def test_labels_are_the_years(change):
    assert change.labels == ("2021", "2022")
    assert repr(change).startswith("<ChainChange 2021 → 2022: firms +1 −1; links +4 −2 "
                                   "(1 changed); gaps 1 closed, 2 opened;")


def test_firms_entered_exited_stayed(change):
    f = change.firms
    assert f.index.tolist() == ["O1", "F1", "X1", "Q1", "P1", "P2", "C1", "C2", "O2"]
    assert f["status"].tolist() == ["stayed", "stayed", "exited", "stayed", "stayed", "stayed",
                                    "stayed", "stayed", "entered"]
    # P2: 50 → 400 employees, 1000 → 3000 万元: small → medium (NBS 2017)
    assert f.loc["P2", ["size_class_before", "size_class_after", "changed"]].tolist() == [
        "small", "medium", "size_class"]
    assert f.loc["O1", "changed"] == "" and pd.isna(f.loc["X1", "changed"])
    assert f.loc["O2", ["segment_before", "segment_after", "location_after"]].tolist()[1:] == [
        "ore", "local"] and pd.isna(f.loc["O2", "segment_before"])
    assert f.loc["F1", "location_before"] == "foreign" and f.loc["Q1", "location_after"] == "outside"


def test_link_pairs_gained_lost_changed_same(change):
    lp = change.link_pairs
    got = {(s, c): (st, b, a) for s, c, b, a, st in lp[["supplier_id", "customer_id",
                                                       "amount_before", "amount_after",
                                                       "status"]].itertuples(index=False)}
    assert got[("P2", "C2")] == ("gained", 0.0, 3.0)
    assert got[("O2", "P2")] == ("gained", 0.0, 2.0)
    assert got[("X1", "C2")] == ("lost", 3.0, 0.0)
    assert got[("O1", "P2")] == ("changed", 5.0, 6.0)
    assert got[("P1", "C1")] == ("same", 20.0, 20.0)
    # gained first (largest first), then lost, changed, same
    assert lp["status"].tolist() == ["gained"] * 4 + ["lost"] * 2 + ["changed"] + ["same"] * 7
    assert lp["supplier_id"].tolist()[:4] == ["P2", "O2", "F1", "O2"]  # 3, 2, 1, 1 (P2 < C1)


def test_links_by_segment_pair(change):
    links = change.links.set_index(["from_segment", "to_segment"])
    # ore→part: before O1→P1 10, O1→P2 5; after + O2→P2 2 (gained), O1→P2 6 (changed)
    assert links.loc[("ore", "part")].tolist() == [2, 3, 15.0, 18.0, 1, 0, 1, "changed"]
    assert links.loc[("paint", "car")].tolist() == [2, 1, 5.0, 2.0, 0, 1, 0, "changed"]
    assert links.loc[("paint", "part"), "status"] == "lost"  # X1→P1 only
    assert links.loc[("ore", "car"), "status"] == "gained"  # O2→C1 only
    assert links.loc[("chip", "car")].tolist() == [1, 1, 1.0, 1.0, 0, 0, 0, "same"]
    assert set(links["status"]) == set(STATUSES["links"])


def test_gaps_closed_opened_persisting(change):
    g = change.gaps.set_index(["segment_id", "kind"])
    # 2021: ore and chip have no local firm (0.9 each, foundation segments).
    # 2022: O2 is local, so ore's gap is leakage: outside supply 16 of the 19 local customers
    # buy from ore (O1 10 + 6; O2 2 + 1) → 0.6 × 16/19 = 0.50526; paint lost X1, its one
    # local firm: no_local 0.9; chip unchanged.
    assert g.loc[("ore", "no_local"), ["status", "severity_before"]].tolist() == ["closed", 0.9]
    assert g.loc[("chip", "no_local"), "status"] == "persisting"
    assert g.loc[("paint", "no_local"), "status"] == "opened"
    assert g.loc[("ore", "leakage"), "status"] == "opened"
    assert g.loc[("ore", "leakage"), "severity_after"] == pytest.approx(0.6 * 16 / 19)
    assert change.gaps["status"].tolist() == ["closed", "opened", "opened", "persisting"]


def test_segments_worse_better_same(change):
    s = change.segments
    # ore: no local firm → O2 local with 3 of 19 (local share < 0.5): missing → weak, better
    assert s.loc["ore", ["weakness_before", "weakness_after", "change"]].tolist() == [
        "missing", "weak", "better"]
    # paint: X1 local (4 of 6, HHI (4² + 2²)/6² = 0.56 > 0.4: weak) → no local firm: worse
    assert s.loc["paint", ["weakness_before", "weakness_after", "change"]].tolist() == [
        "weak", "missing", "worse"]
    assert s.loc["chip", "change"] == "same" and s.loc["car", "change"] == "same"
    assert s.loc["ore", ["n_local_before", "n_local_after"]].tolist() == [0, 1]
    assert s.loc["ore", "local_share_after"] == pytest.approx(3 / 19)


def test_chokepoints_dissolved_new_persisting(change):
    cp = change.chokepoints
    # sole suppliers of essential flows: 2021 O1 (ore→part) and F1 (chip→part); 2022 O2 joins
    # ore→part, and Q1 is the only paint supplier left (paint→car)
    assert cp.loc["O1", "status"] == "dissolved" and cp.loc["F1", "status"] == "persisting"
    assert cp.loc["Q1", ["status", "segment_id", "rule_after"]].tolist() == [
        "new", "paint", "sole_flow"]
    assert pd.isna(cp.loc["Q1", "rule_before"])


def test_single_sourcing_dissolved_new_persisting(change):
    ss = change.single_sourcing.set_index(["customer_id", "segment_id"])
    # 2021: P1 ore {O1}, P1 chip {F1}, P2 ore {O1}, C2 part {P1}, C1 paint {Q1}, C2 paint {X1};
    # 2022: P2 ore {O1, O2} and C2 part {P1, P2} have a second source, C2 buys no paint,
    # P2 chip {F1} is new
    assert ss.loc[("P2", "ore"), "status"] == "dissolved"
    assert ss.loc[("C2", "part"), "status"] == "dissolved"
    assert ss.loc[("C2", "paint"), ["status", "supplier_before"]].tolist() == ["dissolved", "X1"]
    assert ss.loc[("P2", "chip"), ["status", "supplier_after", "amount_after"]].tolist() == [
        "new", "F1", 1.0]
    assert sorted(ss.index[ss["status"] == "persisting"]) == [("C1", "paint"), ("P1", "chip"),
                                                             ("P1", "ore")]


def test_tiers_without_inputs_are_unknown_never_same(change):
    # the hand chain has no tier inputs: whatever a firm's tier, it is not known either year
    assert len(change.tiers) == 7 and set(change.tiers["move"]) == {"unknown"}


def test_summary_counts_every_status(change):
    s = change.summary()
    assert list(s.index.names) == ["table", "status"]
    for table, words in STATUSES.items():
        assert s.loc[table].index.tolist() == list(words)
    assert s.loc[("firms", "entered"), "count"] == 1
    assert s.loc[("gaps", "opened"), "count"] == 2
    assert s.loc[("single_sourcing", "dissolved"), "count"] == 3


# --------------------------------------------------------------------------- matching rules


def _tier_table(rows):
    ladder = ["innovative", "specialised", "little_giant", "champion", "lead"]
    df = pd.DataFrame(rows, columns=["firm_id", "tier", "tier_possible"]).set_index("firm_id")
    for col in df.columns:
        df[col] = pd.Categorical(df[col], categories=ladder, ordered=True)
    return df


def test_tier_moves_known_and_unknown():
    before = _tier_table([("up", "innovative", "innovative"), ("down", "specialised", "specialised"),
                          ("same", "champion", "champion"), ("overlap", "innovative", "little_giant"),
                          ("apart", None, "innovative"), ("none", None, None),
                          ("gone", "lead", "lead")])
    after = _tier_table([("up", "specialised", "specialised"), ("down", "innovative", "innovative"),
                         ("same", "champion", "champion"), ("overlap", "specialised", "specialised"),
                         ("apart", "specialised", "champion"), ("none", None, None),
                         ("new", "lead", "lead")])
    moves = _tier_changes(before, after)["move"]
    # overlap: [1, 3] before and [2, 2] after may be up or the same; apart: [0, 1] → [2, 4] is up
    assert moves.to_dict() == {"up": "up", "down": "down", "same": "same", "overlap": "unknown",
                               "apart": "up", "none": "same"}


def test_lead_list_statuses():
    before = pd.DataFrame({"firm_id": ["A", "B", "C", "D", "F"], "lead_score": [0.9, 0.8, 0.5, 0.4, 0.7],
                           "rank": [1, 2, 4, 5, 3],
                           "is_lead": pd.array([True, True, False, pd.NA, True], dtype="boolean")}
                          ).set_index("firm_id")
    after = pd.DataFrame({"firm_id": ["A", "B", "C", "D", "E"], "lead_score": [0.9, 0.5, 0.85, 0.8, 0.75],
                          "rank": [1, 4, 2, 3, 5],
                          "is_lead": pd.array([True, False, True, True, True], dtype="boolean")}
                         ).set_index("firm_id")
    leads = _lead_changes(before, after)
    assert leads["status"].to_dict() == {"C": "entered", "E": "entered", "B": "left", "F": "left",
                                         "A": "stayed", "D": "unknown"}
    assert leads.loc["C", "rank_change"] == 2 and pd.isna(leads.loc["E", "rank_change"])
    assert leads.loc["F", "is_lead_after"] == False  # noqa: E712 — gone from the chain: not a lead


def test_segment_change_unknown_when_a_class_is_missing():
    wb = pd.DataFrame({"name": ["a", "b"], "weakness": pd.array(["weak", None], dtype="string"),
                       "severity": [0.5, np.nan], "local_share": [0.4, np.nan], "n_local": [1, 0],
                       "n_firms": [2, 0]}, index=pd.Index(["a", "b"], name="segment_id"))
    wa = wb.assign(weakness=pd.array(["ok", "ok"], dtype="string"))
    assert _segment_changes(wb, wa)["change"].tolist() == ["better", "unknown"]


# --------------------------------------------------------------------------- errors


def test_different_templates_are_an_error_naming_the_difference():
    before = hand_chain(BEFORE_FIRMS, BEFORE_LINKS, 2021)
    other = cg.ChainTemplate.from_frames(
        pd.concat([SEGMENTS, pd.DataFrame({"segment_id": ["tyre"], "name": ["轮胎"]})]),
        FLOWS[FLOWS["from_segment"] != "paint"], name="hand2")
    after = cg.ChainGraph.from_frames(AFTER_FIRMS, AFTER_LINKS, other, region="山东")
    with pytest.raises(ChainDataError) as err:
        cg.compare(before, after)
    assert str(err.value) == ("the chains have different templates ('hand' and 'hand2'): "
                              "segments only after: 'tyre'; flows only before: 'paint→car'")
    bare = cg.ChainGraph.from_frames(AFTER_FIRMS, AFTER_LINKS, region="山东")
    with pytest.raises(ChainDataError, match="after has none, the other 'hand'"):
        cg.compare(before, bare)


def test_other_region_or_home_is_an_error_and_labels_are_checked():
    before = hand_chain(BEFORE_FIRMS, BEFORE_LINKS, 2021)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ChainDataError, match="different focus regions"):
            cg.compare(before, before.with_region("江苏"))
        with pytest.raises(ChainDataError, match=r"different home countries \(before CN, after JP\)"):
            cg.compare(before, before.with_region(None, home="JP"))
    with pytest.raises(TypeError, match="labels must be two strings"):
        cg.compare(before, before, labels="2021")
    with pytest.raises(TypeError, match="after must be a ChainGraph"):
        cg.compare(before, BEFORE_FIRMS)


# --------------------------------------------------------------------------- chain maps


def test_chain_maps_compare_with_empty_link_tables_and_a_note():
    firms = pd.DataFrame({"firm_id": ["A", "B", "JP-rest"], "country": ["CN", "US", "JP"],
                          "kind": ["firm", "firm", "aggregate"]})
    p0 = pd.DataFrame({"firm_id": ["B", "JP-rest"], "segment_id": ["euv", "euv"],
                       "share": [0.9, 0.1]})
    p1 = pd.DataFrame({"firm_id": ["B", "JP-rest", "A"], "segment_id": ["euv", "euv", "euv"],
                       "share": [0.8, 0.1, 0.1]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        change = cg.compare(cg.ChainGraph.from_frames(firms, presence=p0),
                            cg.ChainGraph.from_frames(firms, presence=p1))
    assert change.link_pairs.empty and change.links.empty
    assert "needs supplier–customer links" in change.notes["link_pairs"]
    assert change.link_pairs.attrs["note"] == change.notes["link_pairs"]
    assert list(change.link_pairs.columns) == ["supplier_id", "customer_id", "amount_before",
                                               "amount_after", "status"]
    assert change.firms["status"].tolist() == ["stayed"] * 3
    assert change.summary().loc[("link_pairs", "gained"), "count"] is pd.NA


# --------------------------------------------------------------------------- the shipped panel


@pytest.fixture(scope="module")
def panel():
    return cg.load_dataset("shandong-nev")


@pytest.mark.parametrize("start, end", [(2021, 2022), (2022, 2023), (2021, 2023)])
def test_compare_recovers_every_planted_change(panel, start, end):
    planted = load_planted_changes("shandong-nev")
    change = cg.compare(panel.in_year(start), panel.in_year(end))

    def happened(year):  # a change of `year` shows between start and end
        return start < year <= end

    gaps = change.gaps.set_index(["segment_id", "kind"])["status"]
    filled, opened = planted["gap_filled"], planted["gap_opened"]
    assert gaps.get((filled["segment"], filled["kind"])) == (
        "closed" if happened(filled["year"]) else "persisting")
    if happened(opened["year"]):
        assert gaps.get((opened["segment"], opened["kind"])) == "opened"
    else:
        assert (opened["segment"], opened["kind"]) not in gaps.index

    choke = planted["chokepoint_resolved"]
    cp = change.chokepoints["status"]
    if happened(choke["year"]):
        assert cp[choke["firm"]] == "dissolved"
    else:
        assert choke["firm"] not in cp.index  # not a chokepoint in either year

    lead = planted["lead_rising"]
    if start == lead["not_lead_in"] and end == lead["year"]:
        row = change.leads.loc[lead["firm"]]
        assert row["status"] == "entered" and row["rank_change"] > 0

    moves = change.tiers["move"]
    for year, firms in planted["tier_up"].items():
        expected = "up" if happened(int(year)) else "same"
        assert (moves[firms] == expected).all(), (year, firms)

    status = change.firms["status"]
    for year, firms in planted["entered"].items():
        assert (status[firms] == "entered").all() if happened(int(year)) else (
            not status.index.isin(firms).any() or (status[firms] == "stayed").all())
    for year, firms in planted["exited"].items():
        if happened(int(year)):
            assert (status[firms] == "exited").all()


def test_every_difference_between_years_is_planted(panel):
    # nothing but the planted firms changed attributes: every firm that stayed is unchanged
    change = cg.compare(panel.in_year(2021), panel.in_year(2023))
    moved = change.firms[(change.firms["status"] == "stayed") & (change.firms["changed"] != "")]
    assert moved.empty
    planted = load_planted_changes("shandong-nev")
    ups = set(change.tiers.index[change.tiers["move"] == "up"])
    movers = {f for firms in planted["tier_up"].values() for f in firms}
    # the planted movers, and the rising lead (more revenue: 单项冠军 → 链主 tier)
    assert ups == movers | {planted["lead_rising"]["firm"]}


def test_change_writes_html_and_excel(panel, tmp_path):
    from openpyxl import load_workbook

    change = cg.compare(panel.in_year(2021), panel.in_year(2022))
    page = change.save(tmp_path / "change.html").read_text(encoding="utf-8")
    assert "NEV01054" in page and "http" not in page and page.startswith("<!DOCTYPE html>")
    change.save(tmp_path / "change.xlsx")
    book = load_workbook(tmp_path / "change.xlsx", read_only=True)
    assert book.sheetnames == ["summary", *change.TABLES, "notes"]
    rows = list(book["link_pairs"].values)
    assert len(rows) - 1 == int((change.link_pairs["status"] != "same").sum())
    with pytest.raises(ValueError, match="use .html or .xlsx"):
        change.save(tmp_path / "change.pdf")
    html = change._repr_html_()
    assert "年度变化" in html and "2021 → 2022" in html
