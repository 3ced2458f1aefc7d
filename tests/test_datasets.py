"""Shipped datasets: listing, loading, the IO tables and the synthetic chains."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.datasets import IOTable, _dataset_root, load_planted
from chaingraph.synthetic import synthetic_chain
from chaingraph.errors import ChainDataError

NAMES = ["germany-1995-6", "register-sample", "shandong-cnc", "shandong-nev", "us-bea-2021-15",
         "us-bea-2021-71", "world-semiconductor-map"]


def test_list_datasets():
    ds = cg.list_datasets()
    assert ds["name"].tolist() == NAMES
    assert list(ds.columns) == ["name", "kind", "description", "n_firms", "n_links", "n_sectors"]
    kinds = dict(zip(ds["name"], ds["kind"]))
    assert kinds["shandong-nev"] == "chain" and kinds["us-bea-2021-15"] == "io-table"
    row = ds.set_index("name").loc["shandong-nev"]
    assert row["n_firms"] == 2000 and row["n_links"] > 10000
    assert ds.set_index("name").loc["us-bea-2021-71", "n_sectors"] == 71


def test_every_dataset_has_a_datasheet():
    root = _dataset_root()
    for name in NAMES:
        text = (root / name / "README.md").read_text(encoding="utf-8")
        for word in ("source", "licence"):
            assert word in text.lower(), (name, word)
    for name in ("shandong-nev", "shandong-cnc"):
        text = (root / name / "README.md").read_text(encoding="utf-8")
        assert "synthetic" in text and "no real firm" in text


def test_unknown_dataset():
    with pytest.raises(ChainDataError) as err:
        cg.load_dataset("shandong-steel")
    assert str(err.value) == (
        "datasets: unknown dataset 'shandong-steel' (shipped datasets: "
        + ", ".join(NAMES) + ")"
    )


@pytest.mark.parametrize("name, template, n", [("shandong-nev", "nev", 2000),
                                                ("shandong-cnc", "cnc", 1000)])
def test_load_chain(name, template, n):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chain = cg.load_dataset(name)
    assert isinstance(chain, cg.ChainGraph)
    assert chain.n_firms == n
    assert chain.region == "山东"
    assert chain.template == cg.get_template(template)
    for col in ["employees", "revenue", "rd_expense", "rd_staff_share", "main_business_revenue",
                "main_business_growth", "debt_ratio", "years_in_niche", "niche_market_share",
                "global_rank", "ip_class1", "designations", "equity_financing",
                "strategic_emerging", "size_class", "founded", "city", "country"]:
        assert col in chain.firms.columns, col
    assert chain.is_sme.mean() > 0.9


@pytest.mark.parametrize("name", ["shandong-nev", "shandong-cnc"])
def test_shipped_chain_is_reproducible(name):
    # the shipped files are exactly what the generator makes at the recorded seed
    info = json.loads((_dataset_root() / name / "dataset.json").read_text(encoding="utf-8"))
    made = synthetic_chain(info["template"], info["n_firms"], region=info["region"],
                           seed=info["seed"])
    chain = cg.load_dataset(name)
    pd.testing.assert_frame_equal(chain.firms, made.chain.firms)
    pd.testing.assert_frame_equal(chain.links, made.chain.links)
    assert load_planted(name) == made.planted


@pytest.mark.parametrize("name", ["shandong-nev", "shandong-cnc"])
def test_shipped_planted_structure(name):
    chain = cg.load_dataset(name)
    planted = load_planted(name)
    seg = chain.firms["segment_id"]
    loc = chain.location
    no_local = set(chain.template.segment_ids) - set(seg[loc == "local"])
    assert no_local == set(planted.missing_segments)
    counts = seg.value_counts()
    assert set(counts[counts == 1].index) == set(planted.chokepoint_segments)
    assert (chain.firms.loc[planted.lead_firms, "size_class"] == "large").all()
    assert (loc[planted.lead_firms] == "local").all()
    assert 0 < planted.sme_share < 1



@pytest.mark.parametrize("name", ["shandong-nev", "shandong-cnc"])
def test_shipped_chain_has_every_tier_input(name):
    chain = cg.load_dataset(name)
    t = cg.tiers(chain, detail=False)
    assert t.attrs["missing_columns"] == []  # nothing the rules read is absent
    f = chain.firms
    for col in ["has_info_system", "has_own_brand", "has_rd_institution", "chain_role",
                "market_share_evidence"]:
        assert str(f[col].dtype) == "Int8" and set(f[col].dropna()) <= {0, 1}, col
        assert f[col].isna().any(), col  # some answers are not known
    assert f["ip_grade"].notna().mean() > 0.8 and f["zjtx_score"].dropna().between(0, 100).all()
    assert set(f["cluster_type"]) == {"shandong-nev": {"pillar"},
                                      "shandong-cnc": {"emerging"}}[name]


def test_shandong_nev_tier_pool_is_decidable():
    chain = cg.load_dataset("shandong-nev")
    t = cg.tiers(chain, detail=False)
    counts = t["tier"].value_counts()
    # 专精特新 (counting the 小巨人 above it): some dozens of the 2,000 firms, a
    # handful of 小巨人, and 链主 only among the largest firms
    assert 30 <= counts["specialised"] + counts["little_giant"] <= 200
    assert 1 <= counts["little_giant"] <= 15
    lead = t.index[t["tier"] == "lead"]
    assert 1 <= len(lead) <= 10
    # 链主 in a pillar cluster: revenue ≥ 50 亿元 (500000 万元) and market-share evidence
    assert (chain.firms.loc[lead, "revenue"] >= 500000).all()
    assert (chain.firms.loc[lead, "market_share_evidence"] == 1).all()
    assert set(load_planted("shandong-nev").lead_firms) <= set(lead)
    # a qualifying 小巨人 meets the yes/no checks the rule asks for
    giants = t.index[t["tier"] == "little_giant"]
    for col in ["has_info_system", "has_certified_management", "has_own_brand",
                "has_rd_institution", "chain_role", "key_product_field"]:
        assert (chain.firms.loc[giants, col] == 1).all(), col
    # unknown stays possible but is no longer the rule for the upper tiers
    for tier in ["little_giant", "lead"]:
        status = t[f"{tier}.status"]
        assert (status == "pass").any()
        assert (status == "unknown").mean() < 0.05


def test_load_planted_unknown():
    with pytest.raises(ChainDataError, match="synthetic datasets: shandong-cnc, shandong-nev"):
        load_planted("germany-1995-6")


# ---------------------------------------------------------------- IO tables
def test_germany_table_matches_published_figures():
    io = cg.load_dataset("germany-1995-6")
    assert isinstance(io, IOTable)
    assert io.Z.shape == (6, 6) and len(io.x) == 6
    assert io.Z.index.tolist()[0] == "Agriculture group"
    # Z and x as printed in Table 15.4 (spot checks)
    assert io.Z.iloc[0, 0] == 1131 and io.Z.iloc[1, 1] == 304584 and io.Z.iloc[5, 4] == 15058
    assert io.x.tolist() == [43910, 1079446, 245606, 540063, 692487, 508918]
    L = np.linalg.inv(np.eye(6) - io.Z.to_numpy() / io.x.to_numpy())
    # Eurostat Manual, Table 15.10: diagonal 1.0339, 1.4292, 1.0289; column sums below
    np.testing.assert_allclose(np.diag(L)[:3].round(4), [1.0339, 1.4292, 1.0289])
    np.testing.assert_allclose(L.sum(axis=0).round(4),
                               [1.7048, 1.8413, 1.8136, 1.6035, 1.5951, 1.3782])
    assert io.published["L_diagonal"] == [1.0339, 1.4292, 1.0289]
    np.testing.assert_allclose(io.L.to_numpy(), L)
    assert io.final_demand.shape == (6, 5)
    # product balance: intermediate use + final use = output (to rounding in the source)
    total_use = io.Z.sum(axis=1) + io.final_demand.sum(axis=1)
    assert (total_use - io.x).abs().max() / io.x.max() < 1e-3


@pytest.mark.parametrize("n", [15, 71])
def test_bea_tables(n):
    io = cg.load_dataset(f"us-bea-2021-{n}")
    assert io.Z.shape == (n, n) and io.x.shape == (n,)
    assert (io.Z.index == io.Z.columns).all() and (io.x.index == io.Z.index).all()
    assert not io.Z.isna().any().any()
    assert io.unit == "millions of USD"
    assert io.published == {}
    A = io.A.to_numpy()
    assert (A >= 0).all()
    # the Leontief inverse exists and is non-negative: spectral radius of A below 1
    assert max(abs(np.linalg.eigvals(A))) < 0.5
    L = io.L.to_numpy()
    assert (L >= -1e-12).all() and (np.diag(L) >= 1).all()
    # every column sums below 1 except, at 71 industries, State and local government
    # enterprises, whose make-table output (115,166) is below the use-table output
    # row (416,766): a feature of the files as formed (see the datasheet)
    over = io.Z.columns[A.sum(axis=0) >= 1].tolist()
    assert over == ([] if n == 15 else ["State and local government enterprises"])
    assert io.final_demand.shape[0] == n and io.final_demand.shape[1] >= 5


def test_bea_15_values_from_the_files():
    io = cg.load_dataset("us-bea-2021-15")
    # use_15.csv, row Agriculture: 131951 to itself, 205 to Mining, '---' (0) to Utilities
    assert io.Z.iloc[0, :3].tolist() == [131951, 205, 0]
    # make_15.csv, Total Industry Output of Agriculture and Manufacturing
    assert io.x.iloc[0] == 621663 and io.x["Manufacturing"] == 8372016
    assert io.final_demand.columns[0] == "Personal consumption expenditures"


def test_datasets_found_from_source_checkout():
    root = _dataset_root()
    assert root.is_dir() and (root / "shandong-nev" / "firms.csv").exists()
    assert root.name in ("datasets", "_datasets")


def test_make_synthetic_script_lists_the_shipped_chains():
    script = Path(_dataset_root()) / "make_synthetic.py"
    if not script.exists():  # the wheel ships the data, the script only in the sdist/repo
        pytest.skip("make_synthetic.py not installed")
    text = script.read_text(encoding="utf-8")
    assert '"shandong-nev"' in text and '"shandong-cnc"' in text
