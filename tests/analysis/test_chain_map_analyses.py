"""Analyses on chain maps: share-aware weakness, chokepoints by share, gaps and tiers without
links, unknown stays unknown. Known answers worked by hand below.

The map is conftest's extended chain map: the small chain map (see the working there) with
six more segments:

    segment  parent kind     foundation  providers (country; share or amount)
    eda      –      product  软件        SYN .60, CDN .20, MNT .10 (US); EMP .05 (CN)   Σ .95
    euv      litho  product  –           CYM .97 (US), GIG .03 (JP)                   Σ 1
    resist   –      product  材料        JSR 1.0 (JP); DOW (US) negligible            Σ 1
    gas      –      product  –           LND (DE) share not given; NSIG (CN) negligible
    pkg      –      process  –           amounts: ASE 600 (TW), JCET 300 (CN), AMK 100 (US)
    mask     –      product  –           nobody

Bases (where the shares come from): pkg has no share but every provider has an amount, so
q = amount / Σ amount = .6, .3, .1 (basis "amount"); gas has neither a share nor amounts
for its one provider that is not negligible (basis "none": LND's share is unknown, NSIG's
0); every other segment with providers has shares (basis "share").

Nesting: euv is a kind of litho, so CYM and GIG are providers of litho too, with no share
of litho given (their euv shares are of the euv market): litho's shares are partly unknown.
litho's own rows: ASML .80, NIKON .15, SMEE negligible → share_known .95; the providers of
unknown share hold at most 1 − .95 = .05 of litho together.
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.analysis.weak import WEAKNESS_CLASSES
from conftest import extended_chain_map_tables

SEGMENTS = ["material", "litho", "arf", "fab", "chip", "eda", "euv", "resist", "gas", "pkg", "mask"]


def build(t=None, **kw):
    t = extended_chain_map_tables() if t is None else t
    template = cg.ChainTemplate.from_frames(t["segments"], t["flows"], name="chips")
    return cg.ChainGraph.from_frames(t["firms"], segments=template, presence=t["presence"], **kw)


@pytest.fixture(scope="module")
def maps():
    return {home: build(home=home) for home in ("CN", "US", "JP")}


# ------------------------------------------------------------------------------ weak links


def test_missing_is_exactly_the_segments_without_a_home_provider(maps):
    # negligible providers and aggregates count (SMEE in litho for CN, DOW in resist for the
    # US, JP-rest in material for JP); presence in euv counts for litho; the process step fab
    # without providers is never missing, the process step pkg with providers is judged as
    # any segment (no JP provider: missing)
    expected = {
        "CN": ["arf", "euv", "resist", "mask"],
        "US": ["material", "arf", "gas", "mask"],
        "JP": ["chip", "eda", "gas", "pkg", "mask"],
    }
    for home, chain in maps.items():
        wl = cg.weak_links(chain)
        assert wl.index[wl["weakness"] == "missing"].tolist() == expected[home], home
        assert (wl.loc[expected[home], "n_local"] == 0).all()
        assert pd.isna(wl.loc["fab", "weakness"])
        assert wl.loc["fab", "reasons"] == "process_without_providers"
    # US has litho only through CYM in euv; CN has resist nowhere
    assert maps["US"].firm_ids[maps["US"].is_local].tolist() == [
        "INTEL", "SYN", "CDN", "MNT", "CYM", "DOW", "AMK"]


def test_classes_and_severity_worked_by_hand(maps):
    # severity = (band + weight · risk) / 4; weight 1 for eda (软件) and resist (材料), else 0.7
    cn = cg.weak_links(maps["CN"])
    assert cn["weakness"].fillna("?").tolist() == [
        "foreign", "foreign", "missing", "?", "foreign", "foreign", "missing", "missing", "?",
        "foreign", "missing"]
    expected = {
        # material: foreign .85 > .5; risk max(.85, HHI .36+.0625+.01 = .4325, thin .5)
        "material": (2 + 0.7 * 0.85) / 4,
        # litho: foreign at least .95 (ASML .80 + NIKON .15); risk .95
        "litho": (2 + 0.7 * 0.95) / 4,
        "arf": (3 + 0.7) / 4,
        # chip: foreign .75; risk max(.75, .2925, .5)
        "chip": (2 + 0.7 * 0.75) / 4,
        # eda: foreign .90; risk max(.90, HHI .4125, thin 1 − 1/2)
        "eda": (2 + 1.0 * 0.90) / 4,
        "euv": (3 + 0.7) / 4, "resist": (3 + 1.0) / 4,
        # pkg: q by amount .6 (TW), .3 (CN), .1 (US): foreign .7; HHI .46, top ASE foreign
        "pkg": (2 + 0.7 * 0.7) / 4,
        "mask": (3 + 0.7) / 4,
    }
    np.testing.assert_allclose(cn.loc[list(expected), "severity"], list(expected.values()))
    assert cn.loc[["fab", "gas"], "severity"].isna().all()

    us = cg.weak_links(maps["US"])
    assert us["weakness"].fillna("?").tolist() == [
        "missing", "foreign", "missing", "?", "weak", "ok", "ok", "foreign", "missing",
        "foreign", "missing"]
    # litho: CYM (in euv) is local with an unknown share of litho, at most .05: local
    # share below .5 either way; foreign at least ASML .80 + NIKON .15
    assert np.isnan(us.loc["litho", "local_share"])
    assert us.loc["litho", "reasons"] == "foreign_share; local_share; hhi; few_local_firms"
    # chip: local .40 < .5: weak. The one local firm holds the top share (.40), so neither
    # "few local firms" nor thin presence counts: risk max(foreign .45 + 0, HHI —, thin —)
    assert us.loc["chip", "reasons"] == "local_share"
    assert us.loc["chip", "severity"] == pytest.approx((1 + 0.7 * 0.45) / 4)
    # eda: the home oligopoly SYN .60, CDN .20, MNT .10 has HHI .36+.04+.01+.0025 = .4125
    # > .4, but its top provider is local: not weak. Risk: foreign .05
    assert us.loc["eda", "hhi"] == pytest.approx(0.4125)
    assert us.loc["eda", ["local_share", "foreign_share"]].tolist() == pytest.approx([0.9, 0.05])
    assert us.loc["eda", "reasons"] == "" and us.loc["eda", "severity"] == pytest.approx(0.05 / 4)
    # euv: CYM .97 is local and the top provider: a home champion is a strength, not a weak
    # link; risk is the foreign .03
    assert us.loc["euv", ["weakness", "reasons"]].tolist() == ["ok", ""]
    assert us.loc["euv", "severity"] == pytest.approx(0.7 * 0.03 / 4)
    # resist: DOW is present but negligible: local 0, foreign 1 (JSR), JSR a chokepoint
    assert us.loc["resist", "reasons"] == "foreign_share; local_share; hhi; few_local_firms; chokepoint"
    assert us.loc["resist", "severity"] == pytest.approx((2 + 1.0) / 4)
    # pkg: local .1 (AMK), foreign .9: risk .9
    assert us.loc["pkg", "severity"] == pytest.approx((2 + 0.7 * 0.9) / 4)

    jp = cg.weak_links(maps["JP"])
    # material: JP-rest .60 (a home aggregate) is the top provider: neither its HHI .4325 nor
    # having one local provider counts; risk is the foreign .35
    assert jp.loc["material", ["weakness", "reasons"]].tolist() == ["ok", ""]
    assert jp.loc["material", "severity"] == pytest.approx(0.7 * 0.35 / 4)
    assert jp.loc["material", ["top_supplier", "top_supplier_kind"]].tolist() == ["JP-rest", "aggregate"]
    # resist: JSR 1.0 is local, the only provider there: a home monopoly, ok, risk 0
    assert jp.loc["resist", ["weakness", "reasons"]].tolist() == ["ok", ""]
    assert jp.loc["resist", "severity"] == pytest.approx(0.0)


def test_the_same_oligopoly_abroad_is_concentration(maps):
    # the eda shares seen from CN: the top provider SYN is foreign, so HHI .4125 > .4 counts
    cn = cg.weak_links(maps["CN"])
    assert "hhi" in cn.loc["eda", "reasons"].split("; ")
    # and a home oligopoly with the local share below half is weak for that, not for its HHI
    wl = cg.weak_links(maps["US"], min_local_share=0.95)
    assert wl.loc["eda", ["weakness", "reasons"]].tolist() == ["weak", "local_share"]


def test_shares_with_providers_of_unknown_share(maps):
    cn = cg.weak_links(maps["CN"])
    litho = cn.loc["litho"]
    # CYM and GIG have no share of litho: the foreign share and HHI are unknown, but
    # foreign ≥ .95 > .5 decides the class; local is exact (SMEE negligible: 0)
    assert litho["share_known"] == pytest.approx(0.95)
    assert np.isnan(litho["foreign_share"]) and np.isnan(litho["hhi"])
    assert litho["local_share"] == 0.0 and litho["outside_share"] == 0.0
    # ASML .80 ≥ the .05 the unknown ones could hold: surely the top provider
    assert (litho["top_supplier"], litho["top_supplier_share"]) == ("ASML", 0.8)
    assert litho["weakness"] == "foreign" and litho["basis"] == "share"
    # HHI between .6625 (known) and .6625 + 2·.05·.80 + .05² = .745: above .4 either way
    assert "hhi" in litho["reasons"].split("; ")
    # JP's local share of litho: NIKON .15 known, GIG unknown: at most .20 < .5
    jp = cg.weak_links(maps["JP"]).loc["litho"]
    assert np.isnan(jp["local_share"]) and "local_share" in jp["reasons"].split("; ")
    # gas: LND is the only provider not negligible, share unknown (basis none): CN's local
    # share is 0 (NSIG negligible) but the foreign share could be anything from 0 to 1
    gas = cn.loc["gas"]
    assert gas["basis"] == "none" and gas["share_known"] == 0.0
    assert gas["local_share"] == 0.0 and np.isnan(gas["foreign_share"])
    assert pd.isna(gas["weakness"]) and np.isnan(gas["severity"])
    assert gas["reasons"] == "local_share; few_local_firms; chokepoint; unknown_shares"
    assert pd.isna(gas["top_supplier"]) and np.isnan(gas["top_supplier_share"])


def test_amount_basis_and_columns(maps):
    wl = cg.weak_links(maps["CN"])
    assert wl.loc["pkg", "basis"] == "amount"
    assert wl.loc["pkg", ["local_share", "outside_share", "foreign_share", "share_known"]].tolist() \
        == pytest.approx([0.3, 0.0, 0.7, 1.0])
    assert wl.loc["pkg", "hhi"] == pytest.approx(0.6**2 + 0.3**2 + 0.1**2)
    assert wl.loc["pkg", "top_supplier"] == "ASE"
    # no links: demand and single sourcing are unknown, not zero
    assert wl["local_demand"].isna().all() and wl["single_sourced"].isna().all()
    # a segment with no provider at all has no shares
    assert wl.loc["mask", ["local_share", "share_known", "hhi"]].isna().all()
    assert wl["basis"].tolist() == ["share"] * 3 + ["none"] + ["share"] * 4 + ["none", "amount", "none"]
    # the counts of a parent include the providers of its sub-segments
    assert wl.loc["litho", "n_firms"] == 5 and wl.loc["euv", "n_firms"] == 2


def test_every_home_says_where_it_looked_from(maps):
    for home, chain in maps.items():
        for table in (cg.weak_links(chain), cg.chokepoints(chain), cg.gaps(chain),
                      cg.gap_candidates(chain), cg.tiers(chain), cg.tier_progress(chain)):
            assert (table.attrs["home"], table.attrs["region"]) == (home, None)
    sh = build(region="上海")
    wl = cg.weak_links(sh)
    assert (wl.attrs["home"], wl.attrs["region"]) == ("CN", "上海")
    # 上海 has SMEE (litho, negligible) and NSIG (material .10; gas, negligible); SMIC (北京)
    # and JCET (no province) are elsewhere in China: outside
    assert wl.loc["chip", ["local_share", "outside_share"]].tolist() == pytest.approx([0.0, 0.1])
    assert wl.loc["chip", "weakness"] == "missing"
    assert wl.loc["pkg", "outside_share"] == pytest.approx(0.3)


# ----------------------------------------------------------------------------- chokepoints


def test_dominant_share_chokepoints(maps):
    cp = cg.chokepoints(maps["CN"])
    # ASML .95 of arf; CYM .97 of euv beside GIG .03; JSR 1.0 of resist beside a negligible
    # DOW; LND the only provider of gas not flagged negligible (share unknown). Not: ASML
    # in litho (.80), SYN (.60), ASE (.6 by amount); sorted by share, unknown last
    assert cp.index.tolist() == ["JSR", "CYM", "ASML", "LND"]
    assert cp["dominant_in"].tolist() == ["resist", "euv", "arf", "gas"]
    np.testing.assert_allclose(cp["dominant_share"], [1.0, 0.97, 0.95, np.nan])
    assert (cp["rule"] == "dominant_share").all()
    assert cp.attrs["rules"] == ["dominant_share"] and "need supplier–customer links" in cp.attrs["note"]
    # the structural measures are unknown without links, not zero
    assert cp[["sole_customers", "cut_firms"]].isna().all().all()
    assert cp["cut_amount"].isna().all()
    # the rule's threshold is a parameter: at .96 ASML no longer dominates arf
    assert cg.chokepoints(maps["CN"], min_share=0.96).index.tolist() == ["JSR", "CYM", "LND"]
    wl = cg.weak_links(maps["CN"])
    assert wl["n_chokepoints"].tolist() == [0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0]
    with pytest.raises(cg.ChainDataError, match="needs supplier–customer links"):
        cg.chokepoints(maps["CN"], leads=["SMIC"])


def test_a_dominant_aggregate_is_never_a_named_chokepoint():
    t = extended_chain_map_tables()
    t["presence"].loc[len(t["presence"])] = ["KR-rest", "mask", 0.92, None, None]
    chain = build(t)
    cp = cg.chokepoints(chain)
    assert "KR-rest" not in cp.index
    wl = cg.weak_links(chain).loc["mask"]
    # but its weight shows in the segment: foreign .92, top provider the aggregate
    assert (wl["weakness"], wl["top_supplier"], wl["top_supplier_kind"]) == (
        "missing", "KR-rest", "aggregate")
    assert wl["foreign_share"] == pytest.approx(0.92) and wl["n_chokepoints"] == 0


# ---------------------------------------------------------------------------------- gaps


def test_gaps_on_a_chain_map(maps):
    g = cg.gaps(maps["CN"])
    # mask has no provider anywhere: missing (1 · 0.7); arf, euv, resist have providers but
    # none in China: no_local (0.9 · weight); fab, a process step, is no gap
    assert list(zip(g["segment_id"], g["kind"])) == [
        ("resist", "no_local"), ("mask", "missing"), ("arf", "no_local"), ("euv", "no_local")]
    np.testing.assert_allclose(g["severity"], [0.9, 0.7, 0.63, 0.63])
    assert g["local_demand"].isna().all() and g["outside_share"].isna().all()
    assert "broken_link and leakage" in g.attrs["note"]
    # fill candidates: the providers abroad, by share; extend: the local providers of the
    # segments next to the gap along the flows (resist → fab, and euv → fab inherited from
    # litho: fab has no provider, so none)
    by_segment = g.set_index("segment_id")
    assert by_segment.loc["arf", "candidates"] == "ASML; NIKON"
    assert by_segment.loc["euv", ["candidates", "extend_candidates"]].tolist() == ["CYM; GIG", ""]
    assert by_segment.loc["resist", ["candidates", "extend_candidates"]].tolist() == ["JSR; DOW", ""]
    gc = cg.gap_candidates(maps["CN"])
    arf = gc[gc["segment_id"] == "arf"]
    # arf's neighbours: material (material → arf) and fab (arf → fab, inherited from litho);
    # NSIG is the local provider of material (.10)
    assert list(zip(arf["firm_id"], arf["role"], arf["share"])) == [
        ("ASML", "fill", 0.95), ("NIKON", "fill", 0.05), ("NSIG", "extend", 0.10)]
    assert gc["amount"].isna().all()
    assert gc.attrs["note"] == g.attrs["note"]
    # seen from the US, gas has LND (share unknown, not negligible) and NSIG (negligible):
    # the unknown share ranks after known ones but before a negligible one
    us = cg.gaps(maps["US"]).set_index("segment_id")
    assert us.loc["gas", ["kind", "candidates"]].tolist() == ["no_local", "LND; NSIG"]
    # KR-rest (an aggregate, .25 of material) is no candidate
    assert us.loc["material", "candidates"] == "NSIG"


def test_an_aggregate_is_never_a_gap_candidate():
    t = extended_chain_map_tables()
    t["presence"].loc[len(t["presence"])] = ["KR-rest", "mask", 0.5, None, None]
    gc = cg.gap_candidates(build(t))
    assert "KR-rest" not in set(gc["firm_id"])
    assert "JP-rest" not in set(gc["firm_id"])


# ---------------------------------------------------------------------------------- tiers


def test_tiers_without_any_tier_input_are_unknown_not_lead(maps):
    t = cg.tiers(maps["CN"])
    # no firm has any input of any tier: nothing is known to be possible
    for col in ("tier", "tier_possible", "next_tier"):
        assert t[col].isna().all(), col
    assert t["next_distance"].isna().all()
    named = ~maps["CN"].is_aggregate
    assert (t.loc[named, "innovative.status"] == "unknown").all()
    # aggregates are not firms: every tier column is empty
    assert t.loc[~named, "innovative.status"].isna().all()
    # one known input makes the tier informed: a large firm cannot be an SME tier, and its
    # possible tiers are those whose inputs say anything
    firms = extended_chain_map_tables()["firms"].assign(revenue=None)
    firms.loc[firms["firm_id"] == "SMIC", "revenue"] = 900000.0
    t2 = extended_chain_map_tables()
    t2["firms"] = firms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smic = cg.tiers(build(t2)).loc["SMIC"]
    assert smic["lead.status"] == "unknown" and smic["tier_possible"] == "lead"


def test_tier_progress_leaves_aggregates_out():
    chain = build(home="JP")
    p = cg.tier_progress(chain)
    # local to JP: NIKON, GIG, JSR (and JP-rest, an aggregate: left out)
    assert p.loc[("all", "innovative"), "possible"] == 3


# ----------------------------------------------------------------------- single sourcing


def test_single_sourcing_ignores_negligible_second_sources():
    # C buys segment x from A and B; B is present in x with a negligible share, so C's one
    # real source of x is A. D buys x from B only: B is its one source all the same.
    # E buys x only from R, an aggregate ("rest of Japan"): many firms stand behind it.
    firms = pd.DataFrame({"firm_id": ["A", "B", "R", "C", "D", "E"],
                          "kind": ["firm", "firm", "aggregate", "firm", "firm", "firm"],
                          "country": ["CN", "CN", "JP", "CN", "CN", "CN"]})
    presence = pd.DataFrame({"firm_id": ["A", "B", "R", "C", "D", "E"],
                             "segment_id": ["x", "x", "x", "y", "y", "y"],
                             "negligible": [False, True, False, False, False, False]})
    links = pd.DataFrame({"supplier_id": ["A", "B", "B", "R"], "customer_id": ["C", "C", "D", "E"],
                          "amount": [5.0, 1.0, 2.0, 3.0]})
    chain = cg.ChainGraph.from_frames(firms, links, presence=presence)
    ss = cg.single_sourcing(chain)
    assert list(zip(ss["customer_id"], ss["supplier_id"])) == [("C", "A"), ("D", "B")]
    # without the negligible flag, C has two sources
    plain = cg.ChainGraph.from_frames(firms, links, presence=presence.drop(columns="negligible"))
    assert cg.single_sourcing(plain)["customer_id"].tolist() == ["D"]


# ---------------------------------------------------------------- severity, by construction


@st.composite
def random_map(draw):
    """A random chain map: firms in 2–4 countries, presence with shares, amounts or neither,
    negligible flags, some segments nested, some process steps."""
    n_firms, n_seg = draw(st.integers(1, 9)), draw(st.integers(1, 6))
    countries = ["CN", "US", "JP", "DE"][: draw(st.integers(2, 4))]
    firms = pd.DataFrame({
        "firm_id": [f"f{i}" for i in range(n_firms)],
        "country": [draw(st.sampled_from(countries)) for _ in range(n_firms)],
        "kind": [draw(st.sampled_from(["firm", "firm", "aggregate"])) for _ in range(n_firms)],
    })
    segs = [f"s{k}" for k in range(n_seg)]
    parent = [None] + [draw(st.sampled_from([None] + segs[:k])) for k in range(1, n_seg)]
    kind = [draw(st.sampled_from(["product", "product", "process"])) for _ in range(n_seg)]
    segments = pd.DataFrame({"segment_id": segs, "parent": parent, "kind": kind,
                             "foundation": [draw(st.sampled_from([None, "材料"])) for _ in segs]})
    pairs = draw(st.lists(st.tuples(st.integers(0, n_firms - 1), st.integers(0, n_seg - 1)),
                          min_size=1, max_size=20, unique=True))
    rows = []
    for f, k in pairs:
        negligible = draw(st.booleans()) and draw(st.booleans())
        share = None if negligible else draw(st.one_of(st.none(), st.floats(0, 0.11)))
        amount = draw(st.one_of(st.none(), st.floats(1, 100)))
        rows.append((f"f{f}", segs[k], share, amount, negligible))
    presence = pd.DataFrame(rows, columns=["firm_id", "segment_id", "share", "amount", "negligible"])
    home = draw(st.sampled_from(countries))
    return firms, segments, presence, home


@settings(max_examples=60, deadline=None)
@given(random_map(), st.floats(0.05, 0.95), st.floats(0.05, 0.95), st.floats(0, 1))
def test_severity_orders_the_classes_and_missing_is_exact(data, max_foreign, max_hhi, other):
    firms, segments, presence, home = data
    template = cg.ChainTemplate.from_frames(segments)
    chain = cg.ChainGraph.from_frames(firms, segments=template, presence=presence, home=home)
    wl = cg.weak_links(chain, max_foreign_share=max_foreign, max_hhi=max_hhi, other_weight=other)
    # missing ⟺ no provider of the home country in the segment or below it, unless it is a
    # process step without providers (then unknown)
    country = dict(zip(firms["firm_id"], firms["country"]))
    below = {s: {s, *template.descendants(s)} for s in segments["segment_id"]}
    for s, row in wl.iterrows():
        providers = set(presence.loc[presence["segment_id"].isin(below[s]), "firm_id"])
        process_step = template.segments.loc[s, "kind"] == "process" and not providers
        is_missing = pd.notna(row["weakness"]) and row["weakness"] == "missing"
        assert is_missing == (not process_step and not any(country[f] == home for f in providers))
        if process_step:
            assert pd.isna(row["weakness"])
    # severity: classes in bands, missing ≥ foreign ≥ weak ≥ ok
    known = wl[wl["weakness"].notna()]
    assert known["severity"].between(0, 1).all()
    rank = known["weakness"].map({c: i for i, c in enumerate(WEAKNESS_CLASSES)})
    for a in range(len(WEAKNESS_CLASSES) - 1):
        upper = known.loc[rank == a, "severity"]
        lower = known.loc[rank > a, "severity"]
        if len(upper) and len(lower):
            assert upper.min() >= lower.max()
    assert wl.loc[wl["weakness"].isna(), "severity"].isna().all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_severity_orders_the_classes_on_transaction_chains(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain, _ = cg.synthetic_chain("nev", 120, region="山东", seed=seed)
    wl = cg.weak_links(chain)
    assert wl["weakness"].notna().all() and (wl["basis"] == "links").all()
    rank = wl["weakness"].map({c: i for i, c in enumerate(WEAKNESS_CLASSES)})
    for a in range(len(WEAKNESS_CLASSES) - 1):
        upper, lower = wl.loc[rank == a, "severity"], wl.loc[rank > a, "severity"]
        if len(upper) and len(lower):
            assert upper.min() >= lower.max()


# --------------------------------------------------------------- every table says its place

ANALYSES = sorted(
    name for name in cg.__all__
    if inspect.isfunction(getattr(cg, name))
    and getattr(cg, name).__module__.startswith("chaingraph.analysis.")
    and next(iter(inspect.signature(getattr(cg, name)).parameters), None) == "chain")
#: Analyses that return no table: a view of the chain (which has its own home and region).
NOT_TABLES = {"ecosystem"}
#: The resilience module (systemic_risk, simulate_disruption) stamps its own tables.
STAMPED_ELSEWHERE = {"systemic_risk", "simulate_disruption"}


def test_the_analyses_are_all_listed():
    assert {"weak_links", "gaps", "tiers", "integration", "segment_flows"} <= set(ANALYSES)
    assert NOT_TABLES | STAMPED_ELSEWHERE <= set(ANALYSES)


@pytest.mark.parametrize("name", [n for n in ANALYSES if n not in NOT_TABLES | STAMPED_ELSEWHERE])
def test_every_analysis_table_says_where_it_looked_from(name, hand_chain):
    chain = hand_chain.with_region("山东", home="CN")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = getattr(cg, name)(chain)
    tables = ([getattr(result, f.name) for f in dataclasses.fields(result)]
              if dataclasses.is_dataclass(result) else [result])
    tables = [t for t in tables if isinstance(t, (pd.DataFrame, pd.Series))]
    assert tables
    for table in tables:
        assert (table.attrs["home"], table.attrs["region"]) == ("CN", "山东")


def test_segment_flows_need_links(maps):
    # with no transactions the flows between segments are unknown, not zero
    with pytest.raises(cg.ChainDataError, match="segment_flows needs supplier–customer links"):
        cg.segment_flows(maps["CN"])
