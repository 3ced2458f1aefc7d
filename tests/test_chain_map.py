"""Chain maps: presence with shares, firms in several segments, aggregates, any home country,
no links. The known answers are worked by hand in conftest.py (small_chain_map)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chaingraph as cg
from conftest import small_chain_map_tables

SEGMENTS = ["material", "litho", "arf", "fab", "chip"]
FIRMS = ["ASML", "NIKON", "SMEE", "NSIG", "SMIC", "INTEL", "JP-rest", "KR-rest"]


def build(t, **kw):
    template = cg.ChainTemplate.from_frames(t["segments"], t["flows"], name="chips")
    return cg.ChainGraph.from_frames(t["firms"], segments=template, presence=t["presence"], **kw)


def locations(chain):
    return dict(zip(chain.firm_ids, chain.location.astype(str)))


# ----------------------------------------------------------------------------- the model


def test_loads_in_one_call_with_countries_kinds_and_template(small_chain_map):
    chain = small_chain_map
    assert list(chain.firm_ids) == FIRMS
    assert chain.firms["country"].tolist() == ["NL", "JP", "CN", "CN", "CN", "US", "JP", "KR"]
    assert chain.firms["kind"].tolist() == ["firm"] * 6 + ["aggregate"] * 2
    assert chain.is_aggregate.tolist() == [False] * 6 + [True] * 2
    assert chain.home == "CN" and chain.region is None and chain.region_kind is None
    assert chain.has_presence and not chain.has_links and chain.n_links == 0
    assert list(chain.segment_ids) == SEGMENTS
    assert repr(chain) == ("<ChainGraph 'chips': 8 firms (3 local, 0 outside, 5 foreign), "
                           "no links>")


def test_template_levels_kinds_and_inherited_flows(small_chain_map):
    seg = small_chain_map.segments
    assert seg["level"].tolist() == [0, 0, 1, 2, 3]
    assert seg["kind"].tolist() == ["product", "product", "product", "process", "product"]
    assert seg["parent"].tolist()[2] == "litho" and seg["parent"].isna().sum() == 4
    assert seg["stage"].isna().tolist() == [False, True, True, False, False]
    eff = small_chain_map.template.effective_flows
    inherited = eff[eff["inherited"]]
    assert list(zip(inherited["from_segment"], inherited["to_segment"])) == [("arf", "fab")]
    assert small_chain_map.template.process_segments == ["fab"]


def test_presence_table_is_typed_and_complete(small_chain_map):
    p = small_chain_map.presence
    assert list(p.columns) == ["firm_id", "segment_id", "share", "amount", "negligible"]
    assert isinstance(p.index, pd.RangeIndex) and len(p) == 11
    assert p["share"].dtype == "float64" and p["amount"].dtype == "float64"
    assert str(p["negligible"].dtype) == "boolean"
    assert p.attrs["derived"] is False
    assert p["negligible"].tolist()[5] is True and pd.isna(p["share"][5])


def test_primary_segments(small_chain_map):
    # by hand (conftest): ASML arf, NIKON arf (given), SMEE litho, NSIG material, SMIC chip,
    # INTEL chip (given), JP-rest material, KR-rest chip
    codes = small_chain_map.segment_codes
    assert [SEGMENTS[c] for c in codes] == ["arf", "arf", "litho", "material", "chip", "chip",
                                             "material", "chip"]


def test_primary_segment_ties_go_to_the_larger_amount_then_the_first_row():
    firms = pd.DataFrame({"firm_id": ["A", "B"]})
    presence = pd.DataFrame({"firm_id": ["A", "A", "B", "B"], "segment_id": ["x", "y", "x", "y"],
                             "share": [0.2, 0.2, 0.3, 0.3], "amount": [5.0, 9.0, None, None]})
    chain = cg.ChainGraph.from_frames(firms, presence=presence)
    assert chain.segment_codes.tolist() == [1, 0]  # A: y (larger amount); B: x (first row)


def test_membership_rows_sum_to_one_split_by_amount_or_equally(small_chain_map):
    m = small_chain_map.segment_membership.toarray()
    expected = np.array([
        # material litho arf fab chip
        [0, .5, .5, 0, 0],     # ASML: no amounts → equal parts
        [0, .5, .5, 0, 0],     # NIKON
        [0, 1, 0, 0, 0],       # SMEE
        [1, 0, 0, 0, 0],       # NSIG
        [0, 0, 0, 0, 1],       # SMIC
        [0, 0, 0, 0, 1],       # INTEL
        [1, 0, 0, 0, 0],       # JP-rest
        [.25, 0, 0, 0, .75],   # KR-rest: 250 / 1000 and 750 / 1000
    ])
    np.testing.assert_allclose(m, expected)
    assert small_chain_map.segment_firm_counts().tolist() == [3, 3, 2, 0, 3]


def test_ancestry_counts_presence_in_a_subsegment_for_its_parent(small_chain_map):
    a = small_chain_map.segment_ancestry.toarray()
    assert a[2].tolist() == [0, 1, 1, 0, 0]  # arf: itself and litho
    assert np.trace(a) == 5 and a.sum() == 6
    sub = small_chain_map.subchain(segments=["litho"])
    assert list(sub.firm_ids) == ["ASML", "NIKON", "SMEE"]
    assert sub.has_presence and set(sub.presence["firm_id"]) == {"ASML", "NIKON", "SMEE"}
    assert not sub.has_links


def test_locations_home_cn_and_us(small_chain_map_frames):
    cn = build(small_chain_map_frames)
    assert locations(cn) == {
        "ASML": "foreign", "NIKON": "foreign", "SMEE": "local", "NSIG": "local",
        "SMIC": "local", "INTEL": "foreign", "JP-rest": "foreign", "KR-rest": "foreign"}
    us = build(small_chain_map_frames, home="United States")
    assert us.home == "US"
    assert locations(us) == {f: ("local" if f == "INTEL" else "foreign") for f in FIRMS}
    assert repr(us).startswith("<ChainGraph 'chips' home=US: 8 firms (1 local, 0 outside")
    # the same chain seen from the US without reading it again
    again = cn.with_region(None, home="USA")
    assert locations(again) == locations(us)


def test_local_supply_by_segment_follows_the_home(small_chain_map_frames):
    by_home = {h: build(small_chain_map_frames, home=h).summary().by_segment["local"].tolist()
               for h in ("CN", "US", "JPN")}
    # material, litho, arf, fab, chip
    assert by_home == {"CN": [1, 1, 0, 0, 1], "US": [0, 0, 0, 0, 1], "JPN": [1, 1, 1, 0, 0]}


def test_region_kinds(small_chain_map_frames):
    t = small_chain_map_frames
    sh = build(t, region="上海")
    assert (sh.region, sh.region_kind, sh.home) == ("上海", "province", "CN")
    assert locations(sh)["SMEE"] == "local" and locations(sh)["NSIG"] == "local"
    assert locations(sh)["SMIC"] == "outside" and locations(sh)["ASML"] == "foreign"
    city = build(t, region="Hillsboro", home="US")
    assert (city.region_kind, int(city.is_local.sum())) == ("city", 1)
    assert build(t, region="北京市").region_kind == "province"  # 北京 is a province first
    state = build(t, region="Oregon", home="USA")
    assert state.region_kind == "province" and state.firm_ids[state.is_local].tolist() == ["INTEL"]
    jp = build(t, region="日本")
    assert (jp.region, jp.region_kind, jp.home) == ("JP", "country", "JP")
    assert jp.firm_ids[jp.is_local].tolist() == ["NIKON", "JP-rest"]
    assert repr(jp).startswith("<ChainGraph 'chips' home=JP region=JP: 8 firms (2 local, 0 outside")


def test_region_a_country_other_than_home_is_a_value_error(small_chain_map_frames):
    with pytest.raises(ValueError, match="region='Japan' is the country JP but home='CN' is CN"):
        build(small_chain_map_frames, region="Japan", home="CN")
    with pytest.raises(ValueError, match="home='Atlantis' is not a country"):
        build(small_chain_map_frames, home="Atlantis")
    with pytest.raises(TypeError):
        build(small_chain_map_frames, home=86)


def test_a_string_that_is_a_country_and_a_province_is_the_country():
    firms = pd.DataFrame({"firm_id": ["A", "B"], "province": ["Georgia", "Texas"],
                          "country": ["US", "US"]})
    with pytest.warns(cg.ChainDataWarning, match="names the country GE and also a province"):
        chain = cg.ChainGraph.from_frames(firms, region="Georgia")
    assert (chain.region_kind, chain.home, chain.location.tolist()) == (
        "country", "GE", ["foreign", "foreign"])


def test_a_state_named_like_a_country_is_the_state_when_home_is_given():
    # home=US: the region cannot be the country Georgia (GE), so it is the state of the data
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "province": ["Georgia", "Texas", None],
                          "country": ["US", "US", "KR"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chain = cg.ChainGraph.from_frames(firms, region="Georgia", home="US")
    assert (chain.region, chain.region_kind, chain.home) == ("Georgia", "province", "US")
    assert chain.location.tolist() == ["local", "outside", "foreign"]
    # without such a state in the data, a foreign country stays an error
    with pytest.raises(ValueError, match="region='Japan' is the country JP but home='US'"):
        cg.ChainGraph.from_frames(firms, region="Japan", home="US")


def test_a_state_region_matches_without_case():
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "province": ["Michigan", "New  York", "Ohio"],
                          "country": ["US", "US", "US"]})
    chain = cg.ChainGraph.from_frames(firms, region="michigan", home="US")
    assert chain.is_local.tolist() == [True, False, False]
    chain = cg.ChainGraph.from_frames(firms, region="NEW YORK", home="US")
    assert chain.is_local.tolist() == [False, True, False]


def test_city_region_matches_without_suffix():
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "city": ["苏州市", "苏州", "无锡"]})
    chain = cg.ChainGraph.from_frames(firms, region="苏州")
    assert chain.region_kind == "city" and chain.is_local.tolist() == [True, True, False]


def test_missing_country_counts_as_domestic_for_any_home():
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "country": [None, "US", "DE"]})
    chain = cg.ChainGraph.from_frames(firms, home="US")
    assert chain.location.tolist() == ["local", "local", "foreign"]
    chain = cg.ChainGraph.from_frames(firms)
    assert chain.location.tolist() == ["local", "foreign", "foreign"]


def test_summary_of_a_chain_map(small_chain_map):
    s = small_chain_map.summary()
    assert s.totals["home"] == "CN" and s.totals["links (rows)"] == 0
    assert s.totals["presence rows"] == 11 and s.totals["aggregates"] == 2
    assert s.totals["segments with no firm"] == 1  # fab, the process step
    assert s.by_segment["firms"].tolist() == [3, 3, 2, 0, 3]
    assert s.by_location.tolist() == [3, 0, 5]


def test_without_presence_it_is_derived_from_segment_id(firms, links):
    chain = cg.ChainGraph.from_frames(firms, links)
    p = chain.presence
    assert not chain.has_presence and p.attrs["derived"] is True
    assert p["firm_id"].tolist() == ["F1", "F2", "F3", "F4", "F5"]
    assert p["segment_id"].tolist() == ["s_up", "s_up", "s_mid", "s_mid", "s_up"]
    assert p["share"].isna().all() and p["negligible"].isna().all()


def test_chinese_presence_headers_and_percent_shares():
    firms = pd.DataFrame({"企业ID": ["A", "B"]})
    presence = pd.DataFrame({"企业ID": ["A", "B"], "环节": ["x", "x"], "市场份额": [0.7, 0.3],
                             "产值": [7, 3], "可忽略": ["否", "否"]})
    chain = cg.ChainGraph.from_frames(firms, presence=presence)
    assert chain.presence["share"].tolist() == [0.7, 0.3]
    assert chain.presence["amount"].tolist() == [7.0, 3.0]
    presence["市场份额"] = [70, 30]
    with pytest.raises(cg.ChainDataError) as e:
        cg.ChainGraph.from_frames(firms, presence=presence)
    assert str(e.value) == ("presence: column 'share': values 70, 30 are above 1; give shares "
                            "as fractions (0.12 for 12%) (rows 0, 1)")


def test_presence_firms_added_with_unknown_firms_add(small_chain_map_frames):
    t = small_chain_map_frames
    t["presence"].loc[len(t["presence"])] = ["TSMC", "chip", 0.1, None, None]
    with pytest.raises(cg.ChainDataError) as e:
        build(t)
    assert str(e.value) == (
        "presence: column 'firm_id': 1 firms not in the firms table: 'TSMC' (pass "
        "unknown_firms='add' to add them as firms with no attributes) (row 11)")
    with pytest.warns(cg.ChainDataWarning, match="presence: added 1 firms"):
        chain = build(t, unknown_firms="add")
    assert chain.firm_ids[-1] == "TSMC" and chain.summary().totals["firms added from links"] == 1


# ------------------------------------------------------------------- validation, one error each


def error_of(t, **kw):
    with pytest.raises(cg.ChainDataError) as e:
        build(t, **kw)
    return e.value


def test_duplicate_presence_pair_is_an_error(small_chain_map_frames):
    t = small_chain_map_frames
    t["presence"].loc[11] = ["NIKON", "arf", 0.01, None, None]
    e = error_of(t)
    assert (e.source, e.column, e.rows) == ("presence", "segment_id", [7, 11])
    assert "firm 'NIKON' is listed in segment 'arf' more than once" in e.problem


@pytest.mark.parametrize("table, row, column, value, where, problem", [
    # chip: .60 + .35 + .10 = 1.05
    ("presence", 8, "share", 0.60, ("presence", "share", [8, 9, 10]),
     "the shares of segment 'chip' sum to 1.05, more than 1"),
    ("presence", 5, "share", 0.2, ("presence", "negligible", [5]),
     "flagged negligible but with a share above 0.05"),
    ("firms", 1, "segment_id", "chip", ("firms", "segment_id", [1]),
     "segment_id 'chip' of firms 'NIKON' is not one of the firm's segments"),
    ("presence", 3, "segment_id", "euv", ("presence", "segment_id", [3]),
     "segments 'euv' are not in the template 'chips'"),
    ("firms", 6, "kind", "consortium", ("firms", "kind", [6]), "unknown kind 'consortium'"),
    ("firms", 3, "country", "Atlantis", ("firms", "country", [3]),
     "unknown countries 'Atlantis'"),
])
def test_each_data_error_names_table_column_and_rows(small_chain_map_frames, table, row, column,
                                                      value, where, problem):
    t = small_chain_map_frames
    t[table].loc[row, column] = value
    e = error_of(t)
    assert (e.source, e.column, e.rows) == where
    assert problem in e.problem


def test_shares_a_little_above_one_warn_and_are_kept(small_chain_map_frames):
    t = small_chain_map_frames
    t["presence"].loc[8, "share"] = 0.555  # chip: 1.005, rounded percentages
    with pytest.warns(cg.ChainDataWarning, match=r"segments sum to a little more than 1: 'chip' \(1.005\)"):
        chain = build(t)
    assert chain.presence["share"][8] == 0.555


def test_presence_needs_its_ids(small_chain_map_frames):
    t = small_chain_map_frames
    t["presence"].loc[2, "firm_id"] = None
    e = error_of(t)
    assert (e.source, e.column, e.rows, e.problem) == ("presence", "firm_id", [2], "missing ids")
    with pytest.raises(cg.ChainDataError, match="presence: missing required column 'segment_id'"):
        cg.ChainGraph.from_frames(t["firms"], presence=t["presence"].drop(columns="segment_id"))


def test_template_parent_and_level_errors():
    seg = pd.DataFrame({"segment_id": ["a", "b", "c"], "parent": [None, "zz", None]})
    with pytest.raises(cg.ChainDataError) as e:
        cg.ChainTemplate.from_frames(seg)
    assert (e.value.source, e.value.column, e.value.rows) == ("segments", "parent", [1])
    seg["parent"] = ["c", None, "a"]
    with pytest.raises(cg.ChainDataError) as e:
        cg.ChainTemplate.from_frames(seg)
    assert e.value.rows == [0, 2] and "nested in a loop" in e.value.problem
    seg["parent"] = [None, "a", None]
    seg["level"] = [0, 0, 5]
    with pytest.raises(cg.ChainDataError) as e:
        cg.ChainTemplate.from_frames(seg, pd.DataFrame({"from_segment": ["a"], "to_segment": ["c"]}))
    assert (e.value.column, e.value.rows) == ("level", [2])
    seg["kind"] = ["product", "widget", None]
    with pytest.raises(cg.ChainDataError) as e:
        cg.ChainTemplate.from_frames(seg.drop(columns="level"))
    assert (e.value.column, e.value.rows) == ("kind", [1])


def test_a_heading_takes_the_smallest_level_of_its_subsegments():
    seg = pd.DataFrame({"segment_id": ["ore", "tools", "lathe", "mill", "car"],
                        "parent": [None, None, "tools", "tools", None]})
    flows = pd.DataFrame({"from_segment": ["ore", "ore", "mill", "lathe"],
                          "to_segment": ["mill", "car", "lathe", "car"]})
    t = cg.ChainTemplate.from_frames(seg, flows)
    # ore 0; mill 1 (ore→mill); lathe 2 (mill→lathe); car 3; tools (no flow) min(2, 1) = 1
    assert t.segments["level"].tolist() == [0, 1, 2, 1, 3]
    assert t.descendants("tools") == ["lathe", "mill"] and t.ancestors("mill") == ["tools"]


def test_template_toml_round_trip_with_parent_and_kind(small_chain_map, tmp_path):
    t = small_chain_map.template
    t.to_toml(tmp_path / "chips.toml")
    text = (tmp_path / "chips.toml").read_text(encoding="utf-8")
    assert 'parent = "litho"' in text and 'kind = "process"' in text and "level" not in text
    assert cg.ChainTemplate.from_toml(tmp_path / "chips.toml") == t
    # the segments table as the template gives it (with level) is accepted back
    back = cg.ChainTemplate.from_frames(t.segments, t.flows, name="chips")
    assert back == t


# -------------------------------------------------------------------------------- files


def write_raw(t, folder, fmt):
    folder.mkdir()
    if fmt == "xlsx":
        path = folder / "map.xlsx"
        with pd.ExcelWriter(path) as w:
            for name, df in t.items():
                df.to_excel(w, sheet_name=name, index=False)
        return path
    for name, df in t.items():
        if fmt == "csv":
            df.to_csv(folder / f"{name}.csv", index=False)
        else:
            df.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_reads_from_a_folder_or_workbook_in_one_call(small_chain_map, small_chain_map_frames,
                                                     tmp_path, fmt):
    path = write_raw(small_chain_map_frames, tmp_path / "map", fmt)
    chain = cg.read_chain(path, home="US")
    assert chain.home == "US" and not chain.has_links and chain.has_presence
    assert chain.firms["country"].tolist() == small_chain_map.firms["country"].tolist()
    assert chain.segment_codes.tolist() == small_chain_map.segment_codes.tolist()
    np.testing.assert_allclose(chain.segment_membership.toarray(),
                               small_chain_map.segment_membership.toarray())
    pd.testing.assert_frame_equal(chain.presence[["firm_id", "segment_id"]],
                                  small_chain_map.presence[["firm_id", "segment_id"]],
                                  check_dtype=False)
    np.testing.assert_allclose(chain.presence["share"], small_chain_map.presence["share"])
    assert chain.template.segments["level"].tolist() == [0, 0, 1, 2, 3]
    assert chain.firm_ids[chain.is_local].tolist() == ["INTEL"]


def test_errors_from_files_name_the_file_line(small_chain_map_frames, tmp_path):
    t = small_chain_map_frames
    t["presence"].loc[5, "share"] = 0.2
    path = write_raw(t, tmp_path / "map", "csv")
    with pytest.raises(cg.ChainDataError) as e:
        cg.read_chain(path)
    assert (e.value.source, e.value.column, e.value.rows) == ("presence.csv", "negligible", [7])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_write_and_read_back_exactly(small_chain_map_frames, tmp_path, fmt):
    chain = build(small_chain_map_frames, region="Hillsboro", home="USA")
    path = tmp_path / ("out.xlsx" if fmt == "xlsx" else "out")
    cg.write_chain(chain, path, **({} if fmt == "xlsx" else {"format": fmt}))
    if fmt != "xlsx":
        assert not (path / f"links.{fmt}").exists() and (path / f"presence.{fmt}").exists()
    back = cg.read_chain(path)
    assert (back.home, back.region, back.region_kind) == ("US", "Hillsboro", "city")
    assert not back.has_links and back.has_presence
    pd.testing.assert_frame_equal(back.firms, chain.firms)
    pd.testing.assert_frame_equal(back.presence, chain.presence)
    assert back.template == chain.template
    assert repr(back) == repr(chain)


def test_transaction_chain_writes_no_presence(hand_chain, tmp_path):
    cg.write_chain(hand_chain, tmp_path / "c")
    assert not (tmp_path / "c" / "presence.csv").exists()
    back = cg.read_chain(tmp_path / "c")
    assert back.home == "CN" and back.has_links and not back.has_presence


# ------------------------------------------------------------------ analyses without links


@pytest.mark.parametrize("call, what", [
    (lambda c: cg.lead_firms(c), "lead_firms"),
    (lambda c: cg.ecosystem(c, "ASML"), "ecosystem"),
    (lambda c: cg.integration(c), "integration"),
    (lambda c: cg.systemic_risk(c, progress=False), "systemic_risk"),
    (lambda c: cg.simulate_disruption(c, ["ASML"]), "simulate_disruption"),
    (lambda c: cg.single_sourcing(c), "single_sourcing"),
])
def test_analyses_that_need_transactions_say_so(small_chain_map, call, what):
    with pytest.raises(cg.ChainDataError) as e:
        call(small_chain_map)
    assert str(e.value) == (
        f"links: {what} needs supplier–customer links (transactions); this chain has none — "
        "it is a chain map of presence only")


def test_a_view_without_remaining_links_still_has_transactions(hand_chain):
    lone = hand_chain.subchain(["A"])
    assert lone.n_links == 0 and lone.has_links
    assert len(cg.lead_firms(lone)) == 1


def test_outputs_say_which_home_and_region_they_used(hand_chain):
    tables = {
        "lead_firms": cg.lead_firms(hand_chain),
        "weak_links": cg.weak_links(hand_chain),
        "chokepoints": cg.chokepoints(hand_chain),
        "single_sourcing": cg.single_sourcing(hand_chain),
        "gaps": cg.gaps(hand_chain),
        "gap_candidates": cg.gap_candidates(hand_chain),
        "tiers": cg.tiers(hand_chain),
    }
    for name, df in tables.items():
        assert (df.attrs["home"], df.attrs["region"]) == ("CN", "山东"), name
    us = cg.weak_links(hand_chain.with_region(None, home="US"))
    assert (us.attrs["home"], us.attrs["region"]) == ("US", None)


def test_report_on_a_chain_map_says_what_needs_transactions(small_chain_map):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = cg.build_report(small_chain_map)
        english = cg.build_report(small_chain_map, lang="en", sections=["leads"])
    assert report.sections["summary"].unavailable is None
    assert report.sections["leads"].unavailable.startswith("本节需要企业间供需交易数据")
    assert "needs supplier–customer links" in english.sections["leads"].unavailable


# ------------------------------------------------------------------------------ command line


def test_cli_validate_reports_presence_home_and_region(small_chain_map_frames, tmp_path):
    from click.testing import CliRunner

    from chaingraph.cli import cli

    path = write_raw(small_chain_map_frames, tmp_path / "map", "csv")
    result = CliRunner().invoke(cli, ["validate", str(path), "--home", "USA", "--region",
                                      "Oregon"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "OK: <ChainGraph 'custom' home=US region=Oregon: 8 firms (1 local, 0 outside, "
        "7 foreign), no links>",
        "home: US; region: Oregon (province)",
        "presence: 11 rows, 8 firms in 4 segments, 10 with a share, 1 negligible; 2 aggregates",
        "links: none (a chain map: analyses that need transactions are not available)",
    ]
    result = CliRunner().invoke(cli, ["summary", str(path), "--home", "日本"])
    assert result.exit_code == 0 and "home=JP" in result.output
    result = CliRunner().invoke(cli, ["leads", str(path)])
    assert result.exit_code == 2
    assert "lead_firms needs supplier–customer links" in result.output
    result = CliRunner().invoke(cli, ["summary", "--dataset", "shandong-cnc", "--home", "Atlantis"])
    assert result.exit_code == 2 and "home='Atlantis' is not a country" in result.output


def test_presence_headers_stay_presence_headers():
    # 市场份额 in a firms table is not renamed to the presence column 'share'
    firms = pd.DataFrame({"企业ID": ["A"], "市场份额": [0.3]})
    chain = cg.ChainGraph.from_frames(firms)
    assert "市场份额" in chain.firms.columns and "share" not in chain.firms.columns


# ------------------------------------------------------------------------ random presence

@st.composite
def random_presence(draw):
    n_firms, n_seg = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    pairs = draw(st.lists(st.tuples(st.integers(0, n_firms - 1), st.integers(0, n_seg - 1)),
                          min_size=1, max_size=25, unique=True))
    amounts = draw(st.lists(st.one_of(st.none(), st.floats(0, 1e6)), min_size=len(pairs),
                            max_size=len(pairs)))
    # at most 8 firms per segment: shares up to 0.12 keep every segment's sum below 1
    shares = draw(st.lists(st.one_of(st.none(), st.floats(0, 0.12)), min_size=len(pairs),
                           max_size=len(pairs)))
    firms = pd.DataFrame({"firm_id": [f"f{i}" for i in range(n_firms)]})
    presence = pd.DataFrame({"firm_id": [f"f{a}" for a, _ in pairs],
                             "segment_id": [f"s{k}" for _, k in pairs],
                             "share": shares, "amount": amounts})
    return firms, presence


@settings(max_examples=60, deadline=None)
@given(random_presence())
def test_membership_counts_and_primary_segments_hold_for_any_presence(frames):
    firms, presence = frames
    chain = cg.ChainGraph.from_frames(firms, presence=presence)
    m = chain.segment_membership
    rows = np.asarray(m.sum(axis=1)).ravel()
    has_rows = chain.firm_ids.isin(presence["firm_id"])
    np.testing.assert_allclose(rows[has_rows], 1.0)
    assert (rows[~has_rows] == 0).all()
    # a firm counts once in every segment it is in
    expected = presence.groupby("segment_id")["firm_id"].nunique().reindex(chain.segment_ids)
    assert chain.segment_firm_counts().tolist() == expected.tolist()
    # the primary segment is one of the firm's segments, with its largest share
    pairs = set(zip(presence["firm_id"], presence["segment_id"]))
    for fid, code in zip(chain.firm_ids, chain.segment_codes):
        mine = presence[presence["firm_id"] == fid]
        if mine.empty:
            assert code == -1
            continue
        assert (fid, chain.segment_ids[code]) in pairs
        best = mine["share"].fillna(-1).max()
        assert mine.loc[mine["segment_id"] == chain.segment_ids[code], "share"].fillna(-1).iloc[0] == best
