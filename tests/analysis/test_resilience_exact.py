"""ESRI's exact fixed point against fully converged references.

The paper's plain iteration from ``h = ψ`` converges to the greatest fixed point
below the shock, arbitrarily slowly near closed supply loops;
:func:`chaingraph.systemic_risk` and :func:`chaingraph.simulate_disruption`
return that fixed point itself. It is compared here with

* the plain iteration run until nothing moves (``tol=1e-15``), written from the
  definitions (``esri_reference.py``) on small random networks, and the
  compiled plain iteration (``tol=...``, itself checked step by step against
  the written one in ``test_resilience.py``) on samples of larger networks;
* a dense exact solve for linear cascades (hitting probabilities);
* hand-worked answers where the plain iteration needs more than 10^5 steps.

On the 2,000-firm scale-free network ``sf2000`` (``tests/data/esri``) every
scenario is checked to be a fixed point of the written update; every scenario
against the plain iteration is an opt-in run (``pytest -m exhaustive``: about
an hour on two cores), because the plain iteration needs ~10^6 steps on a few
of them.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from esri_reference import (chain_of, essentiality_frame, hitting_losses, make_chain, prepare,
                            random_networks, reference_cascade, reference_esri, shares, update)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.analysis import _cascade, resilience

DATA = Path(__file__).parent.parent / "data" / "esri"
sys.path.insert(0, str(DATA))
from scale_free import scale_free_frames  # noqa: E402


def strict():
    """Warnings as errors (an uncertified scenario warns), except the adjustments' notes."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error", UserWarning)
    warnings.filterwarnings("ignore", message=".*(revenue|costs) column")
    return ctx


def esri(chain, **kw):
    ctx = strict()
    try:
        return cg.systemic_risk(chain, progress=False, **kw)
    finally:
        ctx.__exit__(None, None, None)


COLS = ["esri", "esri_downstream", "esri_upstream"]


# ---------------------------------------------------------------------------
# small random networks: every scenario against the converged plain iteration


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_exact_equals_converged_plain_iteration(case):
    # the reference is the compiled plain iteration run until nothing moves
    # (tol 1e-15); test_resilience.py checks it step by step against the
    # iteration written from the definitions
    W, sec, E, w, replace, _, rev, cost = case
    chain = chain_of(W, sec, w, rev, cost)
    kw = dict(sector="sector", essentiality=essentiality_frame(E), replaceability=replace,
              weight="w", revenue=None if rev is None else "revenue",
              costs=None if cost is None else "costs")
    r = esri(chain, **kw)
    plain = esri(chain, tol=1e-15, **kw)
    np.testing.assert_allclose(r[COLS].to_numpy(), plain[COLS].to_numpy(), rtol=0, atol=1e-10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks(max_firms=6))
def test_exact_equals_written_plain_iteration(case):
    W, sec, E, w, replace, _, rev, cost = case
    chain = chain_of(W, sec, w, rev, cost)
    r = esri(chain, sector="sector", essentiality=essentiality_frame(E), replaceability=replace,
             weight="w", revenue=None if rev is None else "revenue",
             costs=None if cost is None else "costs")
    ref = reference_esri(W, sec, E, w, replace=replace, tol=1e-15, together=True, revenue=rev,
                         costs=cost)
    np.testing.assert_allclose(r[COLS].to_numpy(), ref[:, :3], rtol=0, atol=1e-10)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks(), st.data())
def test_partial_shocks_equal_converged_plain_iteration(case, data):
    # several firms at different intensities: the shock's own floor (ψ) binds
    # or not depending on what the other shocked firms do to it
    W, sec, E, w, replace, _, rev, cost = case
    n = len(W)
    hit = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    loss = data.draw(st.lists(st.sampled_from([0.2, 0.5, 0.9, 1.0]), min_size=len(hit),
                              max_size=len(hit)))
    chain = chain_of(W, sec, w, rev, cost)
    ctx = strict()
    try:
        res = cg.simulate_disruption(
            chain, {f"f{i}": x for i, x in zip(hit, loss)}, sector="sector",
            essentiality=essentiality_frame(E), replaceability=replace, weight="w",
            revenue=None if rev is None else "revenue", costs=None if cost is None else "costs")
    finally:
        ctx.__exit__(None, None, None)
    psi = np.ones(n)
    psi[hit] = 1.0 - np.array(loss)
    hd, hu, _ = reference_cascade(W, sec, E, psi, replace=replace, tol=1e-15, revenue=rev,
                                  costs=cost)
    f = res.firm_impacts
    np.testing.assert_allclose(f["remaining_downstream"], hd, rtol=0, atol=1e-10)
    np.testing.assert_allclose(f["remaining_upstream"], hu, rtol=0, atol=1e-10)


# ---------------------------------------------------------------------------
# hand-worked: where the plain iteration is slow or the structure is awkward


def _loop_chain(leak=2.0**-20):
    """C sells a sliver of A's inputs; A and B feed each other everything else.

    Linear: yᵈ(A) = leak·yᵈ(C) + (1 − leak)·yᵈ(B) and yᵈ(B) = yᵈ(A), losses
    y = 1 − h. When C loses x, the fixed point is yᵈ(A) = yᵈ(B) = x, reached by
    the plain iteration at the rate 1 − leak per round trip: for leak ≈ 10⁻⁶,
    millions of steps. (A power of two, so that the coefficients are exact in
    floating point and the fixed point is exactly x.)
    """
    return make_chain({"firm_id": ["A", "B", "C"], "segment_id": ["x", "y", "z"],
                       "w": [1.0, 1.0, 1.0]},
                      {"supplier_id": ["C", "B", "A"], "customer_id": ["A", "A", "B"],
                       "amount": [leak, 1.0 - leak, 1.0]})


@pytest.mark.parametrize("essentiality", ["linear", "leontief"])
def test_near_closed_loop_needs_no_steps(essentiality):
    chain = _loop_chain()
    # C at half production: A and B end at half too (see _loop_chain); upstream
    # C has no suppliers. Leontief: A's inputs from z and from y are separate
    # essential groups, π_A,z = 1 − 0.5 and π_A,y = 1 − yᵈ(B): the same fixed point.
    res = cg.simulate_disruption(chain, {"C": 0.5}, essentiality=essentiality, weight="w")
    np.testing.assert_allclose(res.firm_impacts["remaining_downstream"], [0.5, 0.5, 0.5],
                               rtol=0, atol=1e-12)
    assert res.summary["loss_share"] == pytest.approx(0.5, abs=1e-12)
    # C stops: A and B end with nothing; the plain iteration at the paper's
    # tolerance stops long before
    r = esri(chain, firms=["C"], essentiality=essentiality, weight="w")
    assert r.loc["C", "esri_downstream"] == pytest.approx(1.0, abs=1e-12)
    if essentiality == "leontief":
        # separate essential groups: A loses its z input at once (step 1), B then
        # (step 2), and nothing moves in step 3: no loop to go round
        assert esri(chain, firms=["C"], essentiality=essentiality, weight="w",
                    tol=1e-2).loc["C", "iterations"] == 3
        return
    quick = esri(chain, firms=["C"], essentiality=essentiality, weight="w", tol=1e-2)
    assert quick.loc["C", "esri_downstream"] < 0.5
    # with a wider loop (leak 2⁻¹⁷) the plain iteration at tol 1e-7 takes about
    # 10^6 steps and still stops ~2.6 % short (the fall per step is leak/2 of
    # the remaining loss)
    chain = _loop_chain(2.0**-17)
    assert esri(chain, firms=["C"], essentiality=essentiality,
                weight="w").loc["C", "esri_downstream"] == pytest.approx(1.0, abs=1e-12)
    slow = esri(chain, firms=["C"], essentiality=essentiality, weight="w", tol=1e-7)
    assert slow.loc["C", "iterations"] > 100_000
    assert slow.loc["C", "esri_downstream"] < 1.0 - 1e-3


def test_closed_loop_without_input_stays_whole():
    # A and B supply only each other (a closed loop); D → E is apart. Losing D
    # leaves the loop untouched; losing A takes B with it (all its inputs).
    chain = make_chain({"firm_id": list("ABDE"), "w": [1.0] * 4},
                       {"supplier_id": ["A", "B", "D"], "customer_id": ["B", "A", "E"],
                        "amount": [3.0, 2.0, 1.0]})
    r = esri(chain, weight="w")
    assert r.loc["D", "esri_downstream"] == pytest.approx(0.5)
    assert r.loc["A"].tolist() == pytest.approx([0.5, 0.5, 0.5])
    res = cg.simulate_disruption(chain, "D", weight="w")
    assert res.firm_impacts.loc[["A", "B"], "loss"].tolist() == [0.0, 0.0]


def test_zero_amount_links_carry_nothing():
    # J buys nothing (amount 0) from S1 and 10 from S2 in the same essential
    # sector: S1's failure does not reach J, whatever the essentiality
    chain = make_chain({"firm_id": ["S1", "S2", "J"], "segment_id": ["x", "x", "z"],
                        "w": [1.0, 1.0, 1.0]},
                       {"supplier_id": ["S1", "S2"], "customer_id": ["J", "J"],
                        "amount": [0.0, 10.0]})
    for essentiality in ("linear", "leontief"):
        r = esri(chain, essentiality=essentiality, weight="w", replaceability=True)
        assert r.loc["S1", "esri"] == pytest.approx(1 / 3)
        assert r.loc["S2", "esri_downstream"] == pytest.approx(2 / 3)


def test_firms_without_suppliers_and_customers():
    # a source, a sink and an isolated firm: each scenario loses what the line
    # loses, and the isolated firm only itself
    chain = make_chain({"firm_id": ["src", "mid", "sink", "alone"], "s": list("abcd"),
                        "w": [1.0] * 4},
                       {"supplier_id": ["src", "mid"], "customer_id": ["mid", "sink"],
                        "amount": [2.0, 3.0]})
    r = esri(chain, weight="w", essentiality="leontief", sector="s")
    assert r["esri"].tolist() == pytest.approx([0.75, 0.75, 0.75, 0.25])


def test_replaceability_when_a_sector_has_almost_no_output():
    # the whole sector x sells 4e-11 (≤ 1e-10 counts as none available), so σ
    # is 1: replaceability changes nothing. With a sector that does sell, the
    # failed supplier is replaced in part (σ = its share of what is left).
    def chain(amount):
        return make_chain({"firm_id": ["S1", "S2", "J"], "segment_id": ["x", "x", "z"],
                           "w": [1.0, 1.0, 1.0]},
                          {"supplier_id": ["S1", "S2"], "customer_id": ["J", "J"],
                           "amount": [amount, amount]})
    tiny = chain(2e-11)
    with_r = esri(tiny, essentiality="leontief", replaceability=True, weight="w")
    without = esri(tiny, essentiality="leontief", weight="w")
    pd.testing.assert_frame_equal(with_r, without, check_like=True, check_exact=False,
                                  atol=1e-15)
    # J loses half its essential input: (1 + 0.5)/3
    assert without.loc["S1", "esri"] == pytest.approx(0.5)
    # amounts 1: S1 stops, sector x still has S2's 1 available, σ(S1) = min(1, 1/1) = 1
    r = esri(chain(1.0), essentiality="leontief", replaceability=True, weight="w")
    assert r.loc["S1", "esri"] == pytest.approx(0.5)


def test_amplifying_adjustments_are_capped_at_total_loss():
    # costs below network purchases make Λᵈ exceed 1 (A's cost 5 but it buys 10
    # from B): losses would grow without end around the loop A ⇄ B; they are
    # capped at 1, as the definition's max(0, ·) says
    chain = make_chain({"firm_id": ["A", "B", "C"], "costs": [5.0, 0.0, 0.0],
                        "w": [1.0, 1.0, 1.0]},
                       {"supplier_id": ["B", "A", "C"], "customer_id": ["A", "B", "A"],
                        "amount": [10.0, 4.0, 1.0]})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*costs column")
        res = cg.simulate_disruption(chain, {"C": 0.2}, weight="w", costs="costs")
    W = chain.adjacency.toarray()
    hd, _, _ = reference_cascade(W, np.zeros(3, dtype=int), np.ones((1, 1), dtype=int),
                                 np.array([1.0, 1.0, 0.8]), replace=False, tol=1e-15,
                                 costs=np.array([5.0, 0.0, 0.0]))
    np.testing.assert_allclose(res.firm_impacts["remaining_downstream"], hd, atol=1e-12)
    assert res.firm_impacts.loc["A", "remaining_downstream"] == 0.0


# ---------------------------------------------------------------------------
# sf2000 and scale-free networks of our own


def _sf_chain(firms, links):
    return make_chain(firms, links)


@pytest.fixture(scope="module")
def sf2000():
    return _sf_chain(pd.read_csv(DATA / "sf2000" / "firms.csv"),
                     pd.read_csv(DATA / "sf2000" / "links.csv"))


@pytest.fixture(scope="module")
def sf500():
    return _sf_chain(*scale_free_frames(500, seed=11))


def _mixed(chain):
    # a fixed 0/1/2 sector matrix (irrelevant 10 %, non-essential and essential 45 % each)
    secs = sorted(chain.firms["sector"].unique())
    rng = np.random.default_rng(5)
    return pd.DataFrame(rng.choice([0, 1, 2], size=(len(secs), len(secs)), p=[0.1, 0.45, 0.45]),
                        index=secs, columns=secs)


CONFIGS = {
    "linear": lambda chain: dict(essentiality="linear"),
    "leontief": lambda chain: dict(essentiality="leontief"),
    "mixed_replaceable": lambda chain: dict(essentiality=_mixed(chain), replaceability=True),
}


def _all_losses(chain, kw):
    """Loss vectors of every single-firm scenario (columns), downstream and upstream."""
    ess, _ = resilience._essentiality_setting(kw["essentiality"])
    net = resilience._network(chain, sector="sector", essentiality=ess,
                              replaceability=kw.get("replaceability", False), revenue=None,
                              costs=None)
    n = chain.n_firms
    yd = np.empty((n, n))
    yu = np.empty((n, n))
    for i in range(n):
        d, u, flag = _cascade.cascade(np.array([i], dtype=np.int32), np.ones(1), net.down, net.up)
        assert flag == 0
        yd[:, i], yu[:, i] = d, u
    return yd, yu


def _matrix(chain, kw):
    sec, secs = chain.firms["sector"].factorize()
    ess = kw["essentiality"]
    if isinstance(ess, str):
        E = np.full((len(secs), len(secs)), 2 if ess == "leontief" else 1)
    else:
        E = ess.loc[secs, secs].to_numpy()
    return sec, E


@pytest.mark.parametrize("network", ["sf2000", "sf500"])
def test_linear_every_scenario_against_dense_solve(request, network):
    # linear cascades without replaceability: the losses are hitting
    # probabilities, N[j, i] / N[i, i] with N = (I − P)⁻¹, one dense inverse per side
    chain = request.getfixturevalue(network)
    W = chain.adjacency.toarray()
    sec = np.zeros(chain.n_firms, dtype=int)
    from esri_reference import coefficients

    Ld, Lu = coefficients(W, sec, np.ones((1, 1), dtype=int))
    yd = hitting_losses(Ld.T)
    yu = hitting_losses(Lu)
    w = np.maximum(chain.out_strength, chain.in_strength)  # output without revenue
    expected = np.column_stack(shares(w, yd, yu))
    r = esri(chain, sector="sector")
    np.testing.assert_allclose(r[COLS].to_numpy(), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("network", ["sf2000", "sf500"])
def test_every_scenario_is_a_fixed_point(request, network, config):
    # the exact losses of every scenario satisfy the written update (so they are
    # at or above the plain iteration's limit), and the ESRI of the batch
    # kernel adds them up
    chain = request.getfixturevalue(network)
    kw = CONFIGS[config](chain)
    yd, yu = _all_losses(chain, kw)
    sec, E = _matrix(chain, kw)
    n = chain.n_firms
    prep = prepare(chain.adjacency.toarray(), sec, E)
    psi = np.ones((n, n)) - np.eye(n)
    hd, hu = update(prep, psi, 1 - yd, 1 - yu, replace=kw.get("replaceability", False))
    np.testing.assert_allclose(hd, 1 - yd, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hu, 1 - yu, rtol=0, atol=1e-12)
    r = esri(chain, sector="sector", **kw)
    w = np.maximum(chain.out_strength, chain.in_strength)
    np.testing.assert_allclose(r[COLS].to_numpy(), np.column_stack(shares(w, yd, yu)),
                               rtol=0, atol=1e-12)


# sf2000 scenarios on which the plain iteration is slow with Leontief inputs
# (10^3–10^4 steps: F00001, F00013, F00051, F00102), the one whose policy
# iteration meets rounding-level ties (F01065), and a spread
SF2000_SAMPLE = ["F00001", "F00013", "F00051", "F00102", "F00500", "F01065", "F01500", "F01999"]


@pytest.mark.parametrize("config", list(CONFIGS))
def test_sf2000_sample_matches_converged_plain_iteration(sf2000, config):
    kw = CONFIGS[config](sf2000)
    exact = esri(sf2000, sector="sector", firms=SF2000_SAMPLE, **kw)
    plain = cg.systemic_risk(sf2000, sector="sector", firms=SF2000_SAMPLE, tol=1e-15,
                             progress=False, **kw)
    np.testing.assert_allclose(exact[COLS].to_numpy(), plain[COLS].to_numpy(), rtol=0,
                               atol=1e-10)


@pytest.mark.exhaustive
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("network", ["sf2000", "sf500", "sf2000_own"])
def test_every_scenario_matches_converged_plain_iteration(request, network, config):
    """Opt-in (``pytest -m exhaustive``): every scenario against the plain iteration.

    Includes the sf2000 scenarios that need more than 10^5 steps to converge.
    """
    if "exhaustive" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("opt-in: pytest -m exhaustive (about an hour on two cores)")
    if network == "sf2000_own":
        chain = _sf_chain(*scale_free_frames(2000, seed=12))
    else:
        chain = request.getfixturevalue(network)
    kw = CONFIGS[config](chain)
    exact = esri(chain, sector="sector", **kw)
    plain = cg.systemic_risk(chain, sector="sector", tol=1e-15, progress=False, **kw)
    diff = (exact[COLS] - plain[COLS]).abs().max(axis=1)
    steps = plain["iterations"]
    print(f"\n{network} {config}: max |exact − plain| {diff.max():.2e}; plain steps: "
          f"median {steps.median():.0f}, max {steps.max()} ({(steps > 100_000).sum()} "
          f"scenarios > 10^5)")
    assert diff.max() <= 1e-10
