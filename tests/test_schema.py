"""Validation: every bad input gives a ChainDataError naming table, column, problem and rows."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import chaingraph as cg
from chaingraph.schema import normalize_region, size_class_nbs2017


def build(firms, links, segments=None, **kw):
    return cg.ChainGraph.from_frames(firms, links, segments, **kw)


def message(excinfo):
    return str(excinfo.value)


def test_error_is_a_value_error():
    assert issubclass(cg.ChainDataError, ValueError)


def test_missing_required_column(firms, links):
    with pytest.raises(cg.ChainDataError) as e:
        build(firms.drop(columns="firm_id"), links)
    assert message(e).startswith("firms: missing required column 'firm_id' (columns found: name, ")
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links.drop(columns="customer_id"))
    assert message(e) == (
        "links: missing required column 'customer_id' (columns found: supplier_id, amount)"
    )


def test_duplicate_firm_id(firms, links):
    firms.loc[3, "firm_id"] = "F2"
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e) == "firms: column 'firm_id': duplicate firm_id 'F2' (rows 1, 3)"
    assert e.value.rows == [1, 3] and e.value.column == "firm_id"


def test_missing_firm_id(firms, links):
    firms.loc[2, "firm_id"] = None
    with pytest.raises(cg.ChainDataError, match=r"^firms: column 'firm_id': missing ids \(row 2\)$"):
        build(firms, links)


def test_unknown_firm_in_links_is_an_error_by_default(firms, links):
    links.loc[len(links)] = ["F9", "F1", 3.0]
    links.loc[len(links)] = ["F8", "F2", 3.0]
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e) == (
        "links: column 'supplier_id': 2 firms not in the firms table: 'F9', 'F8' "
        "(pass unknown_firms='add' to add them as firms with no attributes) (rows 5, 6)"
    )


def test_unknown_firms_in_both_columns_list_every_row(firms, links):
    links.loc[len(links)] = ["F9", "F1", 3.0]
    links.loc[len(links)] = ["F1", "F8", 3.0]
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert str(e.value) == (
        "links: 2 firms not in the firms table in supplier_id and customer_id: 'F9', 'F8' "
        "(pass unknown_firms='add' to add them as firms with no attributes) (rows 5, 6)"
    )


def test_unknown_firms_added_with_a_warning(firms, links):
    links.loc[len(links)] = ["F9", "F1", 3.0]
    with pytest.warns(cg.ChainDataWarning, match="added 1 firms that are not in the firms table"):
        chain = build(firms, links, unknown_firms="add", region="山东")
    assert chain.n_firms == 6
    assert chain.location["F9"] == "outside"
    assert chain.summary().totals["firms added from links"] == 1


@pytest.mark.parametrize(
    "value, problem",
    [
        ("lots", "non-numeric values 'lots'"),
        (-5.0, "negative values -5.0"),
        (np.inf, "infinite values"),
        (np.nan, "missing (NaN) values"),
    ],
)
def test_bad_amounts(firms, links, value, problem):
    links["amount"] = links["amount"].astype(object)
    links.loc[2, "amount"] = value
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e) == f"links: column 'amount': {problem} (row 2)"


def test_self_link(firms, links):
    links.loc[4, "customer_id"] = "F1"
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e) == (
        "links: column 'supplier_id': self-links (a firm supplying itself): 'F1' (row 4)"
    )


def test_empty_tables(firms, links):
    with pytest.raises(cg.ChainDataError, match=r"^firms: the firms table is empty$"):
        build(firms.iloc[:0], links)
    with pytest.raises(cg.ChainDataError, match=r"^links: the links table is empty$"):
        build(firms, links.iloc[:0])


def test_segment_not_in_template(firms, links, segments):
    firms.loc[4, "segment_id"] = "s_down"
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links, segments)
    assert message(e) == (
        "firms: column 'segment_id': segments 's_down' are not in the template 'custom' (row 4)"
    )


def test_unknown_size_class(firms, links):
    firms["size_class"] = ["large", "medium", "tiny", "small", "大型"]
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e) == (
        "firms: column 'size_class': unknown size class 'tiny'; use one of large, medium, "
        "small, micro (row 2)"
    )


def test_unknown_stage(firms, links, segments):
    segments.loc[1, "stage"] = "sideways"
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links, segments)
    assert "column 'stage'" in message(e) and "sideways" in message(e)


def test_unknown_country_name(firms, links):
    firms.loc[4, "country"] = "Atlantis"
    firms.loc[2, "country"] = "Japan"  # a name chaingraph knows: read as JP
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e) == (
        "firms: column 'country': unknown countries 'Atlantis'; give ISO 3166 codes "
        "(CN, CHN) or names (China, 中国) (row 4)"
    )


def test_non_numeric_firm_column_names_rows(firms, links):
    firms["employees"] = firms["employees"].astype(object)
    firms.loc[1, "employees"] = "about 300"
    firms.loc[3, "employees"] = "n/a?"
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e) == (
        "firms: column 'employees': non-numeric values 'about 300', 'n/a?' (rows 1, 3)"
    )


def test_region_needs_province(firms, links):
    with pytest.raises(cg.ChainDataError, match="region='山东' needs a 'province' column"):
        build(firms.drop(columns="province"), links, region="山东")


def test_error_lists_first_rows_and_counts_the_rest(firms, links):
    many = pd.DataFrame({"firm_id": ["X"] * 9})
    with pytest.raises(cg.ChainDataError) as e:
        build(many, links)
    assert message(e).endswith("(rows 0, 1, 2, 3, 4 and 4 more)")
    assert len(e.value.rows) == 9


def test_repeated_pairs_are_summed_and_reported(firms, links):
    links.loc[len(links)] = ["F2", "F3", 7.0]
    links.loc[len(links)] = ["F2", "F3", 3.0]
    with pytest.warns(cg.ChainDataWarning) as rec:
        chain = build(firms, links)
    assert "2 rows repeat a supplier–customer pair; they were summed into 1 edges" in str(rec[0].message)
    assert len(chain.links) == 7  # nothing dropped
    assert chain.n_links == 5
    pos = chain.firm_ids.get_indexer(["F2", "F3"])
    assert chain.adjacency[pos[0], pos[1]] == 110.0
    assert chain.summary().totals["repeated pair rows merged"] == 2


def test_no_warning_without_repeats(firms, links):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(firms, links)


def test_chinese_headers_and_thousands_separators(firms, links):
    zh = firms.rename(columns={"firm_id": "企业ID", "name": "企业名称", "employees": "从业人员"})
    links = links.astype({"amount": object})
    links.loc[0, "amount"] = "1,200.5"
    chain = build(zh, links)
    assert chain.firms.loc["F1", "name"] == "青岛甲"
    assert chain.links.loc[0, "amount"] == 1200.5


def test_ids_are_text_and_stripped(links):
    firms = pd.DataFrame({"firm_id": [1, 2, 3, 4, 5]})
    links = pd.DataFrame({"supplier_id": [" 1", "2", "3"], "customer_id": ["2 ", "3", "\t4"]})
    with pytest.warns(cg.ChainDataWarning) as caught:
        chain = build(firms, links)
    assert list(chain.firm_ids) == ["1", "2", "3", "4", "5"]
    assert chain.n_links == 3
    # each column says how many of its ids lost surrounding spaces, and where
    assert [str(w.message) for w in caught] == [
        "links: column 'supplier_id': spaces around 1 id were removed (row 0)",
        "links: column 'customer_id': spaces around 2 ids were removed (rows 0, 2)",
    ]


def test_ids_without_surrounding_spaces_raise_no_warning(firms, links):
    with warnings.catch_warnings():
        warnings.simplefilter("error", cg.ChainDataWarning)
        build(firms, links)


@pytest.mark.parametrize("name", cg.list_datasets()["name"].tolist())
def test_shipped_datasets_have_no_padded_ids(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cg.load_dataset(name)
    assert not [w for w in caught if "spaces around" in str(w.message)]


@pytest.mark.parametrize(
    "employees, revenue, expected",
    [
        (1000, 40000, "large"),
        (999, 40000, "medium"),   # employees just below large
        (1000, 39999, "medium"),  # revenue just below large
        (300, 2000, "medium"),
        (299, 2000, "small"),
        (300, 1999, "small"),
        (20, 300, "small"),
        (19, 300, "micro"),
        (20, 299, "micro"),
        (5000, 350, "small"),     # huge staff, small sales: drops to the class both meet
        (np.nan, 5000, None),
    ],
)
def test_size_class_nbs2017_bounds(employees, revenue, expected):
    assert size_class_nbs2017([employees], [revenue])[0] == expected


def test_size_class_derived_only_where_missing(firms, links):
    firms["size_class"] = [None, "large", None, None, None]
    with pytest.warns(cg.ChainDataWarning, match="size_class derived by the NBS 2017 rule for 4 firms"):
        chain = build(firms, links)
    # F2 was given as large (kept); F1 1500/52000 large; F3 40/310 small;
    # F4 12 staff -> micro; F5 900/20000 medium.
    assert chain.firms["size_class"].tolist() == ["large", "large", "small", "micro", "medium"]


@pytest.mark.parametrize(
    "name, expected",
    [("山东省", "山东"), ("山东", "山东"), ("Shandong", "山东"), ("shandong province", "山东"),
     ("上海市", "上海"), ("新疆维吾尔自治区", "新疆"), (None, None),
     # other Latin names (a US state) compare without case or repeated spaces
     ("Michigan", "michigan"), (" New  York ", "new york")],
)
def test_normalize_region(name, expected):
    assert normalize_region(name) == expected


def test_fraction_above_one_is_rejected(firms, links):
    firms["debt_ratio"] = 0.5
    firms["rd_staff_share"] = [0.1, 0.2, 35, 0.1, 0.1]
    with pytest.raises(cg.ChainDataError, match=re.escape("are above 1; give shares as fractions")):
        build(firms, links)


def test_true_false_words(firms, links):
    # every word of schema.BOOL_WORDS reads, in any case; other words name their rows
    firms["strategic_emerging"] = ["是", "无", "YES", "有", "f"]
    chain = build(firms, links)
    assert chain.firms["strategic_emerging"].tolist() == [True, False, True, True, False]
    firms["strategic_emerging"] = ["是", "maybe", "否", "有", "否"]
    with pytest.raises(cg.ChainDataError) as e:
        build(firms, links)
    assert message(e).startswith("firms: column 'strategic_emerging': cannot read 'maybe' as true/false")
    assert message(e).endswith("(row 1)")
