"""Synthetic chains: determinism, realism and the planted structure."""

import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.synthetic import Planted, synthetic_chain, synthetic_frames
from chaingraph.schema import size_class_nbs2017

SHANDONG_CITIES = {"济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安",
                   "威海", "日照", "临沂", "德州", "聊城", "滨州", "菏泽"}
TIER_COLUMNS = ["employees", "revenue", "rd_expense", "rd_staff_share",
                "main_business_revenue", "main_business_growth", "debt_ratio",
                "years_in_niche", "niche_market_share", "global_rank", "ip_class1",
                "designations", "equity_financing", "strategic_emerging"]


@pytest.fixture(scope="module", params=["nev", "cnc", "ic"])
def generated(request):
    firms, links, planted = synthetic_frames(request.param, 1500, seed=11)
    return request.param, firms, links, planted


def test_same_seed_same_output():
    a = synthetic_frames("nev", 600, seed=5)
    b = synthetic_frames("nev", 600, seed=5)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert a[2] == b[2]
    c = synthetic_frames("nev", 600, seed=6)
    assert not a[1]["amount"].equals(c[1]["amount"])


def test_columns_and_ids(generated):
    name, firms, links, _ = generated
    assert len(firms) == 1500
    for col in ["firm_id", "name", "segment_id", "city", "province", "country", "founded",
                *TIER_COLUMNS]:
        assert col in firms.columns, col
    assert "size_class" not in firms.columns  # left for the chain to derive
    assert firms["firm_id"].is_unique
    assert firms["firm_id"].str.fullmatch(name.upper() + r"\d{5}").all()
    assert firms["name"].is_unique
    assert list(links.columns) == ["supplier_id", "customer_id", "amount", "year"]
    assert set(firms["segment_id"]) == set(cg.get_template(name).segment_ids)


def test_links_follow_template_flows(generated):
    name, firms, links, _ = generated
    seg = firms.set_index("firm_id")["segment_id"]
    pairs = set(zip(seg[links["supplier_id"]].to_numpy(), seg[links["customer_id"]].to_numpy()))
    flows = cg.get_template(name).flows
    allowed = set(zip(flows["from_segment"], flows["to_segment"]))
    assert pairs <= allowed
    assert not (links["supplier_id"] == links["customer_id"]).any()
    assert not links.duplicated(["supplier_id", "customer_id"]).any()
    assert (links["amount"] > 0).all()
    assert 6 <= len(links) / len(firms) <= 13


def test_heavy_tail_most_firms_smes(generated):
    _, firms, _, _ = generated
    size = pd.Series(size_class_nbs2017(firms["employees"], firms["revenue"]))
    share = size.value_counts(normalize=True)
    assert share.get("large", 0) < 0.10
    assert share[["medium", "small", "micro"]].sum() > 0.9
    rev = firms["revenue"].to_numpy()
    # heavy tail: the top 1 % of firms hold far more than 1 % of revenue, mean >> median
    top = np.sort(rev)[-len(rev) // 100:].sum() / rev.sum()
    assert top > 0.2
    assert rev.mean() > 2 * np.median(rev)
    # employees are correlated with revenue
    assert np.corrcoef(np.log(rev), np.log(firms["employees"]))[0, 1] > 0.8


def test_geography(generated):
    _, firms, _, _ = generated
    dom = firms["country"] == "CN"
    local = firms["province"] == "山东"
    assert set(firms.loc[local, "city"]) <= SHANDONG_CITIES
    assert len(set(firms.loc[local, "city"])) >= 12
    assert firms.loc[dom & ~local, "province"].nunique() >= 8
    assert firms.loc[~dom, "province"].isna().all()
    assert set(firms.loc[~dom, "country"]) <= {"JP", "DE", "US", "KR", "FR", "NL", "CH"}
    assert 0.3 < local.mean() < 0.75
    assert 0.03 < (~dom).mean() < 0.3


def test_tier_columns_plausible(generated):
    _, firms, _, _ = generated
    assert (firms["main_business_revenue"] <= firms["revenue"]).all()
    for col in ["rd_staff_share", "debt_ratio", "niche_market_share"]:
        assert firms[col].between(0, 1).all(), col
    assert (firms["rd_expense"] >= 0).all() and (firms["equity_financing"] >= 0).all()
    assert firms["strategic_emerging"].dtype == bool
    assert firms["founded"].between(1950, 2022).all()
    assert (firms["years_in_niche"] <= 2023 - firms["founded"]).all()
    d = firms["designations"].dropna()
    assert set(d) <= {"专精特新", "小巨人", "单项冠军"}
    assert 0 < len(d) < 0.2 * len(firms)
    # designated specialised SMEs meet the R&D floor of the 专精特新 criteria
    zj = firms[firms["designations"].isin(["专精特新", "小巨人"])]
    assert (zj["rd_expense"] >= 100).all()
    assert (zj["rd_expense"] >= 0.03 * zj["revenue"] - 1e-6).all()
    assert (size_class_nbs2017(zj["employees"], zj["revenue"]) != "large").all()
    ranked = firms["global_rank"].notna()
    assert (firms.loc[ranked, "revenue"] >= 40000).all()



YES_NO = ["has_info_system", "has_certified_management", "has_own_brand", "has_rd_institution",
          "has_award", "has_award_top", "maker_china_top500", "chain_role",
          "key_product_field", "new_product", "market_share_evidence"]
EXTRA_COLUMNS = ["revenue_prev", "rd_expense_prev", "main_business_growth_prev", "ip_grade",
                 "equity_financing_3y", "zjtx_score", *YES_NO, "cluster_type"]


def test_optional_tier_inputs_plausible(generated):
    name, firms, _, _ = generated
    for col in EXTRA_COLUMNS:
        assert col in firms.columns, col
    assert set(firms["cluster_type"]) == {"nev": {"pillar"}, "cnc": {"emerging"},
                                          "ic": {"emerging"}}[name]
    # prior year: growth between -60 % and +200 %, R&D intensity capped at 25 %
    prev = firms["revenue_prev"]
    known = prev.notna()
    assert 0.03 < (~known).mean() < 0.2
    assert prev.isna()[firms["founded"] >= 2022].all()  # no previous year to report
    ratio = firms.loc[known, "revenue"] / prev[known]
    assert ratio.between(0.39, 3.01).all()
    rd_prev = firms["rd_expense_prev"]
    assert (rd_prev.dropna() >= 0).all()
    assert (rd_prev[rd_prev.notna()] <= 0.25 * prev[rd_prev.notna()] + 0.1).all()
    assert rd_prev.isna()[~known].all()
    assert firms["main_business_growth_prev"].dropna().between(-0.5, 1.5).all()
    # IP grade: a Class I grade exactly when the firm has a Class I item
    grade = firms["ip_grade"]
    assert set(grade.dropna()) <= {"high_value_class1", "own_class1", "class1", "class2", "none"}
    g = grade.notna()
    class1 = grade[g].isin(["high_value_class1", "own_class1", "class1"])
    assert (class1 == (firms.loc[g, "ip_class1"] >= 1)).all()
    assert 0.05 < (~g).mean() < 0.2
    e3 = firms["equity_financing_3y"]
    assert (e3[e3.notna()] >= firms.loc[e3.notna(), "equity_financing"]).all()
    # 专精特新 score: 0-100 points, only for domestic SMEs, higher for designated firms
    score = firms["zjtx_score"]
    assert score.dropna().between(0, 100).all()
    sme = size_class_nbs2017(firms["employees"], firms["revenue"]) != "large"
    domestic = firms["country"] == "CN"
    assert score.isna()[~(sme & domestic)].all()
    assert 0.7 < score.notna()[sme & domestic].mean() < 0.95
    zj = firms["designations"].isin(["专精特新", "小巨人"])
    assert score[zj].mean() > score[~zj].mean() + 10
    # yes/no columns: 0/1 with some unknown; most firms lack the rarer honours
    for col in YES_NO:
        v = firms[col]
        assert set(v.dropna().astype(int)) <= {0, 1}, col
        assert 0.02 < v.isna().mean() < 0.3, col
    rate = {c: firms[c].mean() for c in YES_NO}
    assert rate["has_rd_institution"] < 0.2 and rate["has_award"] < 0.1
    assert rate["maker_china_top500"] < 0.03
    assert 0.3 < rate["has_certified_management"] < 0.9
    both = firms["has_award"].notna() & firms["has_award_top"].notna()
    assert (firms.loc[both, "has_award_top"] <= firms.loc[both, "has_award"]).all()
    assert (firms.loc[~(sme & domestic), "maker_china_top500"] == 0).all()
    assert firms.loc[~domestic, "market_share_evidence"].isna().all()
    # the checks follow size: large firms have information systems more often than micro
    size = pd.Series(size_class_nbs2017(firms["employees"], firms["revenue"]), index=firms.index)
    info = firms["has_info_system"].astype("Float64")
    assert info[size == "large"].mean() > info[size == "micro"].mean() + 0.2


def test_optional_tier_inputs_leave_the_other_columns_alone(monkeypatch):
    # the optional inputs come from a spawned stream: without them, every other column
    # and the links are the same, draw for draw
    import chaingraph.synthetic as ds

    firms, links, planted = synthetic_frames("nev", 600, seed=8)
    monkeypatch.setattr(ds, "_tier_extra_columns", lambda *args, **kwargs: {})
    bare_firms, bare_links, bare_planted = synthetic_frames("nev", 600, seed=8)
    assert [c for c in firms.columns if c not in bare_firms.columns] == EXTRA_COLUMNS
    pd.testing.assert_frame_equal(firms[bare_firms.columns], bare_firms)
    pd.testing.assert_frame_equal(links, bare_links)
    assert planted == bare_planted


def test_no_cluster_type_for_a_template_without_one():
    # the cluster kind is known for the built-in chains only; a user's template gets none
    tpl = cg.get_template("nev")
    custom = cg.ChainTemplate.from_frames(tpl.segments.reset_index(), tpl.flows, name="mychain")
    firms, _, _ = synthetic_frames(custom, 300, seed=2)
    assert "cluster_type" not in firms.columns
    assert [c for c in EXTRA_COLUMNS if c not in firms.columns] == ["cluster_type"]


def test_cluster_type_comes_from_the_template():
    # the column is the template's cluster kind, whatever the template's name
    tpl = cg.get_template("nev")
    custom = cg.ChainTemplate.from_frames(tpl.segments.reset_index(), tpl.flows, name="mychain",
                                          cluster_type="emerging")
    firms, _, _ = synthetic_frames(custom, 300, seed=2)
    assert set(firms["cluster_type"]) == {"emerging"}


def test_planted_structure_true_in_data(generated):
    name, firms, links, planted = generated
    assert isinstance(planted, Planted)
    seg = firms["segment_id"]
    local = (firms["province"] == "山东") & (firms["country"] == "CN")
    # missing segments are exactly the segments without a local firm
    local_segs = set(seg[local])
    no_local = set(cg.get_template(name).segment_ids) - local_segs
    assert set(planted.missing_segments) == no_local
    assert len(planted.missing_segments) == 2
    for s in planted.missing_segments:
        assert (seg == s).sum() >= 2
    # chokepoints: the only firm of their segment, and the only ones alone
    counts = seg.value_counts()
    assert set(counts[counts == 1].index) == set(planted.chokepoint_segments)
    by_id = firms.set_index("firm_id")
    for f, s in zip(planted.chokepoints, planted.chokepoint_segments):
        assert by_id.loc[f, "segment_id"] == s
    # ... and every customer of their essential flows buys that input from them alone
    tpl = cg.get_template(name)
    sseg = by_id["segment_id"]
    for f, s in zip(planted.chokepoints, planted.chokepoint_segments):
        for target in tpl.customers_of(s, essential=True):
            customers = set(by_id.index[sseg == target])
            bought = links[links["customer_id"].isin(customers)
                           & (sseg[links["supplier_id"]].to_numpy() == s)]
            assert set(bought["customer_id"]) == customers
            assert set(bought["supplier_id"]) == {f}
    # foreign segments: mostly foreign
    for s in planted.foreign_segments:
        assert (by_id.loc[sseg == s, "country"] != "CN").mean() > 0.5
        assert tpl.segments.loc[s, "foundation"] in ("元器件", "软件", "材料")
    # lead firms: large, local, downstream/midstream, the largest, with many suppliers
    leads = by_id.loc[planted.lead_firms]
    assert len(leads) == 4  # ceil(1500 / 400)
    assert (size_class_nbs2017(leads["employees"], leads["revenue"]) == "large").all()
    assert (leads["province"] == "山东").all()
    assert tpl.segments.loc[leads["segment_id"], "stage"].isin(["downstream", "midstream"]).all()
    top = by_id["revenue"].nlargest(len(leads)).index
    assert set(top) == set(planted.lead_firms)
    indeg = links["customer_id"].value_counts()
    assert (indeg.reindex(planted.lead_firms).fillna(0) > indeg.quantile(0.9)).all()


def test_no_local_in_missing_even_with_many_firms():
    firms, _, planted = synthetic_frames("cnc", 4000, seed=3, n_missing=3, n_chokepoints=1,
                                         n_leads=2)
    miss = firms["segment_id"].isin(planted.missing_segments)
    assert not (firms.loc[miss, "province"] == "山东").any()
    assert len(planted.missing_segments) == 3 and len(planted.chokepoints) == 1
    assert len(planted.lead_firms) == 2


def test_suppliers_prefer_large_and_near():
    firms, links, _ = synthetic_frames("nev", 3000, seed=2)
    by_id = firms.set_index("firm_id")
    # within a segment, the top revenue decile has more customers and more suppliers
    seg_q = by_id.groupby("segment_id")["revenue"].transform(lambda r: r.quantile(0.9))
    big = by_id["revenue"] >= seg_q
    outdeg = links["supplier_id"].value_counts().reindex(by_id.index, fill_value=0)
    has_out = by_id["segment_id"].isin(by_id.loc[links["supplier_id"], "segment_id"])
    assert outdeg[big & has_out].mean() > 2 * outdeg[~big & has_out].mean()
    indeg = links["customer_id"].value_counts().reindex(by_id.index, fill_value=0)
    has_in = by_id["segment_id"].isin(by_id.loc[links["customer_id"], "segment_id"])
    assert indeg[big & has_in].mean() > 1.5 * indeg[~big & has_in].mean()
    # same-city pairs are far more common than among random pairs of the same segments
    same_city = (by_id.loc[links["supplier_id"], "city"].to_numpy()
                 == by_id.loc[links["customer_id"], "city"].to_numpy()).mean()
    rng = np.random.default_rng(0)
    shuffled = rng.permutation(links["supplier_id"].to_numpy())
    base = (by_id.loc[shuffled, "city"].to_numpy()
            == by_id.loc[links["customer_id"], "city"].to_numpy()).mean()
    assert same_city > 1.5 * base


def test_amounts_scale_with_customer_size():
    firms, links, _ = synthetic_frames("cnc", 2000, seed=4)
    rev = firms.set_index("firm_id")["revenue"]
    bought = links.groupby("customer_id")["amount"].sum()
    corr = np.corrcoef(np.log(rev[bought.index]), np.log(bought))[0, 1]
    assert corr > 0.6
    # nobody sells more inside the chain than its revenue without the sme_share knob
    sold = links.groupby("supplier_id")["amount"].sum()
    assert (sold <= rev[sold.index] * 1.0001).all()


def test_sme_share_knob_moves_realised_share():
    realised = []
    for target in (0.1, 0.4, 0.7, 0.9):
        firms, links, planted = synthetic_frames("nev", 2000, seed=9, sme_share=target)
        size = pd.Series(size_class_nbs2017(firms["employees"], firms["revenue"]),
                         index=firms["firm_id"])
        big = size[links["customer_id"]].to_numpy() == "large"
        sme = size[links["supplier_id"]].isin(["medium", "small", "micro"]).to_numpy()
        share = links["amount"][big & sme].sum() / links["amount"][big].sum()
        assert planted.sme_share == pytest.approx(share)
        assert abs(share - target) < 0.1
        realised.append(share)
    assert realised == sorted(realised)


def test_synthetic_chain_builds_chaingraph():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chain, planted = synthetic_chain("ic", 800, seed=1)
    assert isinstance(chain, cg.ChainGraph)
    assert chain.region == "山东" and chain.template.name == "ic"
    assert chain.n_firms == 800
    assert chain.firms["size_class"].notna().all()
    loc = chain.location
    seg = chain.firms["segment_id"]
    assert not (loc[seg.isin(planted.missing_segments)] == "local").any()
    assert (loc[planted.lead_firms] == "local").all()
    assert (chain.firms.loc[planted.lead_firms, "size_class"] == "large").all()


def test_other_region():
    firms, _, planted = synthetic_frames("nev", 800, region="江苏", seed=1)
    local = firms["province"] == "江苏"
    assert set(firms.loc[local, "city"]) <= {"苏州", "无锡", "常州", "南京", "南通"}
    assert (firms.loc[firms["firm_id"].isin(planted.lead_firms), "province"] == "江苏").all()
    assert (firms["province"] == "山东").any()  # Shandong is now an outside province


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_firms": 20}, "n_firms=20 is too small for template 'nev' with 28 segments"),
        ({"n_firms": 500, "sme_share": 1.5}, "sme_share must be between 0 and 1"),
        ({"n_firms": 500, "region": "火星"}, "no city list for region '火星'"),
        ({"n_firms": 500, "links_per_firm": 0}, "links_per_firm must be positive"),
        ({"n_firms": 500, "n_missing": -1}, "n_missing must be a whole number >= 0"),
    ],
)
def test_bad_arguments(kwargs, message):
    # bad arguments are parameter errors (ValueError), not problems in the data (ChainDataError)
    with pytest.raises(ValueError, match=message) as info:
        synthetic_frames("nev", **kwargs)
    assert type(info.value) is ValueError


def test_custom_template():
    seg = pd.DataFrame({
        "segment_id": [f"s{i}" for i in range(6)],
        "stage": ["upstream", "upstream", "midstream", "midstream", "downstream", "downstream"],
        "foundation": ["材料", "元器件", "零部件", None, None, None],
    })
    flows = pd.DataFrame({"from_segment": ["s0", "s1", "s2", "s3", "s3"],
                          "to_segment": ["s2", "s3", "s3", "s4", "s5"]})
    tpl = cg.ChainTemplate.from_frames(seg, flows, name="toy-chain")
    firms, links, planted = synthetic_frames(tpl, 200, seed=0, n_missing=1, n_chokepoints=1,
                                             n_foreign=1)
    assert firms["firm_id"].iloc[0] == "TOYC00001"
    assert firms["name"].notna().all() and firms["name"].is_unique
    assert len(planted.chokepoint_segments) == 1


def test_sampler_known_probabilities():
    # Four suppliers (positions 0-3) and 30,000 customers (positions 4-...) all in
    # city 0 of province 0. Supplier 0 is in the customers' city, supplier 1 in
    # another city of their province, suppliers 2 and 3 in another province;
    # size weights 1, 1, 1, 3. Closeness 8 : 3 : 1 gives class weights
    # 8·1 : 3·1 : 1·(1 + 3) = 8 : 3 : 4, so the four suppliers are drawn with
    # probabilities 8/15, 3/15, 1/15 and 3/15 (within "elsewhere" by weight 1 : 3).
    from chaingraph.synthetic import _sample_flow

    n_c = 30000
    prov = np.array([0, 0, 1, 1] + [0] * n_c)
    city = np.array([0, 1, 2, 3] + [0] * n_c)
    weight = np.array([1.0, 1.0, 1.0, 3.0] + [1.0] * n_c)
    cust = np.arange(4, 4 + n_c)
    sup, cus = _sample_flow(np.random.default_rng(0), cust, np.ones(n_c, dtype=np.int64),
                            np.arange(4), weight, prov, city, 4)
    assert len(sup) == n_c and np.array_equal(np.sort(cus), cust)
    freq = np.bincount(sup, minlength=4) / n_c
    np.testing.assert_allclose(freq, [8 / 15, 3 / 15, 1 / 15, 3 / 15], atol=0.01)


def test_sampler_without_repeats():
    from chaingraph.synthetic import _sample_flow

    prov = np.zeros(13, dtype=np.int64)
    city = np.zeros(13, dtype=np.int64)
    weight = np.ones(13)
    # 3 customers each draw 10 times from 10 suppliers: repeats are dropped
    sup, cus = _sample_flow(np.random.default_rng(1), np.array([10, 11, 12]),
                            np.array([10, 10, 10]), np.arange(10), weight, prov, city, 1)
    pairs = set(zip(sup.tolist(), cus.tolist()))
    assert len(pairs) == len(sup)
    assert set(cus.tolist()) == {10, 11, 12} and set(sup.tolist()) <= set(range(10))
