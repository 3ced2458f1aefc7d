"""Synthetic chain maps: valid tables, the planted facts, reproducibility, the shipped map.

The planted facts are checked directly on the tables with pandas, not through the
analyses, so that a failure here points at the generator.
"""

import importlib.util
import json
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import chaingraph as cg
from chaingraph.countries import to_iso2
from chaingraph.datasets import _dataset_root, load_planted
from chaingraph.synthetic_map import PlantedMap, synthetic_chain_map

NAME = "world-semiconductor-map"
TABLES = ("segments", "flows", "firms", "presence")

def _shipped():
    folder = _dataset_root() / NAME
    segments = pd.read_csv(folder / "segments.csv", dtype="string")
    flows = pd.read_csv(folder / "flows.csv", dtype={"from_segment": "string",
                                                     "to_segment": "string"})
    firms = pd.read_csv(folder / "firms.csv", dtype="string")
    presence = pd.read_csv(folder / "presence.csv",
                           dtype={"firm_id": "string", "segment_id": "string"})
    planted = PlantedMap.from_dict(json.loads((folder / "planted.json").read_text("utf-8")))
    return segments, flows, firms, presence, planted


@pytest.fixture(scope="module", params=["seed0", "seed7", "shipped"])
def world(request):
    """``(segments, flows, firms with ISO2 countries, presence, planted)`` of a
    generated map or of the shipped files."""
    if request.param == "shipped":
        segments, flows, firms, presence, planted = _shipped()
    else:
        segments, flows, firms, presence, planted = synthetic_chain_map(
            seed=int(request.param[4:]))
    firms = firms.assign(country=to_iso2(firms["country"]))
    assert firms["country"].notna().all()
    return segments, flows, firms, presence, planted


def _lineage(segments) -> dict:
    """Segment -> itself and every grouping above it."""
    parent = dict(zip(segments["segment_id"], segments["parent"]))
    out = {}
    for s in parent:
        chain, t = [], s
        while not pd.isna(t):
            chain.append(t)
            t = parent[t]
        out[s] = chain
    return out


def _with_country(world) -> pd.DataFrame:
    _, _, firms, presence, _ = world
    return presence.merge(firms[["firm_id", "country", "kind"]], on="firm_id", how="left")


def _covered(segments, segment_ids) -> set:
    """The segments given and every grouping above them."""
    lineage = _lineage(segments)
    return {a for s in segment_ids for a in lineage[s]}


# --------------------------------------------------------------------------- #
# the tables are valid chain-map tables


def test_segments_are_nested_two_to_three_levels(world):
    segments, *_ = world
    ids = segments["segment_id"]
    assert 40 <= len(segments) <= 80 and ids.is_unique
    parents = segments["parent"].dropna()
    assert parents.isin(ids).all()
    depth = {s: len(chain) for s, chain in _lineage(segments).items()}
    assert max(depth.values()) == 3
    assert set(segments["kind"]) == {"product", "process"}
    # stage only for the top-level groupings, which all have one
    top = segments["parent"].isna()
    assert segments.loc[top, "stage"].notna().all()
    assert segments.loc[~top, "stage"].isna().all()
    # nested as the example: lithography tools -> EUV / ArF immersion scanners
    parent = dict(zip(ids, segments["parent"]))
    assert parent["euv_scanners"] == parent["arfi_scanners"] == "lithography"
    assert parent["lithography"] == "sme"


def test_flows_are_acyclic_after_inheritance(world):
    segments, flows, *_ = world
    ids = set(segments["segment_id"])
    assert set(flows["from_segment"]) <= ids and set(flows["to_segment"]) <= ids
    assert not flows.duplicated(["from_segment", "to_segment"]).any()
    assert flows["essential"].dtype == bool and (~flows["essential"]).any()
    # every segment takes the flows of every grouping above it: the graph stays acyclic
    below = {s: [t for t, chain in _lineage(segments).items() if s in chain] for s in ids}
    g = nx.DiGraph()
    for a, b in zip(flows["from_segment"], flows["to_segment"]):
        g.add_edges_from((x, y) for x in below[a] for y in below[b])
    assert nx.is_directed_acyclic_graph(g)


def test_presence_rows(world):
    segments, _, firms, presence, planted = world
    assert list(presence.columns) == ["firm_id", "segment_id", "share", "amount", "negligible"]
    assert not presence.duplicated(["firm_id", "segment_id"]).any()
    assert set(presence["firm_id"]) == set(firms["firm_id"])  # every provider is active somewhere
    leaves = set(segments["segment_id"]) - set(segments["parent"].dropna())
    assert set(presence["segment_id"]) <= leaves
    share = presence["share"]
    assert share.dropna().between(0.01, 1.0).all()
    # shares are whole percent, as maps publish them
    assert np.allclose(share.dropna() * 100, (share.dropna() * 100).round())
    # per segment at most 1: the rest is unattributed
    total = presence.groupby("segment_id")["share"].sum()
    assert (total <= 1.0).all() and total.max() == 1.0 and total.min() < 0.95
    # negligible: flagged, share and amount not given
    negl = presence["negligible"]
    assert negl.dtype == bool and negl.sum() >= 10
    assert presence.loc[negl, ["share", "amount"]].isna().all().all()
    # amount = share x the segment's market: one market per segment
    market = (presence["amount"] / presence["share"]).groupby(presence["segment_id"])
    assert (market.max() - market.min()).fillna(0).abs().max() < 1e-6
    assert (presence["amount"].isna() == share.isna()).all()
    # a share left out only where planted
    unknown = presence[share.isna() & ~negl]
    assert [{"firm": f, "segment": s} for f, s in zip(unknown["firm_id"], unknown["segment_id"])] \
        == planted.unknown_shares


def test_firms_and_aggregates(world):
    _, _, firms, presence, _ = world
    assert list(firms.columns) == ["firm_id", "name", "country", "kind"]
    assert firms["firm_id"].is_unique and firms["name"].is_unique
    assert set(firms["kind"]) == {"firm", "aggregate"}
    agg = firms[firms["kind"] == "aggregate"]
    assert len(agg) >= 5
    assert (agg["firm_id"] == agg["country"] + "-other").all()
    assert agg["name"].str.startswith("Rest of ").all()
    assert firms["country"].nunique() >= 10
    # firms are in several segments
    per_firm = presence.merge(firms, on="firm_id").query("kind == 'firm'")["firm_id"].value_counts()
    assert (per_firm > 1).sum() >= 50


def test_countries_are_written_in_mixed_forms():
    m = synthetic_chain_map(seed=2)
    written = m.firms["country"]
    for forms in (["US", "USA", "United States", "美国"], ["JP", "JPN", "Japan", "日本"],
                  ["CN", "CHN", "China", "中国"]):
        assert set(forms) <= set(written), forms
    # iso2 differs in that column only, and says the same countries
    iso = synthetic_chain_map(seed=2, country_forms="iso2")
    pd.testing.assert_frame_equal(iso.firms.drop(columns="country"),
                                  m.firms.drop(columns="country"))
    assert (to_iso2(written) == iso.firms["country"].to_numpy()).all()
    for table in ("segments", "flows", "presence"):
        pd.testing.assert_frame_equal(getattr(iso, table), getattr(m, table))
    assert iso.planted == m.planted


# --------------------------------------------------------------------------- #
# the planted facts hold in the tables


def _missing(world) -> dict:
    """Home -> the segments with providers where it has none (groupings included)."""
    segments, *_, planted = world
    p = _with_country(world)
    with_providers = _covered(segments, p["segment_id"])
    return {home: with_providers - _covered(segments, p.loc[p["country"] == home, "segment_id"])
            for home in planted.homes}


def _dominant(world) -> dict:
    """Leaf -> its provider with a share of 0.9 or more, or its only non-negligible one."""
    p = _with_country(world)
    found = {}
    for seg, rows in p.groupby("segment_id"):
        nonneg = rows[~rows["negligible"]]
        if len(nonneg) == 1:
            found[seg] = nonneg["firm_id"].iloc[0]
        elif rows["share"].max() >= 0.9:
            found[seg] = rows.loc[rows["share"].idxmax(), "firm_id"]
    return found


def test_missing_segments_are_exactly_where_a_home_has_no_provider(world):
    *_, planted = world
    assert planted.homes == ["US", "CN", "JP"]
    assert _missing(world) == {h: set(v) for h, v in planted.missing_segments.items()}
    # CN lacks EUV scanners entirely, as the issue has it
    assert "euv_scanners" in planted.missing_segments["CN"]


def test_process_without_firms(world):
    segments, *_, planted = world
    p = _with_country(world)
    no_provider = set(segments["segment_id"]) - _covered(segments, p["segment_id"])
    assert no_provider == set(planted.process_without_firms) == {"process_integration"}
    kind = dict(zip(segments["segment_id"], segments["kind"]))
    assert all(kind[s] == "process" for s in no_provider)
    # and no home has it among its missing segments
    for home in planted.homes:
        assert not no_provider & set(planted.missing_segments[home])


def test_dominant_providers_are_the_planted_ones(world):
    *_, planted = world
    p = _with_country(world)
    assert _dominant(world) == planted.dominant_providers
    shares = p.set_index(["segment_id", "firm_id"])
    sole, near, mono = planted.sole_provider, planted.near_monopoly, \
        planted.monopoly_beside_negligible
    assert (p["segment_id"] == sole["segment"]).sum() == 1
    assert shares.loc[(sole["segment"], sole["firm"]), "share"] == sole["share"] == 1.0
    rows = p[p["segment_id"] == near["segment"]].set_index("firm_id")["share"]
    assert rows.to_dict() == {near["firm"]: 0.97, near["other"]: 0.03}
    rows = p[p["segment_id"] == mono["segment"]].set_index("firm_id")
    assert rows["share"].get(mono["firm"]) == 1.0 and len(rows) == 2
    assert bool(rows.loc[mono["negligible_firm"], "negligible"])
    # foreign to a home: the dominant firm's country is another
    country = dict(zip(p["firm_id"], p["country"]))
    for home in planted.homes:
        assert planted.foreign_dominant_segments[home] == [
            s for s, f in planted.dominant_providers.items() if country[f] != home]
    assert planted.foreign_dominant_segments["CN"] == [
        "euv_scanners", "euv_light_sources", "euv_resists"]


def test_home_oligopolies_hold_ninety_percent(world):
    *_, planted = world
    p = _with_country(world)
    for home in planted.homes:
        olig = planted.oligopolies[home]
        rows = p[p["segment_id"] == olig["segment"]]
        mine = rows[rows["country"] == home]
        assert sorted(mine["firm_id"]) == sorted(olig["firms"]) and len(olig["firms"]) == 3
        assert (mine["kind"] == "firm").all()
        assert mine["share"].sum() == pytest.approx(0.9, abs=1e-12) and olig["share"] == 0.9
        others = rows.loc[rows["country"] != home, "share"].dropna()
        assert mine["share"].min() > others.max()


def test_aggregate_is_top_provider(world):
    *_, planted = world
    p = _with_country(world)
    top = planted.aggregate_top_provider
    rows = p[p["segment_id"] == top["segment"]].set_index("firm_id")
    assert rows.loc[top["firm"], "kind"] == "aggregate"
    assert rows.loc[top["firm"], "share"] == top["share"] == 0.41
    assert rows["share"].drop(top["firm"]).max() < top["share"]


def test_one_firm_in_six_segments(world):
    *_, planted = world
    p = _with_country(world)
    firms_only = p[p["kind"] == "firm"]
    per_firm = firms_only.groupby("firm_id")["segment_id"].apply(set)
    six = planted.multi_segment_firm
    assert per_firm[six["firm"]] == set(six["segments"]) and len(six["segments"]) == 6
    assert per_firm.drop(six["firm"]).map(len).max() <= 5
    assert p.loc[p["firm_id"] == six["firm"], "share"].notna().all()


def test_sub_segment_inherits_its_parents_flows(world):
    segments, flows, *_, planted = world
    parent = dict(zip(segments["segment_id"], segments["parent"]))
    for child, par in planted.inherited_flows.items():
        assert parent[child] == par
        assert child not in set(flows["from_segment"]) | set(flows["to_segment"])
        assert par in set(flows["from_segment"]) and par in set(flows["to_segment"])


# --------------------------------------------------------------------------- #
# reproducible, and the shipped files are a regeneration


def test_same_seed_same_map():
    a, b = synthetic_chain_map(seed=5), synthetic_chain_map(seed=5)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    assert a.planted == b.planted
    c = synthetic_chain_map(seed=6)
    assert not a.presence["share"].equals(c.presence["share"])
    assert c.planted.missing_segments == a.planted.missing_segments
    rng = synthetic_chain_map(seed=np.random.default_rng(5))
    pd.testing.assert_frame_equal(rng.presence, a.presence)


@pytest.mark.parametrize("seed", range(10, 20))
def test_the_planted_facts_hold_whatever_the_seed(seed):
    segments, flows, firms, presence, planted = synthetic_chain_map(seed=seed,
                                                                    country_forms="iso2")
    world = segments, flows, firms, presence, planted
    assert not presence.duplicated(["firm_id", "segment_id"]).any()
    assert (presence.groupby("segment_id")["share"].sum() <= 1.0).all()
    assert _missing(world) == {h: set(v) for h, v in planted.missing_segments.items()}
    assert _dominant(world) == planted.dominant_providers
    per_firm = presence.merge(firms, on="firm_id").query("kind == 'firm'")["firm_id"]
    assert per_firm.value_counts().max() == 6


def test_planted_round_trips_through_json():
    planted = synthetic_chain_map(seed=3).planted
    assert PlantedMap.from_dict(json.loads(json.dumps(planted.to_dict()))) == planted


@pytest.mark.parametrize("kwargs, match", [
    ({"template": "battery"}, "unknown map 'battery'"),
    ({"country_forms": "iso3"}, "country_forms must be"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthetic_chain_map(**kwargs)


def test_shipped_files_are_a_regeneration(tmp_path):
    script = _dataset_root() / "make_synthetic.py"
    if not script.exists():  # the wheel ships the data, the script only in the sdist/repo
        pytest.skip("make_synthetic.py not installed")
    spec = importlib.util.spec_from_file_location("make_synthetic", script)
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    make.make_chain_map(NAME, tmp_path)
    shipped = _dataset_root() / NAME
    names = sorted(p.name for p in shipped.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert "links.csv" not in names
    for name in names:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


def test_shipped_map_is_registered():
    row = cg.list_datasets().set_index("name").loc[NAME]
    assert row["kind"] == "chain-map" and row["n_links"] == 0
    segments, flows, firms, presence, planted = _shipped()
    assert row["n_firms"] == len(firms)
    assert load_planted(NAME) == planted
    info = json.loads((_dataset_root() / NAME / "dataset.json").read_text("utf-8"))
    made = synthetic_chain_map(info["template"], seed=info["seed"])
    assert made.planted == planted
    text = (_dataset_root() / NAME / "README.md").read_text("utf-8")
    assert "synthetic" in text and "no real firm" in text and "licence" in text


# --------------------------------------------------------------------------- #
# the shipped map loads in one call, for any home


def _local_coverage(chain) -> tuple[set, set]:
    """``(segments with a provider, segments with a local provider)``, presence in a
    sub-segment counting for every grouping above it."""
    active = sp.csr_array(chain.segment_membership > 0, dtype=np.float64) @ chain.segment_ancestry
    ids = np.asarray(chain.segment_ids)
    local = np.asarray(chain.location == "local")
    anywhere = np.asarray(active.sum(axis=0)).ravel() > 0
    at_home = np.asarray(active[np.flatnonzero(local)].sum(axis=0)).ravel() > 0
    return set(ids[anywhere]), set(ids[at_home])


def test_load_the_map():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chain = cg.load_dataset(NAME)
    segments, flows, firms, presence, planted = _shipped()
    assert chain.home == "CN" and chain.region is None
    assert chain.has_presence and not chain.has_links and len(chain.links) == 0
    assert chain.n_firms == len(firms)
    # countries written in four forms are stored as alpha-2, as the generator drew them
    info = json.loads((_dataset_root() / NAME / "dataset.json").read_text("utf-8"))
    iso = synthetic_chain_map(info["template"], seed=info["seed"], country_forms="iso2")
    assert chain.firms["country"].tolist() == iso.firms["country"].tolist()
    assert (chain.is_aggregate == (firms["kind"] == "aggregate").to_numpy()).all()
    got = chain.presence[["firm_id", "segment_id", "share", "amount", "negligible"]]
    pd.testing.assert_frame_equal(got.astype({"firm_id": str, "segment_id": str,
                                              "negligible": bool}),
                                  presence.astype({"firm_id": str, "segment_id": str}),
                                  check_dtype=False)
    # the template: nested segments, process steps, inherited flows, levels from the flows
    tpl = chain.template.segments
    assert tpl["parent"].dropna().to_dict() == segments.set_index("segment_id")["parent"] \
        .dropna().to_dict()
    assert set(chain.template.process_segments) >= set(planted.process_without_firms)
    assert tpl["level"].notna().all() and tpl.loc["euv_light_sources", "level"] == 0
    assert tpl.loc["euv_scanners", "level"] > tpl.loc["euv_light_sources", "level"]
    eff = chain.template.effective_flows
    pairs = set(zip(eff["from_segment"], eff["to_segment"]))
    for child, parent in planted.inherited_flows.items():
        mine = eff[(eff["from_segment"] == child) | (eff["to_segment"] == child)]
        assert len(mine) >= 2 and mine["inherited"].all()
        # exactly its parent's flows, the parent replaced by the sub-segment
        assert set(zip(mine["from_segment"], mine["to_segment"])) == {
            (child if a == parent else a, child if b == parent else b)
            for a, b in pairs if parent in (a, b)}
    # a firm's primary segment is where its share is largest
    six = planted.multi_segment_firm["firm"]
    rows = presence[presence["firm_id"] == six]
    primary = chain.segment_ids[chain.segment_codes[chain.firm_ids.get_loc(six)]]
    assert primary == rows.loc[rows["share"].idxmax(), "segment_id"]


@pytest.mark.parametrize("home, written", [("US", "United States"), ("CN", "中国"),
                                           ("JP", "JPN")])
def test_missing_segments_from_the_loaded_chain(home, written):
    planted = load_planted(NAME)
    chain = cg.read_chain(_dataset_root() / NAME, home=written)
    assert chain.home == home
    anywhere, at_home = _local_coverage(chain)
    assert anywhere - at_home == set(planted.missing_segments[home])
    assert set(chain.segment_ids) - anywhere == set(planted.process_without_firms)
    # the planted oligopoly is local: its three firms are the home's there
    olig = planted.oligopolies[home]
    assert (chain.location[olig["firms"]] == "local").all()
    foreign = chain.location[list(planted.dominant_providers.values())] == "foreign"
    assert [s for s, f in planted.dominant_providers.items() if foreign[f]] \
        == planted.foreign_dominant_segments[home]


def test_the_generator_tables_load_from_frames():
    m = synthetic_chain_map(seed=4)
    template = cg.ChainTemplate.from_frames(m.segments, m.flows)
    chain = cg.ChainGraph.from_frames(m.firms, segments=template, presence=m.presence,
                                      home="日本")
    assert chain.home == "JP" and chain.n_firms == len(m.firms)
    anywhere, at_home = _local_coverage(chain)
    assert anywhere - at_home == set(m.planted.missing_segments["JP"])
