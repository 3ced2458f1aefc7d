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
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from esri_reference import (chain_of, hitting_losses, make_chain, prepare, random_networks,
                            reference_cascade, reference_esri, settings_of, shares, update)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import chaingraph as cg
from chaingraph.analysis import _cascade, _esri_inputs

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


def assert_limit_of_plain(exact, plain, steps, tol):
    """``exact`` is the limit of the plain iteration that stopped at ``plain``.

    Rows are scenarios, ``steps`` the plain iteration's steps for each (one
    number for all). How close a stopped plain iteration is to its limit:

    * It rises monotonically from below to the least fixed point (see
      ``_cascade_map``; ESRI is a weighted mean of losses), so ``plain ≤
      exact`` up to rounding: a lower bound, checked to 1e-12.
    * It stops at the first step ``T`` that moves no loss by more than
      ``tol``. Near the fixed point its moves shrink geometrically, by the
      factor ``ρ < 1`` of the slowest supply loop in play, so what it still
      lacks is ``Σ_{t > T} moves ≈ tol·ρ/(1 − ρ)``. ``1/(1 − ρ)`` is not known,
      but the steps bound it: moves that started at ``C ≤ 1`` fell to ``tol``
      in ``T`` steps, ``C ρ^T = tol``, so ``T ln(1/ρ) = ln(C/tol)`` and, as
      ``ln(1/ρ) ≤ (1 − ρ)/ρ``, what it lacks is at most ``tol·T/ln(C/tol) ≤
      tol·T`` whenever the slow loop moved by ``C ≥ e·tol`` at first. Rounding
      in each step (``≤ 1e-16 < tol``) adds an error bounded in the same way.
    * The other ``1e-10`` is the accuracy asked of the exact answer.

    So ``plain ≤ exact ≤ plain + 1e-10 + tol·T``. When f5 of
    :data:`NEAR_CLOSED` stops (75 million steps at tol 1e-15) that allows
    7.5e-8 where the plain iteration lacks 3.9e-9; on a
    scenario that converges in fewer than 10^5 steps it still catches an
    exact answer 1e-9 too high, and one 1e-12 too low on any scenario.
    """
    exact = np.asarray(exact, dtype=float)
    plain = np.asarray(plain, dtype=float)
    steps = np.asarray(steps, dtype=float)
    if exact.ndim == 2 and steps.ndim == 1:
        steps = steps[:, None]
    gap = exact - plain
    assert gap.min() >= -1e-12, f"below the plain iteration by {-gap.min():.3g}"
    excess = gap - (1e-10 + tol * steps)
    assert excess.max() <= 0, (
        f"above the plain iteration by {gap.max():.3g}, more than it can lack after its steps"
    )


# ---------------------------------------------------------------------------
# small random networks: every scenario against the converged plain iteration


#: Upstream (a firm's loss comes from its customers) f0–f4 sell only to one
#: another (f0 to f1, f2; f1 to f0, f3; f2 to f3; f3 to f4; f4 to f1) but for
#: f2's 0.5 of 74.5 to f5: a loop that loses 7.7e-7 of what goes round it
#: (see :func:`test_loop_closing_to_within_a_millionth`).
NEAR_CLOSED = np.array([[0, 104.21098419902933, 1, 0, 0, 0],
                        [0.5, 0, 0, 40.812510743970286, 0, 0],
                        [0, 0, 0, 74, 0, 0.5],
                        [0, 0, 0, 0, 1, 0],
                        [0, 1, 0, 0, 0, 0],
                        [0, 0, 0, 0, 0, 0]])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
@example((NEAR_CLOSED, np.zeros(6, dtype=int), np.array([[0]]), np.r_[1.0, np.zeros(5)],
          False, 0.0123, None, None))
def test_exact_equals_converged_plain_iteration(case):
    # the reference is the compiled plain iteration run until nothing moves
    # (tol 1e-15; test_resilience.py checks it step by step against the
    # iteration written from the definitions), which still lacks up to about
    # tol·steps of its limit (see assert_limit_of_plain)
    W, sec, E, w, replace, _, rev, cost = case
    chain = chain_of(W, sec, w, rev, cost)
    kw = settings_of(E, replace, rev, cost)
    r = esri(chain, **kw)
    plain = esri(chain, tol=1e-15, **kw)
    assert_limit_of_plain(r[COLS], plain[COLS], plain["iterations"], 1e-15)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks(max_firms=6))
def test_exact_equals_written_plain_iteration(case):
    W, sec, E, w, replace, _, rev, cost = case
    chain = chain_of(W, sec, w, rev, cost)
    r = esri(chain, **settings_of(E, replace, rev, cost))
    ref = reference_esri(W, sec, E, w, replace=replace, tol=1e-15, together=True, revenue=rev,
                         costs=cost)
    assert_limit_of_plain(r[COLS], ref[:, :3], ref[:, 3], 1e-15)


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
            chain, {f"f{i}": x for i, x in zip(hit, loss)}, **settings_of(E, replace, rev, cost))
    finally:
        ctx.__exit__(None, None, None)
    psi = np.ones(n)
    psi[hit] = 1.0 - np.array(loss)
    hd, hu, steps = reference_cascade(W, sec, E, psi, replace=replace, tol=1e-15, revenue=rev,
                                      costs=cost)
    f = res.firm_impacts
    # losses: the plain iteration's remaining production h falls to the fixed point
    assert_limit_of_plain(1 - f["remaining_downstream"], 1 - hd, steps, 1e-15)
    assert_limit_of_plain(1 - f["remaining_upstream"], 1 - hu, steps, 1e-15)


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


def test_loop_closing_to_within_a_millionth():
    # NEAR_CLOSED upstream (a firm's loss is Σ_c Λᵘ[j, c] y_c, Λᵘ = W / sales;
    # essentiality 0: nothing flows downstream), w on f0 only, so ESRI is f0's
    # upstream loss y0. With λ01 = a/(a + 1), λ02 = 1/(a + 1), λ10 = 0.5/(0.5 + b),
    # λ13 = b/(0.5 + b), λ23 = 74/74.5, λ25 = 0.5/74.5, λ34 = λ41 = 1 (a, b the
    # amounts 104.21…, 40.81…):
    # * f5 stops: every firm of the loop {f0, …, f4} sells only inside it,
    #   except f2's 0.5 to f5, so its walk towards customers ends at f5 for
    #   sure: y0 = 1. Per round from f1 (1 → 3 → 4 → 1 w.p. λ13, 1 → 0 → 2 → 5
    #   w.p. λ10 λ02 λ25 ≈ 7.7e-7) the loop leaks less than a millionth: the
    #   plain iteration takes 7.5·10^7 steps to tol 1e-15 and stops 3.9e-9 short.
    # * f2 stops: {f0, f1, f3, f4} sells only inside it and to f2: y0 = 1.
    # * f0 stops: y0 = 1 itself.
    # * f1 stops: y3 = y4 = 1 (f4 sells only to f1, f3 only to f4),
    #   y2 = λ23 y3 + λ25·0 = λ23, y0 = λ01 + λ02 λ23.
    # * f3 or f4 stops: y4 = 1 and y3 = 1 (either way), y2 = λ23,
    #   y1 = λ13 + λ10 y0, y0 = λ01 y1 + λ02 λ23
    #   ⇒ y0 = (λ01 λ13 + λ02 λ23) / (1 − λ01 λ10).
    # Worked in exact rational arithmetic on the amounts as stored.
    a, b = (Fraction(NEAR_CLOSED[0, 1]), Fraction(NEAR_CLOSED[1, 3]))
    l01, l02 = a / (a + 1), 1 / (a + 1)
    l10, l13 = Fraction(1, 2) / (Fraction(1, 2) + b), b / (Fraction(1, 2) + b)
    l23 = Fraction(74) / Fraction(149, 2)
    y3 = (l01 * l13 + l02 * l23) / (1 - l01 * l10)
    hand = [1, l01 + l02 * l23, 1, y3, y3, 1]
    chain = chain_of(NEAR_CLOSED, np.zeros(6, dtype=int), np.r_[1.0, np.zeros(5)])
    kw = settings_of(np.array([[0]]), False, None, None)
    r = esri(chain, **kw)
    error = [float(Fraction(x) - h) for x, h in zip(r["esri"], hand)]
    # the loop's (I − R)⁻¹ is computed without subtraction (gth_inverse), so
    # its entries are accurate to a few units in the last place although they
    # are ~10^6 (the walk's expected visits): each ESRI to a few ulps of 1
    np.testing.assert_allclose(error, 0.0, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(r["esri_downstream"], [1, 0, 0, 0, 0, 0])
    # the comparison with the plain iteration (run on f5 by the example of
    # test_exact_equals_converged_plain_iteration: 45 s) holds where the
    # iteration is quick, and catches an exact answer 1e-9 too high there
    # (f1, f3, f4: under 20 steps) or 1e-11 too low anywhere
    quick = ["f0", "f1", "f3", "f4"]
    plain = esri(chain, tol=1e-15, firms=quick, **kw)
    assert (plain["iterations"].to_numpy() < [10**4, 20, 20, 20]).all()
    exact = r.loc[quick, COLS].to_numpy()
    assert_limit_of_plain(exact, plain[COLS], plain["iterations"], 1e-15)
    with pytest.raises(AssertionError):
        assert_limit_of_plain(exact + [[0], [1e-9], [0], [0]], plain[COLS], plain["iterations"],
                              1e-15)
    with pytest.raises(AssertionError):
        assert_limit_of_plain(exact - [[0], [0], [0], [1e-11]], plain[COLS],
                              plain["iterations"], 1e-15)


def test_near_closed_loop_of_essential_inputs():
    # Leontief: A buys from sector x (B 3,000,000.1, D 1) and from sector z (C
    # 1), B only from A. A has two essential groups, so the loop A ⇄ B is
    # solved by policy iteration (step 3), not by a kept inverse. D stops:
    # A's x-group loses ε·1 + (1 − ε) y_B with ε = 1/3,000,001.1, and
    # y_B = y_A, so y_A = y_B = 1 (the loop leaks only to D); the z-group
    # loses 0. Solved as 1 − (1 − ε) by subtraction this came out 1e-10
    # short; from the leak ε itself it is exact.
    chain = make_chain({"firm_id": list("ABCD"), "segment_id": ["a", "x", "z", "x"],
                        "w": [1.0] * 4},
                       {"supplier_id": ["B", "D", "C", "A"], "customer_id": ["A", "A", "A", "B"],
                        "amount": [3_000_000.1, 1.0, 1.0, 1.0]})
    res = cg.simulate_disruption(chain, "D", essentiality="leontief", weight="w")
    np.testing.assert_allclose(res.firm_impacts["remaining_downstream"], [0, 0, 1, 0], rtol=0,
                               atol=1e-15)
    # ESRI of D: A, B and D stop, C does not
    r = esri(chain, firms=["D"], essentiality="leontief", weight="w")
    assert r.loc["D", "esri"] == pytest.approx(0.75, abs=1e-15)


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
    ess, _ = _esri_inputs._essentiality_setting(kw["essentiality"])
    net = _esri_inputs._network(chain, sector="sector", essentiality=ess,
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
