"""ESRI and disruption scenarios: hand-worked cascades, a dense reference, Dask, the CLI."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.errors import ChainDataError


def make_chain(firms, links, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        return cg.ChainGraph.from_frames(pd.DataFrame(firms), pd.DataFrame(links), **kw)


def esri(chain, **kw):
    return cg.systemic_risk(chain, progress=False, **kw)


# ---------------------------------------------------------------------------
# a dense reference written straight from the definitions (full Jacobi sweeps)


def reference_cascade(W, sec, E, psi, *, replace, tol, revenue=None, costs=None):
    """hᵈ, hᵘ, iterations by full sweeps over dense matrices."""
    n = len(W)
    K = E.shape[0]
    s_out, s_in = W.sum(axis=1), W.sum(axis=0)
    onehot = np.zeros((n, K))
    onehot[np.arange(n), sec] = 1.0
    Pi = W.T @ onehot  # Pi[j, k] = purchases of j from sector k
    Ld = np.zeros_like(W)
    for s, j in zip(*np.nonzero(W)):
        e = E[sec[s], sec[j]]
        if e == 2:
            Ld[s, j] = W[s, j] / Pi[j, sec[s]]
        elif e == 1:
            Ld[s, j] = W[s, j] / s_in[j]
        if costs is not None and costs[j] > 0:
            Ld[s, j] *= s_in[j] / costs[j]
    denom = s_out.copy() if revenue is None else np.where(revenue > 0, revenue, s_out)
    Lu = np.divide(W, denom[:, None], out=np.zeros_like(W), where=denom[:, None] > 0)
    Ej = E[:, sec]  # Ej[k, j] = E[k, p(j)]
    hd, hu = psi.copy(), psi.copy()
    it = 0
    while True:
        it += 1
        sigma = np.ones(n)
        if replace:
            avail = onehot.T @ (hd * s_out)
            a = avail[sec]
            sigma = np.where(a > 1e-10, np.minimum(1.0, s_out / np.where(a > 0, a, 1)), 1.0)
        loss = Ld * (sigma * (1 - hd))[:, None]
        pi = 1 - loss.T @ onehot  # pi[j, k]
        ess = np.where(Ej.T == 2, pi, np.inf).min(axis=1)
        ess = np.where(np.isinf(ess), 1.0, ess)
        lin = 1 - np.where(Ej.T == 1, 1 - pi, 0.0).sum(axis=1)
        new_hd = np.maximum(0, np.minimum(np.minimum(ess, lin), psi))
        new_hu = np.maximum(0, np.minimum(psi, 1 - Lu @ (1 - hu)))
        fall = max((hd - new_hd).max(), (hu - new_hu).max())
        hd, hu = new_hd, new_hu
        if fall <= tol:
            return hd, hu, it


def reference_esri(W, sec, E, w, **kw):
    n = len(W)
    out = np.zeros((n, 4))
    for i in range(n):
        psi = np.ones(n)
        psi[i] = 0.0
        hd, hu, it = reference_cascade(W, sec, E, psi, **kw)
        out[i] = [(w * (1 - np.minimum(hd, hu))).sum(), (w * (1 - hd)).sum(),
                  (w * (1 - hu)).sum(), it]
    out[:, :3] /= w.sum()
    return out


# ---------------------------------------------------------------------------
# hand-worked cases


@pytest.fixture
def line():
    # C sells 5 to B, B sells 8 to A; one sector per firm; weight 1 each
    return make_chain(
        {"firm_id": ["A", "B", "C"], "segment_id": ["a", "b", "c"], "w": [1.0, 1.0, 1.0],
         "revenue": [None, 16.0, None], "costs": [16.0, None, None]},
        {"supplier_id": ["C", "B"], "customer_id": ["B", "A"], "amount": [5.0, 8.0]},
    )


@pytest.mark.parametrize("essentiality", ["linear", "leontief"])
def test_line(line, essentiality):
    # Each firm has a single supplier, so Λᵈ = 1 both ways and the line
    # fails completely in either direction:
    #  A stops: downstream only A itself (1/3); upstream B (step 1), C (step 2): 3/3;
    #           steps: 1 (B falls), 2 (C falls), 3 (nothing) -> 3 iterations.
    #  B stops: downstream A (step 1): 2/3; upstream C (step 1): 2/3; overall 3/3; 2 iterations.
    #  C stops: downstream B, A: 3/3 in 3 iterations; upstream C only: 1/3.
    r = esri(line, essentiality=essentiality, weight="w")
    assert list(r.index) == ["A", "B", "C"]
    np.testing.assert_allclose(r["esri"], [1, 1, 1])
    np.testing.assert_allclose(r["esri_downstream"], [1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(r["esri_upstream"], [1, 2 / 3, 1 / 3])
    assert r["iterations"].tolist() == [3, 2, 3]
    assert r["iterations"].dtype == np.int64


def test_line_partial_shock(line):
    # B keeps half: A gets half its only input (hᵈ = 0.5); C loses half its only
    # buyer (hᵘ = 1 − 1·0.5 = 0.5). Loss with weights 1: (0.5 + 0.5 + 0.5)/3.
    res = cg.simulate_disruption(line, {"B": 0.5}, weight="w")
    f = res.firm_impacts
    assert f.loc["A", "remaining_downstream"] == pytest.approx(0.5)
    assert f.loc["C", "remaining_upstream"] == pytest.approx(0.5)
    assert f.loc["C", "remaining_downstream"] == 1.0
    assert res.summary["loss_share"] == pytest.approx(0.5)
    assert res.summary["firms_shocked"] == 1 and res.summary["firms_hit"] == 3


def test_revenue_and_cost_adjustments(line):
    # revenue: B earns 16 in all, 8 from A. A stops: hᵘ(B) = 1 − 8/16 = 0.5,
    # then C (revenue missing, so its own sales 5): hᵘ(C) = 1 − 5/5·0.5 = 0.5.
    # esri_upstream(A) = (1 + 0.5 + 0.5)/3.
    with pytest.warns(UserWarning, match="revenue"):
        r = esri(line, weight="w", revenue="revenue")
    assert r.loc["A", "esri_upstream"] == pytest.approx(2 / 3)
    # costs: A spends 16, 8 of them on B, so Λᵈ[B, A] = 1·8/16 = 0.5.
    # B stops: hᵈ(A) = 0.5; esri_downstream(B) = (1 + 0.5)/3.
    with pytest.warns(UserWarning, match="costs"):
        r = esri(line, weight="w", costs="costs")
    assert r.loc["B", "esri_downstream"] == pytest.approx(0.5)
    assert r.loc["C", "esri_downstream"] == pytest.approx((1 + 1 + 0.5) / 3)


@pytest.fixture
def two_suppliers():
    # S1 and S2 make the same product x; T makes y; J (sector z) buys 6 from
    # S1, 4 from S2 and 10 from T; K (sector z) buys 20 from S2.
    return make_chain(
        {"firm_id": ["S1", "S2", "T", "J", "K"], "segment_id": ["x", "x", "y", "z", "z"],
         "w": [1.0] * 5},
        {"supplier_id": ["S1", "S2", "T", "S2"], "customer_id": ["J", "J", "J", "K"],
         "amount": [6.0, 4.0, 10.0, 20.0]},
    )


def test_two_suppliers_same_essential_sector(two_suppliers):
    # Leontief, S1 stops: π_J,x = 1 − 6/10 = 0.4, π_J,y = 1 -> hᵈ(J) = 0.4.
    # ESRI = (1 [S1] + 0.6 [J]) / 5 = 0.32.
    r = esri(two_suppliers, essentiality="leontief", weight="w")
    assert r.loc["S1", "esri"] == pytest.approx(0.32)
    assert r.loc["S1", "iterations"] == 2
    # T stops: J's only y-input gone -> hᵈ(J) = 0: (1 + 1)/5.
    assert r.loc["T", "esri"] == pytest.approx(0.4)
    # Linear, S1 stops: hᵈ(J) = 1 − 6/20 = 0.7 -> (1 + 0.3)/5 = 0.26.
    r = esri(two_suppliers, essentiality="linear", weight="w")
    assert r.loc["S1", "esri"] == pytest.approx(0.26)
    assert r.loc["T", "esri"] == pytest.approx((1 + 0.5) / 5)


def test_two_suppliers_with_replaceability(two_suppliers):
    # With replaceability, S1 stops: sector x still has S2's 24 available, so
    # σ(S1) = min(1, 6/24) = 0.25 and π_J,x = 1 − 0.6·0.25 = 0.85:
    # ESRI = (1 + 0.15)/5 = 0.23 (0.32 without).
    r = esri(two_suppliers, essentiality="leontief", replaceability=True, weight="w")
    assert r.loc["S1", "esri"] == pytest.approx(0.23)
    # S2 stops: only S1's 6 left, σ(S2) = min(1, 24/6) = 1: J keeps 1 − 0.4,
    # K loses all: (1 + 0.4 + 1)/5 = 0.48, as without replaceability.
    assert r.loc["S2", "esri"] == pytest.approx(0.48)
    # Linear with replaceability: hᵈ(J) = 1 − 0.3·0.25 = 0.925 -> (1 + 0.075)/5.
    r = esri(two_suppliers, replaceability=True, weight="w")
    assert r.loc["S1", "esri"] == pytest.approx(0.215)


def test_essentiality_matrix(two_suppliers):
    # x essential for z, y non-essential for z. T stops: hᵈ(J) = 1 − 10/20 = 0.5;
    # S1 stops: hᵈ(J) = min(1 − 6/10, 1) = 0.4.
    E = pd.DataFrame([[0, 0, 2], [0, 0, 1], [0, 0, 0]], index=["x", "y", "z"],
                     columns=["x", "y", "z"])
    r = esri(two_suppliers, essentiality=E, weight="w")
    assert r.loc["T", "esri"] == pytest.approx((1 + 0.5) / 5)
    assert r.loc["S1", "esri"] == pytest.approx((1 + 0.6) / 5)
    # y irrelevant for z: T's failure touches no customer's production.
    E.loc["y", "z"] = 0
    r = esri(two_suppliers, essentiality=E, weight="w")
    assert r.loc["T", "esri_downstream"] == pytest.approx(1 / 5)


def test_isolated_firm_is_its_own_weight_share():
    chain = make_chain(
        {"firm_id": ["A", "B", "C", "D"], "w": [1.0, 2.0, 3.0, 4.0]},
        {"supplier_id": ["A", "B"], "customer_id": ["B", "C"], "amount": [1.0, 1.0]},
    )
    r = esri(chain, weight="w")
    assert r.loc["D"].tolist() == pytest.approx([0.4, 0.4, 0.4, 1])
    # with the default weights (network sales) an isolated firm weighs nothing
    assert esri(chain).loc["D", "esri"] == 0.0


def test_firms_subset_keeps_table_order(two_suppliers):
    full = esri(two_suppliers, weight="w")
    with pytest.warns(UserWarning, match="1 repeated firm ids"):
        part = esri(two_suppliers, weight="w", firms=["K", "S1", "K"])
    assert list(part.index) == ["S1", "K"]
    pd.testing.assert_frame_equal(part, full.loc[["S1", "K"]])


def test_tolerance_stops_early():
    # a line F0 -> F1 -> ... -> F5 and F0 at half production: the shock travels
    # one firm per step, each falling by 0.5. With tol = 0.6 no fall exceeds tol,
    # so the cascade stops after its first step with only F1 reached.
    n = 6
    ids = [f"F{i}" for i in range(n)]
    chain = make_chain({"firm_id": ids, "w": [1.0] * n},
                       {"supplier_id": ids[:-1], "customer_id": ids[1:]})
    res = cg.simulate_disruption(chain, "F0", intensity=0.5, weight="w", tol=0.6)
    assert res.summary["iterations"] == 1
    assert res.firm_impacts["remaining_downstream"].tolist() == [0.5, 0.5, 1, 1, 1, 1]
    # default tol: five steps that reach F1..F5, a sixth that changes nothing
    res = cg.simulate_disruption(chain, "F0", intensity=0.5, weight="w")
    assert res.summary["iterations"] == n
    assert res.summary["loss_share_downstream"] == pytest.approx(0.5)
    r = esri(chain, weight="w")
    assert r.loc["F0", "iterations"] == n
    assert r.loc["F0", "esri_downstream"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# against the dense reference


@st.composite
def random_networks(draw):
    n = draw(st.integers(2, 9))
    k = draw(st.integers(1, 3))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                          min_size=1, max_size=3 * n))
    amounts = draw(st.lists(st.floats(0.5, 100.0), min_size=len(pairs), max_size=len(pairs)))
    W = np.zeros((n, n))
    for (s, d), a in zip(pairs, amounts):
        W[s, (s + 1 + d % (n - 1)) % n] += a  # never a self-link
    sec = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    E = np.array(draw(st.lists(st.sampled_from([0, 1, 2]), min_size=k * k, max_size=k * k)))
    w = np.array(draw(st.lists(st.floats(0.0, 10.0), min_size=n, max_size=n)))
    w[0] += 1.0
    replace = draw(st.booleans())
    tol = draw(st.sampled_from([0.0123, 0.05, 0.31]))
    money = st.one_of(st.just(0.0), st.floats(1.0, 300.0))  # 0: no adjustment for that firm
    rev = draw(st.one_of(st.none(), st.lists(money, min_size=n, max_size=n)))
    cost = draw(st.one_of(st.none(), st.lists(money, min_size=n, max_size=n)))
    return W, sec, E.reshape(k, k), w, replace, tol, rev, cost


def chain_of(W, sec, w, rev=None, cost=None):
    n = len(W)
    ids = [f"f{i}" for i in range(n)]
    s, j = np.nonzero(W)
    firms = {"firm_id": ids, "sector": [f"k{c}" for c in sec], "w": w}
    if rev is not None:
        firms["revenue"] = rev
    if cost is not None:
        firms["costs"] = cost
    return make_chain(firms, {"supplier_id": [ids[a] for a in s],
                              "customer_id": [ids[b] for b in j], "amount": W[s, j]})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_matches_dense_reference(case):
    W, sec, E, w, replace, tol, rev, cost = case
    chain = chain_of(W, sec, w, rev, cost)
    # sector codes of the chain follow first appearance; relabel E to match
    labels = [f"k{c}" for c in range(E.shape[0])]
    frame = pd.DataFrame(E, index=labels, columns=labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = esri(chain, sector="sector", essentiality=frame, replaceability=replace, tol=tol,
                 weight="w", revenue=None if rev is None else "revenue",
                 costs=None if cost is None else "costs")
    ref = reference_esri(W, sec, E, w, replace=replace, tol=tol,
                         revenue=None if rev is None else np.array(rev),
                         costs=None if cost is None else np.array(cost))
    np.testing.assert_allclose(r[["esri", "esri_downstream", "esri_upstream"]].to_numpy(),
                               np.clip(ref[:, :3], 0, 1), atol=1e-9)
    assert r["iterations"].tolist() == ref[:, 3].astype(int).tolist()


@settings(max_examples=60, deadline=None)
@given(random_networks())
def test_esri_bounds(case):
    W, sec, E, w, replace, tol, _, _ = case
    chain = chain_of(W, sec, w)
    r = esri(chain, sector="sector", essentiality="leontief", replaceability=replace,
             tol=tol, weight="w")
    share = w / w.sum()
    assert ((r["esri"] >= 0) & (r["esri"] <= 1)).all()
    # min(hᵈ, hᵘ) is below each: the total loss is at least either side's,
    # and at least the failing firm's own weight share
    assert (r["esri"] >= r["esri_downstream"] - 1e-12).all()
    assert (r["esri"] >= r["esri_upstream"] - 1e-12).all()
    assert (r["esri"].to_numpy() >= share - 1e-12).all()


def test_dataset_matches_reference_on_a_sample():
    chain = cg.load_dataset("shandong-nev")
    sample = list(chain.firm_ids[::97])
    r = esri(chain, essentiality="template", replaceability=True, firms=sample)
    n = chain.n_firms
    W = chain.adjacency.toarray()
    sec = chain.firms["segment_id"].factorize()[0]
    segs = pd.Index(pd.unique(chain.firms["segment_id"]))
    E = np.ones((len(segs), len(segs)), dtype=int)
    fl = chain.template.flows
    fr, to = segs.get_indexer(fl["from_segment"]), segs.get_indexer(fl["to_segment"])
    ok = (fr >= 0) & (to >= 0) & fl["essential"].to_numpy(dtype=bool)
    E[fr[ok], to[ok]] = 2
    w = chain.out_strength
    for fid in sample:
        psi = np.ones(n)
        psi[chain.firm_ids.get_loc(fid)] = 0.0
        hd, hu, it = reference_cascade(W, sec, E, psi, replace=True, tol=1e-2)
        assert r.loc[fid, "esri"] == pytest.approx((w * (1 - np.minimum(hd, hu))).sum() / w.sum(),
                                                   abs=1e-12)
        assert r.loc[fid, "iterations"] == it


def test_dataset_with_adjustments_matches_reference():
    # a random 0/1/2 essentiality matrix by segment, replaceability, revenue
    # and costs adjustments (a tenth of the costs zero: links left unchanged)
    # and weights of our own (0 for some firms), on a sample of the shipped chain
    chain = cg.load_dataset("shandong-nev")
    rng = np.random.default_rng(20220519)
    n = chain.n_firms
    costs = chain.in_strength * rng.uniform(1.0, 3.0, n)
    costs[rng.random(n) < 0.1] = 0.0
    weights = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(1.0, 500.0, n))
    firms = chain.firms.reset_index().assign(costs=costs, w=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        chain = cg.ChainGraph.from_frames(firms, chain.links, chain.template, region=chain.region)
    sec, segs = chain.firms["segment_id"].factorize()
    E = rng.integers(0, 3, size=(len(segs), len(segs)))
    frame = pd.DataFrame(E, index=segs, columns=segs)
    # every 131st firm, and the five largest sellers, whose failures travel far
    big = chain.firm_ids[np.argsort(chain.out_strength)[-5:]]
    sample = list(dict.fromkeys([*chain.firm_ids[5::131], *big]))
    with pytest.warns(UserWarning, match="costs"):
        r = esri(chain, essentiality=frame, replaceability=True, weight="w",
                 revenue="revenue", costs="costs", firms=sample)
    W = chain.adjacency.toarray()
    w = weights
    revenue = chain.firms["revenue"].to_numpy(dtype=float)
    for fid in sample:
        psi = np.ones(n)
        psi[chain.firm_ids.get_loc(fid)] = 0.0
        hd, hu, it = reference_cascade(W, sec, E, psi, replace=True, tol=1e-2,
                                       revenue=revenue, costs=costs)
        expected = [(w * (1 - x)).sum() / w.sum() for x in (np.minimum(hd, hu), hd, hu)]
        np.testing.assert_allclose(
            r.loc[fid, ["esri", "esri_downstream", "esri_upstream"]].to_numpy(dtype=float),
            expected, rtol=0, atol=1e-12)
        assert r.loc[fid, "iterations"] == it


@pytest.mark.parametrize("essentiality", ["linear", "template"])
def test_firm_order_does_not_matter(essentiality):
    # shuffling the firms and links tables changes only the row order (that of
    # the firms table), not any firm's result beyond floating-point summation order
    chain = cg.load_dataset("shandong-nev")
    perm = np.random.default_rng(3).permutation(chain.n_firms)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.ChainDataWarning)
        shuffled = cg.ChainGraph.from_frames(
            chain.firms.reset_index().iloc[perm], chain.links.sample(frac=1.0, random_state=4),
            chain.template, region=chain.region)
    a = esri(chain, essentiality=essentiality, replaceability=True)
    b = esri(shuffled, essentiality=essentiality, replaceability=True)
    assert list(b.index) == list(chain.firm_ids[perm])
    b = b.loc[a.index]
    np.testing.assert_allclose(b.iloc[:, :3].to_numpy(), a.iloc[:, :3].to_numpy(), rtol=0, atol=1e-12)
    assert (b["iterations"] == a["iterations"]).all()


def test_planted_chokepoints_are_systemic():
    syn = cg.synthetic_chain("nev", 600, region="山东", seed=7)
    r = esri(syn.chain, essentiality="template")
    # a single-source supplier of an essential input stops all its customers:
    # each planted chokepoint ranks in the top 10 % by ESRI
    rank = r["esri"].rank(ascending=False, pct=True)
    assert syn.planted.chokepoints
    assert (rank.loc[syn.planted.chokepoints] <= 0.10).all()


# ---------------------------------------------------------------------------
# Dask


def test_dask_matches_local():
    distributed = pytest.importorskip("distributed")
    syn = cg.synthetic_chain("nev", 400, region="山东", seed=3)
    local = esri(syn.chain, essentiality="template", replaceability=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = esri(syn.chain, essentiality="template", replaceability=True, client=client)
    pd.testing.assert_frame_equal(remote, local, check_exact=True)


@pytest.mark.parametrize("n_jobs", [0, -1, 2.5, "2"])
def test_n_jobs_must_be_a_positive_integer(line, n_jobs):
    # checked up front: before, 0 and -1 ran serially on small chains and
    # failed inside ThreadPoolExecutor once a chain needed several batches
    with pytest.raises(ValueError, match="n_jobs"):
        esri(line, n_jobs=n_jobs)


def test_threads_give_the_same_result_as_one(nev):
    # more firms than one batch, so n_jobs=2 really runs two threads; each
    # scenario is computed alone, so the results are identical bit for bit
    one = esri(nev, essentiality="template", replaceability=True, n_jobs=1)
    two = esri(nev, essentiality="template", replaceability=True, n_jobs=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_numpy_scalars_are_numbers(line):
    # tol and intensity read from numpy arrays (np.float32, np.int64) are numbers
    ref = esri(line, tol=0.5)
    pd.testing.assert_frame_equal(esri(line, tol=np.float32(0.5)), ref)
    pd.testing.assert_frame_equal(esri(line, tol=np.int64(0)), esri(line, tol=0))
    res = cg.simulate_disruption(line, "B", intensity=np.float32(0.5), weight="w")
    assert res.summary["loss_share"] == pytest.approx(0.5)  # as test_line_partial_shock
    with pytest.raises(ValueError, match="tol"):
        esri(line, tol=False)
    with pytest.raises(ValueError, match="intensity"):
        cg.simulate_disruption(line, "B", intensity=True)


def test_client_must_be_a_client(line):
    with pytest.raises(TypeError, match="Client"):
        esri(line, client=object())


# ---------------------------------------------------------------------------
# scenarios


@pytest.fixture(scope="module")
def nev():
    return cg.load_dataset("shandong-nev")


def test_disruption_of_one_firm_equals_its_esri(nev):
    fid = nev.firm_ids[nev.out_strength.argmax()]
    res = cg.simulate_disruption(nev, fid, essentiality="template")
    r = esri(nev, essentiality="template", firms=[fid])
    assert res.summary["loss_share"] == pytest.approx(r.loc[fid, "esri"], abs=1e-12)
    assert res.summary["loss_share_downstream"] == pytest.approx(r.loc[fid, "esri_downstream"])
    assert res.summary["iterations"] == r.loc[fid, "iterations"]
    f = res.firm_impacts
    assert list(f.index) == list(nev.firm_ids)
    assert f.loc[fid, "remaining"] == 0.0
    np.testing.assert_allclose(f["remaining"], np.minimum(f["remaining_downstream"],
                                                          f["remaining_upstream"]))
    seg = res.segment_impacts
    assert seg["firms"].sum() == nev.n_firms
    assert seg["weight_lost"].sum() == pytest.approx(f["weight_lost"].sum())


@pytest.mark.parametrize("shock, column, value", [
    ("segment:cathode", "segment_id", "cathode"),
    ("region:青岛", "city", "青岛"),
    ("country:jp", "country", "JP"),
])
def test_group_shocks(nev, shock, column, value):
    res = cg.simulate_disruption(nev, shock, intensity=0.6)
    members = (nev.firms[column] == value).fillna(False).to_numpy(dtype=bool)
    assert res.summary["firms_shocked"] == members.sum() > 0
    f = res.firm_impacts
    np.testing.assert_allclose(f["shock"].to_numpy()[members], 0.6)
    assert (f["remaining"].to_numpy()[members] <= 0.4 + 1e-12).all()
    assert 0 < res.summary["loss_share"] < 1
    assert "firms lose 60%" in res.summary["shock"]


def test_province_lockdown_hits_every_local_firm(nev):
    res = cg.simulate_disruption(nev, "region:山东省")
    assert res.summary["firms_shocked"] == int(nev.is_local.sum())
    assert res.summary["local_loss_share"] == pytest.approx(1.0)


def test_shock_errors(nev):
    with pytest.raises(ChainDataError, match="unknown firms"):
        cg.simulate_disruption(nev, ["nope"])
    with pytest.raises(ChainDataError, match="no firm in segment"):
        cg.simulate_disruption(nev, "segment:nope")
    with pytest.raises(ChainDataError, match="intensities"):
        cg.simulate_disruption(nev, {nev.firm_ids[0]: 1.5})
    with pytest.raises(ValueError, match="intensity"):
        cg.simulate_disruption(nev, nev.firm_ids[0], intensity=2)


@pytest.mark.parametrize("shock", [[], {}, pd.Series([], dtype="float64")])
def test_empty_shock_is_a_scenario_without_losses(line, shock):
    # an empty list, mapping or Series shocks no firm: nothing is lost, and the
    # cascade stops after its first step (nothing fell)
    res = cg.simulate_disruption(line, shock)
    assert res.summary["firms_shocked"] == 0
    assert res.summary["firms_hit"] == 0
    assert res.summary["loss_share"] == 0.0
    assert res.summary["iterations"] == 1
    assert (res.firm_impacts["remaining"] == 1.0).all()


def test_input_errors(two_suppliers, line):
    with pytest.raises(ChainDataError, match="unknown firms"):
        esri(two_suppliers, firms=["S1", "X9"])
    bad = pd.DataFrame([[0, 3], [1, 1]], index=["x", "y"], columns=["x", "y"])
    with pytest.raises(ChainDataError, match="values must be 0"):
        esri(two_suppliers, essentiality=bad)
    short = pd.DataFrame([[1, 1], [1, 1]], index=["x", "y"], columns=["x", "y"])
    with pytest.raises(ChainDataError, match="'z'"):
        esri(two_suppliers, essentiality=short)
    with pytest.raises(ValueError, match="essentiality"):
        esri(two_suppliers, essentiality="leontiev")
    chain = make_chain({"firm_id": ["A", "B"], "segment_id": ["a", None]},
                       {"supplier_id": ["A"], "customer_id": ["B"]})
    with pytest.raises(ChainDataError, match="no sector") as info:
        esri(chain, essentiality="leontief")
    assert info.value.rows == ["B"]
    esri(chain)  # linear without replaceability needs no sector
    with pytest.raises(ChainDataError, match="weight"):
        esri(line, weight="nope")
    with pytest.raises(ValueError, match="tol"):
        esri(line, tol=-1)


def test_does_not_modify_chain(two_suppliers):
    before = two_suppliers.adjacency.copy()
    firms = two_suppliers.firms.copy()
    esri(two_suppliers, essentiality="leontief", replaceability=True)
    assert (two_suppliers.adjacency != before).nnz == 0
    pd.testing.assert_frame_equal(two_suppliers.firms, firms)


# ---------------------------------------------------------------------------
# command line


def run(*args):
    from chaingraph.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_cli_risk_with_matrix_file(tmp_path, two_suppliers):
    folder = tmp_path / "chain"
    folder.mkdir()
    two_suppliers.firms.reset_index().to_csv(folder / "firms.csv", index=False)
    two_suppliers.links.to_csv(folder / "links.csv", index=False)
    (tmp_path / "E.csv").write_text("sector,x,y,z\nx,0,0,2\ny,0,0,1\nz,0,0,0\n")
    out = tmp_path / "risk.csv"
    result = run("risk", folder, "--essentiality", tmp_path / "E.csv", "--weight", "w",
                 "--top", "2", "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, comment="#", index_col="firm_id")
    # highest first. J stops: its suppliers lose their buyer, S1 and T entirely,
    # S2 4 of its 24 (hᵘ = 5/6): (1 + 1 + 1/6 + 1)/5 = 0.6333. S2 stops: 0.48
    # (see test_two_suppliers_with_replaceability). K stops: (1 + 20/24)/5 = 0.3667.
    assert list(table.index) == ["J", "S2"]
    assert table["esri"].tolist() == pytest.approx([(3 + 1 / 6) / 5, 0.48])


def test_cli_disrupt(nev):
    result = run("disrupt", "--dataset", "shandong-nev", "--country", "JP", "--top", "3",
                 "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "note: supplies from JP cut off: 86 firms" in result.stderr
    assert len(result.stdout.strip().splitlines()) == 1 + 3
    result = run("disrupt", "--dataset", "shandong-nev", "--segment", "cathode", "--by-segment")
    assert result.exit_code == 0 and "battery_cell" in result.output
    result = run("disrupt", "--dataset", "shandong-nev", "--firm", "X", "--country", "JP")
    assert result.exit_code == 2 and "exactly one" in result.output
    result = run("disrupt", "--dataset", "shandong-nev", "--firm", "NOPE")
    assert result.exit_code == 2 and "unknown firms 'NOPE'" in result.output


def _loop_chain():
    """C sells a sliver of A's inputs; A and B feed each other everything else.

    Linear production: hᵈ(A) = 1 − 10⁻⁶(1 − hᵈ(C)) − 0.999999 (1 − hᵈ(B)) and
    hᵈ(B) = hᵈ(A). With C stopped the fixed point is 0, reached at the rate
    0.999999 per round trip: millions of steps at tol = 0.
    """
    firms = pd.DataFrame({"firm_id": ["A", "B", "C"], "segment_id": ["x", "y", "z"]})
    links = pd.DataFrame({"supplier_id": ["C", "B", "A"], "customer_id": ["A", "A", "B"],
                          "amount": [1.0, 999_999.0, 1_000_000.0]})
    return cg.ChainGraph.from_frames(firms, links)


def test_cascade_stops_at_the_step_cap_with_a_warning():
    from chaingraph.analysis._cascade import MAX_ITERATIONS

    chain = _loop_chain()
    with pytest.warns(UserWarning, match="stopped at the cap of 100,000 cascade steps"):
        out = cg.systemic_risk(chain, firms=["C"], tol=0.0, progress=False)
    assert out.loc["C", "iterations"] == MAX_ITERATIONS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quick = cg.systemic_risk(chain, firms=["C"], tol=1e-2, progress=False)
    assert quick.loc["C", "iterations"] < 100


def test_repeated_scenario_ids_are_said():
    chain = _loop_chain()
    with pytest.warns(UserWarning, match="1 repeated firm ids; each firm's scenario is computed once"):
        out = cg.systemic_risk(chain, firms=["A", "C", "A"], progress=False)
    assert list(out.index) == ["A", "C"]


def test_template_essentiality_needs_segment_sectors():
    chain = cg.load_dataset("shandong-cnc")
    with pytest.raises(cg.ChainDataError, match="essentiality='template' reads the template's segment flows"):
        cg.systemic_risk(chain, sector="city", essentiality="template", firms=chain.firm_ids[:2],
                         progress=False)
