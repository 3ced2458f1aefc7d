"""Data of several years (a panel): one year's chain, the other years, and the shipped panel."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph._synthetic_panel import backcast_panel
from chaingraph.datasets import _dataset_root, load_planted
from chaingraph.errors import ChainDataError
from chaingraph.synthetic import synthetic_chain


@pytest.fixture
def firm_years():
    # A and B in both years, C only in 2021 (it exits), D only in 2022 (it enters)
    return pd.DataFrame({
        "firm_id": ["A", "B", "C", "A", "B", "D"],
        "year": [2021, 2021, 2021, 2022, 2022, 2022],
        "province": ["山东", "山东", "江苏", "山东", "山东", "山东"],
        "revenue": [10.0, 5.0, 3.0, 12.0, 6.0, 2.0],
    })


@pytest.fixture
def link_years():
    return pd.DataFrame({
        "supplier_id": ["B", "C", "B", "D"],
        "customer_id": ["A", "A", "A", "A"],
        "amount": [4.0, 3.0, 5.0, 1.0],
        "year": [2021, 2021, 2022, 2022],
    })


def build(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning unless a test expects one
        return cg.ChainGraph.from_frames(*args, **kwargs)


def test_a_firm_panel_gives_the_latest_year_by_default_and_says_so(firm_years, link_years):
    with pytest.warns(cg.ChainDataWarning, match=r"firms: rows for 2 years \(2021, 2022\); this "
                                                 r"chain is of the latest, 2022"):
        chain = cg.ChainGraph.from_frames(firm_years, link_years, region="山东")
    assert chain.year == 2022 and chain.years == [2021, 2022]
    assert chain.firm_ids.tolist() == ["A", "B", "D"]
    assert chain.firms["revenue"].tolist() == [12.0, 6.0, 2.0]
    assert "year" not in chain.firms.columns  # it is chain.year
    assert chain.links[["supplier_id", "year"]].values.tolist() == [["B", 2022], ["D", 2022]]


def test_a_chosen_year_and_the_other_years(firm_years, link_years):
    chain = build(firm_years, link_years, region="山东", year=2021)
    assert chain.year == 2021 and chain.firm_ids.tolist() == ["A", "B", "C"]
    assert chain.adjacency.sum() == 7.0
    later = chain.in_year(2022)
    assert later.year == 2022 and later.firm_ids.tolist() == ["A", "B", "D"]
    assert later.region == "山东" and later.years == [2021, 2022]
    assert later.in_year(2021).firms.equals(chain.firms)
    # another focus region keeps the year and the other years
    seen = chain.with_region("江苏")
    assert seen.year == 2021 and seen.years == [2021, 2022] and seen.is_local.tolist() == [
        False, False, True]


def test_links_of_several_years_without_firm_years_count_every_row(firm_years, link_years):
    firms = firm_years.drop(columns="year").drop_duplicates("firm_id")
    with pytest.warns(cg.ChainDataWarning, match="rows repeat a supplier–customer pair"):
        chain = cg.ChainGraph.from_frames(firms, link_years)
    assert chain.year is None and chain.years == [2021, 2022]
    assert chain.adjacency.sum() == 13.0  # B→A of both years summed
    one = chain.in_year(2022)
    assert one.year == 2022 and one.n_firms == 4 and one.adjacency.sum() == 6.0
    # links of one year only: that is the chain's year, no rows are chosen
    single = build(firms, link_years[link_years["year"] == 2021])
    assert single.year == 2021 and single.years == [2021]


def test_a_year_without_links_is_a_chain_with_known_zero_links(firm_years, link_years):
    links = link_years[link_years["year"] == 2022]
    empty = build(firm_years, links, year=2021)
    assert empty.n_links == 0 and empty.has_links and empty.year == 2021
    assert empty.in_year(2022).n_links == 2


def test_rows_without_a_year_are_named_when_a_year_is_chosen(firm_years, link_years):
    links = link_years.copy()
    links.loc[2, "year"] = None
    with pytest.raises(ChainDataError) as err:
        build(firm_years, links, year=2021)
    assert str(err.value) == ("links: column 'year': rows without a year; in a table with a "
                              "year column every row needs one to choose a year's rows (row 2)")
    # nothing is chosen without years in the firms: every row counts, as before
    firms = firm_years.drop(columns="year").drop_duplicates("firm_id")
    with pytest.warns(cg.ChainDataWarning):
        assert cg.ChainGraph.from_frames(firms, links).year is None


@pytest.mark.parametrize("value, shown", [(2021.5, "2021.5"), ("twenty", "'twenty'"), (-3, "-3")])
def test_years_must_be_whole_numbers(firm_years, link_years, value, shown):
    firms = firm_years.astype({"year": object})
    firms.loc[4, "year"] = value
    with pytest.raises(ChainDataError, match=rf"firms: column 'year': .*{shown}.*\(row 4\)"):
        build(firms, link_years, year=2021)


def test_a_year_not_in_the_data(firm_years, link_years):
    with pytest.raises(ChainDataError, match=r"^no data for year 2019: the years in the data are "
                                             r"2021, 2022$"):
        build(firm_years, link_years, year=2019)
    plain = build(firm_years[firm_years["year"] == 2021].drop(columns="year"), None)
    with pytest.raises(ChainDataError, match="no data for year 2021: no table has a year column"):
        plain.in_year(2021)
    with pytest.raises(TypeError, match="year must be a whole number"):
        build(firm_years, link_years, year="2021")
    with pytest.raises(ChainDataError, match="no firm has a row for year 2023"):
        build(firm_years, link_years.assign(year=2023), year=2023)


def test_chinese_year_header_and_a_presence_panel():
    firms = pd.DataFrame({"企业ID": ["A", "B"], "国家": ["CN", "JP"]})
    presence = pd.DataFrame({"firm_id": ["A", "B", "A"], "segment_id": ["s", "s", "s"],
                             "share": [0.2, 0.8, 0.6], "年份": [2021, 2021, 2022]})
    with pytest.warns(cg.ChainDataWarning, match="presence: rows for 2 years"):
        chain = cg.ChainGraph.from_frames(firms, presence=presence)
    assert chain.year == 2022 and chain.presence["share"].tolist() == [0.6]
    assert "年份" not in chain.presence.columns and chain.years == [2021, 2022]
    assert chain.in_year(2021).presence["firm_id"].tolist() == ["A", "B"]


def test_read_chain_year_and_file_line_numbers(tmp_path, firm_years, link_years):
    firm_years.to_csv(tmp_path / "firms.csv", index=False)
    bad = link_years.copy()
    bad.loc[3, "amount"] = -1.0  # a 2022 row: file line 5
    bad.to_csv(tmp_path / "links.csv", index=False)
    chain = cg.read_chain(tmp_path, year=2021)
    assert chain.year == 2021 and chain.n_links == 2
    with pytest.raises(ChainDataError) as err:
        chain.in_year(2022)
    assert str(err.value) == "links.csv: column 'amount': negative values -1.0 (row 5)"


def test_a_link_to_a_firm_missing_from_that_years_firms_table_names_the_year(
        tmp_path, firm_years, link_years):
    # D enters in 2022, but a 2021 invoice of D's (file line 6) sums to a 2021 link D -> A
    firm_years.to_csv(tmp_path / "firms.csv", index=False)
    early = pd.DataFrame({"supplier_id": ["D"], "customer_id": ["A"], "amount": [1.5],
                          "year": [2021]})
    pd.concat([link_years, early]).to_csv(tmp_path / "links.csv", index=False)
    assert cg.read_chain(tmp_path, year=2022).n_links == 2  # 2022 has no such link
    with pytest.raises(ChainDataError) as err:
        cg.read_chain(tmp_path, year=2021)
    assert str(err.value).startswith(
        "links.csv: column 'supplier_id': 1 firms not in the firms table of 2021: 'D'")
    assert str(err.value).endswith("(row 6)")
    with pytest.warns(cg.ChainDataWarning, match="added 1 firms that are not in the firms table "
                                                 "of 2021"):
        cg.read_chain(tmp_path, year=2021, unknown_firms="add")
    from click.testing import CliRunner
    from chaingraph.cli import cli
    result = CliRunner().invoke(cli, ["compare", str(tmp_path), "--years", "2021", "2022"])
    assert result.exit_code == 2 and "not in the firms table of 2021: 'D'" in result.output
    assert "Traceback" not in result.output
    # firms without years: the one firms table of every year, named as before
    plain = firm_years[firm_years["year"] == 2021].drop(columns="year")
    with pytest.raises(ChainDataError, match="1 firms not in the firms table: 'D'"):
        cg.ChainGraph.from_frames(plain, link_years, year=2022)


def test_views_know_the_years_of_their_links(firm_years, link_years):
    firms = firm_years.drop(columns="year").drop_duplicates("firm_id")
    with pytest.warns(cg.ChainDataWarning):
        chain = cg.ChainGraph.from_frames(firms, link_years)
    assert chain.without(["D"]).years == [2021, 2022]
    assert chain.subchain(["A", "D"]).years == [2022]


# --------------------------------------------------------------------------- the shipped panel


def test_the_shipped_panel_loads_each_year():
    chain = cg.load_dataset("shandong-nev")
    assert chain.year == 2023 and chain.years == [2021, 2022, 2023]
    first = cg.load_dataset("shandong-nev", year=2021)
    assert first.year == 2021 and first.n_firms == 1989
    pd.testing.assert_frame_equal(chain.in_year(2021).firms, first.firms)
    assert cg.load_dataset("shandong-cnc").years == [2023]
    with pytest.raises(ValueError, match="home= and year= apply to chains"):
        cg.load_dataset("germany-1995-6", year=2021)
    row = cg.list_datasets().set_index("name").loc["shandong-nev"]
    assert (row["n_firms"], row["n_links"]) == (2000, chain.n_links)


def test_the_shipped_panel_is_the_backcast_of_the_generated_chain():
    root = _dataset_root() / "shandong-nev"
    info = json.loads((root / "dataset.json").read_text(encoding="utf-8"))
    made = synthetic_chain(info["template"], info["n_firms"], region=info["region"], seed=info["seed"])
    changes = json.loads((root / "planted.json").read_text(encoding="utf-8"))["changes"]
    years = [str(y) for y in changes["years"]]
    movers = changes["tier_up"][years[-1]] + changes["tier_up"][years[-2]]
    firms, links, planted_changes = backcast_panel(
        made.chain.firms.reset_index(), made.chain.links, made.chain.template, made.planted,
        region=info["region"], tier_movers=movers)
    assert planted_changes == changes
    shipped = cg.load_dataset("shandong-nev")
    for y in changes["years"]:
        one = shipped.in_year(y)
        f = firms[firms["year"] == y].drop(columns="year").set_index("firm_id")
        pd.testing.assert_frame_equal(one.firms, f, check_dtype=False, check_index_type=False)
        sub = links[links["year"] == y].reset_index(drop=True)
        assert np.allclose(one.links["amount"], sub["amount"])
        assert one.links[["supplier_id", "customer_id"]].equals(
            sub[["supplier_id", "customer_id"]].astype(one.links["supplier_id"].dtype))
    assert load_planted("shandong-nev") == made.planted


def test_planted_changes_of_a_dataset_of_one_year():
    from chaingraph.datasets import load_planted_changes

    assert load_planted_changes("shandong-nev")["chokepoint_resolved"]["firm"] == "NEV01054"
    with pytest.raises(ChainDataError, match="'shandong-cnc' is of one year: no planted changes "
                                             r"\(panels: shandong-nev\)"):
        load_planted_changes("shandong-cnc")
