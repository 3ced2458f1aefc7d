"""ChainGraph: arrays, locations, views, exports, summary."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import chaingraph as cg


@pytest.fixture
def chain(firms, links, segments):
    return cg.ChainGraph.from_frames(firms, links, segments, region="山东")


def test_tables_and_arrays(chain):
    assert chain.firms.index.name == "firm_id"
    assert list(chain.firm_ids) == ["F1", "F2", "F3", "F4", "F5"]
    w = chain.adjacency.toarray()
    # F2->F3 100, F5->F3 50, F3->F1 80, F4->F1 20, F1->F4 5
    expected = np.zeros((5, 5))
    expected[1, 2], expected[4, 2], expected[2, 0], expected[3, 0], expected[0, 3] = 100, 50, 80, 20, 5
    np.testing.assert_array_equal(w, expected)
    np.testing.assert_array_equal(chain.adjacency_t.toarray(), expected.T)
    np.testing.assert_array_equal(chain.out_strength, [5, 100, 80, 20, 50])
    np.testing.assert_array_equal(chain.in_strength, [100, 0, 150, 5, 0])
    assert chain.adjacency.indices.dtype == np.int32


def test_locations(chain):
    # F5 has no province but country JP: foreign; F4 in 江苏: outside.
    assert chain.location.tolist() == ["local", "local", "local", "outside", "foreign"]
    assert chain.is_local.tolist() == [True, True, True, False, False]
    assert chain.is_foreign.tolist() == [False, False, False, False, True]


def test_no_region_means_every_domestic_firm_is_local(firms, links):
    chain = cg.ChainGraph.from_frames(firms, links)
    assert chain.location.tolist() == ["local"] * 4 + ["foreign"]


def test_segments_and_codes(chain):
    assert list(chain.segment_ids) == ["s_up", "s_mid"]
    assert chain.segment_codes.tolist() == [0, 0, 1, 1, 0]
    assert chain.segments.loc["s_mid", "stage"] == "midstream"


def test_segments_without_template(firms, links):
    chain = cg.ChainGraph.from_frames(firms, links)
    assert list(chain.segment_ids) == ["s_up", "s_mid"]
    assert chain.template is None


def test_size_classes_and_sme(chain):
    # F1 1500/52000 large; F2 320/2500 medium; F3 40/310 small; F4 12/5000 micro; F5 900/20000 medium
    assert chain.firms["size_class"].tolist() == ["large", "medium", "small", "micro", "medium"]
    assert chain.is_sme.tolist() == [False, True, True, True, True]


def test_without_removes_firm_and_its_links(chain):
    smaller = chain.without(["F3"])
    assert "F3" not in smaller.firm_ids
    assert smaller.n_firms == 4
    assert smaller.n_links == 2  # F4->F1, F1->F4 remain
    assert chain.n_firms == 5  # the original is untouched


def test_subchain_by_segment_region_and_firms(chain):
    assert list(chain.subchain(segments="s_mid").firm_ids) == ["F3", "F4"]
    local = chain.subchain(region="Shandong")
    assert list(local.firm_ids) == ["F1", "F2", "F3"]
    assert local.n_links == 2  # F2->F3, F3->F1
    assert local.region == "山东"
    assert list(chain.subchain(["F1", "F4"]).firm_ids) == ["F1", "F4"]


def test_views_reject_unknown_ids(chain):
    with pytest.raises(cg.ChainDataError, match="unknown firms 'nope'"):
        chain.without(["nope"])
    with pytest.raises(cg.ChainDataError, match="unknown segments 'nope'"):
        chain.subchain(segments=["nope"])


def test_to_networkx(chain):
    g = chain.to_networkx()
    assert isinstance(g, nx.DiGraph)
    assert g.number_of_nodes() == 5 and g.number_of_edges() == 5
    assert g["F2"]["F3"]["amount"] == 100
    assert g.nodes["F4"]["location"] == "outside"
    assert "province" not in g.nodes["F5"]  # missing values are left out


def test_summary(chain):
    s = chain.summary()
    assert s.totals["firms"] == 5 and s.totals["links (supplier–customer pairs)"] == 5
    assert s.by_location.to_dict() == {"local": 3, "outside": 1, "foreign": 1}
    assert s.by_segment.loc["s_up", ["firms", "local", "foreign"]].tolist() == [3, 2, 1]
    assert s.by_segment.loc["s_mid", "sales"] == 100.0
    assert s.by_stage.loc["upstream", "firms"] == 3
    assert s.by_size_class.to_dict() == {"large": 1, "medium": 2, "small": 1, "micro": 1}
    assert "by segment" in str(s)


def test_repr_and_html_escape(firms, links):
    firms.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    with pytest.warns(cg.ChainDataWarning, match="every firm is outside the focus region"):
        chain = cg.ChainGraph.from_frames(firms, links, region="<b>山东</b>")
    assert repr(chain).startswith("<ChainGraph region=<b>山东</b>: 5 firms")
    assert "<b>" not in chain._repr_html_()
    assert "&lt;b&gt;" in chain._repr_html_()


def test_links_without_amount_count_one(firms, links):
    chain = cg.ChainGraph.from_frames(firms, links.drop(columns="amount"))
    assert chain.adjacency.sum() == 5


# --------------------------------------------------------------------------- #
# property: any valid random frames build a chain whose amounts sum to the input's

amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def random_frames(draw):
    n = draw(st.integers(min_value=2, max_value=30))
    ids = [f"f{i}" for i in range(n)]
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            min_size=1, max_size=120,
        )
    )
    values = draw(st.lists(amounts, min_size=len(pairs), max_size=len(pairs)))
    firms = pd.DataFrame({"firm_id": ids, "province": draw(
        st.lists(st.sampled_from(["山东", "江苏", None]), min_size=n, max_size=n))})
    links = pd.DataFrame({
        "supplier_id": [ids[a] for a, _ in pairs],
        "customer_id": [ids[b] for _, b in pairs],
        "amount": values,
    })
    return firms, links


@settings(max_examples=60, deadline=None)
@given(random_frames())
def test_amounts_are_conserved(frames):
    firms, links = frames
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    assert chain.adjacency.sum() == pytest.approx(links["amount"].sum(), rel=1e-12, abs=1e-6)
    assert len(chain.links) == len(links)
    assert chain.n_links == len(set(zip(links.supplier_id, links.customer_id)))
    assert chain.out_strength.sum() == pytest.approx(chain.in_strength.sum(), rel=1e-12, abs=1e-6)
