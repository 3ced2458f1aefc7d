"""Input–output key sectors, extraction, upstreamness and segment flows."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import chaingraph as cg
from chaingraph.analysis import _input_output_kernels
from chaingraph.analysis.sectors import (
    extraction,
    ghosh_inverse,
    key_sectors,
    leontief_inverse,
    upstreamness,
)
from chaingraph.analysis.sector_tables import (
    read_io_table,
    sector_table,
    segment_flows,
    segment_output,
)
from chaingraph.errors import ChainDataError

IO_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "io"


def _first_existing(*dirs: Path) -> Path:
    for d in dirs:
        if (d / "eurostat_germany_1995_6sector.csv").exists():
            return d
    pytest.skip("input-output tables not found")


@pytest.fixture(scope="module")
def io_dir() -> Path:
    root = Path(__file__).resolve().parents[2]
    return _first_existing(root / "datasets" / "germany-1995-6", root / "datasets" / "io", IO_DIR)


@pytest.fixture(scope="module")
def germany(io_dir):
    """Eurostat Manual (2008) table 15.4: domestic Z and output at basic prices (row P1)."""
    d = pd.read_csv(io_dir / "eurostat_germany_1995_6sector.csv")
    groups = [c for c in d.columns if c.endswith("_group")]
    Z = d.iloc[:6][groups].astype(float)
    Z.index = pd.Index(groups, name="sector")
    x = d.set_index("iotables_row").loc["output_bp", groups].astype(float)
    return Z, x


@pytest.fixture(scope="module")
def us15():
    """BEA 2021, 15 industries: Z from use_15.csv, x from make_15.csv (see the data README)."""
    root = Path(__file__).resolve().parents[2]
    folder = next((d for d in (root / "datasets" / "us-bea-2021-15", IO_DIR)
                   if (d / "use_15.csv").exists()), None)
    if folder is None:
        pytest.skip("US tables not found")
    use = pd.read_csv(folder / "use_15.csv", na_values=["---"], index_col=0)
    make = pd.read_csv(folder / "make_15.csv", na_values=["---"], index_col=0)
    names = use.columns[:15]
    Z = use.iloc[:15][names].fillna(0.0).astype(float)
    assert list(Z.index) == list(names)
    x = make["Total Industry Output"].iloc[:15].astype(float)
    assert list(x.index) == list(names)
    return Z, x


def _brute(Z, x, f=None, v=None):
    """Plain re-implementation: explicit inverses, one extraction at a time."""
    Z = np.asarray(Z, float)
    x = np.asarray(x, float)
    n = len(x)
    A = Z / x[None, :]
    B = Z / x[:, None]
    f = x - Z.sum(axis=1) if f is None else np.asarray(f, float)
    v = x - Z.sum(axis=0) if v is None else np.asarray(v, float)
    base_b = np.linalg.inv(np.eye(n) - A) @ f
    base_f = v @ np.linalg.inv(np.eye(n) - B)
    back = np.empty(n)
    fwd = np.empty(n)
    for j in range(n):
        Aj = A.copy()
        Aj[:, j] = 0
        back[j] = base_b.sum() - (np.linalg.inv(np.eye(n) - Aj) @ f).sum()
        Bj = B.copy()
        Bj[j, :] = 0
        fwd[j] = base_f.sum() - (v @ np.linalg.inv(np.eye(n) - Bj)).sum()
    return back, fwd, base_b, base_f


# ---------------------------------------------------------------- published


def test_germany_1995_published_leontief(germany):
    # Eurostat Manual of Supply, Use and Input-Output Tables (2008), table 15.10.
    Z, x = germany
    L = leontief_inverse(Z, x)
    np.testing.assert_allclose(np.diag(L)[:3].round(4), [1.0339, 1.4292, 1.0289], atol=0)
    ks = key_sectors(Z, x)
    np.testing.assert_allclose(
        ks["output_multiplier"].round(4).to_numpy(),
        [1.7048, 1.8413, 1.8136, 1.6035, 1.5951, 1.3782],
        atol=0,
    )
    assert list(ks.index) == list(Z.index)
    # the multipliers are column sums of L
    np.testing.assert_allclose(ks["output_multiplier"], L.sum(axis=0).to_numpy())


def test_germany_linkages_average_one(germany):
    Z, x = germany
    for forward in ("ghosh", "leontief"):
        ks = key_sectors(Z, x, forward=forward)
        assert ks.attrs["forward"] == forward
        assert ks["backward_linkage"].mean() == pytest.approx(1.0)
        assert ks["forward_linkage"].mean() == pytest.approx(1.0)
    # manufacturing pulls and pushes most: a key sector whichever forward measure
    assert key_sectors(Z, x).loc["manufacturing_group", "sector_class"] == "key"


# ---------------------------------------------------------------- by hand


def test_two_sector_by_hand():
    # Z = [[20, 30], [40, 10]], x = [100, 200]
    # A = Z / x (by column) = [[.2, .15], [.4, .05]]; I - A = [[.8, -.15], [-.4, .95]]
    # det = .8*.95 - .15*.4 = .70;  L = [[.95, .15], [.4, .8]] / .7
    #   = [[1.357143, .214286], [.571429, 1.142857]]
    # column sums m = [1.35, .95] / .7 = [1.928571, 1.357143], total 2.3/.7 = 3.285714
    # BL = n m / sum m = 2 * [1.35, .95] / 2.3 = [1.173913, .826087]
    # B = Z / x (by row) = [[.2, .3], [.2, .05]]; G = [[.95, .3], [.2, .8]] / .7
    # row sums of G = [1.25, 1.0] / .7; FL = 2 * [1.25, 1.0] / 2.25 = [1.111111, .888889]
    # class: sector 0 BL>1, FL>1 -> key; sector 1 both < 1 -> weak.
    # CV with n - 1 = 1: for a pair (a, b), sd = |a - b| / sqrt 2 and mean (a + b) / 2,
    # so V = sqrt2 |a - b| / (a + b):
    #   L columns: sqrt2 * .55/1.35 = .576161, sqrt2 * .65/.95 = .967628
    #   G rows:    sqrt2 * .65/1.25 = .735391, sqrt2 * .6/1.0  = .848528
    Z = np.array([[20.0, 30.0], [40.0, 10.0]])
    x = np.array([100.0, 200.0])
    L = leontief_inverse(Z, x).to_numpy()
    np.testing.assert_allclose(L, np.array([[0.95, 0.15], [0.4, 0.8]]) / 0.7)
    G = ghosh_inverse(Z, x).to_numpy()
    np.testing.assert_allclose(G, np.array([[0.95, 0.3], [0.2, 0.8]]) / 0.7)
    ks = key_sectors(Z, x)
    r2 = np.sqrt(2)
    np.testing.assert_allclose(ks["output_multiplier"], [1.35 / 0.7, 0.95 / 0.7])
    np.testing.assert_allclose(ks["backward_linkage"], [2 * 1.35 / 2.3, 2 * 0.95 / 2.3])
    np.testing.assert_allclose(ks["forward_linkage"], [2 * 1.25 / 2.25, 2 * 1.0 / 2.25])
    np.testing.assert_allclose(ks["backward_cv"], [r2 * 0.55 / 1.35, r2 * 0.65 / 0.95])
    np.testing.assert_allclose(ks["forward_cv"], [r2 * 0.65 / 1.25, r2 * 0.6 / 1.0])
    assert ks["sector_class"].tolist() == ["key", "weak"]

    # forward on L: row sums of L = [1.1, 1.2] / .7, FL = 2 * [1.1, 1.2] / 2.3
    #   = [.956522, 1.043478] -> sector 0 strong backward, sector 1 strong forward;
    # V by rows of L: sqrt2 * .8/1.1, sqrt2 * .4/1.2
    kl = key_sectors(Z, x, forward="leontief")
    np.testing.assert_allclose(kl["forward_linkage"], [2 * 1.1 / 2.3, 2 * 1.2 / 2.3])
    np.testing.assert_allclose(kl["forward_cv"], [r2 * 0.8 / 1.1, r2 * 0.4 / 1.2])
    np.testing.assert_allclose(kl["backward_linkage"], ks["backward_linkage"])
    assert kl["sector_class"].tolist() == ["strong backward", "strong forward"]


def test_two_sector_extraction_by_hand():
    # Backward extraction of sector 1: A' = [[.2, 0], [.4, 0]], f = x - Z1 = [50, 150]
    # x'_0 = 50/.8 = 62.5, x'_1 = 150 + .4*62.5 = 175 -> loss 300 - 237.5 = 62.5.
    # Forward extraction of sector 0: B' = [[0, 0], [.2, .05]], v = x - 1'Z = [40, 160]
    # x'^T = v^T (I - B')^-1: x'_0 = 40 + .2 x'_1, x'_1 = .05 x'_1 + 0 -> x'_1 = 0 / .95?
    #   x'_1 = v_1 + 0*x'_0 + .05 x'_1 -> x'_1 = 160/.95 = 168.421; x'_0 = 40 + .2*168.421
    #   = 73.684 -> total 242.105, loss 57.895 (= 100 * (1.25/.7 - 1) / (.95/.7)).
    Z = np.array([[20.0, 30.0], [40.0, 10.0]])
    x = np.array([100.0, 200.0])
    ex = extraction(Z, x)
    assert ex.loc[1, "backward_loss"] == pytest.approx(62.5)
    assert ex.loc[0, "forward_loss"] == pytest.approx(300 - (40 + 0.2 * 160 / 0.95) - 160 / 0.95)
    assert ex.loc[1, "backward_loss_share"] == pytest.approx(62.5 / 300)


def test_upstreamness_pure_line_by_hand():
    # 1 -> 2 -> 3, each selling everything to the next; 3 sells to final users.
    # U_3 = 1; U_2 = 1 + (20/20) U_3 = 2; U_1 = 1 + (10/10) U_2 = 3.
    Z = np.array([[0, 10, 0], [0, 0, 20], [0, 0, 0]], dtype=float)
    u = upstreamness(Z, [10, 20, 30])
    np.testing.assert_allclose(u, [3, 2, 1])
    assert u.name == "upstreamness"
    # half of stage 1 goes to final users: U_1 = 1 + (5/10) * 2 = 2
    Z[0, 1] = 5
    np.testing.assert_allclose(upstreamness(Z, [10, 20, 30]), [2, 2, 1])


def test_upstreamness_is_ghosh_row_sums(us15):
    Z, x = us15
    u = upstreamness(Z, x)
    np.testing.assert_allclose(u, ghosh_inverse(Z, x).sum(axis=1))
    assert (u >= 1).all()
    assert list(u.index) == list(Z.index)


# ---------------------------------------------------------------- extraction


@pytest.mark.parametrize("table", ["germany", "us15"])
def test_extraction_matches_brute_force(table, request):
    Z, x = request.getfixturevalue(table)
    back, fwd, base_b, base_f = _brute(Z, x)
    ex = extraction(Z, x)
    np.testing.assert_allclose(ex["backward_loss"], back, rtol=1e-9)
    np.testing.assert_allclose(ex["forward_loss"], fwd, rtol=1e-9)
    np.testing.assert_allclose(ex["backward_loss_share"], back / base_b.sum(), rtol=1e-9)
    np.testing.assert_allclose(ex["forward_loss_share"], fwd / base_f.sum(), rtol=1e-9)
    assert (ex["backward_loss"] >= 0).all() and (ex["forward_loss"] >= 0).all()


def test_extraction_given_demand_and_value_added(us15):
    Z, x = us15
    rng = np.random.default_rng(3)
    f = pd.Series(rng.uniform(1e4, 1e6, len(x)), index=x.index)
    v = pd.Series(rng.uniform(1e4, 1e6, len(x)), index=x.index)
    back, fwd, _, _ = _brute(Z, x, f=f, v=v)
    ex = extraction(Z, x, final_demand=f[::-1], value_added=v)  # order does not matter
    np.testing.assert_allclose(ex["backward_loss"], back, rtol=1e-9)
    np.testing.assert_allclose(ex["forward_loss"], fwd, rtol=1e-9)
    some = list(Z.index[[4, 0]])
    sub = extraction(Z, x, final_demand=f, value_added=v, sectors=some)
    assert list(sub.index) == some
    np.testing.assert_allclose(sub["backward_loss"], back[[4, 0]], rtol=1e-9)
    with pytest.raises(ChainDataError, match="unknown sectors"):
        extraction(Z, x, sectors=["Nowhere"])


# ---------------------------------------------------------------- input types


def test_numpy_dataframe_sparse_agree(us15):
    Z, x = us15
    ref = key_sectors(Z, x)
    for Zin, xin in [
        (Z.to_numpy(), x.to_numpy()),
        (sp.csr_array(Z.to_numpy()), x.to_numpy()),
        (sp.csc_matrix(Z.to_numpy()), list(x)),
        (Z.to_numpy(), x),  # labels from x
    ]:
        got = key_sectors(Zin, xin)
        np.testing.assert_allclose(got.iloc[:, :5].to_numpy(), ref.iloc[:, :5].to_numpy(), rtol=1e-12)
        assert got["sector_class"].tolist() == ref["sector_class"].tolist()
    assert list(key_sectors(Z.to_numpy(), x.to_numpy()).index) == list(range(15))
    assert list(key_sectors(Z.to_numpy(), x).index) == list(Z.index)
    # columns in another order, x in another order: aligned by label
    perm = np.random.default_rng(0).permutation(15)
    got = key_sectors(Z.iloc[:, perm], x.iloc[perm[::-1]])
    pd.testing.assert_frame_equal(got, ref)
    np.testing.assert_allclose(upstreamness(sp.csr_array(Z.to_numpy()), x.to_numpy()), upstreamness(Z, x))


def test_sparse_block_path_matches_dense(us15, monkeypatch):
    # force the SuperLU / column-block path on a small table, with several blocks
    Z, x = us15
    ref_k = key_sectors(Z, x)
    ref_kl = key_sectors(Z, x, forward="leontief")
    ref_e = extraction(Z, x)
    monkeypatch.setattr(_input_output_kernels, "SPARSE_THRESHOLD", 4)
    monkeypatch.setattr(_input_output_kernels, "BLOCK", 4)
    Zs = sp.csr_array(Z.to_numpy())
    got = key_sectors(Zs, x)
    np.testing.assert_allclose(got.iloc[:, :5].to_numpy(), ref_k.iloc[:, :5].to_numpy(), rtol=1e-10)
    got = key_sectors(Zs, x, forward="leontief")
    np.testing.assert_allclose(got.iloc[:, :5].to_numpy(), ref_kl.iloc[:, :5].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(extraction(Zs, x).to_numpy(), ref_e.to_numpy(), rtol=1e-10)


def test_larger_random_table_against_plain_numpy():
    rng = np.random.default_rng(42)
    n = 60
    Z = rng.uniform(0, 1, (n, n)) * (rng.uniform(size=(n, n)) < 0.3)
    x = Z.sum(axis=0) / rng.uniform(0.2, 0.8, n) + 1.0
    L = np.linalg.inv(np.eye(n) - Z / x)
    G = np.linalg.inv(np.eye(n) - Z / x[:, None])
    ks = key_sectors(Z, x)
    np.testing.assert_allclose(ks["backward_linkage"], L.sum(0) / L.sum() * n)
    np.testing.assert_allclose(ks["forward_linkage"], G.sum(1) / G.sum() * n)
    np.testing.assert_allclose(ks["backward_cv"], L.std(0, ddof=1) / L.mean(0))
    np.testing.assert_allclose(ks["forward_cv"], G.std(1, ddof=1) / G.mean(1))


# ---------------------------------------------------------------- zero output


def test_inactive_sector_left_out_with_warning(germany):
    Z, x = germany
    Z2 = Z.copy()
    Z2.loc["empty"] = 0.0
    Z2["empty"] = 0.0
    x2 = pd.concat([x, pd.Series({"empty": 0.0})])
    with pytest.warns(UserWarning, match="1 of 7 sectors"):
        ks = key_sectors(Z2, x2)
    assert ks.loc["empty"].iloc[:5].isna().all()
    assert pd.isna(ks.loc["empty", "sector_class"])
    pd.testing.assert_frame_equal(ks.drop("empty"), key_sectors(Z, x), check_categorical=False)
    with pytest.warns(UserWarning):
        assert np.isnan(upstreamness(Z2, x2)["empty"])
    with pytest.warns(UserWarning):
        assert extraction(Z2, x2).loc["empty"].isna().all()
    # the inverses keep it, with a unit row and column
    L = leontief_inverse(Z2, x2)
    assert L.loc["empty", "empty"] == 1.0 and L.loc["empty"].sum() == 1.0 and L["empty"].sum() == 1.0


def test_zero_output_with_inputs_is_an_error():
    Z = np.array([[0.0, 5.0], [0.0, 0.0]])
    with pytest.raises(ChainDataError, match="zero gross output") as err:
        key_sectors(Z, [10.0, 0.0])
    assert err.value.rows == [1]
    with pytest.raises(ChainDataError, match="zero gross output"):
        leontief_inverse(Z, [0.0, 10.0])  # sells but has no output


# ---------------------------------------------------------------- bad input


def test_bad_input_errors():
    Z = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ChainDataError, match="square"):
        key_sectors(np.ones((2, 3)), [1, 2])
    with pytest.raises(ChainDataError, match="square"):
        key_sectors(pd.DataFrame(np.ones((2, 3))), [1, 2])
    with pytest.raises(ChainDataError, match="square"):
        key_sectors(sp.csr_array(np.ones((2, 3))), [1, 2])
    with pytest.raises(ChainDataError, match="3 values but Z has 2"):
        key_sectors(pd.DataFrame(Z), pd.Series([10.0, 10.0, 10.0]))
    with pytest.raises(ChainDataError, match="Z has 2 sectors"):
        key_sectors(Z, [10.0, 10.0, 10.0])
    with pytest.raises(ChainDataError, match="negative gross output") as err:
        key_sectors(pd.DataFrame(Z, index=["a", "b"], columns=["a", "b"]), pd.Series({"a": 10.0, "b": -1.0}))
    assert err.value.rows == ["b"] and err.value.source == "x"
    with pytest.raises(ChainDataError, match="missing or infinite"):
        key_sectors(np.array([[1.0, np.nan], [0.0, 1.0]]), [10.0, 10.0])
    with pytest.raises(ChainDataError, match="labels differ"):
        key_sectors(pd.DataFrame(Z, index=["a", "b"], columns=["a", "c"]), [10.0, 10.0])
    with pytest.raises(ChainDataError, match="not indexed by the sectors"):
        key_sectors(pd.DataFrame(Z, index=["a", "b"], columns=["a", "b"]), pd.Series({"a": 10.0, "c": 10.0}))
    with pytest.raises(ValueError, match="forward") as bad_option:  # an option, not the data
        key_sectors(Z, [10.0, 10.0], forward="supply")
    assert type(bad_option.value) is ValueError
    with pytest.raises(ChainDataError, match="not numeric"):
        key_sectors(pd.DataFrame([["a", 1], [1, 1]]), [10.0, 10.0])
    # columns of A summing to one: I - A singular
    with pytest.raises(ChainDataError, match="not productive"):
        key_sectors(np.array([[50.0, 50.0], [50.0, 50.0]]), [100.0, 100.0])
    with pytest.raises(ChainDataError, match="not productive"):
        upstreamness(np.array([[50.0, 50.0], [50.0, 50.0]]), [100.0, 100.0])
    with pytest.raises(ChainDataError, match="final_demand"):
        extraction(Z, [10.0, 10.0], final_demand=[1.0, 2.0, 3.0])
    assert issubclass(ChainDataError, ValueError)


# ---------------------------------------------------------------- segments


@pytest.fixture
def tiny_chain():
    # segments: s1 = {A, B}, s2 = {C}, s3 = {D}; E has no segment; D is outside 山东.
    firms = pd.DataFrame(
        {
            "firm_id": list("ABCDE"),
            "segment_id": ["s1", "s1", "s2", "s3", None],
            "province": ["山东", "山东", "山东", "江苏", "山东"],
        }
    )
    links = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C", "D", "A", "E", "A"],
            "customer_id": ["C", "C", "D", "A", "B", "A", "C"],
            "amount": [5.0, 3.0, 10.0, 1.0, 2.0, 4.0, 1.0],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the repeated pair A -> C is summed, with a warning
        chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    return chain, firms, links


def test_segment_flows_by_hand(tiny_chain):
    chain, _, _ = tiny_chain
    # s1 -> s1: A->B 2; s1 -> s2: A->C 5 + 1, B->C 3 = 9; s2 -> s3: C->D 10; s3 -> s1: D->A 1;
    # E->A (4) has no segment: left out with a warning.
    with pytest.warns(UserWarning, match="without a segment"):
        S = segment_flows(chain)
    expected = pd.DataFrame(
        [[2.0, 9.0, 0.0], [0.0, 0.0, 10.0], [1.0, 0.0, 0.0]],
        index=pd.Index(["s1", "s2", "s3"], name="segment_id"),
        columns=pd.Index(["s1", "s2", "s3"], name="segment_id"),
    )
    pd.testing.assert_frame_equal(S, expected, check_index_type=False, check_column_type=False)
    # local only: D is outside, so C->D and D->A go; E is local but has no segment
    with pytest.warns(UserWarning, match="without a segment"):
        SL = segment_flows(chain, local_only=True)
    np.testing.assert_allclose(SL.to_numpy(), [[2, 9, 0], [0, 0, 0], [0, 0, 0]])


def test_segment_output_and_key_sectors_on_segments(tiny_chain):
    chain, firms, links = tiny_chain
    # no revenue: per firm max(sales, purchases) in the network
    # A: sales 5+2+1 = 8, purchases 1+4 = 5 -> 8;  B: 3 vs 2 -> 3;  C: 10 vs 9 -> 10;
    # D: 1 vs 10 -> 10;  s1 = 11, s2 = 10, s3 = 10
    out = segment_output(chain)
    assert out.name == "output"
    np.testing.assert_allclose(out.loc[["s1", "s2", "s3"]], [11, 10, 10])
    np.testing.assert_allclose(segment_output(chain, local_only=True), [11, 10, 0])
    with pytest.warns(UserWarning):
        S = segment_flows(chain)
    ks = key_sectors(S, out)
    assert list(ks.index) == ["s1", "s2", "s3"]
    assert ks.index.name == "segment_id"
    # s2 = C buys 9 of its output 10 from s1 and sells everything on to s3: upstream of s3
    u = upstreamness(S, out)
    assert u["s2"] > u["s3"]
    # with revenue: revenue where given, the network estimate elsewhere (with a warning)
    firms2 = firms.assign(revenue=[20.0, None, 30.0, 40.0, 5.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain2 = cg.ChainGraph.from_frames(firms2, links, region="山东")
    with pytest.warns(UserWarning, match="1 of 5 firms have no revenue"):
        out2 = segment_output(chain2)
    np.testing.assert_allclose(out2, [20 + 3, 30, 40])
    # local segment table: s3 has no local firm and no local flows -> inactive, left out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        SL = segment_flows(chain2, local_only=True)
        outl = segment_output(chain2, local_only=True)
    with pytest.warns(UserWarning, match="1 of 3 sectors"):
        kl = key_sectors(SL, outl)
    assert kl.loc["s3"].iloc[:5].isna().all() and kl.loc[["s1", "s2"]].iloc[:, :5].notna().all().all()


# ---------------------------------------------------------------- files


def test_read_io_table(tmp_path, germany):
    Z, x = germany
    table = Z.copy()
    table["household"] = 1.0  # ignored
    table["output"] = x
    path = tmp_path / "de.csv"
    table.iloc[:, ::-1].to_csv(path)  # Z columns in another order than the rows
    Zr, xr = read_io_table(path)
    pd.testing.assert_frame_equal(Zr, Z, check_names=False, check_index_type=False, check_column_type=False)
    np.testing.assert_allclose(xr, x)
    # GB18030 with Chinese labels, tab-separated, an empty Z cell
    text = "部门\t农业\t工业\tx\n农业\t\t30\t100\n工业\t40\t10\t200\n"
    path.write_bytes(text.encode("gb18030"))
    with pytest.warns(UserWarning, match="1 empty cells"):
        Zc, xc = read_io_table(path)
    assert list(Zc.index) == ["农业", "工业"] and Zc.iloc[0, 0] == 0.0
    assert key_sectors(Zc, xc).index.name == "部门"


@pytest.mark.parametrize(
    "text, match",
    [
        ("s,a,b\na,1,2\nb,3,4\n", "no gross-output column"),
        ("s,a,x\na,1,10\nb,3,10\n", "without a column"),
        ("s,a,b,x\na,1,2,10\nb,3,oops,10\n", "not a number"),
        ("s,a,b,x\na,1,2,10\nb,3,4,\n", "missing gross output"),
        ("s,a,b,x\na,1,2,10\na,3,4,10\n", "repeated sector"),
    ],
)
def test_read_io_table_errors(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChainDataError, match=match) as err:
        read_io_table(path)
    assert "bad.csv" in str(err.value)
    if match == "not a number":
        assert err.value.column == "b" and err.value.rows == [3]


# ---------------------------------------------------------------- command line


def test_cli_sectors(tmp_path, germany):
    import json

    from click.testing import CliRunner

    from chaingraph.cli import cli

    Z, x = germany
    path = tmp_path / "de.csv"
    Z.assign(x=x).to_csv(path)
    runner = CliRunner()
    res = runner.invoke(cli, ["sectors", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["note"] == "forward linkage: ghosh"
    got = pd.DataFrame(payload["data"]).set_index("sector")
    ref = key_sectors(Z, x)
    np.testing.assert_allclose(got["backward_linkage"], ref["backward_linkage"], rtol=1e-9)
    assert got["sector_class"].tolist() == ref["sector_class"].tolist()
    out = tmp_path / "ks.csv"
    res = runner.invoke(cli, ["sectors", str(path), "--forward", "leontief", "-o", str(out)])
    assert res.exit_code == 0, res.output
    back = pd.read_csv(out, comment="#", index_col=0)
    np.testing.assert_allclose(back["forward_linkage"], key_sectors(Z, x, forward="leontief")["forward_linkage"])
    res = runner.invoke(cli, ["sectors"])
    assert res.exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("s,a,b\na,1,2\nb,3,4\n", encoding="utf-8")
    res = runner.invoke(cli, ["sectors", str(bad)])
    assert res.exit_code == 2 and "gross-output" in res.output


def test_sector_table_every_kind_of_input(tmp_path, tiny_chain, germany):
    io = cg.load_dataset("germany-1995-6")
    assert all(a is b for a, b in zip(sector_table(io), (io.Z, io.x)))
    Z, x = sector_table(dataset="germany-1995-6")
    pd.testing.assert_frame_equal(Z, io.Z)
    pd.testing.assert_series_equal(x, io.x)
    # a chain, its folder and its workbook: the segment flows and output
    chain, _, _ = tiny_chain
    cg.write_chain(chain, tmp_path / "chain")
    cg.write_chain(chain, tmp_path / "chain.xlsx")
    for local_only in (False, True):
        with pytest.warns(UserWarning, match="without a segment"):
            S = segment_flows(chain, local_only=local_only)
        out = segment_output(chain, local_only=local_only)
        for source in (chain, tmp_path / "chain", str(tmp_path / "chain.xlsx")):
            # read back, the repeated pair A -> C is summed again, with a warning
            with pytest.warns(UserWarning) as caught:
                Z, x = sector_table(source, local_only=local_only)
            assert any("without a segment" in str(w.message) for w in caught)
            pd.testing.assert_frame_equal(Z, S)
            pd.testing.assert_series_equal(x, out)
    # any other file: an input-output table CSV
    Zg, xg = germany
    Zg.assign(x=xg).to_csv(tmp_path / "de.csv")
    for source in (tmp_path / "de.csv", str(tmp_path / "de.csv")):
        Z, x = sector_table(source)
        np.testing.assert_array_equal(Z.to_numpy(), Zg.to_numpy())
        np.testing.assert_array_equal(x.to_numpy(), xg.to_numpy())
        assert x.name == "output" and list(Z.index) == list(Zg.index)


def test_sector_table_errors():
    with pytest.raises(ValueError, match="either source or dataset"):
        sector_table()
    with pytest.raises(ValueError, match="either source or dataset"):
        sector_table("x.csv", dataset="germany-1995-6")
    with pytest.raises(TypeError, match="got DataFrame"):
        sector_table(pd.DataFrame())
    with pytest.raises(ChainDataError, match="unknown dataset 'atlantis'"):
        sector_table(dataset="atlantis")


def test_shipped_germany_dataset_matches_its_published_figures():
    io = cg.load_dataset("germany-1995-6")
    ks = key_sectors(io.Z, io.x)
    pub = io.published
    np.testing.assert_allclose(ks["output_multiplier"].round(4), pub["output_multipliers"], atol=0)
    L = leontief_inverse(io.Z, io.x)
    np.testing.assert_allclose(np.diag(L)[: len(pub["L_diagonal"])].round(4), pub["L_diagonal"], atol=0)


def test_segment_output_raises_revenue_below_network_flows(tiny_chain):
    chain, firms, links = tiny_chain
    # C sells 10 in the network (C->D) and buys 9; a revenue of 0 cannot be its output.
    # A: revenue 20 ≥ 8; B: 1 < 3 -> 3; C: 0 < 10 -> 10; D: 40; E (no segment): 5.
    firms2 = firms.assign(revenue=[20.0, 1.0, 0.0, 40.0, 5.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain2 = cg.ChainGraph.from_frames(firms2, links, region="山东")
    with pytest.warns(UserWarning, match="2 firms have a revenue below their sales or purchases"):
        out = segment_output(chain2)
    np.testing.assert_allclose(out, [20 + 3, 10, 40])


def test_segment_flows_warning_counts_the_pairs_it_leaves_out():
    # A (s1), B (s2), C (no segment) in 山东; D (no segment) in 江苏.
    # All links: A->C 2, D->B 3, C->B 1 touch a firm without segment: 3 pairs, 6 of 11.
    # Local only: A->B 5, A->C 2, C->B 1 are kept; A->C and C->B touch C: 2 pairs, 3 of 8.
    firms = pd.DataFrame({"firm_id": list("ABCD"), "segment_id": ["s1", "s2", None, None],
                          "province": ["山东", "山东", "山东", "江苏"]})
    links = pd.DataFrame({"supplier_id": list("AADC"), "customer_id": list("BCBB"),
                          "amount": [5.0, 2.0, 3.0, 1.0]})
    chain = cg.ChainGraph.from_frames(firms, links, region="山东")
    with pytest.warns(UserWarning, match=re.escape("3 firm pairs (6 of 11 in flow)")):
        S = segment_flows(chain)
    assert S.to_numpy().tolist() == [[0.0, 5.0], [0.0, 0.0]]
    with pytest.warns(UserWarning, match=re.escape("2 firm pairs (3 of 8 in flow)")):
        segment_flows(chain, local_only=True)


def test_segment_output_of_a_chain_map_is_missing_where_unknown(small_chain_map):
    # conftest's small chain map: no links, no revenue; presence amounts only for KR-rest
    # (material 250, chip 750). material: KR-rest 250 known, JP-rest and NSIG unknown → 250
    # (a lower bound, with a warning); litho, arf: nobody's output known → missing; fab: no
    # firm → 0; chip: KR-rest 750 known, INTEL and SMIC unknown → 750.
    with pytest.warns(UserWarning, match=r"9 of 11 presence rows.*2 segments sum.*2 are missing"):
        out = segment_output(small_chain_map)
    assert out.index.tolist() == ["material", "litho", "arf", "fab", "chip"]
    np.testing.assert_array_equal(out.to_numpy(), [250.0, np.nan, np.nan, 0.0, 750.0])


def test_segment_output_of_a_chain_map_with_revenue(small_chain_map_frames):
    # revenue: NSIG 40, ASML 1000 (in litho and arf, no amounts: equal parts 500 + 500),
    # INTEL 300, KR-rest 1200 (its amounts 250 + 750 cover every row of it: the amounts).
    # material 250 + 40 = 290, litho 500, arf 500, fab 0, chip 750 + 300 = 1050;
    # still unknown: JP-rest, NIKON (litho, arf), SMEE, SMIC → 5 rows.
    t = small_chain_map_frames
    t["firms"]["revenue"] = [1000.0, None, None, 40.0, None, 300.0, None, 1200.0]
    template = cg.ChainTemplate.from_frames(t["segments"], t["flows"])
    chain = cg.ChainGraph.from_frames(t["firms"], segments=template, presence=t["presence"])
    with pytest.warns(UserWarning, match=r"5 of 11 presence rows.*4 segments sum.*0 are missing"):
        out = segment_output(chain)
    np.testing.assert_array_equal(out.to_numpy(), [290.0, 500.0, 500.0, 0.0, 1050.0])
    # local only (home CN: SMEE, NSIG, SMIC): material 40, litho (SMEE) and chip (SMIC)
    # unknown, arf and fab have no local firm → 0
    with pytest.warns(UserWarning, match="2 of 3 presence rows of local firms"):
        local = segment_output(chain, local_only=True)
    np.testing.assert_array_equal(local.to_numpy(), [40.0, np.nan, 0.0, 0.0, np.nan])


def test_segment_output_splits_revenue_over_the_rows_without_amount():
    # A: revenue 1000, in x with amount 300 and in y without → y gets 1000 − 300 = 700.
    # B: revenue 100 below its amount 150 in x: the amount stands, its row in y is unknown.
    firms = pd.DataFrame({"firm_id": ["A", "B"], "revenue": [1000.0, 100.0]})
    presence = pd.DataFrame({"firm_id": ["A", "A", "B", "B"], "segment_id": ["x", "y", "x", "y"],
                             "amount": [300.0, None, 150.0, None]})
    chain = cg.ChainGraph.from_frames(firms, presence=presence)
    with pytest.warns(UserWarning) as caught:
        out = segment_output(chain)
    messages = " | ".join(str(w.message) for w in caught)
    assert "1 firms have a revenue below the sum of their presence amounts" in messages
    np.testing.assert_array_equal(out.to_numpy(), [450.0, 700.0])


def test_sector_table_local_only_applies_to_chains_only(tmp_path, germany):
    io = cg.load_dataset("germany-1995-6")
    Zg, xg = germany
    Zg.assign(x=xg).to_csv(tmp_path / "de.csv")
    for kw in ({"source": io}, {"dataset": "germany-1995-6"}, {"source": tmp_path / "de.csv"}):
        with pytest.raises(ValueError, match="local_only applies to chains only"):
            sector_table(**kw, local_only=True)


def test_read_io_table_names_file_lines_across_blank_lines(tmp_path):
    # the header is line 1, line 3 is blank: sector b's row is line 4
    path = tmp_path / "gap.csv"
    path.write_text("s,a,b,x\na,1,2,10\n\nb,oops,4,5\n", encoding="utf-8")
    with pytest.raises(ChainDataError, match="not a number") as err:
        read_io_table(path)
    assert err.value.column == "a" and err.value.rows == [4]
    path.write_text("s,a,b,x\na,1,2,10\n\nb,3,4,\n", encoding="utf-8")
    with pytest.raises(ChainDataError, match="missing gross output") as err:
        read_io_table(path)
    assert err.value.rows == [4]
    path.write_text("s,a,x\na,1,10\n\na,3,10\n", encoding="utf-8")
    with pytest.raises(ChainDataError, match="repeated sector") as err:
        read_io_table(path)
    assert err.value.rows == [4]
