"""ESRI and disruption scenarios: hand-worked cascades, weights, settings, the plain iteration, the CLI.

The exact fixed point against fully converged references is tested in
``test_resilience_exact.py``, the Dask cluster in ``test_resilience_dask.py``.
"""

from __future__ import annotations

import html

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from esri_reference import chain_of, make_chain, random_networks, \
    reference_cascade, reference_esri, settings_of
from hypothesis import HealthCheck, given, settings

import chaingraph as cg
from chaingraph.errors import ChainDataError


def esri(chain, **kw):
    return cg.systemic_risk(chain, progress=False, **kw)


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
    assert list(r.columns) == ["esri", "esri_downstream", "esri_upstream"]
    np.testing.assert_allclose(r["esri"], [1, 1, 1])
    np.testing.assert_allclose(r["esri_downstream"], [1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(r["esri_upstream"], [1, 2 / 3, 1 / 3])
    # the plain iteration gets there too, and says in how many steps
    steps = esri(line, essentiality=essentiality, weight="w", tol=1e-2)
    pd.testing.assert_frame_equal(steps.iloc[:, :3], r)
    assert steps["iterations"].tolist() == [3, 2, 3]
    assert steps["iterations"].dtype == np.int64


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


def test_unusable_adjustments_are_said_on_every_call_at_the_users_line(line):
    # the cascade network is kept per chain; the warning about its inputs is not
    for call in (lambda: esri(line, weight="w", revenue="revenue"),
                 lambda: esri(line, weight="w", revenue="revenue"),
                 lambda: cg.simulate_disruption(line, {"B": 0.5}, weight="w", revenue="revenue")):
        with pytest.warns(UserWarning, match="2 of 3 firms have a missing or zero revenue") as got:
            call()
        assert {w.filename for w in got if "revenue" in str(w.message)} == {__file__}


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
    assert r.loc["D"].tolist() == pytest.approx([0.4, 0.4, 0.4])
    # by network sales, or by output without a revenue, an isolated firm weighs nothing
    assert esri(chain, weight="network_sales").loc["D", "esri"] == 0.0
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
    # so the plain iteration stops after its first step with only F1 reached.
    n = 6
    ids = [f"F{i}" for i in range(n)]
    chain = make_chain({"firm_id": ids, "w": [1.0] * n},
                       {"supplier_id": ids[:-1], "customer_id": ids[1:]})
    res = cg.simulate_disruption(chain, "F0", intensity=0.5, weight="w", tol=0.6)
    assert res.summary["iterations"] == 1
    assert res.summary["method"] == "plain iteration, stopped at tol=0.6"
    assert res.firm_impacts["remaining_downstream"].tolist() == [0.5, 0.5, 1, 1, 1, 1]
    # tol 0.01: five steps that reach F1..F5, a sixth that changes nothing
    res = cg.simulate_disruption(chain, "F0", intensity=0.5, weight="w", tol=0.01)
    assert res.summary["iterations"] == n
    assert res.summary["loss_share_downstream"] == pytest.approx(0.5)
    # exact (the default): the same fixed point, no step count
    exact = cg.simulate_disruption(chain, "F0", intensity=0.5, weight="w")
    assert "iterations" not in exact.summary
    assert exact.firm_impacts["remaining_downstream"].tolist() == [0.5] * n
    r = esri(chain, weight="w", tol=0.01)
    assert r.loc["F0", "iterations"] == n
    assert r.loc["F0", "esri_downstream"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# the plain iteration (tol=...) against the reference written from the definitions


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_plain_iteration_matches_reference_step_by_step(case):
    # with a tolerance, every scenario stops where the paper's iteration stops,
    # after the same number of steps
    W, sec, E, w, replace, tol, rev, cost = case
    chain = chain_of(W, sec, w, rev, cost)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = esri(chain, tol=tol, **settings_of(E, replace, rev, cost))
    ref = reference_esri(W, sec, E, w, replace=replace, tol=tol, revenue=rev, costs=cost)
    np.testing.assert_allclose(r[["esri", "esri_downstream", "esri_upstream"]].to_numpy(),
                               ref[:, :3], atol=1e-9)
    assert r["iterations"].tolist() == ref[:, 3].astype(int).tolist()


@settings(max_examples=60, deadline=None)
@given(random_networks())
def test_esri_bounds(case):
    W, sec, E, w, replace, _, _, _ = case
    chain = chain_of(W, sec, w)
    r = esri(chain, sector="sector", essentiality="leontief", replaceability=replace, weight="w")
    share = w / w.sum()
    assert ((r["esri"] >= 0) & (r["esri"] <= 1)).all()
    # min(hᵈ, hᵘ) is below each: the total loss is at least either side's,
    # and at least the failing firm's own weight share
    assert (r["esri"] >= r["esri_downstream"] - 1e-12).all()
    assert (r["esri"] >= r["esri_upstream"] - 1e-12).all()
    assert (r["esri"].to_numpy() >= share - 1e-12).all()
    # Leontief inputs lose at least what linear ones do, scenario by scenario
    lin = esri(chain, sector="sector", essentiality="linear", replaceability=replace, weight="w")
    assert (r["esri_downstream"] >= lin["esri_downstream"] - 1e-12).all()


def _template_matrix(chain):
    segs = pd.Index(pd.unique(chain.firms["segment_id"]))
    E = np.ones((len(segs), len(segs)), dtype=int)
    fl = chain.template.flows
    fr, to = segs.get_indexer(fl["from_segment"]), segs.get_indexer(fl["to_segment"])
    ok = (fr >= 0) & (to >= 0) & fl["essential"].to_numpy(dtype=bool)
    E[fr[ok], to[ok]] = 2
    return chain.firms["segment_id"].factorize()[0], E


def test_dataset_matches_reference_on_a_sample():
    # the plain iteration at the paper's tolerance, and the exact fixed point
    # against the same iteration run until nothing moves
    chain = cg.load_dataset("shandong-nev")
    sample = list(chain.firm_ids[::97])
    sec, E = _template_matrix(chain)
    W = chain.adjacency.toarray()
    w = chain.out_strength
    plain = esri(chain, essentiality="template", replaceability=True, firms=sample, tol=1e-2,
                 weight="network_sales")
    exact = esri(chain, essentiality="template", replaceability=True, firms=sample,
                 weight="network_sales")
    n = chain.n_firms
    psi = np.ones((n, len(sample)))
    psi[chain.firm_ids.get_indexer(sample), np.arange(len(sample))] = 0.0
    for q, fid in enumerate(sample):
        hd, hu, it = reference_cascade(W, sec, E, psi[:, q], replace=True, tol=1e-2)
        assert plain.loc[fid, "esri"] == pytest.approx(
            (w * (1 - np.minimum(hd, hu))).sum() / w.sum(), abs=1e-12)
        assert plain.loc[fid, "iterations"] == it
    # all sample scenarios together, until nothing moves
    hd, hu, _ = reference_cascade(W, sec, E, psi, replace=True, tol=1e-15)
    expected = (w[:, None] * (1 - np.minimum(hd, hu))).sum(axis=0) / w.sum()
    np.testing.assert_allclose(exact.loc[sample, "esri"], expected, rtol=0, atol=1e-10)


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
    kw = dict(essentiality=frame, replaceability=True, weight="w", revenue="revenue",
              costs="costs", firms=sample)
    with pytest.warns(UserWarning, match="costs"):
        plain = esri(chain, tol=1e-2, **kw)
    with pytest.warns(UserWarning, match="costs"):
        exact = esri(chain, **kw)
    W = chain.adjacency.toarray()
    w = weights
    revenue = chain.firms["revenue"].to_numpy(dtype=float)
    cols = ["esri", "esri_downstream", "esri_upstream"]
    psi = np.ones((n, len(sample)))
    psi[chain.firm_ids.get_indexer(sample), np.arange(len(sample))] = 0.0
    for q, fid in enumerate(sample):
        hd, hu, it = reference_cascade(W, sec, E, psi[:, q], replace=True, tol=1e-2,
                                       revenue=revenue, costs=costs)
        expected = [(w * (1 - x)).sum() / w.sum() for x in (np.minimum(hd, hu), hd, hu)]
        np.testing.assert_allclose(plain.loc[fid, cols].to_numpy(dtype=float), expected,
                                   rtol=0, atol=1e-12)
        assert plain.loc[fid, "iterations"] == it
    hd, hu, _ = reference_cascade(W, sec, E, psi, replace=True, tol=1e-15, revenue=revenue,
                                  costs=costs)
    expected = np.column_stack([(w[:, None] * (1 - x)).sum(axis=0) / w.sum()
                                for x in (np.minimum(hd, hu), hd, hu)])
    np.testing.assert_allclose(exact.loc[sample, cols].to_numpy(dtype=float), expected,
                               rtol=0, atol=1e-10)


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
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=0, atol=1e-12)
    # the plain iteration takes the same steps in either order
    a = esri(chain, essentiality=essentiality, replaceability=True, tol=1e-2)
    b = esri(shuffled, essentiality=essentiality, replaceability=True, tol=1e-2).loc[a.index]
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
# threads


@pytest.mark.parametrize("n_jobs", [0, -1, 2.5, "2"])
def test_n_jobs_must_be_a_positive_integer(line, n_jobs):
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
    assert res.firm_impacts.attrs["settings"] == r.attrs["settings"]
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
    # plain iteration stops after its first step (nothing fell)
    res = cg.simulate_disruption(line, shock)
    assert res.summary["firms_shocked"] == 0
    assert res.summary["firms_hit"] == 0
    assert res.summary["loss_share"] == 0.0
    assert (res.firm_impacts["remaining"] == 1.0).all()
    assert cg.simulate_disruption(line, shock, tol=0.01).summary["iterations"] == 1


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


def test_repeated_scenario_ids_are_said(two_suppliers):
    with pytest.warns(UserWarning, match="1 repeated firm ids; each firm's scenario is computed once"):
        out = cg.systemic_risk(two_suppliers, firms=["J", "S1", "J"], progress=False)
    assert list(out.index) == ["S1", "J"]


def test_template_essentiality_needs_segment_sectors():
    chain = cg.load_dataset("shandong-cnc")
    with pytest.raises(cg.ChainDataError, match="essentiality='template' reads the template's segment flows"):
        cg.systemic_risk(chain, sector="city", essentiality="template", firms=chain.firm_ids[:2],
                         progress=False)


# ---------------------------------------------------------------------------
# weights


@pytest.fixture
def assembler():
    # P makes parts and sells 10 to Q; Q assembles and sells only to consumers
    # (revenue 100, outside the network); R sells 4 to Q and has no revenue given.
    return make_chain(
        {"firm_id": ["P", "Q", "R"], "segment_id": ["p", "q", "r"],
         "revenue": [12.0, 100.0, None]},
        {"supplier_id": ["P", "R"], "customer_id": ["Q", "Q"], "amount": [10.0, 4.0]},
    )


def test_default_weight_is_output(assembler):
    # output weights: P 12 and Q 100 (revenue), R max(sales 4, purchases 0) = 4;
    # total 116. P stops: downstream Q loses 10/14 of its inputs (linear):
    # P 12 + Q 100·10/14; upstream P has no suppliers: P 12 alone (R sells to
    # Q, whose own sales are untouched).
    r = esri(assembler)
    assert r.attrs["weight"] == ("output: revenue for 2 firms, the larger of network sales "
                                 "and purchases for 1")
    assert r.loc["P", "esri_downstream"] == pytest.approx((12 + 100 * 10 / 14) / 116)
    assert r.loc["P", "esri_upstream"] == pytest.approx(12 / 116)
    # Q stops: downstream only Q (100); upstream P and R lose their only buyer.
    assert r.loc["Q", "esri"] == pytest.approx(1.0)
    assert r.loc["Q", "esri_downstream"] == pytest.approx(100 / 116)
    # by network sales (the original definition) the final assembler weighs 0
    # (P 10, Q 0, R 4), so losing it costs only its suppliers' sales
    sales = esri(assembler, weight="network_sales")
    assert sales.attrs["weight"] == "network_sales: sales in the network"
    assert sales.loc["Q", "esri_downstream"] == 0.0
    assert sales.loc["Q", "esri"] == pytest.approx(1.0)
    assert sales.loc["P", "esri_downstream"] == pytest.approx(10 / 14)
    # every output says which weight it used
    res = cg.simulate_disruption(assembler, "P")
    assert res.summary["weight"] == r.attrs["weight"]
    assert res.firm_impacts["weight"].tolist() == [12.0, 100.0, 4.0]
    assert "weight=output" in r.attrs["settings"]


def test_output_weight_without_revenue_column():
    # no revenue column: the larger of sales and purchases (A buys 8, B sells 8
    # and buys 5, C sells 5)
    chain = make_chain({"firm_id": ["A", "B", "C"]},
                       {"supplier_id": ["C", "B"], "customer_id": ["B", "A"],
                        "amount": [5.0, 8.0]})
    res = cg.simulate_disruption(chain, "B")
    assert res.firm_impacts["weight"].tolist() == [8.0, 8.0, 5.0]
    assert res.summary["weight"].startswith("output: revenue for 0 firms")


def test_weights_with_zeros(two_suppliers):
    chain = make_chain(
        {"firm_id": ["S1", "S2", "T", "J", "K"], "segment_id": ["x", "x", "y", "z", "z"],
         "w": [0.0, 0.0, 0.0, 1.0, 0.0]},
        {"supplier_id": ["S1", "S2", "T", "S2"], "customer_id": ["J", "J", "J", "K"],
         "amount": [6.0, 4.0, 10.0, 20.0]},
    )
    # only J counts: S1 stops -> J keeps 1 − 6/20 (linear) -> ESRI 0.3
    r = esri(chain, weight="w")
    assert r.loc["S1", "esri"] == pytest.approx(0.3)
    assert r.loc["K", "esri"] == 0.0
    zero = make_chain({"firm_id": ["A", "B"], "w": [0.0, 0.0]},
                      {"supplier_id": ["A"], "customer_id": ["B"]})
    with pytest.raises(ChainDataError, match="sum to zero"):
        esri(zero, weight="w")
    with pytest.raises(ValueError, match="weight must be"):
        esri(zero, weight=3)


# ---------------------------------------------------------------------------
# essentiality from a file


def test_read_essentiality(tmp_path, two_suppliers):
    from chaingraph.analysis.resilience import read_essentiality

    path = tmp_path / "E.csv"
    path.write_text("\ufeffsector,x,y,z\nx,0,0,2\ny,0,0,1\nz,0,0,0\n", encoding="utf-8")
    E = read_essentiality(path)
    assert E.loc["x", "z"] == 2 and E.loc["y", "z"] == 1
    assert E.attrs["source"] == "E.csv"
    # the path itself works as well, and the result says where the matrix came from
    by_frame = esri(two_suppliers, essentiality=E, weight="w")
    by_path = esri(two_suppliers, essentiality=str(path), weight="w")
    pd.testing.assert_frame_equal(by_frame, by_path)
    assert by_path.attrs["essentiality"] == "matrix from E.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("sector,x,y\nx,0,3\ny,1,one\n")
    with pytest.raises(ChainDataError, match="values must be 0") as info:
        read_essentiality(bad)
    assert info.value.source == "bad.csv" and info.value.column == "y"
    assert info.value.rows == [2, 3]
    dup = tmp_path / "dup.csv"
    dup.write_text("sector,x,x\nx,0,1\n")
    with pytest.raises(ChainDataError, match="repeated"):
        read_essentiality(dup)
    with pytest.raises(ValueError, match="essentiality must be"):
        esri(two_suppliers, essentiality=tmp_path / "missing.txt")


# ---------------------------------------------------------------------------
# settings reach the command line and the report


def test_cli_risk_states_settings_and_takes_tol(nev):
    result = run("risk", "--dataset", "shandong-nev", "--essentiality", "template",
                 "--weight", "network_sales", "--top", "3", "--format", "csv", "--quiet")
    assert result.exit_code == 0, result.output
    assert "note: ESRI (Diem et al. 2022): essentiality=template" in result.stderr
    assert "weight=network_sales" in result.stderr and "exact fixed point" in result.stderr
    assert result.stdout.splitlines()[0] == "firm_id,esri,esri_downstream,esri_upstream"
    result = run("risk", "--dataset", "shandong-nev", "--tol", "0.01", "--top", "2",
                 "--format", "csv", "--quiet")
    assert "plain iteration, stopped at tol=0.01" in result.stderr
    assert "iterations" in result.stdout.splitlines()[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_uses_and_states_risk_settings(nev, lang):
    from chaingraph.report import build_report

    settings = dict(essentiality="template", weight="network_sales", replaceability=True)
    report = build_report(nev, lang=lang, sections=["resilience"], risk=settings)
    sec = report.sections["resilience"]
    expected = esri(nev, **settings).sort_values("esri", ascending=False)
    np.testing.assert_allclose(sec.lists["risk"]["esri"].to_numpy(), expected["esri"].to_numpy())
    # the settings in words, not as argument codes
    words = {"en": ["inputs: the template's essential flows", "replaceability: yes",
                    "weight: sales in the network (the original definition)",
                    "method: exact fixed point", "ESRI settings"],
             "zh": ["投入必要性：按图谱标注的必需流向", "可替代性：是", "权重：网络内销售额（原始定义）",
                    "方法：精确不动点", "ESRI 计算设置"]}[lang]
    shown = html.unescape(report.html)
    for text in words:
        assert text in shown
    assert "network_sales" not in report.html and "replaceability=" not in report.html
    with pytest.raises(ValueError, match="unknown risk settings"):
        build_report(nev, sections=["resilience"], risk={"essentialty": "template"})


def test_cli_report_takes_risk_settings(tmp_path):
    out = tmp_path / "report.html"
    result = run("report", "--dataset", "shandong-nev", "--section", "resilience", "--lang", "en",
                 "--essentiality", "leontief", "--sector", "segment_id", "--weight",
                 "network_sales", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "inputs: Leontief (every input essential)" in text
    assert "weight: sales in the network (the original definition)" in text
