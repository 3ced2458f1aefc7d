"""Chain templates: validation, built-ins, TOML round trip."""

import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.errors import ChainDataError
from chaingraph.templates import ChainTemplate, get_template, list_templates

BUILTINS = ["nev", "cnc", "ic"]


def seg_frame(**overrides):
    data = {
        "segment_id": ["ore", "steel", "car"],
        "name": ["铁矿石", "钢材", "汽车"],
        "stage": ["upstream", "midstream", "downstream"],
        "foundation": [None, "材料", None],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def flow_frame(**overrides):
    data = {"from_segment": ["ore", "steel"], "to_segment": ["steel", "car"]}
    data.update(overrides)
    return pd.DataFrame(data)


# ----------------------------------------------------------------- from_frames
def test_aliases_are_canonicalised():
    seg = seg_frame(stage=["上游", "MidStream", " 下游 "],
                    foundation=["", "materials", "基础零部件"])
    t = ChainTemplate.from_frames(seg, flow_frame(essential=["是", "no"]), name="toy")
    assert t.segments["stage"].tolist() == ["upstream", "midstream", "downstream"]
    assert t.segments["foundation"].isna().tolist() == [True, False, False]
    assert t.segments["foundation"].iloc[1:].tolist() == ["材料", "零部件"]
    assert t.flows["essential"].tolist() == [True, False]
    assert t.segments.index.name == "segment_id"
    assert list(t.flows.index) == [0, 1]


@pytest.mark.parametrize(
    "values, expected",
    [
        ([True, False], [True, False]),
        ([1, 0], [True, False]),
        (["yes", "NO"], [True, False]),
        (["true", "False"], [True, False]),
        (["是", "否"], [True, False]),
    ],
)
def test_essential_parsing(values, expected):
    t = ChainTemplate.from_frames(seg_frame(), flow_frame(essential=values))
    assert t.flows["essential"].tolist() == expected


def test_missing_essential_column_means_all_essential():
    t = ChainTemplate.from_frames(seg_frame(), flow_frame())
    assert t.flows["essential"].tolist() == [True, True]
    assert t.flows["essential"].dtype == bool


def test_missing_name_falls_back_to_id_and_index_input_accepted():
    seg = seg_frame().drop(columns="name").set_index("segment_id")
    t = ChainTemplate.from_frames(seg)
    assert t.segments["name"].tolist() == ["ore", "steel", "car"]
    assert len(t.flows) == 0


def test_error_missing_segment_id_column():
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg_frame().rename(columns={"segment_id": "id"}))
    assert str(err.value) == "segments: column 'segment_id': required column is missing"


def test_error_duplicate_segment_ids():
    seg = seg_frame(segment_id=["ore", "steel", "ore"])
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg)
    assert str(err.value) == "segments: column 'segment_id': duplicate segment_id 'ore' (rows 0, 2)"
    assert err.value.rows == [0, 2]
    assert err.value.source == "segments"
    assert err.value.column == "segment_id"


def test_error_unknown_stage():
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg_frame(stage=["upstream", "sideways", "downstream"]))
    assert str(err.value) == (
        "segments: column 'stage': unknown stage 'sideways' "
        "(use upstream/midstream/downstream or 上游/中游/下游) (row 1)"
    )


def test_stage_is_optional_and_missing_stays_missing():
    t = ChainTemplate.from_frames(seg_frame(stage=["upstream", None, ""]))
    assert t.segments["stage"].isna().tolist() == [False, True, True]
    t = ChainTemplate.from_frames(seg_frame().drop(columns="stage"))
    assert t.segments["stage"].isna().all()
    assert t.stage_segments("upstream") == []


def test_error_unknown_foundation():
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg_frame(foundation=[None, "steelwork", "软件"]))
    assert str(err.value) == (
        "segments: column 'foundation': unknown foundation category 'steelwork' "
        "(use 零部件/元器件/软件/材料/工艺, parts/components/software/materials/processes, "
        "or leave empty) (row 1)"
    )


def test_error_flow_to_unknown_segment():
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg_frame(), flow_frame(to_segment=["steel", "truck"]))
    assert str(err.value) == (
        "flows: column 'to_segment': unknown segment 'truck' (not in the segments table) (row 1)"
    )


def test_error_self_flow():
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg_frame(), flow_frame(to_segment=["steel", "steel"]))
    assert str(err.value) == (
        "flows: column 'to_segment': self-flow from segment 'steel' to itself (row 1)"
    )


def test_error_duplicate_flow():
    flows = pd.DataFrame({"from_segment": ["ore", "steel", "ore"],
                          "to_segment": ["steel", "car", "steel"]}, index=[10, 11, 12])
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg_frame(), flows)
    assert str(err.value) == "flows: column 'to_segment': duplicate flow 'ore' -> 'steel' (rows 10, 12)"


def test_error_unreadable_essential():
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_frames(seg_frame(), flow_frame(essential=["yes", "maybe"]))
    assert str(err.value) == (
        "flows: column 'essential': cannot read 'maybe' as true/false "
        "(use true/false, 1/0, yes/no or 是/否) (row 1)"
    )


def test_chain_data_error_is_value_error():
    with pytest.raises(ValueError):
        ChainTemplate.from_frames(seg_frame(stage=["x", "y", "z"]))


def test_cycle_detected():
    flows = pd.DataFrame({"from_segment": ["ore", "steel", "car"],
                          "to_segment": ["steel", "car", "ore"]})
    t = ChainTemplate.from_frames(seg_frame(), flows)
    with pytest.raises(ChainDataError, match="cycle through segments ore, steel, car"):
        t.topological_order()


def test_helpers():
    t = ChainTemplate.from_frames(seg_frame(), flow_frame(essential=[True, False]))
    assert t.final_segments == ["car"]
    assert t.source_segments == ["ore"]
    assert t.stage_segments("中游") == ["steel"]
    assert t.foundation_segments == ["steel"]
    assert t.suppliers_of("car") == ["steel"]
    assert t.suppliers_of("car", essential=True) == []
    assert t.customers_of("ore", essential=True) == ["steel"]
    assert t.topological_order() == ["ore", "steel", "car"]


def test_tables_are_copies_and_attributes_fixed():
    t = ChainTemplate.from_frames(seg_frame(), flow_frame())
    seg = t.segments
    seg.loc["ore", "stage"] = "downstream"
    assert t.segments.loc["ore", "stage"] == "upstream"
    with pytest.raises(AttributeError, match="immutable"):
        t.name = "other"


def test_pickle_and_copy():
    import copy
    import pickle

    t = get_template("nev")
    assert pickle.loads(pickle.dumps(t)) == t
    assert copy.deepcopy(t) == t and copy.copy(t) == t


def test_repr_and_html_escape():
    seg = seg_frame(name=["<b>矿</b>", "钢材", "汽车"])
    t = ChainTemplate.from_frames(seg, flow_frame(), name="toy", title="玩具", title_en="Toy")
    assert repr(t) == (
        "<ChainTemplate 'toy': 玩具 / Toy; 3 segments (1 foundation), 2 flows (2 essential)>"
    )
    html = t._repr_html_()
    assert "&lt;b&gt;矿&lt;/b&gt;" in html and "<b>矿</b>" not in html


# ------------------------------------------------------------------- built-ins
def test_list_templates():
    lt = list_templates()
    assert sorted(lt["name"]) == sorted(BUILTINS)
    assert list(lt.columns[:5]) == ["name", "title", "title_en", "n_segments", "n_flows"]
    assert set(lt["title"]) == {"新能源汽车", "工业母机", "集成电路"}
    assert cg.list_templates().equals(lt)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_is_valid_chain_map(name):
    t = get_template(name)
    seg, flows = t.segments, t.flows
    assert len(seg) >= 15
    assert seg["name"].notna().all() and seg["name_en"].notna().all()
    # Chinese names contain CJK characters, English names are ASCII
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in seg["name"])
    assert all(n.isascii() for n in seg["name_en"])
    assert all(s.isascii() and s == s.lower() and " " not in s for s in seg.index)
    assert set(seg["stage"]) == {"upstream", "midstream", "downstream"}
    assert seg["foundation"].dropna().isin(["零部件", "元器件", "软件", "材料", "工艺"]).all()
    # every 五基 category but at most one is used, and most flows are essential
    assert seg["foundation"].nunique() >= 4
    assert 0.5 < flows["essential"].mean() < 1.0
    # a DAG in which every segment takes part in some flow
    order = t.topological_order()
    assert len(order) == len(seg)
    pos = {s: i for i, s in enumerate(order)}
    assert all(pos[a] < pos[b] for a, b in zip(flows["from_segment"], flows["to_segment"]))
    involved = set(flows["from_segment"]) | set(flows["to_segment"])
    assert involved == set(seg.index)
    # every segment reaches a final (downstream) segment, and every final one is downstream
    finals = set(t.final_segments)
    assert all(seg.loc[f, "stage"] == "downstream" for f in finals)
    succ = {}
    for a, b in zip(flows["from_segment"], flows["to_segment"]):
        succ.setdefault(a, []).append(b)
    for s in seg.index:
        stack, seen = [s], set()
        while stack:
            u = stack.pop()
            seen.add(u)
            stack.extend(v for v in succ.get(u, []) if v not in seen)
        assert seen & finals, s
    # no flow goes against the stage order
    rank = {"upstream": 0, "midstream": 1, "downstream": 2}
    st = seg["stage"].map(rank)
    assert all(st[a] <= st[b] for a, b in zip(flows["from_segment"], flows["to_segment"]))
    assert t.source


def test_builtin_realistic_essential_flags():
    nev = get_template("nev")
    ess = {(a, b): e for a, b, e in nev.flows[["from_segment", "to_segment", "essential"]]
           .itertuples(index=False)}
    assert ess[("battery_cell", "battery_pack")] is True
    assert ess[("paint_coatings", "vehicle")] is False
    assert nev.segments.loc["bms", "foundation"] == "软件"
    cnc = get_template("cnc")
    assert "cnc_system" in cnc.suppliers_of("metal_cutting", essential=True)


@pytest.mark.parametrize("name", BUILTINS)
def test_toml_round_trip(name, tmp_path):
    t = get_template(name)
    path = tmp_path / f"{name}.toml"
    t.to_toml(path)
    back = ChainTemplate.from_toml(path)
    assert back == t
    pd.testing.assert_frame_equal(back.segments, t.segments)
    pd.testing.assert_frame_equal(back.flows, t.flows)
    assert get_template(str(path)) == t


def test_toml_round_trip_custom_with_quotes(tmp_path):
    seg = seg_frame(name=['铁"矿"石', "钢\\材", "汽车"])
    t = ChainTemplate.from_frames(seg, flow_frame(essential=[1, 0]), name="toy",
                                  title="玩具", title_en='A "toy"')
    t.to_toml(tmp_path / "toy.toml")
    assert ChainTemplate.from_toml(tmp_path / "toy.toml") == t


def test_cluster_type():
    # built-in chains carry their kind (Guangdong 2020 list); a user's template may say
    assert {n: get_template(n).cluster_type for n in BUILTINS} == {
        "nev": "pillar", "cnc": "emerging", "ic": "emerging"}
    assert ChainTemplate.from_frames(seg_frame(), flow_frame()).cluster_type is None
    t = ChainTemplate.from_frames(seg_frame(), flow_frame(), name="toy", cluster_type="pillar")
    assert t.cluster_type == "pillar"
    assert t != ChainTemplate.from_frames(seg_frame(), flow_frame(), name="toy")
    with pytest.raises(ChainDataError,
                       match="template: column 'cluster_type': unknown cluster type 'big'"):
        ChainTemplate.from_frames(seg_frame(), flow_frame(), cluster_type="big")


def test_cluster_type_round_trip(tmp_path):
    import pickle

    t = ChainTemplate.from_frames(seg_frame(), flow_frame(), name="toy", cluster_type="emerging")
    t.to_toml(tmp_path / "toy.toml")
    assert 'cluster_type = "emerging"' in (tmp_path / "toy.toml").read_text(encoding="utf-8")
    assert ChainTemplate.from_toml(tmp_path / "toy.toml").cluster_type == "emerging"
    assert pickle.loads(pickle.dumps(t)).cluster_type == "emerging"
    (tmp_path / "bad.toml").write_text(
        'name = "bad"\ncluster_type = "pillars"\n[[segments]]\nid = "a"\nstage = "upstream"\n',
        encoding="utf-8")
    with pytest.raises(ChainDataError, match="bad.toml \\[template\\]: column 'cluster_type'"):
        ChainTemplate.from_toml(tmp_path / "bad.toml")


def test_toml_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[[segments]]\nid = "a"\nstage = "nowhere"\n', encoding="utf-8")
    with pytest.raises(ChainDataError) as err:
        ChainTemplate.from_toml(path)
    assert str(err.value).startswith("bad.toml [segments]: column 'stage': unknown stage 'nowhere'")
    path.write_text("name = [", encoding="utf-8")
    with pytest.raises(ChainDataError, match="bad.toml: not a valid TOML file"):
        ChainTemplate.from_toml(path)


def test_get_template():
    t = get_template("cnc")
    assert get_template(t) is t
    assert t.title == "工业母机" and t.title_en == "CNC machine tools"
    with pytest.raises(ChainDataError) as err:
        get_template("shipbuilding")
    assert str(err.value) == (
        "template: unknown template 'shipbuilding' (built-in templates: cnc, ic, nev; "
        "or give a .toml path or a ChainTemplate)"
    )
    with pytest.raises(ChainDataError, match="does not exist"):
        get_template("/nowhere/x.toml")
